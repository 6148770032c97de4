import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CONTAINERS_KEY, SIGNED_OUT_KEY, applyRestyles, loadSignedOut, ownContainer, resolveContainer, restyles, rolesWithTabs, serialized, withSignedOut, withoutSignedOut } from '../src/lib/containers.js';
import { fakeIdentities, fakeStorage } from './fakes.mjs';

const want = { name: 'Prod admin', color: 'red', icon: 'briefcase' };

test('creates a container on first use and remembers it', async () => {
  const identities = fakeIdentities();
  const storage = fakeStorage();
  const r = await resolveContainer({ identities, storage, roleId: 'a', want });
  assert.equal(r.created, true);
  assert.deepEqual(identities.all.get(r.cookieStoreId), { cookieStoreId: r.cookieStoreId, ...want });
  assert.deepEqual(storage.data[CONTAINERS_KEY], { a: r.cookieStoreId });
});

test('reuses the remembered container: no second one', async () => {
  const identities = fakeIdentities();
  const storage = fakeStorage();
  const first = await resolveContainer({ identities, storage, roleId: 'a', want });
  const second = await resolveContainer({ identities, storage, roleId: 'a', want });
  assert.equal(second.cookieStoreId, first.cookieStoreId);
  assert.equal(second.created, false);
  assert.equal(identities.calls.create, 1);
  assert.equal(identities.calls.update, 0, 'nothing to change');
});

test('recreates a container the user deleted', async () => {
  const identities = fakeIdentities();
  const storage = fakeStorage();
  const first = await resolveContainer({ identities, storage, roleId: 'a', want });
  await identities.remove(first.cookieStoreId);
  const again = await resolveContainer({ identities, storage, roleId: 'a', want });
  assert.equal(again.created, true);
  assert.notEqual(again.cookieStoreId, first.cookieStoreId);
  assert.equal(storage.data[CONTAINERS_KEY].a, again.cookieStoreId);
});

test('a user\'s own container with the wanted name is never taken', async () => {
  const identities = fakeIdentities();
  const mine = await identities.create({ name: 'Work', color: 'green', icon: 'tree' });
  const storage = fakeStorage(); // also the state after a reinstall: nothing remembered
  const r = await resolveContainer({ identities, storage, roleId: 'work', want: { ...want, name: 'Work' } });
  assert.equal(r.created, true);
  assert.notEqual(r.cookieStoreId, mine.cookieStoreId);
  assert.deepEqual(identities.all.get(mine.cookieStoreId), mine, 'left exactly as the user made it');
  assert.equal(identities.all.get(r.cookieStoreId).name, 'Work (work)', 'named apart from the user\'s');
  assert.deepEqual(storage.data[CONTAINERS_KEY], { work: r.cookieStoreId });
});

test('another role\'s container with the wanted name is never taken', async () => {
  const identities = fakeIdentities();
  const storage = fakeStorage();
  const a = await resolveContainer({ identities, storage, roleId: 'a', want });
  const b = await resolveContainer({ identities, storage, roleId: 'b', want: { ...want, color: 'blue' } });
  assert.notEqual(b.cookieStoreId, a.cookieStoreId);
  assert.equal(b.created, true);
  assert.deepEqual([...identities.all.values()].map((c) => [c.name, c.color]), [['Prod admin', 'red'], ['Prod admin (b)', 'blue']]);
  // Each keeps its own on the next open, and a's colour did not flip to b's.
  assert.equal((await resolveContainer({ identities, storage, roleId: 'a', want })).cookieStoreId, a.cookieStoreId);
  assert.equal(identities.all.get(a.cookieStoreId).color, 'red');
});

