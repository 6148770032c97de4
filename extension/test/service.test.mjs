import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FIRST_SCREEN_KEY, createService } from '../src/lib/service.js';
import { sectionItems } from '../src/lib/display.js';
import { RolecallError } from '../src/lib/errors.js';
import { fakeIdentities, fakeStorage } from './fakes.mjs';

const ROLES = [
  { id: 'a', label: 'Prod admin', account_id: '111111111111', role_name: 'Admin', group: 'Acme', color: 'red', icon: 'briefcase', region: 'eu-west-1', gateway: 'corp', partition: 'aws', mfa: false },
  { id: 'b', label: 'Sandbox', account_id: '222222222222', role_name: 'Dev', group: null, color: 'red', icon: 'briefcase', region: 'us-east-1', gateway: 'corp', partition: 'aws', mfa: true },
];
const SIGNIN = 'https://signin.example/federation?Action=login&SigninToken=SECRET';

function fakeClient(answers = {}) {
  const calls = [];
  return {
    calls,
    async request(method, params) {
      calls.push({ method, params });
      const a = answers[method];
      if (a instanceof Error) throw a;
      if (typeof a === 'function') return a(params);
      if (a !== undefined) return structuredClone(a);
      if (method === 'roles.list') return { roles: structuredClone(ROLES) };
      if (method === 'host.info') return { name: 'rolecall', protocol: 2 };
      if (method === 'console.open') {
        const role = ROLES.find((r) => r.id === params.role);
        return { url: SIGNIN, role: role.id, account_id: role.account_id, container: { name: role.label, color: role.color, icon: role.icon } };
      }
      throw new Error(`unexpected ${method}`);
    },
  };
}

function fakeApi({ containers = true, settings } = {}) {
  const tabs = [{ id: 1, index: 3, windowId: 9, active: true, cookieStoreId: 'firefox-default' }];
  const created = [];
  const updated = [];
  const removed = [];
  const windows = [];
  const api = {
    runtime: { id: 'rolecall@rolecall.dev', getURL: (p) => `moz-extension://uuid/${p}` },
    storage: { local: fakeStorage(settings ? { settings } : {}) },
    tabs: {
      async query(q) {
        return tabs.filter((t) => (q.cookieStoreId === undefined || t.cookieStoreId === q.cookieStoreId) && (q.active === undefined || t.active === q.active));
      },
      async create(props) {
        const tab = { id: 100 + created.length, ...props };
        created.push(props);
        tabs.push(tab);
        return tab;
      },
      async update(id, props) {
        const { active, ...rest } = props;
        if (active !== undefined) for (const t of tabs) t.active = t.id === id ? active : false;
        Object.assign(tabs.find((t) => t.id === id) ?? {}, rest);
        updated.push({ id, ...props });
      },
      async get(id) {
        const tab = tabs.find((t) => t.id === id);
        if (!tab) throw new Error(`Invalid tab ID: ${id}`);
        return { ...tab };
      },
      async remove(id) {
        const i = tabs.findIndex((t) => t.id === id);
        if (i >= 0) tabs.splice(i, 1);
        removed.push(id);
      },
    },
    windows: {
      async create(props) {
        windows.push(props);
        return { id: 50 };
      },
      async update() {},
    },
  };
  if (containers) api.contextualIdentities = fakeIdentities();
  return { api, tabs, created, updated, removed, windows };
}

const me = { id: 'rolecall@rolecall.dev', url: 'moz-extension://uuid/popup.html' };

test('messages from other extensions or foreign pages are refused before the host is asked', async () => {
  const { api } = fakeApi();
  const client = fakeClient();
  const svc = createService({ api, client });
  for (const sender of [{ id: 'evil@example.com', url: 'moz-extension://other/x.html' }, { id: 'rolecall@rolecall.dev', url: 'https://example.com/' }, { id: 'rolecall@rolecall.dev' }, { id: 'rolecall@rolecall.dev', url: 'moz-extension://uuid.evil.example/' }, undefined]) {
    const r = await svc.handle({ type: 'open', role: 'a' }, sender);
    assert.equal(r.ok, false);
    assert.match(r.error.message, /Refused/);
  }
  assert.equal(client.calls.length, 0);
});

test('roles lists the host\'s roles and which have open container tabs', async () => {
  const { api } = fakeApi();
  const svc = createService({ api, client: fakeClient() });
  await svc.handle({ type: 'open', role: 'b' }, me);
  const r = await svc.handle({ type: 'roles' }, me);
  assert.equal(r.ok, true);
  assert.deepEqual(r.roles.map((x) => x.id), ['a', 'b']);
  assert.deepEqual(r.open, ['b']);
  assert.equal(r.containers, true);
});

test('roles follows the host\'s pages (next_cursor) and starts again when the list changed', async () => {
  const { api } = fakeApi();
  const many = Array.from({ length: 5 }, (_, i) => ({ ...ROLES[0], id: `r${i}`, catalog: 'platform' }));
  let staleOnce = true;
  const client = fakeClient({
    'roles.list': (params) => {
      const offset = params?.cursor ? Number(params.cursor.split('.')[0]) : 0;
      if (offset === 4 && staleOnce) {
        staleOnce = false;
        throw new RolecallError('stale_cursor', 'The role list changed since that page was sent.');
      }
      const roles = many.slice(offset, offset + 2);
      const next = offset + 2 < many.length ? `${offset + 2}.f` : null;
      return { roles, next_cursor: next };
    },
  });
  const svc = createService({ api, client });
  const r = await svc.handle({ type: 'roles' }, me);
  assert.deepEqual(r.roles.map((x) => x.id), ['r0', 'r1', 'r2', 'r3', 'r4']);
  assert.deepEqual(
    client.calls.filter((c) => c.method === 'roles.list').map((c) => c.params),
    [undefined, { cursor: '2.f' }, { cursor: '4.f' }, undefined, { cursor: '2.f' }, { cursor: '4.f' }],
  );
});

