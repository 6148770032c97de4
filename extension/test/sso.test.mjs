import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FAILED_TTL_MS, createSsoLogins, isVerificationUrl, oidcIsLoopback, ssoPromptText } from '../src/lib/sso.js';

const T0 = Date.parse('2026-12-01T00:00:00Z');
const DENIED = { kind: 'sso_login_denied', message: 'The IAM Identity Center sign-in for \'acme\' was denied.' };

test('only AWS sign-in pages are opened as verification pages', () => {
  for (const ok of ['https://device.sso.eu-west-1.amazonaws.com/?user_code=ABCD-EFGH', 'https://device.sso.cn-north-1.amazonaws.cn/', 'https://device.sso.us-gov-west-1.amazonaws-us-gov.com/', 'https://d-1234567890.awsapps.com/start/#/device?user_code=X', 'https://d-1234567890.awsapps.cn/start/', 'https://DEVICE.SSO.eu-west-1.AMAZONAWS.com:443/']) {
    assert.equal(isVerificationUrl(ok), true, ok);
  }
  for (const bad of ['javascript:alert(1)', 'file:///etc/passwd', 'data:text/html,x', 'http://evil.example/device', 'https://evil.example/device', 'https://amazonaws.com.evil.example/', 'https://evilamazonaws.com/', 'https://amazonaws.com/', 'https://device.sso.eu-west-1.amazonaws.com./', 'https://device.sso.eu-west-1.amazonaws.com:8443/', 'http://device.sso.eu-west-1.amazonaws.com/', 'https://user:pw@device.sso.eu-west-1.amazonaws.com/', 'https://device.sso.eu-west-1.amazonaws.com/\u001b[2J', 'https://device.sso.eu-west-1.amazonaws.com/\u202eevil', 'https://device.sso.eu-west-1.amazonaws.com/\n', `https://device.sso.eu-west-1.amazonaws.com/?${'a'.repeat(3000)}`, 'https://54.239.28.85/', 'not a url', '', null, undefined, 42]) {
    assert.equal(isVerificationUrl(bad), false, String(bad));
  }
});

test('the start URL\'s host passes too, on its own port and https only', () => {
  const startUrl = 'https://acme.example.org/start';
  assert.equal(isVerificationUrl('https://acme.example.org/device?user_code=X', { startUrl }), true);
  assert.equal(isVerificationUrl('https://ACME.example.org/device', { startUrl }), true);
  for (const bad of ['http://acme.example.org/device', 'https://acme.example.org:8443/device', 'https://other.example.org/device']) {
    assert.equal(isVerificationUrl(bad, { startUrl }), false, bad);
  }
  assert.equal(isVerificationUrl('https://acme.example.org/device', { startUrl: 'http://acme.example.org/start' }), false);
});

test('loopback pages pass only while the host\'s OIDC endpoint is loopback', () => {
  for (const page of ['http://127.0.0.1:39415/device?user_code=X', 'http://localhost:8080/device', 'http://[::1]:1/device']) {
    assert.equal(isVerificationUrl(page), false, page);
    assert.equal(isVerificationUrl(page, { oidcLoopback: true }), true, page);
  }
  assert.equal(isVerificationUrl('http://evil.example/device', { oidcLoopback: true }), false);
  assert.equal(isVerificationUrl('http://10.0.0.1/device', { oidcLoopback: true }), false);
  assert.equal(oidcIsLoopback({ endpoint_overrides: [{ variable: 'AWS_ENDPOINT_URL_SSO_OIDC', url: 'http://127.0.0.1:39415' }] }), true);
  assert.equal(oidcIsLoopback({ endpoint_overrides: [{ variable: 'AWS_ENDPOINT_URL_SSO_OIDC', url: 'https://oidc.example.net' }] }), false);
  assert.equal(oidcIsLoopback({ endpoint_overrides: [{ variable: 'AWS_ENDPOINT_URL_SSO', url: 'http://127.0.0.1:1' }] }), false, 'the portal is not the OIDC endpoint');
  assert.equal(oidcIsLoopback({ endpoint_overrides: [{ variable: 'AWS_ENDPOINT_URL_SSO_OIDC', refused: 'plain http …' }] }), false);
  assert.equal(oidcIsLoopback({}), false, 'an older host lists none');
  assert.equal(oidcIsLoopback(null), false);
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
