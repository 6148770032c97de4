// The background's care of live consoles, against fake browser APIs, a fake host and a fake
// clock: badge, alarm, silent renewal in the role's container, notifications, sign-out and
// console.prepare.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FIRST_SCREEN_KEY, createService } from '../src/lib/service.js';
import { ALARM, NOTIFICATION_PREFIX, RECORD_KEY, SECOND_LOOK_MS, renewalNotice } from '../src/lib/lifecycle.js';
import { SIGNED_OUT_KEY } from '../src/lib/containers.js';
import { GUARD_MS } from '../src/lib/cookies.js';
import { consolePill } from '../src/lib/timeleft.js';
import { PENDING_KEY } from '../src/lib/pending.js';
import { MIN_AGE_MS } from '../src/lib/schedule.js';
import { RolecallError } from '../src/lib/errors.js';
import { fakeEvent, fakeIdentities, fakeStorage, fakeTabs, fakeTimers } from './fakes.mjs';

const MIN = 60_000;
const T0 = Date.parse('2026-12-01T00:00:00Z');
const iso = (ms) => new Date(ms).toISOString();
const CONSOLE = 'https://eu-west-1.console.aws.amazon.com';
const SIGNIN = 'https://signin.aws.amazon.com/federation?Action=login&SigninToken=SECRET';
const DOMAINS = ['aws.amazon.com', 'amazonaws-us-gov.com', 'amazonaws.cn'];
const me = { id: 'rolecall@rolecall.dev', url: 'moz-extension://uuid/popup.html' };

// A host whose state the test moves: roles with consoles, what console.open mints.
function fakeHost({ protocol = 3, settings = { renew_before_minutes: 10, auto_renew: true }, clock }) {
  const roles = [
    { id: 'a', label: 'Prod admin', account_id: '111111111111', role_name: 'Admin', color: 'red', icon: 'briefcase', mfa: false, needs_code: false, session: null },
    { id: 'm', label: 'MFA admin', account_id: '444444444444', role_name: 'MfaAdmin', color: 'blue', icon: 'fence', mfa: true, needs_code: true, session: null },
  ];
  const calls = [];
  const host = {
    roles,
    calls,
    refuse: {}, // method → error for the next call
    extra: {}, // method → answer (a function of the params), for methods the fake lacks
    consoleLength: 60 * MIN,
    setConsole(id, end, renewable = 'silent') {
      roles.find((r) => r.id === id).session = { console_expires_at: iso(end), credentials_expire_at: null, renewable };
    },
    async request(method, params) {
      calls.push({ method, params: structuredClone(params) });
      const err = host.refuse[method];
      if (err) {
        delete host.refuse[method];
        throw err;
      }
      if (host.extra[method]) return host.extra[method](params);
      if (method === 'host.info') return { protocol, settings, session_cookie_domains: DOMAINS };
      if (method === 'roles.list') return { roles: structuredClone(roles) };
      if (method === 'console.prepare') return { prepared: params.roles };
      if (method === 'session.forget') {
        for (const r of roles) if (!params || params.role === r.id) r.session = null;
        return { forgotten: 1 };
      }
      if (method === 'console.open') {
        const role = roles.find((r) => r.id === params.role);
        const end = clock.now + host.consoleLength;
        host.setConsole(role.id, end);
        return { url: SIGNIN, role: role.id, account_id: role.account_id, container: { name: role.label, color: role.color, icon: role.icon }, console_expires_at: iso(end), prepared: false };
      }
      throw new Error(`unexpected ${method}`);
    },
  };
  return host;
}

