import { test } from 'node:test';
import assert from 'node:assert/strict';
import { clickStep, confirmText, isProduction } from '../src/lib/risk.js';

const prod = { id: 'acme-prod', label: 'Acme prod', risk: 'production' };
const dev = { id: 'acme-dev', label: 'Acme dev', risk: null };

test('a production role asks first; the same Enter or click again opens', () => {
  assert.equal(clickStep(prod, null), 'ask');
  assert.equal(confirmText(prod), 'Open production: Acme prod?');
  assert.equal(clickStep(prod, 'acme-prod'), 'open', 'the second step');
  assert.equal(clickStep(prod, 'other-prod'), 'ask', 'a question about another role does not count');
});

test('other roles, older hosts (no risk) and confirmation turned off open at once', () => {
  assert.equal(clickStep(dev, null), 'open');
  assert.equal(clickStep({ id: 'old', label: 'Old host role' }, null), 'open');
  assert.equal(clickStep(prod, null, { confirmProduction: false }), 'open');
  assert.equal(isProduction({ risk: 'PRODUCTION' }), false, 'only the protocol\'s value');
  assert.equal(confirmText({ id: 'x', risk: 'production' }), 'Open production: x?');
});