test('a container remembered for two roles (left by older versions) is no longer shared', async () => {
  const identities = fakeIdentities();
  const shared = await identities.create(want);
  const storage = fakeStorage({ [CONTAINERS_KEY]: { a: shared.cookieStoreId, b: shared.cookieStoreId } });
  const tabs = [{ cookieStoreId: shared.cookieStoreId }];
  assert.equal(ownContainer(storage.data[CONTAINERS_KEY], 'a'), null);
  assert.deepEqual(rolesWithTabs(storage.data[CONTAINERS_KEY], tabs), [], 'neither role shows the shared tab as its own');
  const b = await resolveContainer({ identities, storage, roleId: 'b', want: { ...want, name: 'Sandbox' } });
  assert.notEqual(b.cookieStoreId, shared.cookieStoreId, 'the role opened first moves out');
  assert.equal((await resolveContainer({ identities, storage, roleId: 'a', want })).cookieStoreId, shared.cookieStoreId, 'the other keeps it');
  assert.deepEqual(rolesWithTabs(storage.data[CONTAINERS_KEY], tabs), ['a']);
});

test('a changed name, colour or icon in the config updates the container', async () => {
  const identities = fakeIdentities();
  const storage = fakeStorage();
  const r = await resolveContainer({ identities, storage, roleId: 'a', want });
  await resolveContainer({ identities, storage, roleId: 'a', want: { name: '111 Admin', color: 'green', icon: 'fence' } });
  assert.deepEqual(identities.all.get(r.cookieStoreId), { cookieStoreId: r.cookieStoreId, name: '111 Admin', color: 'green', icon: 'fence' });
  assert.equal(identities.calls.create, 1);
});

test('a Firefox that refuses a new colour name gets the old equivalent', async () => {
  const identities = fakeIdentities({ refuse: ['cyan'] });
  const storage = fakeStorage();
  const r = await resolveContainer({ identities, storage, roleId: 'a', want: { ...want, color: 'cyan' } });
  assert.equal(identities.all.get(r.cookieStoreId).color, 'turquoise');
});

test('a refused base colour is an error, not a silent change', async () => {
  const identities = fakeIdentities({ refuse: ['red'] });
  await assert.rejects(resolveContainer({ identities, storage: fakeStorage(), roleId: 'a', want }), /Invalid color/);
});

test('two roles get two containers; storage keeps both', async () => {
  const identities = fakeIdentities();
  const storage = fakeStorage();
  const inOrder = serialized();
  const [a, b] = await Promise.all([
    inOrder(() => resolveContainer({ identities, storage, roleId: 'a', want })),
    inOrder(() => resolveContainer({ identities, storage, roleId: 'b', want: { ...want, name: 'Sandbox' } })),
  ]);
  assert.notEqual(a.cookieStoreId, b.cookieStoreId);
  assert.deepEqual(storage.data[CONTAINERS_KEY], { a: a.cookieStoreId, b: b.cookieStoreId });
});

test('serialized: concurrent clicks on one role make one container', async () => {
  const identities = fakeIdentities();
  const storage = fakeStorage();
  const inOrder = serialized();
  const results = await Promise.all([1, 2, 3].map(() => inOrder(() => resolveContainer({ identities, storage, roleId: 'a', want }))));
  assert.equal(identities.calls.create, 1);
  assert.equal(new Set(results.map((r) => r.cookieStoreId)).size, 1);
});

test('serialized: a failed job does not block the next', async () => {
  const inOrder = serialized();
  await assert.rejects(inOrder(async () => { throw new Error('x'); }));
  assert.equal(await inOrder(async () => 7), 7);
});

test('rolesWithTabs marks roles whose container has a tab', () => {
  const map = { a: 'firefox-container-1', b: 'firefox-container-2', c: 'firefox-container-3' };
  const tabs = [{ cookieStoreId: 'firefox-default' }, { cookieStoreId: 'firefox-container-2' }, { cookieStoreId: 'firefox-container-3' }, {}];
  assert.deepEqual(rolesWithTabs(map, tabs), ['b', 'c']);
  assert.deepEqual(rolesWithTabs({}, tabs), []);
});

