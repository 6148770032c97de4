import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isConsoleUrl, isSignInUrl, loadAndClose, renewalAnchor, showsSignIn } from '../src/lib/console-tabs.js';
import { fakeTabs, fakeTimers } from './fakes.mjs';

const DOMAINS = ['aws.amazon.com', 'amazonaws-us-gov.com', 'amazonaws.cn', '127.0.0.1'];
const SIGNIN = 'https://signin.aws.amazon.com/federation?Action=login&Issuer=rolecall&Destination=x&SigninToken=SECRET';

test('console URLs: AWS console pages, never the sign-in service or a URL with a token', () => {
  for (const u of ['https://eu-west-1.console.aws.amazon.com/ec2/home?region=eu-west-1#Instances:', 'https://console.amazonaws-us-gov.com/', 'http://127.0.0.1:4000/s3/home'])
    assert.ok(isConsoleUrl(u, DOMAINS), u);
  for (const u of [SIGNIN, 'https://signin.aws.amazon.com/oauth?x=1', 'https://us-east-1.signin.aws.amazon.com/', 'https://example.com/', 'about:blank', 'moz-extension://x/popup.html', 'https://user:pw@console.aws.amazon.com/', 'javascript:alert(1)', 'not a url', undefined])
    assert.ok(!isConsoleUrl(u, DOMAINS), String(u));
  assert.ok(isSignInUrl(SIGNIN));
  assert.ok(!isSignInUrl('https://console.aws.amazon.com/?login=1'));
});

test('the sign-in page is known by its title or the sign-in host', () => {
  assert.ok(showsSignIn({ title: 'Sign in', url: 'http://127.0.0.1:4000/console/home' }));
  assert.ok(showsSignIn({ title: 'Amazon Web Services Sign-In', url: 'https://signin.aws.amazon.com/oauth?redirect_uri=x' }));
  assert.ok(!showsSignIn({ title: 'Console: arn:aws:sts::1:assumed-role/A/b', url: 'http://127.0.0.1:4000/console/home' }));
  assert.ok(!showsSignIn({ title: 'Signing documents', url: 'https://console.aws.amazon.com/' }));
});

test('a renewal lands on the most recently used console tab that is still signed in', () => {
  const tabs = [
    { id: 1, url: 'https://console.aws.amazon.com/ec2/home', title: 'EC2', lastAccessed: 10 },
    { id: 2, url: 'https://console.aws.amazon.com/s3/home', title: 'S3', lastAccessed: 30 },
    { id: 3, url: 'about:newtab', title: 'New Tab', lastAccessed: 50 },
    { id: 4, url: 'https://console.aws.amazon.com/iam/home', title: 'Sign in', lastAccessed: 40 },
    { id: 5, url: SIGNIN, title: 'loading', lastAccessed: 60 },
  ];
  assert.equal(renewalAnchor(tabs, DOMAINS).id, 2);
  assert.equal(renewalAnchor([tabs[2], tabs[4]], DOMAINS), null);
});

test('loadAndClose: waits for the console page (after the sign-in redirect), then closes the tab', async () => {
  const tabs = fakeTabs([], {
    onCreate: (tab, t) => {
      t.set(tab, { status: 'loading', url: SIGNIN });
      t.set(tab, { status: 'complete', url: 'https://console.aws.amazon.com/s3/home', title: 'S3' });
    },
  });
  await loadAndClose(tabs, { url: SIGNIN, cookieStoreId: 'c1', active: false }, { timers: fakeTimers() });
  assert.deepEqual(tabs.log.created, [{ url: SIGNIN, cookieStoreId: 'c1', active: false }]);
  assert.deepEqual(tabs.log.removed, [100]);
  assert.equal(tabs.onUpdated.listeners.size + tabs.onRemoved.listeners.size, 0, 'listeners removed');
});

test('loadAndClose: a sign-in page that stays (AWS refused) fails without quoting the URL; the tab is closed', async () => {
  const tabs = fakeTabs([], { onCreate: (tab, t) => t.set(tab, { status: 'complete', url: SIGNIN, title: 'Bad Request' }) });
  await assert.rejects(loadAndClose(tabs, { url: SIGNIN }, { timers: fakeTimers() }), (e) => !e.message.includes('SECRET') && /did not lead to the console/.test(e.message));
  assert.deepEqual(tabs.log.removed, [100]);
});

test('loadAndClose: a page that never loads times out and is closed; a refused create quotes nothing', async () => {
  const timers = fakeTimers();
  const tabs = fakeTabs();
  const done = loadAndClose(tabs, { url: SIGNIN }, { timers, timeoutMs: 5000 });
  await new Promise((r) => setTimeout(r, 0));
  assert.deepEqual(timers.pending(), [5000]);
  timers.fire();
  await assert.rejects(done, /did not load in time/);
  assert.deepEqual(tabs.log.removed, [100]);

  const refusing = fakeTabs();
  refusing.create = async (p) => {
    throw new Error(`Illegal URL: ${p.url}`);
  };
  await assert.rejects(loadAndClose(refusing, { url: SIGNIN }, { timers: fakeTimers() }), (e) => !e.message.includes('SECRET'));
});

test('loadAndClose: a tab that already finished when create returned is not waited for', async () => {
  const tabs = fakeTabs();
  const create = tabs.create;
  tabs.create = async (p) => {
    const t = await create(p);
    tabs.all.find((x) => x.id === t.id).status = 'complete';
    tabs.all.find((x) => x.id === t.id).url = 'https://console.aws.amazon.com/';
    return t;
  };
  await loadAndClose(tabs, { url: SIGNIN }, { timers: fakeTimers() });
  assert.deepEqual(tabs.log.removed, [100]);
});