// Browser APIs with a renewal tab that loads the console (after the sign-in redirect).
function fakeBrowser({ containers = true, load = 'console' } = {}) {
  const badge = {};
  const alarms = new Map();
  const notifications = new Map();
  const windows = [];
  const removedCookies = [];
  const tabs = fakeTabs([], {
    onCreate: (tab, t) => {
      if (!tab.url?.startsWith('https://signin.')) return;
      if (load === 'console') t.set(tab, { status: 'complete', url: `${CONSOLE}/s3/home`, title: 'S3' });
      if (load === 'refused') t.set(tab, { status: 'complete', url: tab.url, title: 'Bad Request' });
    },
  });
  const api = {
    runtime: { id: 'rolecall@rolecall.dev', getURL: (p) => `moz-extension://uuid/${p}`, sendMessage: async () => undefined },
    storage: { local: fakeStorage(), session: fakeStorage() },
    tabs,
    windows: { create: async (p) => windows.push(p), update: async () => {} },
    action: {
      setBadgeText: async ({ text }) => (badge.text = text),
      setBadgeBackgroundColor: async ({ color }) => (badge.color = color),
      setBadgeTextColor: async ({ color }) => (badge.textColor = color),
      setTitle: async ({ title }) => (badge.title = title),
    },
    alarms: { create: async (name, info) => alarms.set(name, info), clear: async (name) => alarms.delete(name), onAlarm: fakeEvent() },
    notifications: { create: async (id, n) => notifications.set(id, n), clear: async (id) => notifications.delete(id), onClicked: fakeEvent() },
    cookies: {
      getAll: async ({ domain, storeId }) => [{ name: 'aws-creds', domain: `.signin.${domain}`, path: '/', secure: true, storeId }],
      remove: async (d) => (removedCookies.push(d), d),
      onChanged: fakeEvent(),
    },
    permissions: { contains: async () => true },
  };
  if (containers) api.contextualIdentities = fakeIdentities();
  return { api, badge, alarms, notifications, windows, removedCookies, tabs };
}

async function world({ containers = true, protocol = 3, settings, load, chromiumMode } = {}) {
  const clock = { now: T0 };
  const timers = fakeTimers();
  const host = fakeHost({ protocol, settings, clock });
  const b = fakeBrowser({ containers, load });
  if (chromiumMode) await b.api.storage.local.set({ settings: { chromiumMode } });
  const svc = createService({ api: b.api, client: host, now: () => clock.now, timers });
  const settle = () => new Promise((r) => setTimeout(r, 5));
  return { clock, timers, host, svc, settle, ...b };
}

// Opens role `id` from the popup and puts a console tab in its container.
async function openRole(w, id, path = '/ec2/home?region=eu-west-1') {
  const r = await w.svc.handle({ type: 'open', role: id }, me);
  assert.equal(r.ok, true, JSON.stringify(r));
  const tab = w.tabs.all.find((t) => t.id === r.tabId);
  Object.assign(tab, { status: 'complete', url: `${CONSOLE}${path}`, title: 'Console', lastAccessed: w.clock.now, index: 0, windowId: 1 });
  await w.settle();
  return { ...r, tab };
}

const opens = (host) => host.calls.filter((c) => c.method === 'console.open');

test('an older host gets none of it: no badge, no alarm, no prepare, no consoles in the list', async () => {
  const w = await world({ protocol: 2 });
  const list = await w.svc.handle({ type: 'roles' }, me);
  await w.settle();
  assert.equal(list.consoles, null);
  assert.deepEqual(w.badge, {});
  assert.equal(w.alarms.size, 0);
  assert.equal(w.host.calls.some((c) => c.method === 'console.prepare'), false);
  assert.equal((await w.svc.handle({ type: 'signOut', role: 'a' }, me)).error.kind, 'extension_error');
});

test('the popup\'s list carries the host\'s settings; the badge counts live consoles and the alarm is set', async () => {
  const w = await world({ settings: { renew_before_minutes: 14, auto_renew: true } });
  await openRole(w, 'a');
  const list = await w.svc.handle({ type: 'roles' }, me);
  await w.settle();
  assert.deepEqual(list.consoles, { renewBeforeMinutes: 14, autoRenew: true, cookieDomains: DOMAINS, renew: true });
  assert.equal(w.badge.text, '1');
  assert.equal(w.badge.color, '#0061e0');
  assert.equal(w.alarms.get(ALARM).when, T0 + 60 * MIN - 14 * MIN + 1000, 'wakes when the renewal is due');
});

