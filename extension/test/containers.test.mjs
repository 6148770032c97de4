import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CONTAINERS_KEY, resolveContainer, rolesWithTabs, serialized } from '../src/lib/containers.js';
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

test('finds a container by name when storage was cleared (e.g. a reinstall)', async () => {
  const identities = fakeIdentities();
  const existing = await identities.create({ name: 'Prod admin', color: 'blue', icon: 'circle' });
  const storage = fakeStorage();
  const r = await resolveContainer({ identities, storage, roleId: 'a', want });
  assert.equal(r.cookieStoreId, existing.cookieStoreId);
  assert.equal(r.created, false);
  assert.equal(identities.all.get(existing.cookieStoreId).color, 'red', 'aligned with the config');
  assert.equal(storage.data[CONTAINERS_KEY].a, existing.cookieStoreId);
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
