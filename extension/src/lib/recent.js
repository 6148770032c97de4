// The roles opened most recently (ids only, newest first) in storage.local, and from them and
// the live consoles, which roles console.prepare should mint a token for when the popup opens.
import { consoleEnd } from './timeleft.js';

export const RECENT_KEY = 'recent';
export const MAX_RECENT = 10;
// console.prepare takes at most 10 roles.
export const MAX_PREPARE = 10;

export async function loadRecent(storage) {
  const list = (await storage.get(RECENT_KEY))?.[RECENT_KEY];
  return Array.isArray(list) ? list.filter((id) => typeof id === 'string').slice(0, MAX_RECENT) : [];
}

export function withRecent(list, id) {
  return [id, ...list.filter((x) => x !== id)].slice(0, MAX_RECENT);
}

export async function noteOpened(storage, id) {
  await storage.set({ [RECENT_KEY]: withRecent(await loadRecent(storage), id) });
}

// A role signed out (or all, with no id) is no longer prepared: nothing mints it a token
// until it is opened again.
export async function forgetRecent(storage, id) {
  await storage.set({ [RECENT_KEY]: id === undefined ? [] : (await loadRecent(storage)).filter((x) => x !== id) });
}

// Roles with a live console first, then the recent ones, each group most recent first (config
// order after that). Only roles that open without a code (the host would skip the others) and
// only these two groups: roles never opened are not minted a token on every popup opening.
export function prepareCandidates(roles, recent, now) {
  const rank = (id) => {
    const i = recent.indexOf(id);
    return i === -1 ? recent.length : i;
  };
  const ready = roles.filter((r) => !r.needs_code);
  const live = ready.filter((r) => (consoleEnd(r) ?? 0) > now);
  const liveIds = new Set(live.map((r) => r.id));
  const byRecency = (a, b) => rank(a.id) - rank(b.id);
  const recentOnes = ready.filter((r) => !liveIds.has(r.id) && recent.includes(r.id));
  return [...live.sort(byRecency), ...recentOnes.sort(byRecency)].slice(0, MAX_PREPARE).map((r) => r.id);
}