test('silent renewal: a background tab of the same container, at the last used console page, closed once loaded; the user\'s tabs untouched', async () => {
  const w = await world();
  const { tab, cookieStoreId } = await openRole(w, 'a');
  const other = { id: 7, cookieStoreId, url: `${CONSOLE}/iam/home`, title: 'IAM', status: 'complete', lastAccessed: T0 - 5 * MIN, index: 3, windowId: 1 };
  w.tabs.all.push(other);
  w.clock.now = T0 + 50 * MIN; // 10 minutes before the end
  await w.svc.lifecycle.alarm({ name: ALARM });
  await w.settle();
  const [first, renewal] = opens(w.host);
  assert.deepEqual(first.params, { role: 'a' });
  assert.deepEqual(renewal.params, { role: 'a', destination: `${CONSOLE}/ec2/home?region=eu-west-1` }, 'the most recently used tab\'s URL');
  const created = w.tabs.log.created.at(-1);
  assert.deepEqual(created, { url: SIGNIN, cookieStoreId, active: false, windowId: 1, index: 1 });
  assert.deepEqual(w.tabs.log.removed, [101], 'the renewal tab, and only it, is closed');
  assert.deepEqual(w.tabs.log.reloaded, [], 'the user\'s tabs are not reloaded');
  assert.deepEqual(w.tabs.log.updated, [], 'nor navigated');
  assert.deepEqual(w.tabs.all.map((t) => t.id).sort(), [tab.id, 7].sort());
  const record = w.api.storage.session.data[RECORD_KEY].a;
  assert.deepEqual(record, { minted: { end: T0 + 110 * MIN, at: T0 + 50 * MIN }, renewedFor: T0 + 60 * MIN });
  assert.equal(w.alarms.get(ALARM).when, T0 + 100 * MIN + 1000, 'the next renewal');
  assert.equal(JSON.stringify(w.api.storage).includes('SECRET'), false, 'no sign-in URL stored');
});

test('the same console end is never renewed twice, even when the host did not move it', async () => {
  const w = await world();
  await openRole(w, 'a');
  w.clock.now = T0 + 55 * MIN;
  const frozen = T0 + 60 * MIN;
  const request = w.host.request;
  w.host.request = async (method, params) => {
    const r = await request(method, params);
    if (method === 'console.open') w.host.setConsole('a', frozen); // the state did not move
    return r;
  };
  await w.svc.lifecycle.alarm({ name: ALARM });
  await w.settle();
  w.clock.now += MIN_AGE_MS + MIN;
  await w.svc.lifecycle.alarm({ name: ALARM });
  await w.settle();
  assert.equal(opens(w.host).length, 2, 'one open, one renewal');
});

test('a destination the host refuses falls back to the default; a tab on the sign-in page is reloaded once', async () => {
  const w = await world();
  const { tab } = await openRole(w, 'a');
  Object.assign(tab, { title: 'Sign in' }); // the console had ended: AWS shows its sign-in page
  const anchor = { id: 8, cookieStoreId: tab.cookieStoreId, url: `${CONSOLE}/weird`, title: 'W', status: 'complete', lastAccessed: T0, index: 1, windowId: 1 };
  w.tabs.all.push(anchor);
  w.host.refuse['console.open'] = new RolecallError('invalid_destination', 'no', { data: { kind: 'invalid_destination' } });
  w.clock.now = T0 + 55 * MIN;
  await w.svc.lifecycle.alarm({ name: ALARM });
  await w.settle();
  const [, refused, renewal] = opens(w.host);
  assert.equal(refused.params.destination, `${CONSOLE}/weird`);
  assert.deepEqual(renewal.params, { role: 'a' });
  assert.deepEqual(w.tabs.log.reloaded, [tab.id]);
  w.timers.fire(); // the second look, a little later: still on the sign-in page, not again
  await w.settle();
  assert.deepEqual(w.tabs.log.reloaded, [tab.id]);
  assert.ok(SECOND_LOOK_MS > 0);
});

test('a failed silent renewal is recorded, not thrown; the badge turns amber and it is retried later', async () => {
  const w = await world({ load: 'refused' });
  await openRole(w, 'a');
  w.clock.now = T0 + 50 * MIN;
  await w.svc.lifecycle.alarm({ name: ALARM });
  await w.settle();
  const record = w.api.storage.session.data[RECORD_KEY].a;
  assert.equal(record.failures, 1);
  assert.equal(record.retryAt, T0 + 51 * MIN);
  // The host minted a console the tabs never got: the old end still counts.
  assert.deepEqual(record.stale, { hostEnd: T0 + 110 * MIN, realEnd: T0 + 60 * MIN });
  assert.equal(w.badge.color, '#ffa436');
  assert.equal(w.alarms.get(ALARM).when, T0 + 51 * MIN + 1000);
  await w.svc.lifecycle.alarm({ name: ALARM }); // fired early: nothing
  await w.settle();
  assert.equal(opens(w.host).length, 2);
});

