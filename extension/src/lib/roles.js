// Grouping of the host's roles.list for the popup, and the keyboard selection (the search
// is search.js's). Order is the config's order: groups appear where their first role does,
// roles keep their order inside a group.

export function groupKey(role) {
  return role.group ? `group:${role.group}` : `account:${role.account_id}`;
}

export function groupTitle(role) {
  return role.group ? role.group : `Account ${role.account_id}`;
}

export function groupRoles(roles) {
  const groups = new Map();
  for (const role of roles) {
    const key = groupKey(role);
    if (!groups.has(key)) groups.set(key, { key, title: groupTitle(role), roles: [] });
    groups.get(key).roles.push(role);
  }
  return [...groups.values()];
}

// Move the keyboard selection by `delta` through `order`, wrapping around; an unknown or
// missing current id lands on the first (down) or last (up) row.
export function moveSelection(order, currentId, delta) {
  if (order.length === 0) return null;
  const i = order.indexOf(currentId);
  if (i === -1) return delta < 0 ? order[order.length - 1] : order[0];
  return order[(i + delta + order.length) % order.length];
}

// Keep the selection on a still-visible row after filtering, else the first row. `order`:
// the role ids shown, or a display model (display.js) with positionOf and roleAt.
export function keepSelection(order, currentId) {
  if (Array.isArray(order)) return order.includes(currentId) ? currentId : (order[0] ?? null);
  if (currentId !== null && currentId !== undefined && order.positionOf(currentId) !== -1) return currentId;
  return order.roleCount ? order.roleAt(0) : null;
}

// Digits (with the spaces and dashes account ids are written with) and nothing else.
export function isDigitsOnly(query) {
  return /^[\d\s-]*\d[\d\s-]*$/.test(String(query ?? ''));
}

// The row Enter opens. A digits-only query may be an MFA code typed into the search box (the
// prompt lost focus when the popup closed), and it matches account ids: Enter then opens
// nothing until the user picks a row with the arrow keys or the mouse (`picked`), or the
// query is a whole 12-digit account id of a role (search.js picks that role: an MFA code has
// 6 digits). Any other query keeps the usual rule: the selected row if still shown, else the
// first.
export function selectionFor(order, currentId, query, picked) {
  if (isDigitsOnly(query) && !picked) return null;
  return keepSelection(order, currentId);
}
