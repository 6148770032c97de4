// The popup's first screen, made by the background: the first items of the list's sections
// with an empty query (display.js: Favourites, Recent, then the groups), how many titles and
// roles the sections hold in all, and the daily gateways that need the day's code (the line
// above the list). The popup draws it before it has parsed the whole listing (35 ms at 10,000
// roles). The last one is kept in storage.local, so a popup opened right after the browser or
// the extension started (no listing yet: the host lists 10,000 roles in about half a second)
// draws it at once; it goes at every sign-out and is made again without a role a fresh listing
// no longer has. Also the listing's text (`compact`) and the favourites kept in memory.
import { codeGateways, sectionItems } from './display.js';
import { FRECENCY_KEY, LOCAL_ONLY_KEY, PINS_KEY, loadPrefs, recentIds } from './prefs.js';

// storage.local: the popup's last first screen ({ n, value }).
export const FIRST_SCREEN_KEY = 'firstScreen';

const NO_PREFS = { pins: [], frecency: {} };

// JSON.stringify's replacer for role listings sent to the popup as text: no null, false or
// empty list (it reads a missing field as none), nor what it does not use (`source`,
// `shadows_catalog`; `gateway` / `sso` when `source_name` says it; the MFA mode and session
// length of a role that asks no code): half the text of 10,000 roles, and half the parsing.
const UNUSED = new Set(['source', 'shadows_catalog']);
const MFA_ONLY = new Set(['mfa_mode', 'mfa_session_hours']);
export function compact(key, value) {
  if (Array.isArray(this)) return value;
  if (UNUSED.has(key) || ((key === 'gateway' || key === 'sso') && this.source_name !== undefined)) return undefined;
  if (MFA_ONLY.has(key) && !this.mfa) return undefined;
  return value === null || value === false || (Array.isArray(value) && value.length === 0) ? undefined : value;
}

// The favourites and frecency (storage.sync and storage.local), read once and kept until
// storage says one of them changed, as cached.js keeps the settings: the first screen is made
// from them on every opening. Without storage.onChanged (tests' fakes), read each time.
export function keptPrefs(api) {
  const events = api.storage.onChanged;
  let kept = null;
  events?.addListener((changes) => {
    if (PINS_KEY in changes || FRECENCY_KEY in changes || LOCAL_ONLY_KEY in changes) kept = null;
  });
  return () => {
    if (!events) return loadPrefs(api.storage);
    if (kept === null) {
      const read = loadPrefs(api.storage);
      kept = read;
      read.catch(() => {
        if (kept === read) kept = null;
      });
    }
    return kept;
  };
}

// The first `n` items of `roles`' sections (a listing, or the first page of one), their roles
// as compact as in the text. Pure.
export function screenOf(roles, byId, prefs, n, now, codes = codeGateways(roles)) {
  const recent = recentIds(prefs, byId, now, { exclude: prefs.pins });
  const items = sectionItems(roles, byId, prefs.pins, recent);
  const titles = items.reduce((sum, item) => sum + (item.kind === 'title'), 0);
  const first = items.slice(0, n).map((item) => (item.kind === 'role' ? { ...item, role: JSON.parse(JSON.stringify(item.role, compact)) } : item));
  return { items: first, titles, roles: items.length - titles, codes };
}

// The first screens of the background's listings. `current()`: the listing it has now
// ({ roles, … }, or null); `prefs()`: the favourites and frecency.
export function createFirstScreens({ storage, clock, prefs, current }) {
  let written = null; // what storage holds, as JSON
  let forgets = 0; // sign-outs so far: a first screen made before one is not kept after it

  // Made once per listing and preferences (kept on the listing); written when it changes.
  function of(listing, p, n) {
    const byId = (listing.byId ??= new Map(listing.roles.map((r) => [r.id, r])));
    const key = JSON.stringify([n, p.pins, recentIds(p, byId, clock(), { exclude: p.pins })]);
    if (listing.head?.key !== key) {
      listing.codes ??= codeGateways(listing.roles);
      listing.head = { key, value: screenOf(listing.roles, byId, p, n, clock(), listing.codes) };
      keep(n, listing.head.value);
    }
    return listing.head.value;
  }

  function keep(n, value) {
    const text = JSON.stringify({ n, value });
    if (text === written) return;
    written = text;
    storage.set({ [FIRST_SCREEN_KEY]: { n, value } }).catch(() => {});
  }

  // A sign-out (of one role or all: whenever the host is told session.forget) removes the
  // kept first screen (its Favourites and Recent say which roles were used); the next popup
  // opening keeps the one it is shown.
  async function forget() {
    forgets++;
    written = null;
    early = null;
    const listing = current();
    if (listing) listing.head = null;
    await storage.remove(FIRST_SCREEN_KEY).catch(() => {});
  }

  // What storage keeps, if it is a first screen of `n` items (else null). The first read may
  // have begun as the background started (`prefetch`): storage's first answer is slow then.
  let early = null;
  const prefetch = () => {
    early ??= storage.get(FIRST_SCREEN_KEY).catch(() => ({}));
  };
  async function read(n) {
    const asked = early ?? storage.get(FIRST_SCREEN_KEY).catch(() => ({}));
    early = null;
    const got = await asked;
    const kept = got?.[FIRST_SCREEN_KEY];
    return Number.isInteger(kept?.n) && kept.n > 0 && Array.isArray(kept.value?.items) && (n === undefined || kept.n === n) ? kept : null;
  }

  // A fresh listing without a role of the kept first screen: the first screen is made again
  // from this listing, so the role is not shown (nor kept) after the next start.
  async function dropLeftRoles(listing) {
    const since = forgets;
    const kept = await read();
    if (!kept) return;
    const byId = (listing.byId ??= new Map(listing.roles.map((r) => [r.id, r])));
    if (kept.value.items.every((item) => item?.kind !== 'role' || byId.has(item.role?.id))) return;
    const p = await prefs().catch(() => NO_PREFS);
    if (current() !== listing || since !== forgets) return; // a newer listing, or a sign-out, meanwhile
    of(listing, p, kept.n);
  }

  return { of, forget, read, prefetch, dropLeftRoles };
}
