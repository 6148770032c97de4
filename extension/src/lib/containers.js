import { legacyColor } from './colors.js';

// role id → cookieStoreId, in storage.local, so a role finds its container again after a
// browser restart. Nothing else about a role is stored.
export const CONTAINERS_KEY = 'containers';

export async function loadContainerMap(storage) {
  const got = await storage.get(CONTAINERS_KEY);
  const map = got?.[CONTAINERS_KEY];
  return map && typeof map === 'object' ? { ...map } : {};
}

async function remember(storage, roleId, cookieStoreId) {
  const map = await loadContainerMap(storage);
  if (map[roleId] === cookieStoreId) return;
  map[roleId] = cookieStoreId;
  await storage.set({ [CONTAINERS_KEY]: map });
}

// Brings an existing container in line with the config (name, colour, icon).
async function align(identities, identity, want) {
  const changes = {};
  for (const field of ['name', 'color', 'icon']) {
    if (identity[field] !== want[field]) changes[field] = want[field];
  }
  if (Object.keys(changes).length === 0) return identity;
  try {
    return await identities.update(identity.cookieStoreId, changes);
  } catch {
    // An older Firefox refusing a new colour name: keep the container as it is.
    return identity;
  }
}

async function create(identities, want) {
  try {
    return await identities.create(want);
  } catch (e) {
    const color = legacyColor(want.color);
    if (color === want.color) throw e;
    return identities.create({ ...want, color });
  }
}

// The container remembered for a role, unless another role is remembered with the same one
// (left by versions that adopted containers by name): a shared cookie jar would mix accounts,
// so neither focus mode nor the "open" badge may treat it as this role's.
export function ownContainer(map, roleId) {
  const id = map[roleId];
  if (!id) return null;
  return Object.keys(map).some((other) => other !== roleId && map[other] === id) ? null : id;
}

// A name no other container has: labels are not unique, and the user's own containers (or
// those of roles since removed) may be named like a role. The role id (unique in the config)
// tells them apart; `naming.uniqueContainerName` already did this between configured roles.
async function freeName(identities, name, roleId, keep) {
  const all = (await identities.query({})) ?? [];
  const taken = all.some((c) => c.cookieStoreId !== keep && c.name === name);
  return taken ? `${name} (${roleId})` : name;
}

// The container for a role: the one remembered for it if it still exists, else a new one.
// A container is never found by name: names are not unique, so a same-named container may be
// the user's own or another role's, and adopting it would put two accounts in one cookie jar.
// (After a reinstall, storage is empty and the roles get new containers.) `want` =
// {name, color, icon}. Returns {cookieStoreId, created}.
export async function resolveContainer({ identities, storage, roleId, want }) {
  const known = await existingContainer({ identities, storage, roleId, want });
  if (known) return { cookieStoreId: known, created: false };
  const identity = await create(identities, { ...want, name: await freeName(identities, want.name, roleId, null) });
  await remember(storage, roleId, identity.cookieStoreId);
  return { cookieStoreId: identity.cookieStoreId, created: true };
}

// The role's remembered container if it still exists, brought in line with `want`; null
// otherwise. Never creates one, so it may run before the host has answered an open.
export async function existingContainer({ identities, storage, roleId, want }) {
  const known = ownContainer(await loadContainerMap(storage), roleId);
  if (!known) return null;
  let identity = null;
  try {
    identity = await identities.get(known);
  } catch {
    return null; // deleted by the user
  }
  await align(identities, identity, { ...want, name: await freeName(identities, want.name, roleId, known) });
  return identity.cookieStoreId;
}

// Runs async jobs one at a time, so two quick clicks cannot create two containers for one
// role or lose each other's storage writes.
export function serialized() {
  let tail = Promise.resolve();
  return (job) => {
    const run = tail.then(job, job);
    tail = run.catch(() => {});
    return run;
  };
}

// Role ids whose remembered container has at least one open tab and was not signed out
// since rolecall last opened a console in it (`signedOut`: cookieStoreId → when, below): a
// signed-out container's tabs are on the sign-in page, or will be at their next request.
export function rolesWithTabs(map, tabs, signedOut = {}) {
  const stores = new Set(tabs.map((t) => t.cookieStoreId).filter(Boolean));
  return Object.keys(map).filter((roleId) => {
    const store = ownContainer(map, roleId);
    return stores.has(store) && !Object.hasOwn(signedOut, store);
  });
}

// The containers signed out (storage.local, cookieStoreId → the sign-out's time): a sign-out
// adds its containers, a console that rolecall opens (or renews on the user's demand) in one
// takes it out again. Their tabs are not live consoles: no "open" mark, no badge count, no
// silent renewal, no focus mode. Nothing but container ids and times.
export const SIGNED_OUT_KEY = 'signedOut';

export async function loadSignedOut(storage) {
  const got = (await storage.get(SIGNED_OUT_KEY))?.[SIGNED_OUT_KEY];
  if (!got || typeof got !== 'object' || Array.isArray(got)) return {};
  return Object.fromEntries(Object.entries(got).filter(([, at]) => Number.isFinite(at)));
}

// `record` with `stores` signed out at `at`, only containers the map still names (the record
// stays as small as the map).
export function withSignedOut(record, stores, at, map) {
  const known = new Set(Object.values(map));
  const next = Object.fromEntries(Object.entries(record).filter(([store]) => known.has(store)));
  for (const store of stores) if (store) next[store] = at;
  return next;
}

export function withoutSignedOut(record, store) {
  if (!Object.hasOwn(record, store)) return record;
  const { [store]: _gone, ...rest } = record;
  return rest;
}

// The roles whose remembered container differs from how the listing says it should look
// (colour, icon): [{ roleId, cookieStoreId, changes }]. A role marked production after its
// container was made turns red at the next listing, not only at its next open. `styleOf(role)`
// → { color, icon }; `identities`: contextualIdentities.query's answer.
export function restyles(roles, map, identities, styleOf) {
  const byStore = new Map(identities.map((c) => [c.cookieStoreId, c]));
  const out = [];
  for (const role of roles) {
    const store = ownContainer(map, role.id);
    const identity = store && byStore.get(store);
    if (!identity) continue;
    const want = styleOf(role);
    const changes = {};
    for (const field of ['color', 'icon']) if (want[field] && identity[field] !== want[field] && identity[field] !== legacyColor(want[field])) changes[field] = want[field];
    if (Object.keys(changes).length) out.push({ roleId: role.id, cookieStoreId: store, changes });
  }
  return out;
}

// Applies `restyles`: each container updated in place (its tabs stay), an older Firefox's
// name for a new colour when it refuses that one. Best effort; returns how many changed.
export async function applyRestyles(identities, changes) {
  let n = 0;
  for (const { cookieStoreId, changes: c } of changes) {
    try {
      await identities.update(cookieStoreId, c);
      n++;
    } catch {
      if (c.color && legacyColor(c.color) !== c.color) {
        try {
          await identities.update(cookieStoreId, { ...c, color: legacyColor(c.color) });
          n++;
        } catch {
          // the container went away meanwhile
        }
      }
    }
  }
  return n;
}
