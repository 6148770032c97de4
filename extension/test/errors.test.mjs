import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RolecallError, classifyDisconnect, describeError, nextStep } from '../src/lib/errors.js';

test('host errors keep the host\'s sentence and gain a next step', () => {
  const d = describeError(new RolecallError('access_denied', 'AWS refused to let gateway \'corp\' assume role \'x\'.', { code: 1004, data: { kind: 'access_denied', role_arn: 'arn:aws:iam::1:role/x' } }));
  assert.equal(d.kind, 'access_denied');
  assert.equal(d.message, 'AWS refused to let gateway \'corp\' assume role \'x\'.');
  assert.match(d.next, /trust policy/);
  assert.equal(d.data, undefined); // role_arn is not passed on
});

test('the next steps that say how to fix the set-up name the commands', () => {
  assert.match(nextStep('host_missing'), /rolecall install/);
  assert.match(nextStep('keyring_unavailable'), /keyring/i);
  assert.match(nextStep('keyring_unavailable'), /rolecall doctor/);
  assert.match(nextStep('credentials_missing', { gateway: 'corp' }), /rolecall gateway add 'corp'/);
  assert.match(nextStep('credentials_invalid', { gateway: 'corp' }), /rolecall gateway add 'corp'/);
  assert.match(nextStep('config_invalid', { path: '/x/config.toml' }), /\/x\/config\.toml/);
  assert.match(nextStep('unknown_method'), /same release/);
  assert.equal(nextStep('some_future_kind'), '');
});

test('every protocol kind has a next step except mfa_required (the prompt handles it)', () => {
  const kinds = ['parse_error', 'frame_too_large', 'invalid_request', 'unknown_method', 'invalid_params', 'unknown_role', 'mfa_invalid', 'access_denied', 'credentials_missing', 'keyring_unavailable', 'upstream_unavailable', 'upstream_error', 'invalid_destination', 'config_invalid', 'credentials_invalid', 'unknown_gateway', 'response_too_large', 'internal'];
  for (const kind of kinds) assert.notEqual(nextStep(kind, {}), '', kind);
  assert.equal(nextStep('mfa_required'), '');
});

test('MFA data fields pass through for the prompt', () => {
  const d = describeError(new RolecallError('mfa_required', 'Enter the MFA code.', { data: { kind: 'mfa_required', gateway: 'corp', mfa_serial: 'arn:aws:iam::1:mfa/ana' } }));
  assert.deepEqual(d.data, { gateway: 'corp', mfa_serial: 'arn:aws:iam::1:mfa/ana' });
});

test('unknown failures still give a sentence', () => {
  assert.equal(describeError(undefined).kind, 'extension_error');
  assert.match(describeError(undefined).message, /background/);
  assert.equal(describeError(new RolecallError('host_missing', '')).message, 'The rolecall host is not installed for this browser.');
  assert.equal(describeError(new RolecallError('brand_new', '')).message, 'Something went wrong.');
});

test('disconnect messages of both browsers are classified', () => {
  assert.equal(classifyDisconnect('No such native application dev.rolecall.host'), 'host_missing');
  assert.equal(classifyDisconnect('Specified native messaging host not found.'), 'host_missing');
  assert.equal(classifyDisconnect('Access to the specified native messaging host is forbidden.'), 'host_forbidden');
  assert.equal(classifyDisconnect('Native host has exited.'), 'host_disconnected');
  assert.equal(classifyDisconnect('An unexpected error occurred'), 'host_disconnected');
  assert.equal(classifyDisconnect(undefined), 'host_disconnected');
});
