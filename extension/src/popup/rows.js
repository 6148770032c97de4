// One row of the list, drawn from the state and changing none of it: the option (colour dot,
// label, second line, badges and time-left pill, the query's matches highlighted), its tools
// (pin, region, links), its Renew / Sign out buttons, and what shows under it (progress, the
// MFA prompt, the production question, a region or links panel, an error). The controls'
// clicks go to `act` (page.js); list.js decides which rows are drawn and where.
import { containerStyle } from '../lib/colors.js';
import { el, errorBlock } from '../lib/dom.js';
import { landingName, regionsOf } from '../lib/landing.js';
import { MODE_LABELS } from '../lib/multisession.js';
import { confirmText, isProduction } from '../lib/risk.js';
import { highlight } from '../lib/search.js';
import { consolePill } from '../lib/timeleft.js';
import { act } from './page.js';
import { state } from './state.js';

const PROGRESS = { open: 'Preparing the console…', renew: 'Renewing the console…', signOut: 'Signing out…', signedIn: 'Signed in: opening the console…' };

// The n-th role's option id (for aria-activedescendant).
export const rowId = (index) => `role-${index}`;

// Nodes kept across renders, so a focused control keeps the focus and a half-made choice stays.
const actionNodes = new Map(); // role id → its Renew / Sign out buttons
const pillNodes = new Map(); // role id → its time-left pill
const panelNodes = new Map(); // role id → its open panel's node (focus, a choice)

// A panel opened or closed: the next draw makes its node afresh.
export function dropPanel(roleId) {
  panelNodes.delete(roleId);
}