test('a protocol-6 host: compact pages, and a listing it still has is not sent again (etag)', async () => {
  const { api } = fakeApi();
  let roles = Array.from({ length: 5 }, (_, i) => ({ ...ROLES[0], id: `r${i}` }));
  let version = 1;
  const client = fakeClient({
    'host.info': { protocol: 6 },
    'roles.list': (params) => {
      const etag = `e${version}`;
      if (params?.if_none_match === etag) return { roles: [], next_cursor: null, unchanged: true, etag };
      const offset = params?.cursor ? Number(params.cursor) : 0;
      const next = offset + 2 < roles.length ? String(offset + 2) : null;
      return { roles: structuredClone(roles.slice(offset, offset + 2)), next_cursor: next, etag };
    },
  });
  const svc = createService({ api, client });
  const listed = () => client.calls.filter((c) => c.method === 'roles.list').map((c) => c.params);
  const first = await svc.handle({ type: 'roles' }, me);
  assert.deepEqual(first.roles.map((r) => r.id), ['r0', 'r1', 'r2', 'r3', 'r4']);
  // The background's first listing asks a small first page (a popup may draw it meanwhile).
  assert.deepEqual(listed(), [{ compact: true, limit: 100 }, { compact: true, cursor: '2' }, { compact: true, cursor: '4' }]);

  const again = await svc.handle({ type: 'roles', since: first.stamp }, me);
  assert.equal(again.unchanged, true);
  assert.equal(again.stamp, first.stamp);
  assert.deepEqual(listed().slice(3), [{ compact: true, if_none_match: 'e1' }], 'one small answer, no pages');

  roles = [...roles, { ...ROLES[1], id: 'r5' }];
  version = 2;
  const changed = await svc.handle({ type: 'roles', since: first.stamp }, me);
  assert.notEqual(changed.stamp, first.stamp);
  assert.deepEqual(changed.roles.map((r) => r.id), ['r0', 'r1', 'r2', 'r3', 'r4', 'r5']);
  assert.deepEqual(listed().slice(4), [{ compact: true, if_none_match: 'e1' }, { compact: true, cursor: '2' }, { compact: true, cursor: '4' }]);
  await svc.handle({ type: 'roles' }, me);
  assert.deepEqual(listed().at(-1), { compact: true, if_none_match: 'e2' }, 'the new listing\'s etag is the one asked with');
});

test('a popup opened while the first listing comes in draws its first page, then every role', async () => {
  const { api } = fakeApi();
  const many = Array.from({ length: 250 }, (_, i) => ({ ...ROLES[0], id: `r${i}`, label: `Role ${i}`, group: `G${i % 3}`, mfa: true, mfa_mode: 'daily', needs_code: true, source_name: 'corp' }));
  let open;
  const gate = new Promise((resolve) => (open = resolve));
  const client = fakeClient({
    'host.info': { protocol: 6, settings: { renew_before_minutes: 10 } },
    'roles.list': async (params) => {
      const offset = params?.cursor ? Number(params.cursor) : 0;
      if (offset > 0) await gate; // the rest of the listing, still on its way
      const end = offset + (params?.limit ?? 5000);
      return { roles: structuredClone(many.slice(offset, end)), next_cursor: end < many.length ? String(end) : null, etag: 'e1' };
    },
  });
  const svc = createService({ api, client });
  const early = await svc.handle({ type: 'roles', cached: true, text: true, head: 8 }, me);
  assert.equal(early.preview, true);
  assert.equal('rolesText' in early || 'roles' in early, false, 'no roles yet: only the first screen');
  const byId = new Map(many.slice(0, 100).map((r) => [r.id, r]));
  assert.deepEqual(early.head.items.map((x) => x.key), sectionItems(many.slice(0, 100), byId, [], []).slice(0, 8).map((x) => x.key), 'the first page\'s first screen');
  assert.deepEqual([early.head.titles, early.head.roles], [3, 100]);
  assert.equal(early.head.items[1].role.mfa_mode, 'daily', 'compact, as the text would be');
  assert.deepEqual(early.head.codes, [{ gateway: 'corp', roles: 100, hours: null }]);
  assert.equal(early.consoles.renewBeforeMinutes, 10, 'the live consoles it knows of');
  // Not kept: only a whole listing's first screen is.
  assert.equal((await api.storage.local.get('firstScreen')).firstScreen, undefined);
  // The popup asks for the listing once these rows are painted: every role, once it is in.
  const whole = svc.handle({ type: 'roles', prepare: false, text: true }, me);
  open();
  const full = await whole;
  assert.equal(JSON.parse(full.rolesText).length, 250);
  const pages = client.calls.filter((c) => c.method === 'roles.list').map((c) => c.params);
  assert.deepEqual(pages, [{ compact: true, limit: 100 }, { compact: true, cursor: '100' }], 'one listing, paged');
  // Later openings get the whole listing at once.
  const later = await svc.handle({ type: 'roles', cached: true, text: true, head: 8 }, me);
  assert.equal(later.preview, undefined);
  assert.equal(JSON.parse(later.rolesText).length, 250);
});

test('a popup answered from the last listing gets the open containers kept with it, until a tab opens or closes', async () => {
  const { api, tabs } = fakeApi();
  await api.storage.local.set({ containers: { a: 'firefox-container-1' } });
  const client = fakeClient({ 'roles.list': () => ({ roles: structuredClone(ROLES) }) });
  const svc = createService({ api, client });
  assert.deepEqual((await svc.handle({ type: 'roles' }, me)).open, []);
  tabs.push({ id: 7, cookieStoreId: 'firefox-container-1' });
  assert.deepEqual((await svc.handle({ type: 'roles', cached: true }, me)).open, [], 'the kept answer, at once');
  assert.deepEqual((await svc.handle({ type: 'roles' }, me)).open, ['a'], 'a fresh listing looks again');
  tabs.pop();
  assert.deepEqual((await svc.handle({ type: 'roles', cached: true }, me)).open, ['a']);
  svc.openChanged(); // the background's tabs.onRemoved
  assert.deepEqual((await svc.handle({ type: 'roles', cached: true }, me)).open, [], 'a tab closed: looked at again');
});

test('a background that starts reads the kept first screen at once: the first popup does not wait for storage again', async () => {
  const { api } = fakeApi();
  const head = { items: [{ kind: 'title', key: 'group:G', text: 'G' }, { kind: 'role', key: 'a', role: { id: 'a' } }], titles: 1, roles: 1, codes: [] };
  await api.storage.local.set({ [FIRST_SCREEN_KEY]: { n: 5, value: head } });
  const reads = [];
  const get = api.storage.local.get.bind(api.storage.local);
  api.storage.local.get = (key) => (reads.push(key), get(key));
  let answer;
  const svc = createService({ api, client: fakeClient({ 'roles.list': () => new Promise((resolve) => (answer = resolve)) }) });
  svc.warm();
  assert.deepEqual(reads.filter((k) => k === FIRST_SCREEN_KEY), [FIRST_SCREEN_KEY], 'read as the background starts');
  const early = await svc.handle({ type: 'roles', cached: true, text: true, head: 5 }, me);
  assert.deepEqual([early.preview, early.head], [true, head]);
  assert.deepEqual(reads.filter((k) => k === FIRST_SCREEN_KEY), [FIRST_SCREEN_KEY], 'that read, not another');
  answer({ roles: structuredClone(ROLES) });
});

test('a popup asking for its text later gets the last listing\'s first screen at once, then the text in a second answer', async () => {
  const { api } = fakeApi();
  const many = Array.from({ length: 40 }, (_, i) => ({ ...ROLES[0], id: `r${i}`, label: `Role ${i}`, group: `G${i % 4}` }));
  const svc = createService({ api, client: fakeClient({ 'roles.list': () => ({ roles: structuredClone(many) }) }) });
  const first = await svc.handle({ type: 'roles', cached: true, text: true, head: 5, later: true }, me);
  assert.equal(first.textLater, undefined, 'nothing listed yet: the text comes now');
  assert.equal(JSON.parse(first.rolesText).length, 40);
  const early = await svc.handle({ type: 'roles', cached: true, text: true, head: 5, later: true }, me);
  assert.deepEqual([early.textLater, early.stale, early.stamp], [true, true, first.stamp]);
  assert.equal('rolesText' in early || 'roles' in early, false, 'only the first screen');
  assert.deepEqual(early.head, first.head);
  const text = await svc.handle({ type: 'roles', cached: true, text: true, prepare: false }, me);
  assert.equal(text.stamp, first.stamp);
  assert.equal(text.rolesText, first.rolesText, 'the same listing\'s text, made once');
});