test('a console that needs a code: a notification, once; its click brings up the MFA prompt to renew', async () => {
  const w = await world();
  await openRole(w, 'a');
  w.host.setConsole('a', T0 + 60 * MIN, 'mfa');
  w.clock.now = T0 + 50 * MIN;
  await w.svc.lifecycle.alarm({ name: ALARM });
  await w.svc.lifecycle.alarm({ name: ALARM });
  await w.settle();
  assert.equal(opens(w.host).length, 1, 'no renewal without the code');
  assert.deepEqual([...w.notifications.keys()], [`${NOTIFICATION_PREFIX}a`]);
  assert.deepEqual(w.notifications.get(`${NOTIFICATION_PREFIX}a`), {
    type: 'basic',
    iconUrl: 'moz-extension://uuid/icons/48.png',
    title: 'MFA code to renew Prod admin',
    message: 'Prod admin: 10m left on its console. Renewing it needs an MFA code: click to enter it.',
  });
  assert.equal(w.badge.color, '#ffa436');

  w.host.refuse['console.open'] = new RolecallError('mfa_required', 'Enter the MFA code', { data: { kind: 'mfa_required', gateway: 'secure' } });
  await w.svc.lifecycle.notificationClicked(`${NOTIFICATION_PREFIX}a`);
  assert.deepEqual(w.windows, [{ url: 'moz-extension://uuid/popup.html?renew=a', type: 'popup', width: 420, height: 480 }]);
  const pending = w.api.storage.session.data[PENDING_KEY];
  assert.deepEqual([pending.role, pending.gateway, pending.action], ['a', 'secure', 'renew']);
  assert.equal(w.notifications.size, 0);

  // The popup sends the code: the renewal runs as a silent one would.
  const r = await w.svc.handle({ type: 'renew', role: 'a', mfaCode: '123456' }, me);
  assert.equal(r.ok, true);
  assert.equal(opens(w.host).at(-1).params.mfa_code, '123456');
  assert.equal(w.tabs.log.created.at(-1).active, false);
});

test('a console that needs an Identity Center sign-in says so; its click opens the verification page, then renews', async () => {
  const w = await world();
  await openRole(w, 'a');
  w.host.setConsole('a', T0 + 60 * MIN, 'sso_login');
  w.clock.now = T0 + 50 * MIN;
  await w.svc.lifecycle.alarm({ name: ALARM });
  await w.settle();
  assert.equal(opens(w.host).length, 1, 'no renewal without a sign-in');
  assert.equal(w.notifications.get(`${NOTIFICATION_PREFIX}a`).message, 'Prod admin: 10m left on its console. Renewing it needs an IAM Identity Center sign-in: click to start it.');

  let approve;
  w.host.extra['sso.login'] = () => ({ verification_uri_complete: 'https://device.sso.eu-west-1.amazonaws.com/?user_code=WXYZ-BCDF', user_code: 'WXYZ-BCDF', expires_at: iso(w.clock.now + 10 * MIN) });
  w.host.extra['sso.wait'] = () => new Promise((resolve) => (approve = () => resolve({ authorized: true, expires_at: iso(w.clock.now + 60 * MIN) })));
  w.host.refuse['console.open'] = new RolecallError('sso_login_required', 'Sign in to IAM Identity Center \'acme\' to open \'a\'.', { data: { kind: 'sso_login_required', sso: 'acme' } });
  const created = w.tabs.log.created.length;
  await w.svc.lifecycle.notificationClicked(`${NOTIFICATION_PREFIX}a`);
  const page = w.tabs.log.created[created];
  assert.equal(page.url, 'https://device.sso.eu-west-1.amazonaws.com/?user_code=WXYZ-BCDF');
  assert.equal(page.cookieStoreId, 'firefox-default', 'the verification page is not in the role\'s container');
  assert.equal(page.active, true);
  assert.deepEqual(w.windows, [], 'no MFA prompt window');
  assert.equal(opens(w.host).length, 2, 'the refused renewal');

  approve();
  await w.settle();
  await w.settle();
  assert.equal(opens(w.host).length, 3, 'renewed once approved');
  const renewal = w.tabs.log.created.at(-1);
  assert.equal(renewal.url, SIGNIN);
  assert.equal(renewal.active, false, 'a background tab of the role\'s container, as any renewal');
  assert.notEqual(renewal.cookieStoreId, 'firefox-default');
  assert.equal(JSON.stringify([w.api.storage.local.data, w.api.storage.session.data]).includes('WXYZ'), false, 'the code is never stored');
});

