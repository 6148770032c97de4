// One row of the list, drawn from the state and changing none of it. The list is a grid (the
// search box its combobox): a row is the role's cell (colour dot, label; under it the account
// and role name, then the badges and time-left pill, the query's matches highlighted), a
// cell per tool (pin, region, links, and for a role with a console Renew and Sign out: shown
// on the selected, pointed-at or focused row), and a cell for what shows under it (progress,
// the MFA prompt, the production question, a region or links panel, an error). The
// controls' clicks go to `act` (page.js); list.js decides which rows are drawn and where.
import { containerStyle } from '../lib/colors.js';
import { el, errorBlock } from '../lib/dom.js';
import { landingName, regionsOf } from '../lib/landing.js';
import { MODE_LABELS } from '../lib/multisession.js';
import { confirmText, isProduction } from '../lib/risk.js';
import { highlight } from '../lib/search.js';
import { codeCovers, consolePill } from '../lib/timeleft.js';
import { act } from './page.js';
import { state } from './state.js';

const PROGRESS = { open: 'Preparing the console…', renew: 'Renewing the console…', signOut: 'Signing out…', signedIn: 'Signed in: opening the console…' };

// The n-th role's cell id (for aria-activedescendant).
export const rowId = (index) => `role-${index}`;

// The selected row's keyboard shortcuts (keys.js), named on its tools and in the help.
export const SHORTCUTS = { pin: 'Alt+P', renew: 'Alt+R', signOut: 'Alt+S' };

// Nodes kept across renders, so a focused control keeps the focus and a half-made choice stays.
const pillNodes = new Map(); // role id → its time-left pill
const panelNodes = new Map(); // role id → its open panel's node (focus, a choice)

// A panel opened or closed: the next draw makes its node afresh.
export function dropPanel(roleId) {
  panelNodes.delete(roleId);
}

// The buttons and pills of rows no longer drawn are dropped (typing through 10,000 roles would
// keep every row's otherwise). `drawn`: item key → node.
export function keepDrawn(drawn) {
  for (const id of pillNodes.keys()) if (!drawn.has(id)) pillNodes.delete(id);
}

// Only one prompt is up at a time, so its input and hint can have fixed ids.
function mfaForm(role, row) {
  const input = el('input', {
    id: 'mfa-code',
    class: 'mfa-code',
    type: 'text',
    inputmode: 'numeric',
    autocomplete: 'one-time-code',
    pattern: '[0-9]{6}',
    maxlength: '6',
    required: true,
    'aria-describedby': 'mfa-hint',
  });
  const hint = el('p', { id: 'mfa-hint', class: 'hint', role: 'alert' }, row.mfa.rejected ?? '');
  const renewing = row.mfa.action === 'renew';
  const gateway = row.mfa.gateway ?? role.source_name ?? role.gateway;
  const label = `MFA code for gateway '${gateway}'${renewing ? ' to renew the console' : ''}`;
  // What the code covers: the mfa_required answer says the gateway's mode and session length
  // (newer hosts); else the role's listing says the mode, and the session is the default's.
  const covers = codeCovers({ gateway, mode: row.mfa.mode ?? role.mfa_mode, hours: row.mfa.hours ?? role.mfa_session_hours }, Date.now());
  const form = el(
    'form',
    { class: 'mfa extra', novalidate: true, dataset: { action: row.mfa.action } },
    el('label', { for: 'mfa-code' }, label),
    covers ? el('p', { id: 'mfa-covers', class: 'covers' }, covers) : null,
    // The gateway's MFA command ran and gave no code (protocol 7): why, in the host's words.
    row.mfa.processError ? el('p', { class: 'process-error' }, `The MFA command gave no code: ${row.mfa.processError}`) : null,
    input,
    el('button', { type: 'submit' }, renewing ? 'Renew' : 'Open'),
    hint,
  );
  if (covers) input.setAttribute('aria-describedby', 'mfa-covers mfa-hint');
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const code = input.value.replace(/\s+/g, '');
    if (!/^\d{6}$/.test(code)) {
      hint.textContent = 'Enter the 6 digits from your MFA device.';
      input.focus();
      return;
    }
    act.runRole(role.id, { action: row.mfa.action, background: row.mfa.background, mfaCode: code, landing: row.mfa.landing });
  });
  input.addEventListener('keydown', (e) => {
    if (e.key === 'Escape') {
      e.preventDefault();
      e.stopPropagation();
      act.dismissPrompt(role.id);
    }
  });
  return form;
}