test('an older host (protocol 4) gets no limit on its first listing', async () => {
  const { api } = fakeApi();
  const client = fakeClient({ 'host.info': { protocol: 4 }, 'roles.list': () => ({ roles: ROLES }) });
  const svc = createService({ api, client });
  const r = await svc.handle({ type: 'roles', cached: true, text: true, head: 8 }, me);
  assert.equal(r.preview, undefined);
  assert.deepEqual(client.calls.filter((c) => c.method === 'roles.list').map((c) => c.params), [undefined]);
});

test('an older host answers every role at once: no cursor is sent', async () => {
  const { api } = fakeApi();
  const client = fakeClient({ 'roles.list': () => ({ roles: ROLES }) });
  const svc = createService({ api, client });
  const r = await svc.handle({ type: 'roles' }, me);
  assert.equal(r.roles.length, ROLES.length);
  assert.equal(client.calls.filter((c) => c.method === 'roles.list').length, 1);
});

test('open: container with the host\'s name and colour, tab next to the current one, URL only in tabs.create', async () => {
  const { api, created } = fakeApi();
  const svc = createService({ api, client: fakeClient() });
  const r = await svc.handle({ type: 'open', role: 'a' }, me);
  assert.equal(r.ok, true);
  assert.equal(r.container, 'Prod admin');
  assert.equal(JSON.stringify(r).includes('SECRET'), false, 'the sign-in URL is not returned');
  assert.equal(JSON.stringify(api.storage.local.data).includes('SECRET'), false, 'nor stored');
  const [props] = created;
  assert.equal(props.url, SIGNIN);
  assert.equal(props.active, true);
  assert.equal(props.index, 4);
  assert.equal(props.windowId, 9);
  const c = api.contextualIdentities.all.get(props.cookieStoreId);
  assert.deepEqual([c.name, c.color, c.icon], ['Prod admin', 'red', 'briefcase']);
});

test('open twice: one container, two tabs (click behaviour "new")', async () => {
  const { api, created } = fakeApi();
  const svc = createService({ api, client: fakeClient() });
  await svc.handle({ type: 'open', role: 'a' }, me);
  const r2 = await svc.handle({ type: 'open', role: 'a' }, me);
  assert.equal(r2.created, false);
  assert.equal(created.length, 2);
  assert.equal(created[0].cookieStoreId, created[1].cookieStoreId);
  assert.equal(api.contextualIdentities.all.size, 1);
});

test('background open: inactive tab', async () => {
  const { api, created } = fakeApi();
  const svc = createService({ api, client: fakeClient() });
  await svc.handle({ type: 'open', role: 'a', background: true }, me);
  assert.equal(created[0].active, false);
});

test('"focus" behaviour switches to the role\'s tab without asking the host', async () => {
  const { api, tabs, created } = fakeApi({ settings: { clickBehavior: 'focus' } });
  const client = fakeClient();
  const svc = createService({ api, client });
  await svc.handle({ type: 'open', role: 'a' }, me);
  await api.tabs.update(1, { active: true });
  const opens = client.calls.filter((c) => c.method === 'console.open').length;
  const r = await svc.handle({ type: 'open', role: 'a' }, me);
  assert.equal(r.focused, true);
  assert.equal(created.length, 1);
  assert.equal(client.calls.filter((c) => c.method === 'console.open').length, opens);
  assert.equal(tabs.find((t) => t.id === r.tabId).active, true);
  // A modifier click still opens a new one.
  await svc.handle({ type: 'open', role: 'a', background: true }, me);
  assert.equal(created.length, 2);
});

test('two roles with the same label open in two containers, named apart; the user\'s "Work" is left alone', async () => {
  const { api, created } = fakeApi();
  const twins = ROLES.map((r) => ({ ...r, label: 'Work' }));
  const client = fakeClient({
    'roles.list': { roles: twins },
    'console.open': (params) => {
      const r = twins.find((x) => x.id === params.role);
      return { url: SIGNIN, role: r.id, account_id: r.account_id, container: { name: r.label, color: r.id === 'a' ? 'red' : 'blue', icon: r.icon } };
    },
  });
  const mine = await api.contextualIdentities.create({ name: 'Work', color: 'green', icon: 'tree' });
  const svc = createService({ api, client });
  await svc.handle({ type: 'roles' }, me);
  assert.equal((await svc.handle({ type: 'open', role: 'a' }, me)).container, 'Work (a)');
  assert.equal((await svc.handle({ type: 'open', role: 'b' }, me)).container, 'Work (b)');
  const stores = created.map((p) => p.cookieStoreId);
  assert.equal(new Set([...stores, mine.cookieStoreId]).size, 3, 'three cookie jars');
  assert.deepEqual(api.contextualIdentities.all.get(mine.cookieStoreId), mine);
  assert.deepEqual(stores.map((id) => api.contextualIdentities.all.get(id).color), ['red', 'blue']);
});

test('"focus" never switches to a container another role shares', async () => {
  const { api, tabs, created } = fakeApi({ settings: { clickBehavior: 'focus' } });
  const shared = await api.contextualIdentities.create({ name: 'Prod admin', color: 'red', icon: 'briefcase' });
  await api.storage.local.set({ containers: { a: shared.cookieStoreId, b: shared.cookieStoreId } });
  tabs.push({ id: 7, index: 0, windowId: 9, active: false, cookieStoreId: shared.cookieStoreId });
  const r = await createService({ api, client: fakeClient() }).handle({ type: 'open', role: 'b' }, me);
  assert.equal(r.focused, undefined, 'a new console, not role a\'s tab');
  assert.equal(created.length, 1);
  assert.notEqual(created[0].cookieStoreId, shared.cookieStoreId);
});

test('the naming pattern names the container', async () => {
  const { api, created } = fakeApi({ settings: { containerPattern: '{account_id} {role_name}' } });
  const svc = createService({ api, client: fakeClient() });
  await svc.handle({ type: 'open', role: 'a' }, me);
  assert.equal(api.contextualIdentities.all.get(created[0].cookieStoreId).name, '111111111111 Admin');
});

test('an invalid host colour falls back to the account colour', async () => {
  const { api, created } = fakeApi();
  const client = fakeClient({
    'console.open': { url: SIGNIN, role: 'a', account_id: '222222222222', container: { name: 'X', color: 'mauve', icon: 'rocket' } },
  });
  const svc = createService({ api, client });
  await svc.handle({ type: 'open', role: 'a' }, me);
  const c = api.contextualIdentities.all.get(created[0].cookieStoreId);
  assert.deepEqual([c.color, c.icon], ['orange', 'briefcase']);
});

