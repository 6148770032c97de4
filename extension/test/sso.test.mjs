import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FAILED_TTL_MS, createSsoLogins, isVerificationUrl, ssoPromptText } from '../src/lib/sso.js';

const T0 = Date.parse('2026-12-01T00:00:00Z');
const DENIED = { kind: 'sso_login_denied', message: 'The IAM Identity Center sign-in for \'acme\' was denied.' };

test('only web pages are opened as verification pages', () => {
  for (const ok of ['https://device.sso.eu-west-1.amazonaws.com/?user_code=ABCD-EFGH', 'http://127.0.0.1:39415/device?user_code=X', 'http://localhost:8080/device', 'http://[::1]:1/device']) {
    assert.equal(isVerificationUrl(ok), true, ok);
  }
  for (const bad of ['javascript:alert(1)', 'file:///etc/passwd', 'data:text/html,x', 'http://evil.example/device', 'https://user:pw@device.sso.example/', 'not a url', '', null, undefined]) {
    assert.equal(isVerificationUrl(bad), false, String(bad));
  }
});

test('the prompt names the code to approve', () => {
  assert.equal(ssoPromptText('ABCD-EFGH'), 'Approve code ABCD-EFGH in the tab that opened');
});

test('roles of one source share one sign-in; its view shows each waiting role with the code', () => {
  const logins = createSsoLogins();
  assert.equal(logins.waiting('acme', T0), null);
  const login = logins.begin('acme', { userCode: 'ABCD-EFGH', expiresAt: T0 + 600_000, url: 'https://x/?user_code=ABCD-EFGH' });
  logins.join('acme', 'admin', () => 'open admin');
  assert.equal(logins.waiting('acme', T0 + 1000), login, 'a second click joins the same sign-in');
  logins.join('acme', 'read', () => 'open read');
  assert.deepEqual(logins.view(T0), [
    { role: 'admin', sso: 'acme', state: 'waiting', userCode: 'ABCD-EFGH', expiresAt: T0 + 600_000 },
    { role: 'read', sso: 'acme', state: 'waiting', userCode: 'ABCD-EFGH', expiresAt: T0 + 600_000 },
  ]);
  assert.equal(JSON.stringify(logins.view(T0)).includes('https://'), false, 'the page\'s URL is not in the view');
  assert.equal(logins.waiting('acme', T0 + 600_000), null, 'an expired code is not joined');
  assert.deepEqual(logins.view(T0 + 600_000), [], 'nor shown');
  assert.throws(() => logins.join('other', 'x', () => {}), /no sign-in/);
});

test('approved: the jobs are handed over once; roles show opening until each job ends', () => {
  const logins = createSsoLogins();
  const login = logins.begin('acme', { userCode: 'C', expiresAt: T0 + 600_000, url: 'https://x/' });
  logins.join('acme', 'admin', () => 1);
  logins.join('acme', 'admin', () => 2); // the last click wins
  logins.join('acme', 'read', () => 3);
  const jobs = logins.approved(login);
  assert.deepEqual(jobs.map(([role, job]) => [role, job()]), [['admin', 2], ['read', 3]]);
  assert.equal(logins.waiting('acme', T0), null, 'the sign-in is over');
  assert.deepEqual(logins.view(T0).map((v) => [v.role, v.state]), [['admin', 'opening'], ['read', 'opening']]);
  logins.jobDone('admin');
  logins.jobFailed('read', 'acme', { kind: 'access_denied', message: 'no' }, T0);
  assert.deepEqual(logins.view(T0), [{ role: 'read', sso: 'acme', state: 'failed', error: { kind: 'access_denied', message: 'no' } }]);
});

test('denied or expired: every waiting role shows the error for a while, or until clicked again', () => {
  const logins = createSsoLogins();
  const login = logins.begin('acme', { userCode: 'C', expiresAt: T0 + 600_000, url: 'https://x/' });
  logins.join('acme', 'admin', () => {});
  logins.join('acme', 'read', () => {});
  logins.failed(login, DENIED, T0);
  assert.equal(logins.waiting('acme', T0), null);
  assert.deepEqual(logins.view(T0).map((v) => [v.role, v.state, v.error.kind]), [['admin', 'failed', 'sso_login_denied'], ['read', 'failed', 'sso_login_denied']]);
  logins.clear('admin');
  assert.deepEqual(logins.view(T0).map((v) => v.role), ['read']);
  // A new sign-in that 'read' joins replaces its old failure.
  logins.begin('acme', { userCode: 'D', expiresAt: T0 + 600_000, url: 'https://x/' });
  logins.join('acme', 'read', () => {});
  assert.deepEqual(logins.view(T0).map((v) => [v.role, v.state]), [['read', 'waiting']]);
  const other = createSsoLogins();
  const l2 = other.begin('acme', { userCode: 'C', expiresAt: T0 + 600_000, url: 'https://x/' });
  other.join('acme', 'x', () => {});
  other.failed(l2, DENIED, T0);
  assert.deepEqual(other.view(T0 + FAILED_TTL_MS + 1), [], 'old failures are dropped');
});

test('a sign-in replaced by a newer one of the same source does not end the newer one', () => {
  const logins = createSsoLogins();
  const old = logins.begin('acme', { userCode: 'OLD', expiresAt: T0 + 600_000, url: 'https://x/' });
  const fresh = logins.begin('acme', { userCode: 'NEW', expiresAt: T0 + 600_000, url: 'https://x/' });
  logins.join('acme', 'admin', () => {});
  logins.failed(old, DENIED, T0);
  assert.equal(logins.waiting('acme', T0), fresh);
  assert.deepEqual(logins.view(T0).map((v) => [v.role, v.userCode]), [['admin', 'NEW']]);
});