// Issue 26, point 2: a signed-out container's tab is no live console.
test('rolesWithTabs leaves out containers signed out since their console opened', () => {
  const map = { a: 'firefox-container-1', b: 'firefox-container-2' };
  const tabs = [{ cookieStoreId: 'firefox-container-1' }, { cookieStoreId: 'firefox-container-2' }];
  assert.deepEqual(rolesWithTabs(map, tabs, { 'firefox-container-1': 5 }), ['b']);
  assert.deepEqual(rolesWithTabs(map, tabs, {}), ['a', 'b']);
});

test('the signed-out record: containers added at a sign-out, one taken out by a new console, only containers the map names', async () => {
  const map = { a: 'firefox-container-1', b: 'firefox-container-2' };
  let r = withSignedOut({ 'firefox-container-9': 1 }, ['firefox-container-1', 'firefox-container-2'], 7, map);
  assert.deepEqual(r, { 'firefox-container-1': 7, 'firefox-container-2': 7 }, 'a container no role has any more is dropped');
  r = withoutSignedOut(r, 'firefox-container-1');
  assert.deepEqual(r, { 'firefox-container-2': 7 });
  assert.equal(withoutSignedOut(r, 'firefox-container-1'), r, 'unchanged when not there');
  assert.deepEqual(await loadSignedOut(fakeStorage({ [SIGNED_OUT_KEY]: { x: 3, y: 'no', z: null } })), { x: 3 }, 'what is not a time is dropped');
  assert.deepEqual(await loadSignedOut(fakeStorage({ [SIGNED_OUT_KEY]: ['x'] })), {});
  assert.deepEqual(await loadSignedOut(fakeStorage()), {});
});

// Issue 26, point 6: production is safe by colour.
test('a listing whose colour for a role differs from its container\'s recolours the container in place', async () => {
  const identities = fakeIdentities({ refuse: ['cyan'] });
  const storage = fakeStorage();
  const a = await resolveContainer({ identities, storage, roleId: 'a', want: { name: 'A', color: 'blue', icon: 'briefcase' } });
  const b = await resolveContainer({ identities, storage, roleId: 'b', want: { name: 'B', color: 'green', icon: 'fence' } });
  const c = await resolveContainer({ identities, storage, roleId: 'c', want: { name: 'C', color: 'turquoise', icon: 'fence' } });
  const map = storage.data[CONTAINERS_KEY];
  const roles = [
    { id: 'a', color: 'red', icon: 'briefcase' }, // marked production: red now
    { id: 'b', color: 'green', icon: 'fence' }, // as it is
    { id: 'c', color: 'cyan', icon: 'fence' }, // an older Firefox keeps turquoise for cyan
    { id: 'd', color: 'red', icon: 'fence' }, // no container yet
  ];
  const style = (r) => ({ color: r.color, icon: r.icon });
  const changes = restyles(roles, map, await identities.query({}), style);
  assert.deepEqual(changes, [{ roleId: 'a', cookieStoreId: a.cookieStoreId, changes: { color: 'red' } }]);
  assert.equal(await applyRestyles(identities, changes), 1);
  assert.equal(identities.all.get(a.cookieStoreId).color, 'red');
  assert.equal(identities.all.get(a.cookieStoreId).name, 'A', 'only its colour');
  assert.deepEqual(restyles(roles, map, await identities.query({}), style), [], 'nothing more to change');
  // A new colour an older Firefox refuses: its older name.
  const cyan = restyles([{ id: 'b', color: 'cyan', icon: 'fence' }], map, await identities.query({}), style);
  assert.equal(await applyRestyles(identities, cyan), 1);
  assert.equal(identities.all.get(b.cookieStoreId).color, 'turquoise');
  assert.ok(c);
  // A container the user deleted meanwhile is no error.
  await identities.remove(a.cookieStoreId);
  assert.equal(await applyRestyles(identities, [{ roleId: 'a', cookieStoreId: a.cookieStoreId, changes: { color: 'blue' } }]), 0);
});