test('with auto_renew off the user is told instead, and a click renews without a code', async () => {
  const w = await world({ settings: { renew_before_minutes: 10, auto_renew: false } });
  await openRole(w, 'a');
  w.clock.now = T0 + 51 * MIN;
  await w.svc.lifecycle.alarm({ name: ALARM });
  await w.settle();
  assert.equal(opens(w.host).length, 1);
  assert.equal(w.notifications.get(`${NOTIFICATION_PREFIX}a`).message, 'Prod admin: 9m left on its console. Click to renew it.');
  await w.svc.lifecycle.notificationClicked(`${NOTIFICATION_PREFIX}a`);
  assert.equal(opens(w.host).length, 2);
  assert.deepEqual(w.windows, []);
});

test('with notifications off ([settings] notifications = false) none is sent; the badge still tells', async () => {
  const w = await world({ settings: { renew_before_minutes: 10, auto_renew: true, notifications: false } });
  await openRole(w, 'a');
  w.host.setConsole('a', T0 + 60 * MIN, 'mfa');
  w.clock.now = T0 + 50 * MIN;
  await w.svc.lifecycle.alarm({ name: ALARM });
  await w.svc.lifecycle.alarm({ name: ALARM });
  await w.settle();
  assert.equal(w.notifications.size, 0);
  assert.equal(w.badge.color, '#ffa436', 'amber: a console needs the user');
  assert.equal(opens(w.host).length, 1, 'no renewal without the code');
  // A click on a notification sent before the setting changed: a failure is not told either.
  w.host.refuse['console.open'] = new RolecallError('access_denied', 'AWS refused', { data: { kind: 'access_denied' } });
  await w.svc.lifecycle.notificationClicked(`${NOTIFICATION_PREFIX}a`);
  assert.equal(w.notifications.size, 0);
});

test('Chromium isolated windows: told, not renewed unseen; Renew launches a new window of the role\'s browser', async () => {
  const w = await world({ containers: false });
  w.host.roles[0].window_open = true;
  const request = w.host.request;
  w.host.request = async (method, params) => {
    const r = await request(method, params);
    return method === 'console.open' ? { launched: true, role: params.role, console_expires_at: r.console_expires_at } : r;
  };
  await w.svc.handle({ type: 'open', role: 'a' }, me);
  await w.settle();
  w.clock.now = T0 + 50 * MIN;
  await w.svc.lifecycle.alarm({ name: ALARM });
  await w.settle();
  assert.equal(opens(w.host).length, 1);
  assert.ok(w.notifications.has(`${NOTIFICATION_PREFIX}a`));
  const r = await w.svc.handle({ type: 'renew', role: 'a' }, me);
  assert.equal(r.ok, true);
  assert.deepEqual(opens(w.host).at(-1).params, { role: 'a', open_in: 'isolated_window' });
  assert.deepEqual(w.tabs.log.created, []);
});

test('red when a console ended with its tabs open; closing them clears it without asking the host', async () => {
  const w = await world();
  const { tab } = await openRole(w, 'a');
  w.host.setConsole('a', T0 + 60 * MIN, 'mfa');
  w.clock.now = T0 + 61 * MIN;
  await w.svc.lifecycle.alarm({ name: ALARM });
  await w.settle();
  assert.deepEqual([w.badge.text, w.badge.color], ['!', '#d70022']);
  const asked = w.host.calls.length;
  await w.tabs.remove(tab.id);
  w.svc.lifecycle.tabsChanged();
  w.timers.fire();
  await w.settle();
  assert.deepEqual([w.badge.text, w.badge.color], ['', '#0061e0']);
  assert.equal(w.host.calls.length, asked, 'from the kept view');
});