// The production question: a second Enter (or click) on the role, or its Open button, opens.
function confirmBox(role, row) {
  return el(
    'div',
    { class: 'confirm extra', role: 'alert' },
    el('span', { class: 'question' }, confirmText(role)),
    el('button', { type: 'button', class: 'danger', onclick: () => act.activate(role.id, { background: row.background, landing: row.landing }) }, 'Open'),
    el('button', { type: 'button', onclick: () => act.cancelConfirm() }, 'Cancel'),
  );
}

// The row's region picker: the regions of its partition, its own first.
function regionPanel(role) {
  const label = role.label ?? role.id;
  const regions = regionsOf(role.partition);
  const select = el(
    'select',
    { class: 'region-select', 'aria-label': `Region for ${label}` },
    [...new Set([role.region, ...regions].filter(Boolean))].map((r) => el('option', { value: r, selected: r === role.region }, r)),
  );
  const form = el('form', { class: 'panel extra' }, select, el('button', { type: 'submit' }, 'Open in this region'));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    act.activate(role.id, { landing: { ...(state.found?.landing?.service ? { service: state.found.landing.service } : {}), region: select.value } });
  });
  return form;
}

// The row's named links (`[[role.link]]`), each opening the role there.
function linksPanel(role) {
  return el(
    'div',
    { class: 'panel links extra', role: 'group', 'aria-label': `Links of ${role.label ?? role.id}` },
    (role.links ?? []).map((link) =>
      el('button', { type: 'button', class: 'link', title: link.destination, onclick: () => act.activate(role.id, { landing: { link: link.name } }) }, link.name),
    ),
  );
}

// What shows under a row: progress, a prompt, a question, a panel or the error. Kept on the
// row's state so a re-render moves the same nodes (a half-typed code, an open "Details",
// focus) instead of rebuilding them.
function rowExtra(role, row) {
  if (row?.phase === 'busy') return el('div', { class: 'progress extra' }, PROGRESS[row.action]);
  if (row?.phase === 'sso') {
    // The code the user checks on the Identity Center page before approving it.
    return el('p', { class: 'sso-code extra', role: 'status' }, 'Approve code ', el('code', { class: 'user-code' }, row.userCode), ' in the tab that opened.');
  }
  if (row?.phase === 'mfa') return (row.node ??= mfaForm(role, row));
  if (row?.phase === 'error') return (row.node ??= errorBlock(row.error, 'extra'));
  if (row?.phase === 'confirm') return (row.node ??= confirmBox(role, row));
  const panel = state.panels.get(role.id);
  if (panel === 'region') return (panelNodes.get(role.id) ?? panelNodes.set(role.id, regionPanel(role)).get(role.id));
  if (panel === 'links') return (panelNodes.get(role.id) ?? panelNodes.set(role.id, linksPanel(role)).get(role.id));
  return null;
}

const PILL_TITLES = {
  live: 'Time left on this role\'s console',
  ending: 'This console ends soon and will not be renewed by itself: Renew it',
  expired: 'This role\'s console has ended',
};

export function pillOf(role) {
  return consolePill(role, Date.now(), { renewBeforeMs: state.consoles.renewBeforeMinutes * 60_000, autoRenew: state.consoles.autoRenew });
}

export function showPill(node, pill) {
  if (node.dataset.state !== pill.state) {
    node.className = `badge time ${pill.state}`;
    node.title = PILL_TITLES[pill.state];
    node.dataset.state = pill.state;
  }
  if (node.textContent !== pill.text) node.textContent = pill.text;
}

