import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RolecallError, classifyDisconnect, describeError, nextStep } from '../src/lib/errors.js';

test('host errors keep the host\'s sentence; no next step repeats the host\'s advice', () => {
  const d = describeError(new RolecallError('access_denied', 'AWS refused to let gateway \'corp\' assume x. Check the role\'s trust policy.', { code: 1004, data: { kind: 'access_denied', role_arn: 'arn:aws:iam::1:role/x' } }));
  assert.equal(d.kind, 'access_denied');
  assert.equal(d.message, 'AWS refused to let gateway \'corp\' assume x. Check the role\'s trust policy.');
  assert.equal(d.next, '');
  assert.equal(d.data, undefined); // role_arn is not passed on
  for (const kind of ['keyring_unavailable', 'credentials_missing', 'credentials_invalid', 'mfa_invalid', 'config_invalid', 'upstream_unavailable', 'unknown_gateway', 'internal']) {
    assert.equal(nextStep(kind), '', kind);
  }
});

test('what the host cannot say, the extension does', () => {
  assert.match(nextStep('host_missing'), /rolecall install/);
  assert.match(nextStep('host_forbidden'), /rolecall install/);
  assert.match(nextStep('host_disconnected'), /rolecall doctor/);
  assert.match(nextStep('timeout'), /rolecall doctor/);
  assert.match(nextStep('unknown_role'), /reopen the popup/);
  assert.match(nextStep('upstream_error'), /rolecall doctor/);
  for (const kind of ['parse_error', 'frame_too_large', 'invalid_request', 'unknown_method', 'invalid_params']) {
    assert.match(nextStep(kind), /same release/, kind);
  }
  assert.equal(nextStep('mfa_required'), '', 'the prompt handles it');
  assert.equal(nextStep('some_future_kind'), '');
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