test('sign out: the container\'s session cookies, session.forget for the role, its record; sign out of all: every container', async () => {
  const w = await world();
  const a = await openRole(w, 'a');
  w.host.roles[1].needs_code = false;
  const m = await openRole(w, 'm');
  const r = await w.svc.handle({ type: 'signOut', role: 'a' }, me);
  assert.deepEqual([r.ok, r.mode, r.removed, r.unreached], [true, 'container', 3, []]);
  assert.deepEqual(new Set(w.removedCookies.map((c) => c.storeId)), new Set([a.cookieStoreId]));
  assert.deepEqual(w.host.calls.filter((c) => c.method === 'session.forget').map((c) => c.params), [{ role: 'a' }]);
  assert.equal(RECORD_KEY in w.api.storage.session.data && 'a' in w.api.storage.session.data[RECORD_KEY], false);
  assert.equal(w.badge.text, '1');
  assert.deepEqual(w.api.storage.local.data.recent, ['m'], 'not prepared again until opened');

  const all = await w.svc.handle({ type: 'signOutAll' }, me);
  assert.equal(all.ok, true);
  assert.deepEqual(new Set(w.removedCookies.map((c) => c.storeId)), new Set([a.cookieStoreId, m.cookieStoreId]));
  assert.deepEqual(w.host.calls.filter((c) => c.method === 'session.forget').at(-1).params, undefined, 'everything');
  assert.equal(w.badge.text, '');
  assert.deepEqual(w.api.storage.session.data[RECORD_KEY], {});
  assert.deepEqual(w.api.storage.local.data.recent, []);
});

test('a sign-out, of one role or of all, removes the popup\'s kept first screen; the next opening keeps its own', async () => {
  const w = await world();
  await openRole(w, 'a');
  const kept = () => w.api.storage.local.data[FIRST_SCREEN_KEY];
  const open = () => w.svc.handle({ type: 'roles', cached: true, text: true, head: 5 }, me);
  await open();
  await w.settle();
  assert.ok(kept()?.value.items.length > 0, 'kept');
  assert.equal((await w.svc.handle({ type: 'signOutAll' }, me)).ok, true);
  await w.settle();
  assert.equal(FIRST_SCREEN_KEY in w.api.storage.local.data, false, 'gone with "Sign out of all"');
  // The popup's refresh after the sign-out (no first screen asked for) does not bring it back.
  await w.svc.handle({ type: 'roles', text: true, since: null }, me);
  await w.settle();
  assert.equal(kept(), undefined);
  const shown = await open();
  await w.settle();
  assert.deepEqual(kept(), { n: 5, value: shown.head }, 'the next opening keeps the one it shows');

  await openRole(w, 'a');
  assert.equal((await w.svc.handle({ type: 'signOut', role: 'a' }, me)).ok, true);
  await w.settle();
  assert.equal(kept(), undefined, 'gone with one role\'s sign-out too (session.forget)');
});

test('a cookie domain without permission is left and named', async () => {
  const w = await world();
  await openRole(w, 'a');
  w.api.permissions.contains = async ({ origins }) => !origins[0].includes('amazonaws.cn');
  const r = await w.svc.handle({ type: 'signOut', role: 'a' }, me);
  assert.deepEqual(r.unreached, ['amazonaws.cn']);
});

test('the popup\'s list prepares live and recent roles, not those needing a code', async () => {
  const w = await world();
  await openRole(w, 'a');
  await w.svc.handle({ type: 'roles' }, me);
  await w.settle();
  assert.deepEqual(w.host.calls.filter((c) => c.method === 'console.prepare').map((c) => c.params), [{ roles: ['a'] }]);
  await w.svc.handle({ type: 'roles', prepare: false }, me);
  await w.settle();
  assert.equal(w.host.calls.filter((c) => c.method === 'console.prepare').length, 1, 'the options page prepares nothing');
  assert.deepEqual(w.api.storage.local.data.recent, ['a']);
});

test('an alarm whose look fails (no host) sets the next one five minutes on', async () => {
  const w = await world();
  await openRole(w, 'a');
  w.host.refuse['roles.list'] = new RolecallError('host_disconnected', 'gone');
  w.clock.now = T0 + 20 * MIN;
  await assert.rejects(w.svc.lifecycle.alarm({ name: ALARM }));
  assert.equal(w.alarms.get(ALARM).when, T0 + 25 * MIN + 1000);
});

test('a sign-out during a renewal waits for it, so the renewal cannot sign the role in again after', async () => {
  const w = await world({ load: 'none' });
  const { cookieStoreId } = await openRole(w, 'a');
  w.clock.now = T0 + 50 * MIN;
  const renewal = w.svc.handle({ type: 'renew', role: 'a' }, me);
  await w.settle();
  const renewalTab = w.tabs.all.find((t) => t.url === SIGNIN);
  assert.ok(renewalTab, 'the renewal tab is loading');
  const out = w.svc.handle({ type: 'signOut', role: 'a' }, me);
  await w.settle();
  assert.deepEqual(w.removedCookies, [], 'not before the renewal is done');
  w.tabs.set(renewalTab, { status: 'complete', url: `${CONSOLE}/`, title: 'Console' });
  assert.equal((await renewal).ok, true);
  assert.equal((await out).ok, true);
  assert.ok(w.removedCookies.length > 0 && w.removedCookies.every((c) => c.storeId === cookieStoreId));
  assert.equal(w.host.roles[0].session, null, 'forgotten after the renewal, not before');
});