// Host protocol 3: the console's time left and `needs code` when the next open asks for one
// (neutral, not red: before the day's first code every role of a daily gateway needs one,
// and the line above the list says so once). Older hosts: the MFA pill on every role of an
// MFA gateway, as before.
function lifePills(role) {
  if (!state.consoles) return [role.mfa ? el('span', { class: 'badge mfa', title: 'Opening may ask for an MFA code' }, 'MFA') : null];
  const pill = pillOf(role);
  let node = null;
  if (pill) {
    // The same node while the row is drawn: a redraw (a fresh listing) updates it in place.
    node = pillNodes.get(role.id) ?? pillNodes.set(role.id, el('span', { dataset: { timeFor: role.id } })).get(role.id);
    showPill(node, pill);
  }
  return [
    node,
    role.needs_code ? el('span', { class: 'badge code', title: 'The next open asks for an MFA code' }, 'needs code') : null,
    role.needs_login ? el('span', { class: 'badge code', title: 'The next open asks you to sign in to IAM Identity Center' }, 'needs sign-in') : null,
  ];
}

// What a row last showed, per row element (rows are reused, for the same role or another
// one): a property is written only when it changes, since every write makes Firefox restyle
// or lay out that part again.
const shown = new WeakMap();

function put(memo, key, value, apply) {
  if (memo[key] === value) return;
  memo[key] = value;
  apply(value);
}

// The row's tools, each a cell of its own after the role's: pin, region, links, and for a
// role with a console Renew and Sign out. Part of every row, shown on the row that is
// selected, pointed at or holds the focus, and updated in place so a focused one keeps the
// focus. (The list listens for their clicks.)
function fillTools(tools, role, memo) {
  const label = role.label ?? role.id;
  const pinned = state.prefs.pins.includes(role.id);
  const panel = state.panels.get(role.id);
  const [pin, region, links, renew, signOut] = memo.toolButtons ??= [...tools.querySelectorAll('button')];
  put(memo, 'pin', `${pinned}|${label}`, () => {
    pin.className = `tool pin${pinned ? ' on' : ''}`;
    pin.setAttribute('aria-label', `${pinned ? 'Unpin' : 'Pin'} ${label}`);
    pin.setAttribute('aria-pressed', pinned ? 'true' : 'false');
    pin.title = `${pinned ? 'Remove from Favourites' : 'Add to Favourites'} (${SHORTCUTS.pin})`;
    pin.textContent = pinned ? '★' : '☆';
  });
  put(memo, 'region', `${panel === 'region'}|${label}`, () => {
    region.setAttribute('aria-label', `Choose region for ${label}`);
    region.setAttribute('aria-expanded', panel === 'region' ? 'true' : 'false');
  });
  put(memo, 'links', role.links?.length ? `${panel === 'links'}|${label}` : '', (key) => {
    links.parentNode.hidden = key === '';
    links.setAttribute('aria-label', `Links of ${label}`);
    links.setAttribute('aria-expanded', panel === 'links' ? 'true' : 'false');
  });
  // Renew where a console can be renewed from here (containers, isolated windows).
  const live = Boolean(state.consoles && role.session);
  put(memo, 'live', live ? `${state.consoles.renew}|${label}` : '', (key) => {
    renew.parentNode.hidden = !(live && state.consoles.renew);
    signOut.parentNode.hidden = !live;
    if (key === '') return;
    renew.setAttribute('aria-label', `Renew ${label}`);
    signOut.setAttribute('aria-label', `Sign out ${label}`);
  });
}

// The query's matched characters, drawn as a custom highlight (CSS Custom Highlight API):
// marking them changes no element, so the rows' text is laid out only when it changes.
const HIGHLIGHT = 'rolecall-match';
const highlights = globalThis.CSS?.highlights && typeof Highlight === 'function' ? CSS.highlights : null;

// The highlight's ranges in `node` (a text node) for the parts of its text: [text, offset].
function matchRanges(node, parts, terms, out) {
  for (const [text, offset] of parts) {
    for (const [a, b] of highlight(text, terms)) {
      out.push(new StaticRange({ startContainer: node, startOffset: offset + a, endContainer: node, endOffset: offset + b }));
    }
  }
}

