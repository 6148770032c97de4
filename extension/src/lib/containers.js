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

// The container for a role: the remembered one if it still exists, else one with the wanted
// name (after a reinstall or a cleared storage), else a new one. `want` = {name, color, icon}.
// Returns {cookieStoreId, created}.
export async function resolveContainer({ identities, storage, roleId, want }) {
  const map = await loadContainerMap(storage);
  const known = map[roleId];
  if (known) {
    let identity = null;
    try {
      identity = await identities.get(known);
    } catch {
      identity = null; // deleted by the user
    }
    if (identity) {
      await align(identities, identity, want);
      return { cookieStoreId: identity.cookieStoreId, created: false };
    }
  }
  const found = await identities.query({ name: want.name });
  if (found?.length) {
    const identity = await align(identities, found[0], want);
    await remember(storage, roleId, identity.cookieStoreId);
    return { cookieStoreId: identity.cookieStoreId, created: false };
  }
  const identity = await create(identities, want);
  await remember(storage, roleId, identity.cookieStoreId);
  return { cookieStoreId: identity.cookieStoreId, created: true };
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

// Role ids whose remembered container has at least one open tab.
export function rolesWithTabs(map, tabs) {
  const stores = new Set(tabs.map((t) => t.cookieStoreId).filter(Boolean));
  return Object.keys(map).filter((roleId) => stores.has(map[roleId]));
}
