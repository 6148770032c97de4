import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AWS_ORIGINS, isSessionCookieDomain, missingOrigins, originFor, removeSessionCookies } from '../src/lib/cookies.js';

const DOMAINS = ['aws.amazon.com', 'amazonaws-us-gov.com', 'amazonaws.cn', '127.0.0.1'];

test('a session cookie is one of the domains or under it; an address has no subdomains', () => {
  for (const d of ['aws.amazon.com', '.aws.amazon.com', 'signin.aws.amazon.com', '.eu-west-1.console.aws.amazon.com', 'AWS.Amazon.com', 'console.amazonaws.cn', '127.0.0.1'])
    assert.ok(isSessionCookieDomain(d, DOMAINS), d);
  for (const d of ['amazon.com', '.amazon.com', 'evilaws.amazon.com.example', 'notaws.amazon.com.evil', 'example.com', '1127.0.0.1', 'x.127.0.0.1', ''])
    assert.ok(!isSessionCookieDomain(d, DOMAINS), d);
});

test('the host permission for each domain; the manifest covers the partitions', () => {
  assert.deepEqual(DOMAINS.map(originFor), [...AWS_ORIGINS, '*://127.0.0.1/*']);
  assert.deepEqual(missingOrigins(DOMAINS, AWS_ORIGINS), ['*://127.0.0.1/*']);
  assert.deepEqual(missingOrigins(DOMAINS, [...AWS_ORIGINS, '*://127.0.0.1/*']), []);
  assert.deepEqual(missingOrigins(DOMAINS, ['<all_urls>']), []);
  assert.deepEqual(missingOrigins(['localhost'], []), ['*://localhost/*']);
});

function fakeCookies(all) {
  const removed = [];
  return {
    removed,
    async getAll({ domain, storeId, firstPartyDomain, partitionKey }) {
      assert.equal(firstPartyDomain, null);
      assert.deepEqual(partitionKey, {});
      // Firefox: the domain and its subdomains (a looser match than ours, to prove the filter).
      return all.filter((c) => c.storeId === storeId && c.domain.replace(/^\./, '').endsWith(domain));
    },
    async remove(d) {
      removed.push(d);
      return d;
    },
  };
}

test('only the container\'s cookies of the session domains go; a domain without permission is left and named', async () => {
  const cookies = fakeCookies([
    { name: 'aws-creds', domain: '.signin.aws.amazon.com', path: '/', secure: true, storeId: 'firefox-container-1', firstPartyDomain: '' },
    { name: 'noflush', domain: 'eu-west-1.console.aws.amazon.com', path: '/console', secure: true, storeId: 'firefox-container-1', firstPartyDomain: '' },
    { name: 'other-jar', domain: '.signin.aws.amazon.com', path: '/', secure: true, storeId: 'firefox-container-2', firstPartyDomain: '' },
    { name: 'lookalike', domain: 'fakeaws.amazon.com', path: '/', secure: true, storeId: 'firefox-container-1', firstPartyDomain: '' },
    { name: 'fake_console_session', domain: '127.0.0.1', path: '/', secure: false, storeId: 'firefox-container-1', firstPartyDomain: '' },
  ]);
  const granted = new Set(AWS_ORIGINS);
  const permissions = { contains: async ({ origins }) => origins.every((o) => granted.has(o)) };
  const got = await removeSessionCookies({ cookies, permissions }, 'firefox-container-1', DOMAINS);
  assert.deepEqual(got, { removed: 2, unreached: ['127.0.0.1'] });
  assert.deepEqual(cookies.removed, [
    { url: 'https://signin.aws.amazon.com/', name: 'aws-creds', storeId: 'firefox-container-1', firstPartyDomain: '' },
    { url: 'https://eu-west-1.console.aws.amazon.com/console', name: 'noflush', storeId: 'firefox-container-1', firstPartyDomain: '' },
  ]);
  granted.add('*://127.0.0.1/*');
  const again = await removeSessionCookies({ cookies, permissions }, 'firefox-container-1', DOMAINS);
  assert.equal(again.unreached.length, 0);
  assert.deepEqual(cookies.removed.at(-1), { url: 'http://127.0.0.1/', name: 'fake_console_session', storeId: 'firefox-container-1', firstPartyDomain: '' });
});