// The buttons and pills of rows no longer drawn are dropped (typing through 10,000 roles would
// keep every row's otherwise). `drawn`: item key → node.
export function keepDrawn(drawn) {
  for (const nodes of [actionNodes, pillNodes]) for (const id of nodes.keys()) if (!drawn.has(id)) nodes.delete(id);
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
  const label = `MFA code for gateway '${row.mfa.gateway ?? role.source_name ?? role.gateway}'${renewing ? ' to renew the console' : ''}`;
  const form = el(
    'form',
    { class: 'mfa extra', novalidate: true, dataset: { action: row.mfa.action } },
    el('label', { for: 'mfa-code' }, label),
    input,
    el('button', { type: 'submit' }, renewing ? 'Renew' : 'Open'),
    hint,
  );
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

// Host protocol 3: the console's time left and `needs code` when the next open asks for one.
// Older hosts: the MFA pill on every role of an MFA gateway, as before.
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

// Renew and Sign out for a role with a console, beside the option (controls may not sit in
// an option). Kept across renders so a focused button keeps the focus.
function rowActions(role) {
  if (!state.consoles || !role.session) return null;
  const label = role.label ?? role.id;
  const key = `${label}|${state.consoles.renew}`;
  const kept = actionNodes.get(role.id);
  if (kept?.dataset.key === key) return kept;
  const node = el(
    'div',
    { class: 'actions', dataset: { key } },
    state.consoles.renew
      ? el('button', { type: 'button', class: 'renew', 'aria-label': `Renew ${label}`, title: 'Extend this console now', onclick: () => act.runRole(role.id, { action: 'renew' }) }, 'Renew')
      : null,
    el('button', { type: 'button', class: 'sign-out', 'aria-label': `Sign out ${label}`, title: 'End this console and forget its credentials', onclick: () => act.signOut(role.id) }, 'Sign out'),
  );
  actionNodes.set(role.id, node);
  return node;
}

// What a row last showed, per <li> (rows are reused, for the same role or another one): a
// property is written only when it changes, since every write makes Firefox restyle or lay
// out that part again.
const shown = new WeakMap();

function put(memo, key, value, apply) {
  if (memo[key] === value) return;
  memo[key] = value;
  apply(value);
}

// Pin, region and links: small buttons after the option (the list listens for their clicks),
// part of every row and updated in place, so a focused one keeps the focus.
function fillTools(tools, role, memo) {
  const label = role.label ?? role.id;
  const pinned = state.prefs.pins.includes(role.id);
  const panel = state.panels.get(role.id);
  const [pin, region, links] = tools.children;
  put(memo, 'pin', `${pinned}|${label}`, () => {
    pin.className = `tool pin${pinned ? ' on' : ''}`;
    pin.setAttribute('aria-label', `${pinned ? 'Unpin' : 'Pin'} ${label}`);
    pin.setAttribute('aria-pressed', pinned ? 'true' : 'false');
    pin.title = pinned ? 'Remove from Favourites' : 'Add to Favourites';
    pin.textContent = pinned ? '★' : '☆';
  });
  put(memo, 'region', `${panel === 'region'}|${label}`, () => {
    region.setAttribute('aria-label', `Choose region for ${label}`);
    region.setAttribute('aria-expanded', panel === 'region' ? 'true' : 'false');
  });
  put(memo, 'links', role.links?.length ? `${panel === 'links'}|${label}` : '', (key) => {
    links.hidden = key === '';
    links.setAttribute('aria-label', `Links of ${label}`);
    links.setAttribute('aria-expanded', panel === 'links' ? 'true' : 'false');
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

// A row's fixed parts, cloned when more rows are drawn than there were (cheaper than building
// them node by node). The label and the second line are one text node each.
const ROW = el(
  'li',
  { class: 'item', role: 'none' },
  el('div', { class: 'role', role: 'option' }, el('span', { class: 'dot', 'aria-hidden': 'true' }), el('span', { class: 'main' }, el('div', { class: 'label' }, ''), el('div', { class: 'meta' }, '')), el('span', { class: 'badges' })),
  el(
    'div',
    { class: 'tools' },
    el('button', { type: 'button', class: 'tool pin', dataset: { tool: 'pin' } }),
    el('button', { type: 'button', class: 'tool region', dataset: { tool: 'region' }, title: 'Open in another region' }),
    el('button', { type: 'button', class: 'tool links', dataset: { tool: 'links' }, title: 'Named console pages', hidden: true }, '…'),
  ),
);

export const newRow = () => ROW.cloneNode(true);

// A section's or group's title.
export const titleRow = (item) => el('li', { class: 'group-title', role: 'presentation', dataset: { key: item.key } }, item.text);

// Fills `li` (this role's row, a row freed by another role, or a fresh one) for role item
// `item`, the n-th role of the list; the highlight's ranges go into `ranges`.
export function roleRow(li, item, n, ranges) {
  const role = item.role;
  const row = state.rows.get(role.id);
  const terms = state.found?.terms;
  const selected = state.selected === role.id;
  let memo = shown.get(li);
  if (!memo) shown.set(li, (memo = {}));
  put(memo, 'item', role.id, (id) => (li.dataset.item = id));
  // The option holds only what names the role; prompts, questions, panels and errors go beside
  // it, outside the option (an option's content is read as its name and may hold no controls),
  // so clicks there never count as a click on the role.
  const option = li.firstElementChild;
  const tools = (memo.tools ??= li.querySelector(':scope > .tools'));
  const [dot, main, badges] = option.children;
  const production = isProduction(role);
  put(memo, 'id', rowId(n), (id) => (option.id = id));
  put(memo, 'class', production, () => (option.className = production ? 'role production' : 'role'));
  put(memo, 'selected', selected, () => {
    option.setAttribute('aria-selected', selected ? 'true' : 'false');
    li.classList.toggle('current', selected); // its tools show
  });
  put(memo, 'busy', row?.phase === 'busy', (busy) => (busy ? option.setAttribute('aria-busy', 'true') : option.removeAttribute('aria-busy')));
  put(memo, 'posinset', n, () => option.setAttribute('aria-posinset', String(n + 1)));
  put(memo, 'setsize', state.model.roleCount, (size) => option.setAttribute('aria-setsize', String(size)));
  put(memo, 'role', role, () => {
    option.title = `arn:${role.partition ?? 'aws'}:iam::${role.account_id}:role/${role.role_name}`;
    option.dataset.role = role.id;
  });
  put(memo, 'open', state.open.has(role.id), (open) => (option.dataset.open = open ? 'true' : 'false'));
  put(memo, 'dot', containerStyle(role, role.account_id).color, (color) => (dot.className = `dot c-${color}`));
  const label = role.label ?? role.id;
  const labelText = main.firstElementChild.firstChild;
  put(memo, 'label', label, () => (labelText.data = label));
  // The second line: account and role name, and what else the query matched (a group, a
  // region, a source, an id), so the user sees why the row is there.
  const also = item.match && SHOWN_FIELD[item.match.field]?.(role);
  const account = String(role.account_id ?? '');
  const roleName = String(role.role_name ?? '');
  const metaText = main.lastElementChild.firstChild;
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
        production ? el('span', { class: 'badge risk', title: 'Production: asks before it opens' }, 'production') : null,
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
  const actions = rowActions(role);
  const extra = rowExtra(role, row);
  put(memo, 'children', actions || extra ? {} : null, () => syncChildren(li, [option, actions, tools, extra].filter(Boolean)));
  return li;
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