test('the MFA code goes to the host as mfa_code; malformed codes never do', async () => {
  const { api } = fakeApi();
  const client = fakeClient();
  const svc = createService({ api, client });
  await svc.handle({ type: 'open', role: 'b', mfaCode: '123456' }, me);
  assert.deepEqual(client.calls.find((c) => c.method === 'console.open').params, { role: 'b', mfa_code: '123456' });
  const bad = await svc.handle({ type: 'open', role: 'b', mfaCode: '12345x' }, me);
  assert.equal(bad.ok, false);
  assert.equal(bad.error.kind, 'mfa_invalid');
  assert.equal(client.calls.filter((c) => c.method === 'console.open').length, 1);
});

test('host errors come back described: a headline, the host\'s sentence as details, no tab, no container', async () => {
  const { api, created } = fakeApi();
  const client = fakeClient({ 'console.open': new RolecallError('keyring_unavailable', 'The keyring is locked; `rolecall doctor` checks it.', { code: 1006 }) });
  const svc = createService({ api, client });
  const r = await svc.handle({ type: 'open', role: 'a' }, me);
  assert.equal(r.ok, false);
  assert.equal(r.error.kind, 'keyring_unavailable');
  assert.equal(r.error.message, 'The OS keyring is locked or not available.');
  assert.equal(r.error.details, 'The keyring is locked; `rolecall doctor` checks it.');
  assert.equal(created.length, 0);
  assert.equal(api.contextualIdentities.all.size, 0, 'no container for a failed open');
});

test('Chromium, isolated window (default): the host launches the browser; no URL, no tab, no window here', async () => {
  const { api, created, windows } = fakeApi({ containers: false });
  const client = fakeClient({
    'console.open': (params) => ({ launched: true, role: params.role, account_id: '111111111111', profile_dir: '/d/browser-profiles/a', was_running: false }),
    'roles.list': { roles: ROLES.map((r) => ({ ...r, window_open: r.id === 'b' })) },
  });
  const svc = createService({ api, client });
  const list = await svc.handle({ type: 'roles' }, me);
  assert.equal(list.containers, false);
  assert.equal(list.mode, 'isolated_window');
  assert.deepEqual(list.open, ['b'], 'roles whose window the host sees running');
  const r = await svc.handle({ type: 'open', role: 'a', mfaCode: '123456' }, me);
  assert.equal(r.ok, true);
  assert.equal(r.launched, true);
  assert.deepEqual(client.calls.find((c) => c.method === 'console.open').params, { role: 'a', mfa_code: '123456', open_in: 'isolated_window' });
  assert.deepEqual(windows, []);
  assert.deepEqual(created, []);
  assert.equal(client.calls.filter((c) => c.method === 'host.info').length, 1, 'the protocol is asked once');
});

test('Chromium, multi-session: a plain sign-in in a new tab of this profile', async () => {
  const { api, created, windows } = fakeApi({ containers: false, settings: { chromiumMode: 'multi_session' } });
  const client = fakeClient();
  const svc = createService({ api, client });
  assert.equal((await svc.handle({ type: 'roles' }, me)).mode, 'multi_session');
  const r = await svc.handle({ type: 'open', role: 'a', background: true }, me);
  assert.equal(r.ok, true);
  assert.deepEqual(client.calls.find((c) => c.method === 'console.open').params, { role: 'a' });
  assert.equal(created.length, 1);
  assert.equal(created[0].url, SIGNIN);
  assert.equal(created[0].active, false);
  assert.equal('cookieStoreId' in created[0], false);
  assert.deepEqual(windows, []);
  assert.equal(JSON.stringify(r).includes('SECRET'), false);
});

test('Chromium with a protocol-1 host: a window of this profile, no open_in sent', async () => {
  const { api, created, windows } = fakeApi({ containers: false });
  const client = fakeClient({ 'host.info': { protocol: 1 } });
  const svc = createService({ api, client });
  assert.equal((await svc.handle({ type: 'roles' }, me)).mode, 'window');
  const r = await svc.handle({ type: 'open', role: 'a' }, me);
  assert.equal(r.ok, true);
  assert.deepEqual(client.calls.find((c) => c.method === 'console.open').params, { role: 'a' });
  assert.deepEqual(windows, [{ url: SIGNIN, focused: true }]);
  assert.equal(created.length, 0);
});

test('Firefox: containers, never open_in; host.info is asked with the list, not on a click', async () => {
  const { api } = fakeApi();
  const client = fakeClient();
  const svc = createService({ api, client });
  assert.equal((await svc.handle({ type: 'roles' }, me)).mode, 'container');
  const asked = client.calls.filter((c) => c.method === 'host.info').length;
  assert.equal(asked, 1);
  await svc.handle({ type: 'open', role: 'a' }, me);
  assert.deepEqual(client.calls.find((c) => c.method === 'console.open').params, { role: 'a' });
  assert.equal(client.calls.filter((c) => c.method === 'host.info').length, asked);
});

test('a missing host comes back with how to install it', async () => {
  const { api } = fakeApi();
  const client = fakeClient({ 'roles.list': new RolecallError('host_missing', 'The rolecall host is not installed for this browser (No such native application dev.rolecall.host).') });
  const r = await createService({ api, client }).handle({ type: 'roles' }, me);
  assert.equal(r.ok, false);
  assert.match(r.error.message, /not installed/);
  assert.match(r.error.next, /rolecall install/);
});

test('a failing tabs.create never carries the sign-in URL to the popup', async () => {
  const { api } = fakeApi();
  api.tabs.create = async (props) => {
    throw new Error(`Illegal URL: ${props.url}`);
  };
  const r = await createService({ api, client: fakeClient() }).handle({ type: 'open', role: 'a' }, me);
  assert.equal(r.ok, false);
  assert.equal(JSON.stringify(r).includes('SECRET'), false);
  assert.match(r.error.message, /could not open the console: Illegal URL: <sign-in URL>/);
});

test('unknown message types are refused', async () => {
  const { api } = fakeApi();
  const r = await createService({ api, client: fakeClient() }).handle({ type: 'eval', code: '1' }, me);
  assert.equal(r.ok, false);
});

test('a role\'s existing container is looked up while the host mints the URL; a refused open makes none', async () => {
  const { api, created } = fakeApi();
  const order = [];
  const read = api.storage.local.get;
  api.storage.local.get = async (key) => {
    if (key === 'containers') order.push('container looked up');
    return read(key);
  };
  let refuse = true;
  const client = fakeClient({
    'console.open': async (params) => {
      if (refuse) throw new RolecallError('mfa_required', 'Enter the MFA code', { data: { kind: 'mfa_required' } });
      await new Promise((r) => setTimeout(r, 5));
      order.push('host answered');
      const role = ROLES.find((r) => r.id === params.role);
      return { url: SIGNIN, role: role.id, account_id: role.account_id, container: { name: role.label, color: role.color, icon: role.icon } };
    },
  });
  const svc = createService({ api, client });
  await svc.handle({ type: 'roles' }, me);
  assert.equal((await svc.handle({ type: 'open', role: 'a' }, me)).error.kind, 'mfa_required');
  assert.equal(api.contextualIdentities.all.size, 0, 'no container for an open that failed');
  refuse = false;
  await svc.handle({ type: 'open', role: 'a' }, me);
  order.length = 0;
  await svc.handle({ type: 'open', role: 'a' }, me);
  assert.deepEqual(order.slice(0, 2), ['container looked up', 'host answered']);
  assert.equal(created.length, 2);
  assert.equal(created[0].cookieStoreId, created[1].cookieStoreId);
});

