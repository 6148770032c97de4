import { test } from 'node:test';
import assert from 'node:assert/strict';
import { overrideLines } from '../src/lib/overrides.js';

// Issue 25, point 2: the options page shows every endpoint override the host has in force.
test('each override in force shows its variable and URL; a refused one says so', () => {
  const info = {
    endpoint_overrides: [
      { variable: 'AWS_ENDPOINT_URL_STS', url: 'http://127.0.0.1:4566' },
      { variable: 'AWS_ENDPOINT_URL_SSO', refused: 'The endpoint override AWS_ENDPOINT_URL_SSO is refused: plain http …' },
    ],
  };
  assert.deepEqual(overrideLines(info), [
    { variable: 'AWS_ENDPOINT_URL_STS', text: 'http://127.0.0.1:4566', refused: false },
    { variable: 'AWS_ENDPOINT_URL_SSO', text: 'refused: The endpoint override AWS_ENDPOINT_URL_SSO is refused: plain http …', refused: true },
  ]);
});

test('none, an older host, or malformed entries show nothing', () => {
  assert.deepEqual(overrideLines({ protocol: 6 }), []);
  assert.deepEqual(overrideLines(null), []);
  assert.deepEqual(overrideLines({ endpoint_overrides: 'x' }), []);
  assert.deepEqual(overrideLines({ endpoint_overrides: [null, { variable: '<b>x</b>', url: 'http://a' }, { variable: 'AWS_ENDPOINT_URL_STS' }, { variable: 'AWS_ENDPOINT_URL_STS', url: 7 }] }), []);
});
