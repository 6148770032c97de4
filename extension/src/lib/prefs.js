// The picker's favourites (pinned roles) and frecency (how often and how lately each role was
// opened). Favourites are the user's choices: in storage.sync where the browser has it (so
// they follow the user to their other machines), else storage.local. Frecency is a history of
// what was opened and when: in storage.local only, never synced (an install that had it in
// storage.sync moves it here once: `moveFrecency`). Role ids and numbers only. storage.sync
// allows 8 KiB per item and 100 KiB in all: each item is kept under ITEM_BUDGET bytes, the
// frecency by dropping its lowest scores, pins by refusing more.
export const PINS_KEY = 'pins';
export const FRECENCY_KEY = 'frecency';
// Set in storage.local once storage.sync refused a write (quota, sync turned off by policy):
// the favourites live in storage.local from then on.
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

// Favourites from storage.sync (unless the browser has none or it refused a write), frecency
// from storage.local; both read at once.
export async function loadPrefs(storage) {
  const [local, sync] = await Promise.all([
    storage.local.get([LOCAL_ONLY_KEY, PINS_KEY, FRECENCY_KEY]).catch(() => ({})),
    storage.sync ? storage.sync.get(PINS_KEY).then((got) => got ?? {}, () => null) : null,
  ]);
  const pins = sync && !local?.[LOCAL_ONLY_KEY] ? sync : local;
  return normalize({ [PINS_KEY]: pins?.[PINS_KEY], [FRECENCY_KEY]: local?.[FRECENCY_KEY] });
}

// Writes one item: the frecency to storage.local; the favourites to storage.sync, and when it
// refuses them, to storage.local for good (with what sync had), so nothing the user set is lost.
export async function savePref(storage, key, value) {
  if (key === FRECENCY_KEY || !storage.sync) {
    await storage.local.set({ [key]: value });
    return;
  }
  const local = await storage.local.get(LOCAL_ONLY_KEY).catch(() => ({}));
  if (local?.[LOCAL_ONLY_KEY]) {
    await storage.local.set({ [key]: value });
    return;
  }
  try {
    await storage.sync.set({ [key]: value });
  } catch {
    const had = normalize(await storage.sync.get(PINS_KEY).catch(() => ({})));
    await storage.local.set({ [PINS_KEY]: had.pins, [key]: value, [LOCAL_ONLY_KEY]: true });
  }
}

// A successful open: one more visit of `id`.
export async function noteVisit(storage, id, now) {
  const got = await storage.local.get(FRECENCY_KEY);
  const { frecency } = normalize(got);
  await savePref(storage, FRECENCY_KEY, bump(frecency, id, now));
}

// Two frecencies as one: each role's entry with the higher score now, trimmed to the budget.
export function mergeFrecency(a, b, now) {
  const merged = { ...a };
  for (const [id, e] of Object.entries(b)) if (scoreAt(e, now) > scoreAt(merged[id], now)) merged[id] = e;
  return trimFrecency(merged, now);
}

// Earlier versions kept the frecency in storage.sync: it moves to storage.local (merged with
// what is there) and leaves sync. Where the preferences had already moved to storage.local
// (`prefsLocal`), sync's copy is an old one and is only removed. Run when the extension is
// installed or updated; true when there was something to move.
export async function moveFrecency(storage, now) {
  if (!storage.sync) return false;
  const got = await storage.sync.get(FRECENCY_KEY);
  if (!got || !(FRECENCY_KEY in got)) return false;
  const local = await storage.local.get([LOCAL_ONLY_KEY, FRECENCY_KEY]);
  if (!local?.[LOCAL_ONLY_KEY]) {
    const merged = mergeFrecency(normalize(local).frecency, normalize(got).frecency, now);
    await storage.local.set({ [FRECENCY_KEY]: merged });
  }
  await storage.sync.remove(FRECENCY_KEY);
  return true;
}