test('a remembered container the user deleted is made again when the tab cannot open in it', async () => {
  const { api, created } = fakeApi();
  const create = api.tabs.create;
  api.tabs.create = async (props) => {
    if (props.cookieStoreId && !api.contextualIdentities.all.has(props.cookieStoreId)) throw new Error(`No cookie store exists with ID ${props.cookieStoreId}`);
    return create(props);
  };
  const svc = createService({ api, client: fakeClient() });
  await svc.handle({ type: 'roles' }, me);
  const first = await svc.handle({ type: 'open', role: 'a' }, me);
  await api.contextualIdentities.remove(first.cookieStoreId);
  const again = await svc.handle({ type: 'open', role: 'a' }, me);
  assert.equal(again.ok, true);
  assert.equal(again.created, true);
  assert.notEqual(again.cookieStoreId, first.cookieStoreId);
  assert.equal(created.at(-1).cookieStoreId, again.cookieStoreId);
  assert.equal(api.contextualIdentities.all.get(again.cookieStoreId).name, 'Prod admin');
});

// IAM Identity Center (host protocol 4): a role whose source has no usable token.
const SSO_ROLE = { id: 's', label: 'Acme SSO admin', account_id: '444444444444', role_name: 'AdministratorAccess', group: null, color: 'red', icon: 'briefcase', region: 'eu-west-1', gateway: null, sso: 'acme', source: 'sso', source_name: 'acme', partition: 'aws', mfa: false, needs_login: true };
const PAGE = 'https://device.sso.eu-west-1.amazonaws.com/?user_code=ABCD-EFGH';

function ssoWorld({ waitAnswer, roles = [...ROLES, SSO_ROLE] } = {}) {
  const { api, created, updated, removed, tabs } = fakeApi();
  const sent = [];
  api.runtime.sendMessage = async (m) => sent.push(structuredClone(m));
  const state = { signedIn: false, approve: null, deny: null, logins: 0 };
  const client = fakeClient({
    'roles.list': () => ({ roles: structuredClone(roles) }),
    'console.open': (p) => {
      const role = roles.find((r) => r.id === p.role);
      if (role.sso && !state.signedIn) throw new RolecallError('sso_login_required', `Sign in to IAM Identity Center 'acme' to open '${role.id}'.`, { data: { kind: 'sso_login_required', sso: 'acme' } });
      return { url: SIGNIN, role: role.id, account_id: role.account_id, container: { name: role.label, color: role.color, icon: role.icon } };
    },
    'sso.login': () => {
      state.logins++;
      const code = state.logins === 1 ? 'ABCD-EFGH' : `ABCD-EFG${state.logins}`;
      return { verification_uri_complete: PAGE.replace('ABCD-EFGH', code), user_code: code, expires_at: new Date(Date.now() + 600_000).toISOString() };
    },
    'sso.wait':
      waitAnswer ??
      (() =>
        new Promise((resolve, reject) => {
          state.approve = () => {
            state.signedIn = true;
            resolve({ authorized: true, expires_at: new Date(Date.now() + 3_600_000).toISOString() });
          };
          state.deny = () => reject(new RolecallError('sso_login_denied', 'The IAM Identity Center sign-in for \'acme\' was denied.', { data: { kind: 'sso_login_denied', sso: 'acme' } }));
        })),
  });
  const svc = createService({ api, client });
  return { api, created, updated, removed, tabs, sent, state, client, svc };
}

const settle = () => new Promise((r) => setTimeout(r, 10));

test('an SSO click without a token: sso.login, the page in a normal tab, the code back at once; approved, the console opens in the role\'s container', async () => {
  const w = ssoWorld();
  const r = await w.svc.handle({ type: 'open', role: 's' }, me);
  assert.equal(r.ok, true, JSON.stringify(r));
  assert.deepEqual(r.ssoLogin, { sso: 'acme', userCode: 'ABCD-EFGH', expiresAt: r.ssoLogin.expiresAt });
  assert.equal(JSON.stringify(r).includes('https://'), false, 'the page\'s URL stays in the background');
  const [page] = w.created;
  assert.equal(page.url, PAGE);
  assert.equal(page.cookieStoreId, 'firefox-default', 'not the role\'s container');
  assert.equal(page.active, true);
  assert.equal(w.api.contextualIdentities.all.size, 0, 'no container before the sign-in');
  assert.deepEqual(w.client.calls.map((c) => c.method).filter((m) => m.startsWith('sso.')), ['sso.login', 'sso.wait']);

  // The popup (opened again) sees the sign-in in progress.
  const listed = await w.svc.handle({ type: 'roles' }, me);
  assert.deepEqual(listed.sso.map((v) => [v.role, v.state, v.userCode]), [['s', 'waiting', 'ABCD-EFGH']]);

  // A second click while waiting starts no new sign-in (that would change the code), nor a
  // second verification tab.
  const again = await w.svc.handle({ type: 'open', role: 's', background: true }, me);
  assert.equal(again.ssoLogin.userCode, 'ABCD-EFGH');
  assert.equal(w.client.calls.filter((c) => c.method === 'sso.login').length, 1);
  assert.equal(w.created.length, 1);

  w.state.approve();
  await settle();
  assert.deepEqual(w.removed, [100], 'the verification tab closes once approved');
  const consoleTab = w.created.at(-1);
  assert.equal(consoleTab.url, SIGNIN);
  const c = w.api.contextualIdentities.all.get(consoleTab.cookieStoreId);
  assert.equal(c.name, 'Acme SSO admin', 'the role\'s own container');
  assert.equal(consoleTab.active, false, 'the last click (a background one) says how it opens');
  assert.equal(w.client.calls.filter((c) => c.method === 'console.open').length, 3);
  const views = w.sent.filter((m) => m.type === 'sso').map((m) => m.sso.map((v) => v.state));
  assert.deepEqual(views.at(-1), [], 'the popup is told it is over');
  assert.ok(views.some((v) => v.includes('opening')), 'and that the console is on its way');
  assert.equal(JSON.stringify(w.api.storage.local.data).includes('ABCD'), false, 'the code is not stored');
});

test('a denied SSO sign-in opens nothing and shows the host\'s sentence on the role, until clicked again', async () => {
  const w = ssoWorld();
  await w.svc.handle({ type: 'open', role: 's' }, me);
  w.state.deny();
  await settle();
  assert.equal(w.created.length, 1, 'only the verification page');
  const listed = await w.svc.handle({ type: 'roles' }, me);
  const [view] = listed.sso;
  assert.deepEqual([view.role, view.state, view.error.kind], ['s', 'failed', 'sso_login_denied']);
  assert.match(view.error.message, /was denied/);
  assert.match(view.error.next, /again/);
  assert.deepEqual(w.sent.at(-1).sso, listed.sso, 'the open popup is told');
  // Clicked again: a new sign-in, the failure gone.
  await w.svc.handle({ type: 'open', role: 's' }, me);
  assert.equal(w.client.calls.filter((c) => c.method === 'sso.login').length, 2);
  assert.deepEqual((await w.svc.handle({ type: 'roles' }, me)).sso.map((v) => v.state), ['waiting']);
});