// Issue 26, point 9: the notification names the role, says what renewing takes, and counts the
// minutes as the row's pill does (one function for both: timeleft.js's timeLeftText).
test('a renewal notice: the label, what renewing needs, and the row\'s own minutes', () => {
  const end = T0 + 5 * MIN;
  const role = (renewable, extra = {}) => ({ id: 'm', label: 'MFA admin', session: { console_expires_at: iso(end), renewable }, ...extra });
  const pill = (now) => consolePill(role('mfa'), now, { renewBeforeMs: 10 * MIN, autoRenew: true }).text;
  for (const left of [5 * MIN, 5 * MIN - 1, 4 * MIN + 1, 59_000, 1]) {
    const now = end - left;
    const { message } = renewalNotice(role('mfa'), end, now);
    assert.ok(message.startsWith(`MFA admin: ${pill(now)} on its console.`), `${left} ms left: ${message} / ${pill(now)}`);
  }
  assert.equal(renewalNotice(role('mfa'), end, end - 5 * MIN + 1).message, 'MFA admin: 4m left on its console. Renewing it needs an MFA code: click to enter it.', 'rounded down as the row: never "5 min"');
  assert.deepEqual(renewalNotice(role('mfa'), end, end + 1), { title: 'MFA code to renew MFA admin', message: 'MFA admin: its console has ended. Renewing it needs an MFA code: click to enter it.' });
  assert.equal(renewalNotice(role('sso_login'), end, end - MIN).title, 'Sign in to renew MFA admin');
  assert.equal(renewalNotice(role('silent'), end, end - MIN).message, 'MFA admin: 1m left on its console. Click to renew it.');
  assert.equal(renewalNotice(role(undefined, { needs_code: true }), end, end - MIN).title, 'MFA code to renew MFA admin', 'an older host: needs_code says it');
  assert.equal(renewalNotice({ id: 'x', session: {} }, end, end - MIN).title, 'Renew x', 'no label: the id');
});

// Issue 26, point 2: "Sign out of all" must end every console, every time.
test('a silent renewal that comes due as the user signs out of all does not sign the role in again', async () => {
  const w = await world({ load: 'none' });
  const { cookieStoreId } = await openRole(w, 'a');
  w.clock.now = T0 + 50 * MIN; // due
  // The renewal's console.open is slow to answer: the sign-out starts while it is minted.
  const request = w.host.request;
  let mint;
  w.host.request = async (method, params) => {
    if (method === 'console.open' && !mint) await new Promise((r) => (mint = r));
    return request(method, params);
  };
  const alarm = w.svc.lifecycle.alarm({ name: ALARM });
  await w.settle();
  assert.ok(mint, 'the renewal asked the host');
  const out = w.svc.handle({ type: 'signOutAll' }, me);
  await w.settle();
  mint();
  assert.equal((await out).ok, true);
  await alarm;
  await w.settle();
  assert.equal(w.tabs.log.created.length, 1, 'the minted console was never loaded (only the first open\'s tab)');
  assert.deepEqual(w.api.storage.local.data[SIGNED_OUT_KEY], { [cookieStoreId]: T0 + 50 * MIN });
  assert.deepEqual(w.api.storage.session.data[RECORD_KEY] ?? {}, {}, 'no failed renewal recorded for it');
  const list = await w.svc.handle({ type: 'roles' }, me);
  assert.deepEqual(list.open, [], 'its tab is no live console');
});

