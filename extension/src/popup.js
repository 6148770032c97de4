import { ext } from './lib/browser.js';
import { containerStyle } from './lib/colors.js';
import { el, errorBlock } from './lib/dom.js';
import { RolecallError, describeError } from './lib/errors.js';
import { missingOrigins } from './lib/cookies.js';
import { PAST_HEAD, headModel, modelOffsets, resultsModel, scrollToShow, sectionItems, sectionsModel, visibleRange } from './lib/display.js';
import { landingName, regionsOf } from './lib/landing.js';
import { MODE_LABELS, modeNotice } from './lib/multisession.js';
import { clearPending, loadPending, savePending } from './lib/pending.js';
import { PINS_KEY, loadPrefs, rankOf, recentIds, savePref, togglePin } from './lib/prefs.js';
import { clickStep, confirmText, isProduction } from './lib/risk.js';
import { isDigitsOnly, moveSelection, selectionFor } from './lib/roles.js';
import { buildIndex, highlight, search, setRank, warmUp } from './lib/search.js';
import { DEFAULT_SETTINGS, loadSettings } from './lib/settings.js';
import { wantsBackground } from './lib/tabs.js';
import { consoleEnd, consolePill, nextChangeIn } from './lib/timeleft.js';

performance.mark('rolecall:modules'); // popup.js and its imports loaded (tests/bench/popup_bench.py)
const $ = (id) => document.getElementById(id);
const search$ = $('search');
const list = $('roles');
const status = $('status');
const problem = $('problem');
const message = $('message');
const session = ext.storage.session;
// Opened by a notification's click (popup.html?renew=<role>): renew that role, then close.
const renewParam = new URLSearchParams(location.search).get('renew');

const state = {
  roles: [],
  byId: new Map(),
  live: [], // the roles with a console (the pills that count down, the footer)
  stamp: null, // the background's name for this listing
  index: null, // the search index: built once per listing, when first needed or the browser is idle
  open: new Set(), // role ids whose container has a tab (Chromium: whose isolated window runs)
  containers: true,
  mode: 'container', // how a click opens: container, isolated_window, multi_session, window
  query: '',
  found: null, // the search's answer for the query (search.js)
  selected: null,
  picked: false, // the selection was chosen (arrow keys, a click, a paste), not defaulted by a query
  rows: new Map(), // role id → { phase: 'busy' | 'mfa' | 'error' | 'sso' | 'confirm', … }
  panels: new Map(), // role id → 'region' | 'links': the row's region picker or links, open
  panelNodes: new Map(), // role id → that panel's node, kept across renders (focus, a choice)
  confirming: null, // the production role whose question is up
  loaded: false,
  unparsed: null, // { text, stamp }: the listing whose first screen is drawn, not yet parsed
  preview: null, // the promise of the listing, while only the first screen kept from the last is drawn
  // Host protocol 3: { renewBeforeMinutes, autoRenew, cookieDomains, renew } (null before).
  consoles: null,
  missingOrigins: [], // cookie domains the extension needs a permission for to sign out
  actionNodes: new Map(), // role id → its Renew / Sign out buttons, kept across renders
  pillNodes: new Map(), // role id → its time-left pill, the same
  rowNodes: new Map(), // item key → its <li>, reused while drawn (a focused control inside stays put), or for another role's row
  prefs: { pins: [], frecency: {} },
  settings: DEFAULT_SETTINGS,
  // The virtual list: what it shows for the query (display.js's model), where each item
  // starts, and heights measured where rows are taller than usual (a prompt, an error).
  dirty: true,
  model: sectionsModel([]),
  sections: null, // the empty query's model, kept while the roles and favourites are the same
  offsets: new Float64Array(1),
  heights: new Map(),
  usual: { title: 26, role: 42 },
  measured: { title: false, role: false },
  reveal: false, // scroll the selection into view on the next paint
};

const PROGRESS = { open: 'Preparing the console…', renew: 'Renewing the console…', signOut: 'Signing out…', signedIn: 'Signed in: opening the console…' };

async function ask(msg) {
  try {
    const reply = await ext.runtime.sendMessage(msg);
    if (reply && typeof reply === 'object') return reply;
    throw new Error('no reply');
  } catch (e) {
    return { ok: false, error: describeError(new RolecallError('extension_error', `The extension's background did not answer (${e?.message ?? e}).`)) };
  }
}

const rowId = (index) => `role-${index}`;
const labelOf = (roleId) => state.byId.get(roleId)?.label ?? roleId;

// Saving and clearing the pending prompt may fail (storage full, an old browser): the prompt
// on screen still works, it just does not survive the popup closing.
function forgetPrompt() {
  clearPending(session).catch(() => {});
}

// ---------- the list's contents ----------

function ensureIndex() {
  ensureParsed();
  if (!state.index) {
    const start = performance.now();
    state.index = buildIndex(state.roles, rankOf(state.prefs, Date.now()));
    performance.measure('rolecall:index', { start }); // for tests/bench/popup_bench.py
  }
  return state.index;
}