test('an expired SSO code is an error on the role; a verification page that is not a web page is never opened', async () => {
  const w = ssoWorld({ waitAnswer: () => Promise.reject(new RolecallError('sso_login_expired', 'The IAM Identity Center sign-in for \'acme\' was not approved in time. Start it again.', { data: { kind: 'sso_login_expired', sso: 'acme' } })) });
  await w.svc.handle({ type: 'open', role: 's' }, me);
  await settle();
  const [view] = (await w.svc.handle({ type: 'roles' }, me)).sso;
  assert.equal(view.error.kind, 'sso_login_expired');

  const bad = ssoWorld();
  bad.client.request = ((orig) => async (method, params) => (method === 'sso.login' ? { verification_uri_complete: 'javascript:alert(1)', user_code: 'X', expires_at: new Date(Date.now() + 600_000).toISOString() } : orig(method, params)))(bad.client.request);
  const r = await bad.svc.handle({ type: 'open', role: 's' }, me);
  assert.equal(r.ok, false);
  assert.match(r.error.message, /not an AWS sign-in page/);
  assert.equal(bad.created.length, 0);
});

// Issue 25, point 5: the extension applies the host's list before it opens a tab.
test('a verification page off AWS\'s sign-in domains is never opened; a loopback one only with a loopback OIDC endpoint', async () => {
  const answering = (page, info) => {
    const w = ssoWorld();
    w.client.request = ((orig) => async (method, params) => {
      if (method === 'sso.login') return { verification_uri_complete: page, start_url: 'https://acme.example.org/start', user_code: 'ABCD-EFGH', expires_at: new Date(Date.now() + 600_000).toISOString() };
      if (method === 'host.info') return info;
      return orig(method, params);
    })(w.client.request);
    return w;
  };
  const loopbackOidc = { protocol: 6, endpoint_overrides: [{ variable: 'AWS_ENDPOINT_URL_SSO_OIDC', url: 'http://127.0.0.1:39415' }] };
  const remoteOidc = { protocol: 6, endpoint_overrides: [{ variable: 'AWS_ENDPOINT_URL_SSO_OIDC', url: 'https://oidc.example.net' }] };
  for (const [page, info, opens] of [
    ['https://evil.example/device?user_code=ABCD-EFGH', loopbackOidc, false],
    ['https://device.sso.eu-west-1.amazonaws.com.evil.example/', loopbackOidc, false],
    ['http://127.0.0.1:39415/device?user_code=ABCD-EFGH', remoteOidc, false],
    ['http://127.0.0.1:39415/device?user_code=ABCD-EFGH', { protocol: 6 }, false],
    ['http://127.0.0.1:39415/device?user_code=ABCD-EFGH', loopbackOidc, true],
    ['https://acme.example.org/device?user_code=ABCD-EFGH', { protocol: 6 }, true],
    [PAGE, { protocol: 6 }, true],
  ]) {
    const w = answering(page, info);
    const r = await w.svc.handle({ type: 'open', role: 's' }, me);
    assert.equal(r.ok, opens, `${page} ${JSON.stringify(info)}`);
    assert.deepEqual(w.created.map((t) => t.url), opens ? [page] : []);
    if (!opens) assert.equal(JSON.stringify(r).includes(page), false, 'the page is not quoted');
  }
});

test('a popup gets the last listing at once (stale), then the current one only when it changed', async () => {
  const { api } = fakeApi();
  let roles = structuredClone(ROLES);
  const client = fakeClient({ 'roles.list': () => ({ roles: structuredClone(roles) }) });
  const svc = createService({ api, client });
  const first = await svc.handle({ type: 'roles', cached: true }, me);
  assert.equal(first.stale, false, 'nothing kept yet: listed now');
  assert.deepEqual(first.roles.map((r) => r.id), ['a', 'b']);
  const lists = () => client.calls.filter((c) => c.method === 'roles.list').length;

  const infos = () => client.calls.filter((c) => c.method === 'host.info').length;
  const [listed, asked] = [lists(), infos()];
  const again = await svc.handle({ type: 'roles', cached: true }, me);
  assert.equal(again.stale, true);
  assert.equal(again.stamp, first.stamp);
  assert.deepEqual([lists(), infos()], [listed, asked], 'answered without asking the host');
  const fresh = await svc.handle({ type: 'roles', since: again.stamp }, me);
  assert.equal(fresh.unchanged, true, 'the same roles: not sent again');
  assert.equal('roles' in fresh, false);
  assert.equal(fresh.stamp, first.stamp);
  assert.equal(lists(), listed + 1, 'listed for the fresh one');

  // As text: made once per listing, without null, false or empty fields.
  const t1 = await svc.handle({ type: 'roles', cached: true, text: true }, me);
  assert.equal('roles' in t1, false);
  const parsed = JSON.parse(t1.rolesText);
  assert.deepEqual(parsed.map((r) => r.id), ['a', 'b']);
  assert.equal('group' in parsed[1], false, 'null left out');
  assert.equal('mfa' in parsed[0], false, 'false left out');
  assert.equal(parsed[1].mfa, true);

  roles = [...roles, { ...ROLES[0], id: 'c' }];
  const changed = await svc.handle({ type: 'roles', since: first.stamp }, me);
  assert.notEqual(changed.stamp, first.stamp);
  assert.deepEqual(changed.roles.map((r) => r.id), ['a', 'b', 'c']);
});

test('the text keeps the MFA mode and session length of the roles that ask a code, and the first screen names the gateways that need one', async () => {
  const { api } = fakeApi();
  const listed = [
    { ...ROLES[0], id: 'open', source_name: 'lab', mfa: false, mfa_mode: 'per_role', mfa_session_hours: 12 },
    { ...ROLES[0], id: 'd1', source_name: 'corp', mfa: true, mfa_mode: 'daily', mfa_session_hours: 9, needs_code: true },
    { ...ROLES[0], id: 'd2', source_name: 'corp', mfa: true, mfa_mode: 'daily', mfa_session_hours: 9, needs_code: true },
  ];
  const client = fakeClient({ 'roles.list': () => ({ roles: structuredClone(listed) }) });
  const svc = createService({ api, client });
  const r = await svc.handle({ type: 'roles', cached: true, text: true, head: 5 }, me);
  const parsed = JSON.parse(r.rolesText);
  assert.equal('mfa_mode' in parsed[0] || 'mfa_session_hours' in parsed[0], false, 'no code asked: not sent');
  assert.deepEqual([parsed[1].mfa_mode, parsed[1].mfa_session_hours], ['daily', 9]);
  assert.deepEqual(r.head.codes, [{ gateway: 'corp', roles: 2, hours: 9 }], 'of every role, for the line above the list');
});

