import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AWS_ORIGINS, GUARD_MS, createCookieGuard, isSessionCookieDomain, missingOrigins, originFor, removeSessionCookies } from '../src/lib/cookies.js';
import { fakeEvent, fakeTimers } from './fakes.mjs';

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

// Issue 26, point 2: a tab still signing in when its container was signed out.
test('the cookie guard removes session cookies set in a guarded container, until released or GUARD_MS later', async () => {
  const removed = [];
  const cookies = { onChanged: fakeEvent(), remove: async (d) => (removed.push(d), d) };
  const timers = fakeTimers();
  const guard = createCookieGuard({ cookies }, { timers });
  const set = (storeId, domain = '127.0.0.1', extra = {}) => cookies.onChanged.fire({ removed: false, cause: 'explicit', cookie: { name: 'fake_console_session', domain, path: '/', secure: false, storeId, ...extra } });
  assert.equal(cookies.onChanged.listeners.size, 0, 'nothing heard while nothing is guarded');
  guard.guard(['firefox-container-1', 'firefox-container-2'], DOMAINS);
  assert.equal(cookies.onChanged.listeners.size, 1);
  assert.deepEqual(timers.pending(), [GUARD_MS, GUARD_MS]);
  set('firefox-container-1', '127.0.0.1', { firstPartyDomain: '', partitionKey: { topLevelSite: 'http://127.0.0.1' } });
  set('firefox-container-3'); // not signed out
  set('firefox-container-1', 'example.com'); // not a console's
  cookies.onChanged.fire({ removed: true, cause: 'explicit', cookie: { name: 'x', domain: '127.0.0.1', path: '/', storeId: 'firefox-container-1' } });
  await new Promise((r) => setTimeout(r, 0));
  assert.deepEqual(removed, [{ url: 'http://127.0.0.1/', name: 'fake_console_session', storeId: 'firefox-container-1', firstPartyDomain: '', partitionKey: { topLevelSite: 'http://127.0.0.1' } }]);
  assert.equal(guard.removed, 1);
  // rolecall opens a console in container 2: its cookie stays.
  guard.release('firefox-container-2');
  set('firefox-container-2');
  await new Promise((r) => setTimeout(r, 0));
  assert.equal(removed.length, 1);
  assert.equal(guard.guarding('firefox-container-2'), false);
  assert.equal(guard.guarding('firefox-container-1'), true);
  timers.fire();
  assert.equal(guard.guarding('firefox-container-1'), false);
  assert.equal(cookies.onChanged.listeners.size, 0, 'the listener goes with the last guarded container');
  guard.guard(['firefox-container-1'], DOMAINS);
  guard.release('firefox-container-1');
  assert.equal(guard.listening(), false);
  createCookieGuard({ cookies: {} }).guard(['x'], DOMAINS); // no cookies.onChanged (Chromium): nothing to do
});