// Marks the drawn rows' matches (`ranges`, from roleRow), or none.
export function showMatches(ranges) {
  if (!highlights) return;
  if (ranges.length) highlights.set(HIGHLIGHT, new Highlight(...ranges));
  else highlights.delete(HIGHLIGHT);
}

const SHOWN_FIELD = { id: (r) => r.id, group: (r) => r.group, region: (r) => r.region, source: (r) => r.source_name ?? r.gateway ?? r.sso };

// A tool: a button in a cell of its own.
const tool = (name, attrs, text) => el('span', { role: 'gridcell', class: `cell ${name}` }, el('button', { type: 'button', dataset: { tool: name }, ...attrs }, text));

// A row's fixed parts, cloned when more rows are drawn than there were (cheaper than building
// them node by node). The label and the second line are one text node each.
const ROW = el(
  'div',
  { class: 'item', role: 'row' },
  el(
    'div',
    { class: 'role', role: 'gridcell' },
    el('span', { class: 'dot', 'aria-hidden': 'true' }),
    el('span', { class: 'main' }, el('span', { class: 'label' }, ''), el('span', { class: 'line' }, el('span', { class: 'meta' }, ''), el('span', { class: 'badges' }))),
  ),
  el(
    'div',
    { class: 'tools', role: 'none' },
    tool('pin', { class: 'tool pin', 'aria-keyshortcuts': SHORTCUTS.pin }),
    tool('region', { class: 'tool region', title: 'Open in another region' }),
    tool('links', { class: 'tool links', title: 'Named console pages' }, '…'),
    tool('renew', { class: 'tool text renew', title: `Extend this console now (${SHORTCUTS.renew})`, 'aria-keyshortcuts': SHORTCUTS.renew }, 'Renew'),
    tool('signOut', { class: 'tool text sign-out', title: `End this console and forget its credentials (${SHORTCUTS.signOut})`, 'aria-keyshortcuts': SHORTCUTS.signOut }, 'Sign out'),
  ),
);
for (const cell of ROW.querySelectorAll('.cell.links, .cell.renew, .cell.signOut')) cell.hidden = true;

export const newRow = () => ROW.cloneNode(true);

// A section's or group's title: seen, not read (its rowgroup is named after it).
export const titleRow = (item) => el('div', { class: 'group-title', 'aria-hidden': 'true', dataset: { key: item.key } }, item.text);

// The rows of a section or group: a rowgroup named after its title.
export const rowGroup = (item) => el('div', { class: 'rowgroup', role: 'rowgroup', 'aria-label': item.text, dataset: { key: item.key } });

