import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RolecallError, classifyDisconnect, describeError, nextStep } from '../src/lib/errors.js';

test('a host message with AWS\'s text: a headline first, the next step, the whole message as details', () => {
  const aws = 'AWS refused to let gateway \'corp\' assume arn:aws:iam::1:role/x: User: arn:aws:iam::9:user/gw is not authorized to perform: sts:AssumeRole. Check the role\'s trust policy and the gateway user\'s IAM policy.';
  const d = describeError(new RolecallError('access_denied', aws, { code: 1004, data: { kind: 'access_denied', role_arn: 'arn:aws:iam::1:role/x' } }));
  assert.equal(d.kind, 'access_denied');
  assert.equal(d.message, 'AWS refused to let the gateway assume this role.');
  assert.equal(d.next, 'Check the role\'s trust policy and the gateway user\'s IAM policy.');
  assert.equal(d.details, aws);
  assert.equal(d.data, undefined); // role_arn is not passed on
  const keys = describeError(new RolecallError('credentials_invalid', 'AWS does not accept the keys of gateway \'corp\' (InvalidClientTokenId).', { data: { gateway: 'corp' } }));
  assert.equal(keys.message, 'AWS does not accept the gateway\'s keys.');
  assert.match(keys.next, /`rolecall gateway add corp --access-key-id <ID>`/);
  assert.match(keys.details, /InvalidClientTokenId/);
  for (const kind of ['keyring_unavailable', 'upstream_unavailable', 'upstream_error', 'config_invalid', 'internal']) {
    const e = describeError(new RolecallError(kind, 'Host text (with a reason).'));
    assert.notEqual(e.message, 'Host text (with a reason).', kind);
    assert.equal(e.details, 'Host text (with a reason).', kind);
    assert.notEqual(e.next, '', kind);
  }
});

test('a short host sentence that says what to do is shown whole, with no details and no repeated advice', () => {
  for (const kind of ['credentials_missing', 'mfa_invalid', 'unknown_gateway', 'browser_not_found', 'browser_launch_failed']) {
    const d = describeError(new RolecallError(kind, 'Gateway \'corp\' has no keys in the keyring. Store them with `rolecall gateway add corp`.'));
    assert.match(d.message, /^Gateway 'corp' has no keys/, kind);
    assert.equal(d.details, undefined, kind);
    assert.equal(d.next, '', kind);
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
  // Protocol 7: what the prompt says a code covers, and why the MFA command gave none.
  const seven = describeError(new RolecallError('mfa_required', 'Enter the MFA code.', { data: { kind: 'mfa_required', gateway: 'corp', mfa_mode: 'daily', mfa_session_hours: 10, mfa_process_error: 'it exited with status 1' } }));
  assert.deepEqual(seven.data, { gateway: 'corp', mfa_mode: 'daily', mfa_process_error: 'it exited with status 1', mfa_session_hours: 10 });
  const odd = describeError(new RolecallError('mfa_required', 'Enter the MFA code.', { data: { gateway: 'corp', mfa_mode: 7, mfa_session_hours: '10', mfa_process_error: null } }));
  assert.deepEqual(odd.data, { gateway: 'corp' }, 'fields of the wrong type are left out');
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