test('the popup\'s first screen comes with the text: the first items of its sections, and how many there are', async () => {
  const { api } = fakeApi();
  const many = Array.from({ length: 40 }, (_, i) => ({ ...ROLES[0], id: `r${i}`, label: `Role ${i}`, group: `G${i % 4}`, mfa: false }));
  const client = fakeClient({ 'roles.list': () => ({ roles: structuredClone(many) }) });
  const svc = createService({ api, client });
  await api.storage.local.set({ pins: ['r7'], frecency: { r9: [3, Date.now()] } });
  const r = await svc.handle({ type: 'roles', cached: true, text: true, head: 5 }, me);
  const all = JSON.parse(r.rolesText);
  const byId = new Map(all.map((x) => [x.id, x]));
  const want = sectionItems(all, byId, ['r7'], ['r9']);
  assert.deepEqual(r.head.items, want.slice(0, 5), 'Favourites, Recent, then the groups, as the popup makes them');
  assert.deepEqual(r.head.items.map((x) => x.key), ['section:favourites', 'r7', 'section:recent', 'r9', want[4].key]);
  assert.deepEqual([r.head.titles, r.head.roles], [2 + 4, 40]);
  assert.equal('group' in r.head.items[1].role, true);
  assert.equal('mfa' in r.head.items[1].role, false, 'the roles as compact as in the text');
  // Made once per listing and preferences; other preferences, another first screen.
  const again = await svc.handle({ type: 'roles', cached: true, text: true, head: 5 }, me);
  assert.equal(again.head, r.head);
  await api.storage.local.set({ pins: [] });
  const unpinned = await svc.handle({ type: 'roles', cached: true, text: true, head: 5 }, me);
  assert.deepEqual(unpinned.head.items.map((x) => x.key).slice(0, 2), ['section:recent', 'r9']);
  assert.equal('head' in (await svc.handle({ type: 'roles', cached: true, text: true }, me)), false, 'only when asked for');
});

test('right after a restart, a popup gets the first screen kept from the last listing at once, while the listing is made', async () => {
  const { api } = fakeApi();
  const many = Array.from({ length: 40 }, (_, i) => ({ ...ROLES[0], id: `r${i}`, label: `Role ${i}`, group: `G${i % 4}` }));
  const svc = createService({ api, client: fakeClient({ 'roles.list': () => ({ roles: structuredClone(many) }) }) });
  const before = await svc.handle({ type: 'roles', cached: true, text: true, head: 5 }, me);
  assert.equal(before.preview, undefined, 'nothing kept yet: listed now');
  const kept = (await api.storage.local.get(FIRST_SCREEN_KEY))[FIRST_SCREEN_KEY];
  assert.deepEqual(kept, { n: 5, value: before.head });

  // A new background (the browser restarted) with the same storage, its host slow to list.
  let answer;
  const slow = fakeClient({ 'roles.list': () => new Promise((resolve) => (answer = resolve)) });
  const again = createService({ api, client: slow });
  const early = await again.handle({ type: 'roles', cached: true, text: true, head: 5 }, me);
  assert.equal(early.ok, true);
  assert.deepEqual([early.preview, early.stale, early.stamp], [true, true, null]);
  assert.deepEqual(early.head, before.head);
  assert.equal('rolesText' in early || 'roles' in early, false, 'no roles: only the first screen');
  assert.equal(slow.calls.filter((c) => c.method === 'roles.list').length, 1, 'the listing is under way');
  // The popup's next ask waits for that listing (not another one) and gets it.
  const next = again.handle({ type: 'roles', since: null, text: true }, me);
  answer({ roles: structuredClone(many) });
  const full = await next;
  assert.equal(JSON.parse(full.rolesText).length, 40);
  assert.equal(slow.calls.filter((c) => c.method === 'roles.list').length, 1);

  // Another size of first screen, or none kept, is not a preview.
  const third = createService({ api, client: fakeClient({ 'roles.list': () => ({ roles: structuredClone(many) }) }) });
  assert.equal((await third.handle({ type: 'roles', cached: true, text: true, head: 6 }, me)).preview, undefined);
  const empty = createService({ api: fakeApi().api, client: fakeClient() });
  assert.equal((await empty.handle({ type: 'roles', cached: true, text: true, head: 5 }, me)).preview, undefined);
});

test('the kept first screen goes when the host forgets the sessions; a role that left the listing goes from it', async () => {
  const { api } = fakeApi();
  let roles = Array.from({ length: 40 }, (_, i) => ({ ...ROLES[0], id: `r${i}`, label: `Role ${i}`, group: `G${i % 4}` }));
  const client = fakeClient({ 'roles.list': () => ({ roles: structuredClone(roles) }), 'session.forget': { forgotten: 2 } });
  const svc = createService({ api, client });
  await api.storage.local.set({ pins: ['r1'] });
  const kept = () => api.storage.local.data[FIRST_SCREEN_KEY];
  const shown = await svc.handle({ type: 'roles', cached: true, text: true, head: 5 }, me);
  await settle();
  assert.deepEqual(kept(), { n: 5, value: shown.head });
  assert.equal(kept().value.items[1].role.id, 'r1', 'the favourite');

  // A fresh listing with every role of the first screen leaves it as it was.
  roles = roles.map((r) => (r.id === 'r30' ? { ...r, label: 'Renamed' } : r));
  await svc.handle({ type: 'roles', text: true }, me);
  await settle();
  assert.deepEqual(kept(), { n: 5, value: shown.head });

  // The favourite leaves the config: the kept first screen is made again without it.
  roles = roles.filter((r) => r.id !== 'r1');
  await svc.handle({ type: 'roles', text: true }, me);
  await settle();
  assert.equal(kept().n, 5);
  assert.equal(JSON.stringify(kept()).includes('"id":"r1"'), false, 'the role is gone from it');
  assert.equal(kept().value.roles, 39);
  assert.equal(kept().value.items[0].key, 'group:G0', 'no Favourites left');
  const next = await svc.handle({ type: 'roles', cached: true, text: true, head: 5 }, me);
  assert.deepEqual(kept().value, next.head, 'what the next popup is shown');

  // The options page's "Forget cached sessions" (session.forget) while another role's leaving
  // has the first screen made again (its read of the kept one held until the forget is done):
  // gone, and not written again after.
  const read = api.storage.local.get;
  let release = null;
  api.storage.local.get = async (key) => {
    const got = await read(key);
    if (key === FIRST_SCREEN_KEY && release === null) await new Promise((r) => (release = r));
    return got;
  };
  roles = roles.filter((r) => r.id !== 'r0');
  await svc.handle({ type: 'roles', text: true }, me);
  await settle();
  assert.ok(release, 'the kept first screen is being read');
  assert.equal((await svc.handle({ type: 'forget' }, me)).ok, true);
  assert.equal(kept(), undefined);
  release();
  await settle();
  assert.equal(kept(), undefined, 'the first screen made meanwhile is not kept');
  api.storage.local.get = read;
  await svc.handle({ type: 'roles', text: true }, me);
  await settle();
  assert.equal(kept(), undefined, 'a refresh does not bring it back');
  await svc.handle({ type: 'roles', cached: true, text: true, head: 5 }, me);
  await settle();
  assert.deepEqual(kept()?.n, 5, 'the next popup opening keeps the one it is shown');

  // Junk kept (an older version's, a damaged profile) is left to be replaced, not read.
  await api.storage.local.set({ [FIRST_SCREEN_KEY]: { n: 'x', value: { items: [{ kind: 'role' }] } } });
  roles = roles.filter((r) => r.id !== 'r2');
  await svc.handle({ type: 'roles', text: true }, me);
  await settle();
  assert.deepEqual(kept(), { n: 'x', value: { items: [{ kind: 'role' }] } });
});

