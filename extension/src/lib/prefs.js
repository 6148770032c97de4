// The picker's favourites (pinned roles) and frecency (how often and how lately each role was
// opened), in storage.sync where the browser has it (so they follow the user to their other
// machines), else storage.local. Role ids and numbers only. storage.sync allows 8 KiB per item
// and 100 KiB in all: each of the two items is kept under ITEM_BUDGET bytes, the frecency by
// dropping its lowest scores, pins by refusing more.
export const PINS_KEY = 'pins';
export const FRECENCY_KEY = 'frecency';
// Set in storage.local once storage.sync refused a write (quota, sync turned off by policy):
// the preferences live in storage.local from then on.
export const LOCAL_ONLY_KEY = 'prefsLocal';
export const ITEM_BUDGET = 7800; // bytes of key + JSON, under storage.sync's 8192 per item
export const MAX_PINS = 100;
export const MAX_FRECENT = 60;
// A visit's weight halves every week: a role opened daily this week outranks one opened daily
// a month ago.
export const HALF_LIFE_MS = 7 * 24 * 3600_000;
const MINUTE = 60_000;

// frecency: { [roleId]: [score, minute] }: the score as of that minute (since the epoch).
export function scoreAt(entry, now) {
  if (!Array.isArray(entry) || !Number.isFinite(entry[0]) || !Number.isFinite(entry[1])) return 0;
  const age = Math.max(0, now - entry[1] * MINUTE);
  return entry[0] * 2 ** (-age / HALF_LIFE_MS);
}

const bytes = (key, value) => key.length + JSON.stringify(value).length;

// One more opening of `id`: its decayed score plus one, as of now; the list trimmed to the
// budget (the lowest scores go first).
export function bump(frecency, id, now) {
  const next = { ...frecency, [id]: [Math.round((scoreAt(frecency[id], now) + 1) * 1000) / 1000, Math.floor(now / MINUTE)] };
  return trimFrecency(next, now);
}

export function trimFrecency(frecency, now) {
  const ranked = Object.entries(frecency)
    .filter(([, e]) => scoreAt(e, now) > 0)
    .sort((a, b) => scoreAt(b[1], now) - scoreAt(a[1], now));
  let kept = ranked.slice(0, MAX_FRECENT);
  while (kept.length && bytes(FRECENCY_KEY, Object.fromEntries(kept)) > ITEM_BUDGET) kept = kept.slice(0, -1);
  return Object.fromEntries(kept);
}

// Role id → score now, for ranking search results (pinned roles above every frecency).
export function rankOf({ pins, frecency }, now) {
  const rank = new Map();
  for (const [id, e] of Object.entries(frecency)) {
    const s = scoreAt(e, now);
    if (s > 0) rank.set(id, s);
  }
  pins.forEach((id, i) => rank.set(id, 1e6 - i));
  return rank;
}

// The `n` roles of `known` (a Set of ids) with the highest frecency, minus `exclude` (the
// pinned ones): the popup's Recent section.
export function recentIds({ frecency }, known, now, { n = 5, exclude = [] } = {}) {
  const skip = new Set(exclude);
  return Object.entries(frecency)
    .filter(([id]) => known.has(id) && !skip.has(id))
    .map(([id, e]) => [id, scoreAt(e, now)])
    .filter(([, s]) => s > 0)
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([id]) => id);
}

// Pinned after those pinned before; unpinning keeps the others' order. Returns null when the
// pin would not fit (the popup says so).
export function togglePin(pins, id) {
  if (pins.includes(id)) return pins.filter((x) => x !== id);
  const next = [...pins, id];
  return next.length > MAX_PINS || bytes(PINS_KEY, next) > ITEM_BUDGET ? null : next;
}

function normalize(got) {
  const pins = Array.isArray(got?.[PINS_KEY]) ? got[PINS_KEY].filter((x) => typeof x === 'string') : [];
  const raw = got?.[FRECENCY_KEY];
  const frecency = {};
  if (raw && typeof raw === 'object' && !Array.isArray(raw)) {
    for (const [id, e] of Object.entries(raw)) if (Array.isArray(e) && e.length === 2 && e.every(Number.isFinite)) frecency[id] = e;
  }
  return { pins: [...new Set(pins)], frecency };
}

// Where the preferences live: storage.sync, unless the browser has none or it refused a write.
async function area(storage) {
  if (!storage.sync) return storage.local;
  const local = await storage.local.get(LOCAL_ONLY_KEY).catch(() => ({}));
  return local?.[LOCAL_ONLY_KEY] ? storage.local : storage.sync;
}

export async function loadPrefs(storage) {
  const where = await area(storage);
  try {
    return normalize(await where.get([PINS_KEY, FRECENCY_KEY]));
  } catch {
    return normalize(await storage.local.get([PINS_KEY, FRECENCY_KEY]).catch(() => ({})));
  }
}

// Writes one item; when storage.sync refuses it, the preferences move to storage.local for good
// (with what sync had), so nothing the user set is lost.
export async function savePref(storage, key, value) {
  const where = await area(storage);
  try {
    await where.set({ [key]: value });
  } catch (e) {
    if (where === storage.local) throw e;
    const had = normalize(await storage.sync.get([PINS_KEY, FRECENCY_KEY]).catch(() => ({})));
    await storage.local.set({ [PINS_KEY]: had.pins, [FRECENCY_KEY]: had.frecency, [key]: value, [LOCAL_ONLY_KEY]: true });
  }
}

// A successful open: one more visit of `id`.
export async function noteVisit(storage, id, now) {
  const { frecency } = await loadPrefs(storage);
  await savePref(storage, FRECENCY_KEY, bump(frecency, id, now));
}