// What the list shows for the query: sections and groups when it is empty, ranked results
// otherwise.
function computeDisplay() {
  if (state.query.trim() === '') {
    state.found = null;
    if (!state.sections) {
      const recent = recentIds(state.prefs, state.byId, Date.now(), { exclude: state.prefs.pins });
      state.sections = sectionsModel(sectionItems(state.roles, state.byId, state.prefs.pins, recent));
    }
    state.model = state.sections;
  } else if (state.preview) {
    state.found = null; // a search waits for every role (render says so)
    state.model = sectionsModel([]);
  } else {
    state.found = search(ensureIndex(), state.query, state.found);
    state.model = resultsModel(state.found.ranked);
  }
  if (state.found?.pick && !state.picked) {
    // A pasted ARN or console URL picked its role: Enter opens it.
    state.selected = state.found.pick;
    state.picked = true;
  }
  state.selected = selectionFor(state.model, state.selected, state.query, state.picked);
  state.dirty = false;
}

// ---------- rows ----------

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
    runRole(role.id, { action: row.mfa.action, background: row.mfa.background, mfaCode: code, landing: row.mfa.landing });
  });
  input.addEventListener('keydown', (e) => {
    if (e.key === 'Escape') {
      e.preventDefault();
      e.stopPropagation();
      state.rows.delete(role.id);
      forgetPrompt();
      render();
      search$.focus();
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
    el('button', { type: 'button', class: 'danger', onclick: () => activate(role.id, { background: row.background, landing: row.landing }) }, 'Open'),
    el('button', { type: 'button', onclick: () => cancelConfirm() }, 'Cancel'),
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
    activate(role.id, { landing: { ...(state.found?.landing?.service ? { service: state.found.landing.service } : {}), region: select.value } });
  });
  return form;
}

