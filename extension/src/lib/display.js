// What the popup's list shows and where: its items (section and group titles, role rows) for
// the query, which of them are drawn for the scroll position, and the line that says which
// gateways need the day's code. The list is virtualised:
// only the rows in view (and a few around) are in the document, so 10,000 roles draw as fast
// as 20. Pure: heights in, positions out.
import { groupRoles } from './roles.js';
import { DEFAULT_MFA_SESSION_HOURS, clockTime } from './timeleft.js';

// With an empty query: Favourites (pinned, in pin order), Recent (frecency), then the groups,
// each role once (a role in the first two sections is not repeated in its group).
// `pins`, `recent`: role ids. Items: { kind: 'title', key, text } | { kind: 'role', key, role }.
export function sectionItems(roles, byId, pins, recent) {
  const items = [];
  const shown = new Set();
  const section = (key, text, ids) => {
    const rows = ids.filter((id) => byId.has(id) && !shown.has(id));
    if (rows.length === 0) return;
    items.push({ kind: 'title', key, text });
    for (const id of rows) {
      shown.add(id);
      items.push({ kind: 'role', key: id, role: byId.get(id) });
    }
  };
  section('section:favourites', 'Favourites', pins);
  section('section:recent', 'Recent', recent);
  const rest = shown.size ? roles.filter((r) => !shown.has(r.id)) : roles;
  for (const group of groupRoles(rest)) {
    items.push({ kind: 'title', key: group.key, text: group.title });
    for (const role of group.roles) items.push({ kind: 'role', key: role.id, role });
  }
  return items;
}

// The list as the popup draws it: `length` items, `at(k)` the k-th ({ kind, key, role?,
// match? }), `roleIndex(k)` its place among the roles (-1 for a title), `titleOf(k)` the
// item of the title that heads item k's section or group (-1 for none: a query's results),
// `roleCount`, `roleAt(n)` the n-th role's id, `positionOf(id)` the item showing role `id`
// (or -1), and `order()` every role id in order (for the arrow keys; made when first asked).

// The sections and groups of an empty query (an array of items, kept while the roles and
// favourites stay the same).
export function sectionsModel(items) {
  const roleIndex = new Int32Array(items.length);
  const titleOf = new Int32Array(items.length);
  const ids = [];
  let title = -1;
  for (let k = 0; k < items.length; k++) {
    if (items[k].kind === 'role') roleIndex[k] = ids.push(items[k].key) - 1;
    else (roleIndex[k] = -1), (title = k);
    titleOf[k] = title;
  }
  let position = null; // role id → item, made when first asked (not for the first rows)
  return {
    length: items.length,
    roleCount: ids.length,
    uniform: false,
    at: (k) => items[k],
    roleIndex: (k) => roleIndex[k],
    titleOf: (k) => (k < titleOf.length ? titleOf[k] : -1),
    roleAt: (n) => ids[n],
    positionOf: (id) => {
      // The first rows are looked at first: the selection is usually one of them, and the map
      // of every item waits until a later one is asked for.
      if (!position) {
        for (let k = 0; k < Math.min(items.length, 64); k++) if (items[k].key === id) return k;
        position = new Map(items.map((item, k) => [item.key, k]));
      }
      return position.get(id) ?? -1;
    },
    order: () => ids,
  };
}

// The background's first screen (`head`: the first items of the sections, and how many titles
// and roles there are in all) standing for the sections until the popup has parsed the whole
// listing: as long as the whole (the scroll height is about right), with the items past the
// first screen left empty (the popup draws none: the first screen is taller than the popup).
export function headModel(head) {
  const model = sectionsModel(head.items);
  const drawn = head.items.length;
  return { ...model, length: head.titles + head.roles, roleCount: head.roles, at: (k) => (k < drawn ? head.items[k] : PAST_HEAD) };
}
export const PAST_HEAD = Object.freeze({ kind: 'role', key: '' });