test('an open in flight when the role is signed out loads nothing; the next open does, and the row is open again', async () => {
  const w = await world();
  const first = await openRole(w, 'a');
  const request = w.host.request;
  let mint;
  w.host.request = async (method, params) => {
    if (method === 'console.open' && !mint) await new Promise((r) => (mint = r));
    return request(method, params);
  };
  const opening = w.svc.handle({ type: 'open', role: 'a' }, me);
  await w.settle();
  assert.equal((await w.svc.handle({ type: 'signOut', role: 'a' }, me)).ok, true);
  mint();
  const r = await opening;
  assert.deepEqual([r.ok, r.error.kind, r.error.message], [false, 'signed_out', 'Prod admin was signed out while its console was on its way: nothing was opened.']);
  assert.equal(w.tabs.log.created.length, 1);
  assert.deepEqual((await w.svc.handle({ type: 'roles' }, me)).open, [], 'a tab of a signed-out container is not open');
  // Focus mode does not switch to the signed-out tab: it opens a new console.
  await w.api.storage.local.set({ settings: { clickBehavior: 'focus' } });
  await w.settle();
  const again = await w.svc.handle({ type: 'open', role: 'a' }, me);
  assert.equal(again.ok, true);
  assert.equal(again.focused, undefined);
  assert.equal(again.cookieStoreId, first.cookieStoreId, 'in the same container');
  assert.deepEqual(w.api.storage.local.data[SIGNED_OUT_KEY], {}, 'signed in again');
  assert.deepEqual((await w.svc.handle({ type: 'roles' }, me)).open, ['a']);
});

test('cookies a tab still signing in sets after the sign-out are removed as they come, in that container only, for a while', async () => {
  const w = await world();
  const a = await openRole(w, 'a');
  w.host.roles[1].needs_code = false;
  const m = await openRole(w, 'm');
  assert.equal((await w.svc.handle({ type: 'signOut', role: 'a' }, me)).ok, true);
  const onChanged = w.api.cookies.onChanged;
  assert.equal(onChanged.listeners.size, 1, 'listening while a container is guarded');
  const before = w.removedCookies.length;
  const cookie = (storeId, domain = '.signin.aws.amazon.com') => ({ name: 'aws-creds', domain, path: '/', secure: true, storeId });
  onChanged.fire({ removed: false, cookie: cookie(a.cookieStoreId), cause: 'explicit' });
  onChanged.fire({ removed: false, cookie: cookie(m.cookieStoreId), cause: 'explicit' });
  onChanged.fire({ removed: false, cookie: cookie(a.cookieStoreId, '.example.com'), cause: 'explicit' });
  onChanged.fire({ removed: true, cookie: cookie(a.cookieStoreId), cause: 'explicit' });
  await w.settle();
  assert.deepEqual(w.removedCookies.slice(before), [{ url: 'https://signin.aws.amazon.com/', name: 'aws-creds', storeId: a.cookieStoreId }]);
  // A new open of the role: its console's cookie stays.
  await openRole(w, 'a');
  assert.equal(onChanged.listeners.size, 0, 'nothing guarded any more');
  // Signed out again: guarded for GUARD_MS, then the listener goes.
  await w.svc.handle({ type: 'signOutAll' }, me);
  assert.equal(onChanged.listeners.size, 1);
  assert.ok(w.timers.pending().includes(GUARD_MS));
  w.timers.fire();
  assert.equal(onChanged.listeners.size, 0);
});

test('a renewal never runs for a signed-out container, even when the host still has a console for it', async () => {
  const w = await world();
  await openRole(w, 'a');
  assert.equal((await w.svc.handle({ type: 'signOut', role: 'a' }, me)).ok, true);
  w.host.setConsole('a', T0 + 60 * MIN); // e.g. opened from another browser meanwhile
  w.clock.now = T0 + 55 * MIN;
  await w.svc.lifecycle.alarm({ name: ALARM });
  await w.settle();
  assert.equal(opens(w.host).length, 1, 'only the first open');
  assert.equal(w.badge.text, '1', 'counted as a console, not in use');
});

test('only the user signs a signed-out container in again: a silent renewal\'s console, even with a ticket taken after the sign-out, does not load', async () => {
  const w = await world();
  const { cookieStoreId } = await openRole(w, 'a');
  assert.equal((await w.svc.handle({ type: 'signOut', role: 'a' }, me)).ok, true);
  const fresh = w.svc.lifecycle.ticket('a'); // taken after the sign-out began (a renewal planned just before it)
  await assert.rejects(w.svc.lifecycle.consoleOpening('a', cookieStoreId, fresh, { quiet: true }), (e) => e.kind === 'signed_out');
  assert.deepEqual(Object.keys(w.api.storage.local.data[SIGNED_OUT_KEY]), [cookieStoreId], 'still signed out');
  await w.svc.lifecycle.consoleOpening('a', cookieStoreId, fresh); // the user's click
  assert.deepEqual(w.api.storage.local.data[SIGNED_OUT_KEY], {});
});