// The row's named links (`[[role.link]]`), each opening the role there.
function linksPanel(role) {
  return el(
    'div',
    { class: 'panel links extra', role: 'group', 'aria-label': `Links of ${role.label ?? role.id}` },
    (role.links ?? []).map((link) =>
      el('button', { type: 'button', class: 'link', title: link.destination, onclick: () => activate(role.id, { landing: { link: link.name } }) }, link.name),
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
  if (panel === 'region') return (state.panelNodes.get(role.id) ?? state.panelNodes.set(role.id, regionPanel(role)).get(role.id));
  if (panel === 'links') return (state.panelNodes.get(role.id) ?? state.panelNodes.set(role.id, linksPanel(role)).get(role.id));
  return null;
}

const PILL_TITLES = {
  live: 'Time left on this role\'s console',
  ending: 'This console ends soon and will not be renewed by itself: Renew it',
  expired: 'This role\'s console has ended',
};

function pillOf(role) {
  return consolePill(role, Date.now(), { renewBeforeMs: state.consoles.renewBeforeMinutes * 60_000, autoRenew: state.consoles.autoRenew });
}

function showPill(node, pill) {
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
    node = state.pillNodes.get(role.id) ?? state.pillNodes.set(role.id, el('span', { dataset: { timeFor: role.id } })).get(role.id);
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
  const kept = state.actionNodes.get(role.id);
  if (kept?.dataset.key === key) return kept;
  const node = el(
    'div',
    { class: 'actions', dataset: { key } },
    state.consoles.renew
      ? el('button', { type: 'button', class: 'renew', 'aria-label': `Renew ${label}`, title: 'Extend this console now', onclick: () => runRole(role.id, { action: 'renew' }) }, 'Renew')
      : null,
    el('button', { type: 'button', class: 'sign-out', 'aria-label': `Sign out ${label}`, title: 'End this console and forget its credentials', onclick: () => signOut(role.id) }, 'Sign out'),
  );
  state.actionNodes.set(role.id, node);
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

// Fills `li` (this role's row, a row freed by another role, or a fresh one) for role item
// `item`, the n-th role of the list; the highlight's ranges go into `ranges`.
function roleRow(li, item, n, ranges) {
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
  const pillNode = pill && state.pillNodes.get(role.id);
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
function syncChildren(parent, nodes) {
  const keep = new Set(nodes);
  for (const child of [...parent.children]) if (!keep.has(child)) child.remove();
  let cursor = parent.firstElementChild;
  for (const node of nodes) {
    if (node === cursor) cursor = cursor.nextElementSibling;
    else parent.insertBefore(node, cursor);
  }
}

// ---------- drawing ----------

let firstRows = false;
let scrollFrame = 0; // a paint asked for the next frame

// The space of the rows not drawn, above and below those that are (the list's ::before and
// ::after: padding would count in the list's own height, and it must stay a scroll box).
// The list also gets the height of all its items, from their offsets (the popup shrinks it to
// what it has room for): with a definite height, Firefox lays the list out once per change
// instead of measuring its content first (about half of a keystroke's layout, at 10,000 roles
// or at 10). A row that grows by itself (an error's Details opened) is measured again on its
// `toggle`. The list never gets shorter than it has been (up to the popup's height): the popup
// keeps its size while the user types, rather than jumping, and resizing it to a short list
// of results took as long as drawing them.
let tallest = 0;
const POPUP_HEIGHT = 580; // popup.css: body's max-height
function space(above, below) {
  list.style.setProperty('--above', `${above}px`);
  list.style.setProperty('--below', `${below}px`);
  const total = state.offsets[state.offsets.length - 1];
  tallest = Math.max(tallest, Math.min(total, 600));
  list.style.height = `${Math.max(total, tallest)}px`;
}

// Draws the items in view (and a few around), with the space of the others kept empty above
// and below them, then measures what it drew: a row taller than usual (a prompt, an error) keeps its
// height, and the usual heights follow the first rows drawn.
function paint() {
  // Before the list has its height (the first rows), the most it can show: the popup's height
  // below the list's top (drawing fewer would draw the rest a frame later).
  const viewport = Math.max(list.clientHeight, POPUP_HEIGHT - list.offsetTop);
  const model = state.model;
  state.offsets = modelOffsets(model, state.usual, state.heights);
  const selectedAt = state.selected === null ? -1 : model.positionOf(state.selected);
  if (state.reveal && selectedAt >= 0) {
    // The title above the first role comes into view with it.
    const k = model.roleIndex(selectedAt) === 0 ? 0 : selectedAt;
    const top = scrollToShow(state.offsets, k, list.scrollTop, viewport);
    const want = k === selectedAt ? top : Math.min(top, state.offsets[selectedAt]);
    if (want !== list.scrollTop) list.scrollTop = want;
  }
  state.reveal = false;
  const { first, end, before, after } = visibleRange(state.offsets, list.scrollTop, viewport, 150);
  const items = [];
  for (let k = first; k < end; k++) items.push(model.at(k));
  while (items.at(-1) === PAST_HEAD) items.pop(); // past the first screen, before the listing is parsed
  const last = first + items.length;
  // Rows of roles no longer drawn are filled again for the roles that now are (a keystroke
  // changes the text of a few nodes instead of replacing whole rows), but for one holding the
  // focus.
  // A freed row is taken for the same place when it can be (its id, which names the place for
  // aria-activedescendant, stays: changing ids costs Firefox more than changing text).
  const keys = new Set(items.map((item) => item.key));
  const focused = document.activeElement;
  const free = new Map(); // its id → a freed row
  for (const [key, node] of state.rowNodes) if (!keys.has(key) && node.classList.contains('item') && !node.contains(focused)) free.set(node.firstElementChild.id, node);
  const freeRow = (n) => {
    const id = rowId(n);
    const node = free.get(id) ?? free.values().next().value;
    if (node) free.delete(node.firstElementChild.id);
    return node;
  };
  const nodes = [];
  const drawn = new Map();
  const ranges = [];
  for (let k = first; k < last; k++) {
    const item = items[k - first];
    const node =
      item.kind === 'title'
        ? (state.rowNodes.get(item.key) ?? el('li', { class: 'group-title', role: 'presentation', dataset: { key: item.key } }, item.text))
        : roleRow(state.rowNodes.get(item.key) ?? freeRow(model.roleIndex(k)) ?? ROW.cloneNode(true), item, model.roleIndex(k), ranges);
    nodes.push(node);
    drawn.set(item.key, node);
  }
  state.rowNodes = drawn;
  if (highlights) {
    if (ranges.length) highlights.set(HIGHLIGHT, new Highlight(...ranges));
    else highlights.delete(HIGHLIGHT);
  }
  // The buttons of rows no longer drawn are dropped (typing through 10,000 roles would keep
  // every row's otherwise).
  for (const nodes of [state.actionNodes, state.pillNodes]) for (const id of nodes.keys()) if (!drawn.has(id)) nodes.delete(id);
  // A focused node that had to move (its row moved) gets the focus back.
  space(before, after + state.offsets[end] - state.offsets[last]);
  syncChildren(list, nodes);
  if (focused?.isConnected && document.activeElement !== focused) focused.focus();

  // Measure what may differ from the usual heights: rows with a prompt, question, panel or
  // error (and those that just lost one), and the first title and row ever drawn, which set
  // the usual heights. Other rows are not read: reading forces their layout.
  let changed = false;
  for (let k = first; k < last; k++) {
    const item = items[k - first];
    const tall = item.kind === 'role' && (state.rows.has(item.key) || state.panels.has(item.key));
    const calibrate = !state.measured[item.kind];
    if (!tall && !calibrate && !state.heights.has(item.key)) continue;
    const h = nodes[k - first].offsetHeight;
    if (!h) continue;
    if (tall) {
      if (state.heights.get(item.key) !== h) (state.heights.set(item.key, h), (changed = true));
      continue;
    }
    if (state.heights.delete(item.key)) changed = true;
    if (calibrate) {
      state.measured[item.kind] = true;
      if (state.usual[item.kind] !== h) (state.usual[item.kind] = h, (changed = true));
    }
  }
  if (changed) {
    state.offsets = modelOffsets(model, state.usual, state.heights);
    space(state.offsets[first], state.offsets[model.length] - state.offsets[last]);
  }
  // The list got taller than it was when the window was chosen (the popup grew around its
  // first rows): draw what now shows, in the next frame.
  if (list.clientHeight > viewport + 1 && end < model.length && !scrollFrame) {
    scrollFrame = requestAnimationFrame(() => {
      scrollFrame = 0;
      paint();
    });
  }

  // Both the search box and the list drive the selection, whichever has focus.
  const selectedIndex = selectedAt >= 0 ? model.roleIndex(selectedAt) : -1;
  for (const node of [search$, list]) {
    if (selectedIndex >= 0 && $(rowId(selectedIndex))) node.setAttribute('aria-activedescendant', rowId(selectedIndex));
    else node.removeAttribute('aria-activedescendant');
  }
  if (!firstRows && nodes.length && state.loaded) {
    firstRows = true;
    // For tests/bench/popup_bench.py: when the first rows were drawn, and painted.
    performance.mark('rolecall:first-rows');
    requestAnimationFrame(() => performance.mark('rolecall:first-paint'));
  }
}

// A row that changed height by itself (an error's Details opened or closed) is measured again.
list.addEventListener('toggle', () => paint(), true);

// Scrolling draws the rows that come into view, once per frame.
list.addEventListener('scroll', () => {
  if (scrollFrame) return;
  scrollFrame = requestAnimationFrame(() => {
    scrollFrame = 0;
    paint();
  });
});

function render() {
  if (state.dirty) computeDisplay();
  else state.selected = selectionFor(state.model, state.selected, state.query, state.picked);
  paint();
  scheduleTick();
  renderFooter();
  if (!state.loaded) return;
  if (state.roles.length === 0) {
    status.replaceChildren(
      'No roles yet. See what your AWS profiles would become: ',
      el('code', {}, 'rolecall import aws-config --dry-run'),
      ', then import them without --dry-run; or add one with ',
      el('code', {}, 'rolecall role add'),
      '.',
    );
  } else if (state.preview && state.query.trim() !== '') {
    status.textContent = 'Loading roles…';
  } else if (state.model.roleCount === 0 && state.query.trim() !== '') {
    status.textContent = `No role matches “${state.query}”.`;
  } else {
    status.textContent = '';
  }
}

// The state changed what the list holds (the query, the roles, the favourites: `sections`
// true when the empty query's sections change too).
function refill({ sections = false } = {}) {
  if (sections) state.sections = null;
  state.dirty = true;
  render();
}

// The time left changes by the minute: the pills are updated in place (nothing else moves,
// not the scroll position nor the focus) exactly when the first one's text changes.
let tickTimer = null;
function scheduleTick() {
  clearTimeout(tickTimer);
  if (!state.consoles) return;
  const now = Date.now();
  const waits = state.live.map(consoleEnd).filter((end) => end !== null).map((end) => nextChangeIn(end, now)).filter((ms) => ms !== null);
  if (waits.length) tickTimer = setTimeout(tick, Math.min(...waits) + 50);
}

function tick() {
  for (const node of list.querySelectorAll('[data-time-for]')) {
    const role = state.byId.get(node.dataset.timeFor);
    const pill = role && pillOf(role);
    if (pill) showPill(node, pill);
  }
  scheduleTick();
}

// "Sign out of all", asked twice: it ends every console at once.
let confirmingAll = false;
function renderFooter() {
  const footer = $('footer');
  const any = Boolean(state.consoles) && state.live.length > 0;
  footer.hidden = !any;
  if (!any) return;
  if (footer.dataset.confirming === String(confirmingAll)) return;
  footer.dataset.confirming = String(confirmingAll);
  if (!confirmingAll) {
    footer.replaceChildren(el('button', { type: 'button', id: 'sign-out-all', onclick: () => { confirmingAll = true; renderFooter(); $('sign-out-all-confirm').focus(); } }, 'Sign out of all…'));
    return;
  }
  footer.replaceChildren(
    el('span', {}, 'End every console and forget all cached credentials?'),
    el('button', { type: 'button', id: 'sign-out-all-confirm', class: 'danger', onclick: signOutAll }, 'Sign out of all'),
    el('button', { type: 'button', id: 'sign-out-all-cancel', onclick: () => { confirmingAll = false; renderFooter(); } }, 'Cancel'),
  );
}

function say(text) {
  message.textContent = text;
  message.hidden = text === '';
}

function showProblem(error) {
  problem.replaceChildren(errorBlock(error), el('button', { type: 'button', id: 'retry', onclick: load }, 'Try again'));
  problem.hidden = false;
}

async function closeIfPopup() {
  // Opened as a real popup, close it; opened in a tab (tests, or a pinned tab), stay.
  const tab = await ext.tabs.getCurrent?.().catch(() => undefined);
  if (!tab) window.close();
}

// ---------- what a click or Enter does ----------

function cancelConfirm() {
  if (state.confirming && state.rows.get(state.confirming)?.phase === 'confirm') state.rows.delete(state.confirming);
  state.confirming = null;
  render();
}

// A click or Enter on a role: a production role asks first (unless turned off in the
// options); the same again opens. `landing`: where (a service, region, link, pasted page).
function activate(roleId, { background = false, landing = null } = {}) {
  const role = state.byId.get(roleId);
  if (!role) return;
  const busy = state.rows.get(roleId)?.phase;
  if (busy === 'busy' || busy === 'mfa') return runRole(roleId, { background, landing });
  if (state.confirming && state.confirming !== roleId) cancelConfirm();
  if (clickStep(role, state.confirming, state.settings) === 'ask') {
    state.confirming = roleId;
    state.rows.set(roleId, { phase: 'confirm', background, landing });
    state.selected = roleId;
    state.picked = true;
    state.reveal = true;
    render();
    return;
  }
  if (state.confirming === roleId) state.rows.delete(roleId);
  state.confirming = null;
  runRole(roleId, { background, landing });
}

// Opens a role's console (action 'open') or renews it ('renew'), asking for the MFA code in
// place when the host wants one.
async function runRole(roleId, { action = 'open', background = false, mfaCode, landing = null } = {}) {
  const previous = state.rows.get(roleId);
  if (previous?.phase === 'busy') return;
  if (previous?.phase === 'mfa' && mfaCode === undefined && previous.mfa.action === action) return; // the prompt is already up
  // The code is on its way (or another action replaces the prompt): a popup closed from here
  // on must not bring the prompt back.
  if (previous?.phase === 'mfa') forgetPrompt();
  state.rows.set(roleId, { phase: 'busy', action });
  state.panels.delete(roleId);
  state.selected = roleId;
  state.picked = true;
  // Asked before the redraw: the click reaches the console without waiting for it.
  const asked = ask({ type: action, role: roleId, background, mfaCode, landing: landing ?? undefined });
  say('');
  render();
  const reply = await asked;
  if (reply.ok && reply.ssoLogin) {
    // An Identity Center sign-in first: its page opened in a tab; the background waits for the
    // approval and opens the console (or renews it), also if this popup closes.
    state.rows.set(roleId, { phase: 'sso', userCode: reply.ssoLogin.userCode });
    render();
    return;
  }
  if (reply.ok) {
    state.rows.delete(roleId);
    if (action === 'renew') {
      say(`Renewed ${labelOf(roleId)}'s console.`);
      if (renewParam === roleId) await closeWindow();
      await reload();
      return;
    }
    if (reply.cookieStoreId || reply.focused || reply.launched) state.open.add(roleId);
    render();
    if (!background) await closeIfPopup();
    // Still open (a background open, or a popup in a tab): show the new console's time, and
    // the role among the recent ones.
    state.prefs = await loadPrefs(ext.storage).catch(() => state.prefs);
    if (state.index) setRank(state.index, rankOf(state.prefs, Date.now()));
    state.sections = null;
    state.dirty = true;
    if (state.consoles) await reload();
    else render();
    return;
  }
  const { kind } = reply.error;
  // A code is asked for once per click: mfa_required opens the prompt, mfa_invalid after a
  // submitted code asks again in the same prompt; anything else is an error.
  if (kind === 'mfa_required' || (kind === 'mfa_invalid' && mfaCode !== undefined)) {
    const rejected = kind === 'mfa_invalid' ? [reply.error.message, reply.error.next].filter(Boolean).join(' ') : null;
    const mfa = { gateway: reply.error.data?.gateway ?? null, background, rejected, action, landing };
    savePending(session, { role: roleId, gateway: mfa.gateway, background, action, landing }).catch(() => {});
    showPrompt(roleId, mfa);
    return;
  }
  state.rows.set(roleId, { phase: 'error', error: reply.error });
  render();
}

async function togglePinned(roleId) {
  const next = togglePin(state.prefs.pins, roleId);
  if (next === null) {
    say('Favourites are full: unpin one first.');
    return;
  }
  state.prefs = { ...state.prefs, pins: next };
  if (state.index) setRank(state.index, rankOf(state.prefs, Date.now()));
  refill({ sections: true });
  // The row may have moved (into or out of Favourites): its pin button keeps the focus.
  list.querySelector(`[data-item="${CSS.escape(roleId)}"] .pin`)?.focus();
  await savePref(ext.storage, PINS_KEY, next).catch((e) => say(`The favourites could not be saved: ${e?.message ?? e}`));
}

function togglePanel(roleId, which) {
  if (state.panels.get(roleId) === which) state.panels.delete(roleId);
  else state.panels.set(roleId, which);
  state.panelNodes.delete(roleId);
  state.selected = roleId;
  state.picked = true;
  render();
  list.querySelector(`[data-item="${CSS.escape(roleId)}"] .panel :is(select, button)`)?.focus();
}

// What sign-out could not do, in a sentence.
function signOutNote(reply) {
  if (reply.mode === 'isolated_window') return ' Its browser window keeps its own cookies: close that window to stop using the console.';
  if (reply.mode === 'multi_session') return ' Its tabs share this profile\'s cookies, which rolecall leaves alone: sign out in the console itself.';
  if (reply.unreached?.length) return ` Its cookies of ${reply.unreached.join(', ')} were left: rolecall may not access them (allow it in the add-on's permissions).`;
  return '';
}

// Cookies of a domain outside the manifest's (a test or custom endpoint) need the user's
// permission; it is asked here, in the click, as browsers require.
function askCookiePermission() {
  if (!state.containers || state.missingOrigins.length === 0 || !ext.permissions?.request) return Promise.resolve(true);
  return ext.permissions.request({ origins: state.missingOrigins }).catch(() => false);
}

async function signOut(roleId) {
  const asked = askCookiePermission();
  if (state.rows.get(roleId)?.phase === 'busy') return;
  if (state.rows.get(roleId)?.phase === 'mfa') forgetPrompt();
  state.rows.set(roleId, { phase: 'busy', action: 'signOut' });
  say('');
  render();
  await asked;
  const reply = await ask({ type: 'signOut', role: roleId });
  state.rows.delete(roleId);
  if (!reply.ok) {
    state.rows.set(roleId, { phase: 'error', error: reply.error });
    render();
    return;
  }
  say(`Signed out of ${labelOf(roleId)}.${signOutNote(reply)}`);
  await reload();
}

async function signOutAll() {
  const asked = askCookiePermission();
  confirmingAll = false;
  renderFooter();
  say('Signing out of every role…');
  await asked;
  const reply = await ask({ type: 'signOutAll' });
  if (!reply.ok) {
    showProblem(reply.error);
    say('');
    return;
  }
  say(`Signed out of every role.${signOutNote(reply)}`);
  await reload();
}

async function closeWindow() {
  const tab = await ext.tabs.getCurrent?.().catch(() => undefined);
  if (tab) await ext.tabs.remove(tab.id).catch(() => {});
  else window.close();
}

function showPrompt(roleId, mfa) {
  for (const [id, row] of state.rows) if (id !== roleId && row.phase === 'mfa') state.rows.delete(id);
  state.rows.set(roleId, { phase: 'mfa', mfa });
  state.selected = roleId;
  state.picked = true;
  state.reveal = true;
  render();
  $('mfa-code')?.focus();
}

// Keys in the search box or on the list itself; keys in a prompt, a panel, a "Details"
// toggle or a Copy button inside the list are theirs.
const PAGE = 8;
function onKey(e) {
  if (e.target !== search$ && e.target !== list) return;
  ensureParsed();
  const move = { ArrowDown: 1, ArrowUp: -1, PageDown: PAGE, PageUp: -PAGE }[e.key];
  if (move !== undefined) {
    e.preventDefault();
    const order = state.model.order();
    if (Math.abs(move) === 1) state.selected = moveSelection(order, state.selected, move);
    else if (order.length) {
      const i = order.indexOf(state.selected);
      state.selected = order[Math.max(0, Math.min(order.length - 1, (i === -1 ? 0 : i) + move))];
    }
    state.picked = true;
    state.reveal = true;
    render();
  } else if ((e.key === 'Home' || e.key === 'End') && e.target === list && state.model.roleCount) {
    e.preventDefault();
    state.selected = state.model.roleAt(e.key === 'Home' ? 0 : state.model.roleCount - 1);
    state.picked = true;
    state.reveal = true;
    render();
  } else if (e.key === 'Enter') {
    e.preventDefault();
    if (state.selected) activate(state.selected, { background: wantsBackground(e), landing: state.found?.landing ?? null });
    else if (isDigitsOnly(state.query)) status.textContent = 'Digits alone could be an MFA code: pick a role with ↓ or ↑, then press Enter.';
  } else if (e.key === 'Escape' && state.confirming) {
    e.preventDefault();
    cancelConfirm();
  } else if (e.key === 'Escape' && search$.value !== '') {
    // Clear first; a second Escape closes the popup as usual.
    e.preventDefault();
    search$.value = '';
    state.query = '';
    refill();
  }
}

// A click on a role (the list's rows are drawn and dropped as it scrolls, so the list
// listens for all of them).
function roleOf(e) {
  const option = e.target.closest?.('[role="option"]');
  return option && list.contains(option) ? option.dataset.role : null;
}
list.addEventListener('mousedown', (e) => {
  if (e.button === 1 && roleOf(e)) e.preventDefault(); // no autoscroll on middle click
});
list.addEventListener('click', (e) => {
  ensureParsed();
  const tool = e.target.closest?.('button[data-tool]');
  if (tool && list.contains(tool)) {
    const roleId = tool.closest('[data-item]').dataset.item;
    if (tool.dataset.tool === 'pin') togglePinned(roleId);
    else togglePanel(roleId, tool.dataset.tool);
    return;
  }
  const id = roleOf(e);
  if (id) activate(id, { background: wantsBackground(e), landing: state.found?.landing ?? null });
});
list.addEventListener('auxclick', (e) => {
  ensureParsed();
  const id = roleOf(e);
  if (id && e.button === 1) activate(id, { background: true, landing: state.found?.landing ?? null });
});

// ---------- loading ----------

function setRoles(roles, stamp) {
  state.unparsed = null;
  state.preview = null;
  state.roles = roles;
  state.stamp = stamp ?? null;
  state.byId = new Map(roles.map((r) => [r.id, r]));
  state.live = roles.filter((r) => r.session);
  state.index = null;
  state.found = null;
  state.sections = null;
  state.dirty = true;
}

// Asks for the roles and shows them. `quiet` (a change the background announced, or after an
// action) keeps the current list on screen meanwhile and prepares no tokens. `cached`: the
// background's last listing at once, then the current one.
async function fetchRoles({ quiet = false, cached = false } = {}) {
  ensureParsed();
  problem.hidden = true;
  if (!quiet) status.textContent = 'Loading roles…';
  // Tokens are prepared when the popup opens, not on every later refresh.
  // The first answer was asked for by popup-early.js while these modules loaded.
  const early = cached ? window.rolecallEarly : null;
  window.rolecallEarly = null;
  const reply = (await early?.catch(() => null)) ?? (await ask({ type: 'roles', prepare: !quiet, cached, since: state.stamp, text: true, head: quiet ? 0 : HEAD }));
  state.loaded = true;
  if (!reply.ok) {
    status.textContent = '';
    setRoles([], null);
    list.replaceChildren();
    showProblem(reply.error);
    return false;
  }
  const preview = reply.preview === true && reply.head?.roles > 0 && !quiet;
  if (preview) {
    // Right after the browser or the extension started: the first screen kept from the last
    // listing, drawn now; the listing is asked for once these rows are painted.
    performance.mark('rolecall:preview'); // tests/bench/popup_bench.py
    showHead(reply.head);
  } else if (!reply.unchanged && reply.head?.roles && reply.rolesText && !quiet) {
    // The first rows now, from the background's first screen; the whole listing once they
    // are painted (or as soon as anything needs it: ensureParsed).
    showHead(reply.head);
    state.unparsed = { text: reply.rolesText, stamp: reply.stamp };
    requestAnimationFrame(() => setTimeout(() => ensureParsed() && render(), 0));
  } else if (!reply.unchanged) {
    setRoles(reply.rolesText ? JSON.parse(reply.rolesText) : (reply.roles ?? []), reply.stamp);
    if (!quiet) performance.mark('rolecall:roles'); // the roles parsed (tests/bench/popup_bench.py)
  }
  state.open = new Set(reply.open);
  state.containers = reply.containers !== false;
  state.mode = reply.mode ?? (state.containers ? 'container' : 'window');
  state.consoles = reply.consoles ?? null;
  applySso(reply.sso);
  if (state.consoles && state.containers && ext.permissions?.getAll) {
    const granted = await ext.permissions.getAll().catch(() => ({}));
    state.missingOrigins = missingOrigins(state.consoles.cookieDomains, granted.origins);
  }
  if (!state.containers) {
    const notice = $('notice');
    notice.textContent = modeNotice(state.mode);
    notice.hidden = notice.textContent === '';
  }
  render();
  if (preview) {
    // Not when idle: the browser is busy starting, and the listing is being made meanwhile.
    state.preview = new Promise((done) => requestAnimationFrame(() => setTimeout(() => fetchRoles({ quiet: true }).then(done), 0)));
    state.preview.then(indexWhenIdle);
  } else if (reply.stale) {
    // The listing as it is now, once these rows are painted and the browser is idle (listing
    // thousands of roles from the host keeps the extension's pages busy for a while).
    afterPaint(() => fetchRoles({ quiet: true }));
  }
  return true;
}

const reload = () => fetchRoles({ quiet: true });

// The first screen's roles, standing for the listing until it is parsed.
const HEAD = 32; // items: more than the popup shows
function showHead(head) {
  const roles = head.items.filter((item) => item.kind === 'role').map((item) => item.role);
  setRoles(roles, null);
  state.sections = headModel(head);
}

// Parses the listing the first rows were drawn before, if it is not yet (every event that
// reads the roles calls this first); true if it did.
function ensureParsed() {
  const unparsed = state.unparsed;
  if (!unparsed) return false;
  setRoles(JSON.parse(unparsed.text), unparsed.stamp);
  performance.mark('rolecall:roles'); // the roles parsed (tests/bench/popup_bench.py)
  return true;
}

// The background's Identity Center sign-ins (a list of { role, state, userCode | error }):
// rows waiting for an approval show the code, approved ones progress, failed ones the error.
// A row whose sign-in is over and not failed goes back to normal, with its console's time.
function applySso(view) {
  if (!Array.isArray(view)) return false;
  const seen = new Set();
  let ended = false;
  for (const v of view) {
    seen.add(v.role);
    const row = state.rows.get(v.role);
    if (v.state === 'waiting' && row?.phase !== 'mfa') state.rows.set(v.role, { phase: 'sso', userCode: v.userCode });
    else if (v.state === 'opening') state.rows.set(v.role, { phase: 'busy', action: 'signedIn' });
    else if (v.state === 'failed' && !(row?.phase === 'error' && JSON.stringify(row.error) === JSON.stringify(v.error))) state.rows.set(v.role, { phase: 'error', error: v.error });
  }
  for (const [id, row] of state.rows) {
    if (seen.has(id)) continue;
    if (row.phase === 'sso' || (row.phase === 'busy' && row.action === 'signedIn')) {
      state.rows.delete(id);
      ended = true;
    }
  }
  return ended;
}

// The index is built while the browser is idle after the first rows, so the first keystroke
// does not wait for it (it builds it itself if it comes first).
function indexWhenIdle() {
  afterPaint(() => {
    const index = ensureIndex();
    afterPaint(() => index === state.index && warmUp(index));
  });
}

function afterPaint(job) {
  requestAnimationFrame(() => (window.requestIdleCallback ?? ((f) => setTimeout(f, 50)))(job, { timeout: 1000 }));
}

async function load() {
  const [prefs, settings] = await Promise.all([prefsLoaded, settingsLoaded]);
  state.prefs = prefs;
  state.settings = settings;
  if (!(await fetchRoles({ cached: true }))) return;
  if (!state.preview) indexWhenIdle();
  const pending = await pendingPrompt;
  if ((pending || renewParam) && state.preview) await state.preview;
  if (pending || renewParam) ensureParsed();
  if (pending && !state.rows.has(pending.role) && state.byId.has(pending.role)) {
    showPrompt(pending.role, { gateway: pending.gateway, background: pending.background, rejected: null, action: pending.action, landing: pending.landing });
  } else if (renewParam && !state.rows.has(renewParam) && state.byId.has(renewParam)) {
    runRole(renewParam, { action: 'renew' });
  }
}

// Read while the roles are asked for: favourites and frecency (storage.sync), settings.
const prefsLoaded = loadPrefs(ext.storage).catch(() => ({ pins: [], frecency: {} }));
const settingsLoaded = loadSettings(ext.storage.local).catch(() => DEFAULT_SETTINGS);

// An MFA prompt left open when the popup closed (the user went to read the code) comes back,
// with the focus in its input. Until it is known whether there is one, the search box does not
// take the focus: the code typed meanwhile must not land there.
const pendingPrompt = loadPending(session).catch(() => null);
pendingPrompt.then((pending) => {
  if (!pending) search$.focus();
});

search$.addEventListener('input', () => {
  ensureParsed();
  state.query = search$.value;
  state.picked = false;
  if (state.confirming) {
    state.rows.delete(state.confirming);
    state.confirming = null;
  }
  // For tests/bench/popup_bench.py: each keystroke's search and drawing.
  const start = performance.now();
  state.dirty = true;
  computeDisplay();
  const searched = performance.now();
  render();
  performance.measure('rolecall:search', { start, end: searched });
  performance.measure('rolecall:draw', { start: searched });
});
search$.addEventListener('keydown', onKey);
list.addEventListener('keydown', onKey);
$('options-button').addEventListener('click', () => ext.runtime.openOptionsPage());
// The background renewed or signed out a console: show the new times.
ext.runtime.onMessage.addListener((msg) => {
  if (msg?.type === 'changed' && state.loaded) reload();
  if (msg?.type === 'sso' && state.loaded) {
    if (applySso(msg.sso)) reload();
    else render();
  }
});
// Favourites changed in another window (or synced from another machine).
ext.storage.onChanged?.addListener((changes, area) => {
  if ((area === 'sync' || area === 'local') && (PINS_KEY in changes || 'frecency' in changes) && state.loaded) {
    ensureParsed();
    loadPrefs(ext.storage).then((prefs) => {
      state.prefs = prefs;
      if (state.index) setRank(state.index, rankOf(prefs, Date.now()));
      refill({ sections: true });
    }, () => {});
  }
});
load();