// A query's ranked results (search.js's Ranked): no titles, an item made only when drawn, so
// a keystroke that matches 10,000 roles builds nothing per role.
export function resultsModel(ranked) {
  let ids = null;
  return {
    length: ranked.length,
    roleCount: ranked.length,
    uniform: true, // every item a role row
    at: (k) => {
      const role = ranked.roleAt(k);
      return { kind: 'role', key: role.id, role, match: ranked.matchAt(k) };
    },
    roleIndex: (k) => k,
    titleOf: () => -1,
    roleAt: (n) => ranked.roleAt(n).id,
    positionOf: (id) => ranked.indexOf(id),
    order: () => (ids ??= Array.from({ length: ranked.length }, (_, k) => ranked.roleAt(k).id)),
  };
}

// Where each item of a model starts: offsets[k] (offsets[length] = the whole height), from
// the usual heights of titles and rows and the measured heights of taller rows (`tall`: role
// id → height).
export function modelOffsets(model, usual, tall) {
  const n = model.length;
  if (!model.uniform) {
    const offsets = new Float64Array(n + 1);
    for (let k = 0; k < n; k++) {
      const item = model.at(k);
      offsets[k + 1] = offsets[k] + ((tall.size && tall.get(item.key)) || usual[item.kind]);
    }
    return offsets;
  }
  const offsets = new Float64Array(n + 1);
  for (let k = 0; k < n; k++) offsets[k + 1] = offsets[k] + usual.role;
  for (const [id, h] of tall) {
    const k = model.positionOf(id);
    if (k === -1) continue;
    const extra = h - usual.role;
    for (let j = k + 1; j <= n; j++) offsets[j] += extra;
  }
  return offsets;
}

// The first item whose bottom is below `y` (binary search).
function itemAt(offsets, y) {
  let lo = 0;
  let hi = offsets.length - 2;
  if (hi < 0) return 0;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (offsets[mid + 1] <= y) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

// The items to draw for a scroll position: [first, end) covering the viewport and `overscan`
// pixels around it, and the space above and below them.
export function visibleRange(offsets, scrollTop, viewport, overscan = 300) {
  const n = offsets.length - 1;
  if (n === 0) return { first: 0, end: 0, before: 0, after: 0 };
  const first = itemAt(offsets, Math.max(0, scrollTop - overscan));
  let end = itemAt(offsets, scrollTop + viewport + overscan) + 1;
  end = Math.min(n, end);
  return { first, end, before: offsets[first], after: offsets[n] - offsets[end] };
}

// The scroll position that shows item k whole, moving as little as possible (scrollIntoView's
// "nearest"), or the current one when it is shown already.
export function scrollToShow(offsets, k, scrollTop, viewport) {
  const top = offsets[k];
  const bottom = offsets[k + 1];
  if (top < scrollTop) return top;
  if (bottom > scrollTop + viewport) return Math.max(0, bottom - viewport);
  return scrollTop;
}

// The daily-MFA gateways whose next open needs a code (no MFA session yet today): the popup
// says so once, in a line above the list, rather than marking each of their roles in red.
// [{ gateway, roles, hours }] in listing order: how many roles the gateway has, and its MFA
// session's length when the host says it (roles.list `mfa_session_hours`), else null.
export function codeGateways(roles) {
  const found = new Map();
  for (const role of roles) {
    if (role.mfa_mode !== 'daily') continue;
    const name = role.source_name ?? role.gateway;
    let g = found.get(name);
    if (!g) found.set(name, (g = { gateway: name, roles: 0, hours: null, needs: false }));
    g.roles++;
    if (role.needs_code) g.needs = true;
    if (g.hours === null && Number.isFinite(role.mfa_session_hours)) g.hours = role.mfa_session_hours;
  }
  return [...found.values()].filter((g) => g.needs).map(({ gateway, roles: n, hours }) => ({ gateway, roles: n, hours }));
}

// The line for one of them: `Gateway corp needs a code: it covers all its 12 roles until 18:40.`
// (the session would start now).
export function codeLine({ gateway, roles, hours }, now, locale) {
  const h = Number.isFinite(hours) && hours > 0 ? hours : DEFAULT_MFA_SESSION_HOURS;
  const which = roles === 1 ? 'its role' : `all its ${roles.toLocaleString('en-US')} roles`;
  return `Gateway ${gateway} needs a code: it covers ${which} until ${clockTime(now + h * 3_600_000, locale)}.`;
}