test('where an open lands goes to the host as destination and region; links by name from the role', async () => {
  const { api } = fakeApi();
  const withLinks = [{ ...ROLES[0], links: [{ name: 'Buckets', destination: '/s3/buckets' }] }, ROLES[1]];
  const client = fakeClient({ 'roles.list': () => ({ roles: structuredClone(withLinks) }) });
  const svc = createService({ api, client });
  const opens = () => client.calls.filter((c) => c.method === 'console.open').map((c) => c.params);
  for (const landing of [{ service: 's3' }, { link: 'Buckets' }, { region: 'us-west-2' }, { service: 'ec2', region: 'us-west-2' }, { destination: '/iam/home#/roles', region: 'eu-west-1' }]) {
    const r = await svc.handle({ type: 'open', role: 'a', landing }, me);
    assert.equal(r.ok, true, JSON.stringify(r));
  }
  assert.deepEqual(opens(), [
    { role: 'a', destination: '/s3/home' },
    { role: 'a', destination: '/s3/buckets' },
    { role: 'a', region: 'us-west-2' },
    { role: 'a', destination: '/ec2/home', region: 'us-west-2' },
    { role: 'a', destination: '/iam/home#/roles', region: 'eu-west-1' },
  ]);
  for (const landing of [{ link: 'Nope' }, { service: 'warp' }, 'junk']) {
    const r = await svc.handle({ type: 'open', role: 'a', landing }, me);
    assert.equal(r.ok, false, JSON.stringify(landing));
    assert.equal(r.error.kind, 'invalid_params');
  }
  assert.equal(opens().length, 5, 'nothing asked of the host for a landing it cannot have');
});

test('each open counts as a visit in the picker\'s frecency, in storage.local: nothing of it is synced', async () => {
  const { api } = fakeApi();
  api.storage.sync = fakeStorage();
  const svc = createService({ api, client: fakeClient(), now: () => Date.parse('2026-12-01T00:00:00Z') });
  await svc.handle({ type: 'open', role: 'a' }, me);
  await svc.handle({ type: 'open', role: 'a' }, me);
  await svc.handle({ type: 'open', role: 'b', background: true }, me);
  await settle();
  const f = api.storage.local.data.frecency;
  assert.deepEqual(Object.keys(f).sort(), ['a', 'b']);
  assert.ok(f.a[0] > f.b[0], 'opened twice');
  assert.deepEqual(api.storage.sync.data, {}, 'no history in storage.sync');
  assert.equal(JSON.stringify(api.storage.local.data).includes('SECRET'), false);
});

// Issue 26, point 9: an Identity Center approval leaves at most one verification tab.
const SSO_RO = { ...SSO_ROLE, id: 's2', label: 'Acme SSO read-only', role_name: 'ReadOnly' };

test('two roles of one source clicked at once: one sign-in, one verification tab, brought forward on a second click; closed once approved', async () => {
  const w = ssoWorld({ roles: [...ROLES, SSO_ROLE, SSO_RO] });
  // Both clicks arrive before the host has answered sso.login.
  const [one, two] = await Promise.all([w.svc.handle({ type: 'open', role: 's' }, me), w.svc.handle({ type: 'open', role: 's2' }, me)]);
  assert.equal(one.ssoLogin.userCode, two.ssoLogin.userCode);
  assert.equal(w.client.calls.filter((c) => c.method === 'sso.login').length, 1);
  assert.deepEqual(w.created.map((t) => t.url), [PAGE]);
  // The user went to another tab; a click brings the verification tab forward.
  w.tabs[0].active = true;
  w.tabs[1].active = false;
  await w.svc.handle({ type: 'open', role: 's2' }, me);
  assert.deepEqual(w.created.map((t) => t.url), [PAGE], 'no second tab');
  assert.deepEqual(w.updated.at(-1), { id: 100, active: true });
  w.state.approve();
  await settle();
  assert.deepEqual(w.removed, [100]);
  assert.deepEqual(w.created.slice(1).map((t) => t.url), [SIGNIN, SIGNIN], 'both consoles');
  assert.equal(w.tabs.some((t) => t.url === PAGE), false);
});

test('a verification tab the user took elsewhere is left open; a sign-in after a denied one shows its page in the tab left', async () => {
  const w = ssoWorld();
  await w.svc.handle({ type: 'open', role: 's' }, me);
  w.state.deny();
  await settle();
  assert.deepEqual(w.removed, [], 'a denied page stays, saying so');
  await w.svc.handle({ type: 'open', role: 's' }, me);
  const second = PAGE.replace('ABCD-EFGH', 'ABCD-EFG2');
  assert.deepEqual(w.created.map((t) => t.url), [PAGE], 'the same tab');
  assert.deepEqual(w.updated.at(-1), { id: 100, url: second, active: true });
  // The user navigated the tab away: it is theirs now; approving leaves it, and the next
  // sign-in opens its own tab.
  await w.api.tabs.update(100, { url: 'https://example.org/' });
  w.state.approve();
  await settle();
  assert.deepEqual(w.removed, []);
  assert.equal(w.tabs.find((t) => t.id === 100).url, 'https://example.org/');
});

// Issue 26, point 6: a role marked production after its container exists turns red at once.
test('a listing with another colour for a role recolours its existing container, without an open', async () => {
  const roles = structuredClone(ROLES);
  roles[0].color = 'blue';
  const client = fakeClient({
    'roles.list': () => ({ roles: structuredClone(roles) }),
    'console.open': () => ({ url: SIGNIN, role: 'a', account_id: roles[0].account_id, container: { name: roles[0].label, color: roles[0].color, icon: roles[0].icon } }),
  });
  const { api } = fakeApi();
  const svc = createService({ api, client });
  const opened = await svc.handle({ type: 'open', role: 'a' }, me);
  const color = () => api.contextualIdentities.all.get(opened.cookieStoreId).color;
  assert.equal(color(), 'blue');
  Object.assign(roles[0], { color: 'red', risk: 'production' });
  await svc.handle({ type: 'roles' }, me);
  await settle();
  assert.equal(color(), 'red');
  assert.equal(client.calls.filter((c) => c.method === 'console.open').length, 1, 'no open needed');
  const updates = api.contextualIdentities.calls.update;
  await svc.handle({ type: 'roles' }, me); // the same listing: nothing to change
  await settle();
  assert.equal(api.contextualIdentities.calls.update, updates);
});