// Fills `node` (this role's row, a row freed by another role, or a fresh one) for role item
// `item`, the n-th role of the list; the highlight's ranges go into `ranges`.
export function roleRow(node, item, n, ranges) {
  const role = item.role;
  const row = state.rows.get(role.id);
  const terms = state.found?.terms;
  const selected = state.selected === role.id;
  let memo = shown.get(node);
  if (!memo) shown.set(node, (memo = {}));
  put(memo, 'item', role.id, (id) => (node.dataset.item = id));
  // The role's cell holds only what names the role; its tools are cells beside it, and
  // prompts, questions, panels and errors a cell under it, so clicks there never count as a
  // click on the role.
  const cell = node.firstElementChild;
  const tools = (memo.tools ??= cell.nextElementSibling);
  const [dot, main] = cell.children;
  const [labelNode, line] = main.children;
  const [metaNode, badges] = line.children;
  const production = isProduction(role);
  put(memo, 'id', rowId(n), (id) => (cell.id = id));
  put(memo, 'class', production, () => (cell.className = production ? 'role production' : 'role'));
  put(memo, 'selected', selected, () => {
    cell.setAttribute('aria-selected', selected ? 'true' : 'false');
    node.classList.toggle('current', selected); // its tools show
  });
  put(memo, 'busy', row?.phase === 'busy', (busy) => (busy ? node.setAttribute('aria-busy', 'true') : node.removeAttribute('aria-busy')));
  put(memo, 'rowindex', n, () => node.setAttribute('aria-rowindex', String(n + 1)));
  put(memo, 'role', role, () => {
    cell.title = `arn:${role.partition ?? 'aws'}:iam::${role.account_id}:role/${role.role_name}`;
    cell.dataset.role = role.id;
  });
  put(memo, 'open', state.open.has(role.id), (open) => (cell.dataset.open = open ? 'true' : 'false'));
  put(memo, 'dot', containerStyle(role, role.account_id).color, (color) => (dot.className = `dot c-${color}`));
  const label = role.label ?? role.id;
  const labelText = labelNode.firstChild;
  put(memo, 'label', label, () => (labelText.data = label));
  // The second line: account and role name, and what else the query matched (a group, a
  // region, a source, an id), so the user sees why the row is there; then the badges.
  const also = item.match && SHOWN_FIELD[item.match.field]?.(role);
  const account = String(role.account_id ?? '');
  const roleName = String(role.role_name ?? '');
  const metaText = metaNode.firstChild;
  const meta = `${account} · ${roleName}${also ? ` · ${also}` : ''}`;
  put(memo, 'meta', meta, () => (metaText.data = meta));
  if (terms?.length && highlights) {
    matchRanges(labelText, [[label, 0]], terms, ranges);
    const parts = [[account, 0], [roleName, account.length + 3]];
    if (also) parts.push([String(also), account.length + 3 + roleName.length + 3]);
    matchRanges(metaText, parts, terms, ranges);
  }
  const modeLabel = MODE_LABELS[state.mode];
  const landing = selected ? landingName(state.found?.landing) : null;
  const pill = state.consoles ? pillOf(role) : null;
  const open = state.open.has(role.id);
  // Which badges the row has (their text is in the key, but for the time left, which ticks in place).
  const badgeKey = [production, landing, pill ? role.id : '', Boolean(state.consoles), role.mfa, role.needs_code, role.needs_login, open && state.containers, open, modeLabel ? state.mode : '', role.catalog ?? ''].join('|');
  put(memo, 'badges', badgeKey, () =>
    badges.replaceChildren(
      ...[
        // Compact: the row's red edge says it too, and the label needs the room.
        production ? el('span', { class: 'badge risk', title: 'Production: asks before it opens' }, 'prod') : null,
        landing ? el('span', { class: 'badge landing', title: 'Enter opens the console here' }, `→ ${landing}`) : null,
        ...lifePills(role),
        open ? el('span', { class: 'badge open', title: state.containers ? 'This role\'s container has a tab open' : 'This role\'s window is running' }, state.containers ? 'open' : 'running') : null,
        modeLabel ? el('span', { class: 'badge mode', title: modeLabel.title, dataset: { mode: state.mode } }, modeLabel.badge) : null,
        role.catalog ? el('span', { class: 'badge catalog', title: `From the shared catalogue "${role.catalog}" (read-only; change it there)` }, role.catalog) : null,
      ].filter(Boolean),
    ),
  );
  const pillNode = pill && pillNodes.get(role.id);
  if (pillNode) showPill(pillNode, pill);
  fillTools(tools, role, memo);
  const extra = rowExtra(role, row);
  put(memo, 'extra', extra, () => {
    const holder = (memo.extraCell ??= el('div', { class: 'extra-cell', role: 'gridcell' }));
    if (extra) syncChildren(holder, [extra]);
    syncChildren(node, extra ? [cell, tools, holder] : [cell, tools]);
  });
  return node;
}

// Makes `parent`'s children `nodes`, in order, moving as few as possible: a node already in
// its place is left alone, so a focused input or button inside it keeps the focus (moving a
// node out of the document and back drops it).
export function syncChildren(parent, nodes) {
  const keep = new Set(nodes);
  for (const child of [...parent.children]) if (!keep.has(child)) child.remove();
  let cursor = parent.firstElementChild;
  for (const node of nodes) {
    if (node === cursor) cursor = cursor.nextElementSibling;
    else parent.insertBefore(node, cursor);
  }
}
