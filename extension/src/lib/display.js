// What the popup's list shows and where: its items (section and group titles, role rows) for
// the query, and which of them are drawn for the scroll position. The list is virtualised:
// only the rows in view (and a few around) are in the document, so 10,000 roles draw as fast
// as 20. Pure: heights in, positions out.
import { groupRoles } from './roles.js';

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

// With a query: the results in rank order, no titles.
export function resultItems(results) {
  return results.map((r) => ({ kind: 'role', key: r.role.id, role: r.role, match: r }));
}

// Where each item starts: offsets[k] (offsets[n] = the whole height). `height(item)` is its
// measured height, or its kind's usual one.
export function layout(items, height) {
  const offsets = new Float64Array(items.length + 1);
  for (let k = 0; k < items.length; k++) offsets[k + 1] = offsets[k] + height(items[k]);
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
