import { ext } from './lib/browser.js';
import { containerStyle } from './lib/colors.js';
import { el, errorBlock } from './lib/dom.js';
import { RolecallError, describeError } from './lib/errors.js';
import { missingOrigins } from './lib/cookies.js';
import { MODE_LABELS, modeNotice } from './lib/multisession.js';
import { clearPending, loadPending, savePending } from './lib/pending.js';
import { groupRoles, filterRoles, isDigitsOnly, moveSelection, selectionFor, visibleOrder } from './lib/roles.js';
import { wantsBackground } from './lib/tabs.js';
import { consoleEnd, consolePill, nextChangeIn } from './lib/timeleft.js';

const $ = (id) => document.getElementById(id);
const search = $('search');
const list = $('roles');
const status = $('status');
const problem = $('problem');
const message = $('message');
const session = ext.storage.session;
// Opened by a notification's click (popup.html?renew=<role>): renew that role, then close.
const renewParam = new URLSearchParams(location.search).get('renew');

const state = {
  roles: [],
  open: new Set(), // role ids whose container has a tab (Chromium: whose isolated window runs)
  containers: true,
  mode: 'container', // how a click opens: container, isolated_window, multi_session, window
  query: '',
  selected: null,
  picked: false, // the selection was chosen (arrow keys, a click), not defaulted by a query
  rows: new Map(), // role id → { phase: 'busy' | 'mfa' | 'error', action?, error?, mfa?, node? }
  loaded: false,
  // Host protocol 3: { renewBeforeMinutes, autoRenew, cookieDomains, renew } (null before).
  consoles: null,
  missingOrigins: [], // cookie domains the extension needs a permission for to sign out
  actionNodes: new Map(), // role id → its Renew / Sign out buttons, kept across renders
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

function rowId(index) {
  return `role-${index}`;
}

// Saving and clearing the pending prompt may fail (storage full, an old browser): the prompt
// on screen still works, it just does not survive the popup closing.
function forgetPrompt() {
  clearPending(session).catch(() => {});
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
  const label = `MFA code for gateway '${row.mfa.gateway ?? role.gateway}'${renewing ? ' to renew the console' : ''}`;
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
    runRole(role.id, { action: row.mfa.action, background: row.mfa.background, mfaCode: code });
  });
  input.addEventListener('keydown', (e) => {
    if (e.key === 'Escape') {
      e.preventDefault();
      e.stopPropagation();
      state.rows.delete(role.id);
      forgetPrompt();
      render();
      search.focus();
    }
  });
  return form;
}

// What shows under a row: progress, the MFA prompt or the error. Kept on the row's state so a
// re-render moves the same nodes (a half-typed code, an open "Details", focus) instead of
// rebuilding them.
function rowExtra(role, row) {
  if (row?.phase === 'busy') return el('div', { class: 'progress extra' }, PROGRESS[row.action]);
  if (row?.phase === 'sso') {
    // The code the user checks on the Identity Center page before approving it.
    return el('p', { class: 'sso-code extra', role: 'status' }, 'Approve code ', el('code', { class: 'user-code' }, row.userCode), ' in the tab that opened.');
  }
  if (row?.phase === 'mfa') return (row.node ??= mfaForm(role, row));
  if (row?.phase === 'error') return (row.node ??= errorBlock(row.error, 'extra'));
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
  node.className = `badge time ${pill.state}`;
  node.title = PILL_TITLES[pill.state];
  node.dataset.state = pill.state;
  node.textContent = pill.text;
}

// Host protocol 3: the console's time left and `needs code` when the next open asks for one.
// Older hosts: the MFA pill on every role of an MFA gateway, as before.
function lifePills(role) {
  if (!state.consoles) return [role.mfa ? el('span', { class: 'badge mfa', title: 'Opening may ask for an MFA code' }, 'MFA') : null];
  const pill = pillOf(role);
  let node = null;
  if (pill) showPill((node = el('span', { dataset: { timeFor: role.id } })), pill);
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

function roleRow(role, index) {
  const row = state.rows.get(role.id);
  const style = containerStyle(role, role.account_id);
  const selected = state.selected === role.id;
  const modeLabel = MODE_LABELS[state.mode];
  const openTitle = state.containers ? 'This role\'s container has a tab open' : 'This role\'s window is running';
  const badges = el(
    'span',
    { class: 'badges' },
    ...lifePills(role),
    state.open.has(role.id) ? el('span', { class: 'badge open', title: openTitle }, state.containers ? 'open' : 'running') : null,
    modeLabel ? el('span', { class: 'badge mode', title: modeLabel.title, dataset: { mode: state.mode } }, modeLabel.badge) : null,
    role.catalog ? el('span', { class: 'badge catalog', title: `From the shared catalogue "${role.catalog}" (read-only; change it there)` }, role.catalog) : null,
  );
  // The option holds only what names the role; the prompt or error goes beside it, outside
  // the option (an option's content is read as its name and may hold no controls), so clicks
  // there, on an error's text say, never count as a click on the role.
  const option = el(
    'div',
    {
      id: rowId(index),
      class: 'role',
      role: 'option',
      'aria-selected': selected ? 'true' : 'false',
      'aria-busy': row?.phase === 'busy' ? 'true' : null,
      title: `arn:${role.partition ?? 'aws'}:iam::${role.account_id}:role/${role.role_name}`,
      dataset: { role: role.id, open: state.open.has(role.id) ? 'true' : 'false' },
    },
    el('span', { class: `dot c-${style.color}`, 'aria-hidden': 'true' }),
    el('span', { class: 'main' }, el('div', { class: 'label' }, role.label ?? role.id), el('div', { class: 'meta' }, `${role.account_id} · ${role.role_name}`)),
    badges,
  );
  option.addEventListener('mousedown', (e) => {
    if (e.button === 1) e.preventDefault(); // no autoscroll on middle click
  });
  option.addEventListener('click', (e) => runRole(role.id, { background: wantsBackground(e) }));
  option.addEventListener('auxclick', (e) => {
    if (e.button === 1) runRole(role.id, { background: true });
  });
  return el('li', { class: 'item', role: 'none', dataset: { item: role.id } }, option, rowActions(role), rowExtra(role, row));
}

function render() {
  const visible = filterRoles(state.roles, state.query);
  const order = visibleOrder(state.roles, state.query);
  state.selected = selectionFor(order, state.selected, state.query, state.picked);
  const nodes = [];
  let index = 0;
  for (const group of groupRoles(visible)) {
    nodes.push(el('li', { class: 'group-title', role: 'presentation' }, group.title));
    for (const role of group.roles) nodes.push(roleRow(role, index++));
  }
  // Moving a focused node (the code input, a Copy button) out and back in drops its focus.
  const focused = document.activeElement;
  list.replaceChildren(...nodes);
  if (focused?.isConnected && document.activeElement !== focused) focused.focus();

  // Both the search box and the list drive the selection, whichever has focus.
  const selectedIndex = order.indexOf(state.selected);
  for (const node of [search, list]) {
    if (selectedIndex >= 0) node.setAttribute('aria-activedescendant', rowId(selectedIndex));
    else node.removeAttribute('aria-activedescendant');
  }
  if (selectedIndex >= 0) $(rowId(selectedIndex))?.scrollIntoView({ block: 'nearest' });

  scheduleTick();
  renderFooter();
  if (!state.loaded) return;
  if (state.roles.length === 0) {
    status.replaceChildren(
      'No roles configured yet. Add one in a terminal: ',
      el('code', {}, 'rolecall role add ID --account ACCOUNT_ID --role-name NAME --gateway GATEWAY'),
    );
  } else if (visible.length === 0) {
    status.textContent = `No role matches “${state.query}”.`;
  } else {
    status.textContent = '';
  }
}

// The time left changes by the minute: the pills are updated in place (nothing else moves,
// not the scroll position nor the focus) exactly when the first one's text changes.
let tickTimer = null;
function scheduleTick() {
  clearTimeout(tickTimer);
  if (!state.consoles) return;
  const now = Date.now();
  const waits = state.roles.map(consoleEnd).filter((end) => end !== null).map((end) => nextChangeIn(end, now)).filter((ms) => ms !== null);
  if (waits.length) tickTimer = setTimeout(tick, Math.min(...waits) + 50);
}

function tick() {
  for (const node of list.querySelectorAll('[data-time-for]')) {
    const role = state.roles.find((r) => r.id === node.dataset.timeFor);
    const pill = role && pillOf(role);
    if (pill) showPill(node, pill);
  }
  scheduleTick();
}

// "Sign out of all", asked twice: it ends every console at once.
let confirmingAll = false;
function renderFooter() {
  const footer = $('footer');
  const any = Boolean(state.consoles) && state.roles.some((r) => r.session);
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

function labelOf(roleId) {
  const role = state.roles.find((r) => r.id === roleId);
  return role?.label ?? roleId;
}

// Opens a role's console (action 'open') or renews it ('renew'), asking for the MFA code in
// place when the host wants one.
async function runRole(roleId, { action = 'open', background = false, mfaCode } = {}) {
  const previous = state.rows.get(roleId);
  if (previous?.phase === 'busy') return;
  if (previous?.phase === 'mfa' && mfaCode === undefined && previous.mfa.action === action) return; // the prompt is already up
  // The code is on its way (or another action replaces the prompt): a popup closed from here
  // on must not bring the prompt back.
  if (previous?.phase === 'mfa') forgetPrompt();
  state.rows.set(roleId, { phase: 'busy', action });
  state.selected = roleId;
  state.picked = true;
  // Asked before the redraw: the click reaches the console without waiting for it.
  const asked = ask({ type: action, role: roleId, background, mfaCode });
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
    // Still open (a background open, or a popup in a tab): show the new console's time.
    if (state.consoles) await reload();
    return;
  }
  const { kind } = reply.error;
  // A code is asked for once per click: mfa_required opens the prompt, mfa_invalid after a
  // submitted code asks again in the same prompt; anything else is an error.
  if (kind === 'mfa_required' || (kind === 'mfa_invalid' && mfaCode !== undefined)) {
    const rejected = kind === 'mfa_invalid' ? [reply.error.message, reply.error.next].filter(Boolean).join(' ') : null;
    const mfa = { gateway: reply.error.data?.gateway ?? null, background, rejected, action };
    savePending(session, { role: roleId, gateway: mfa.gateway, background, action }).catch(() => {});
    showPrompt(roleId, mfa);
    return;
  }
  state.rows.set(roleId, { phase: 'error', error: reply.error });
  render();
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
  render();
  $('mfa-code')?.focus();
}

// Keys in the search box or on the list itself; keys in the MFA prompt, a "Details" toggle or
// a Copy button inside the list are theirs.
function onKey(e) {
  if (e.target !== search && e.target !== list) return;
  const order = visibleOrder(state.roles, state.query);
  if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
    e.preventDefault();
    state.selected = moveSelection(order, state.selected, e.key === 'ArrowDown' ? 1 : -1);
    state.picked = true;
    render();
  } else if (e.key === 'Enter') {
    e.preventDefault();
    if (state.selected) runRole(state.selected, { background: wantsBackground(e) });
    else if (isDigitsOnly(state.query)) status.textContent = 'Digits alone could be an MFA code: pick a role with ↓ or ↑, then press Enter.';
  } else if (e.key === 'Escape' && search.value !== '') {
    // Clear first; a second Escape closes the popup as usual.
    e.preventDefault();
    search.value = '';
    state.query = '';
    render();
  }
}

// Asks for the roles and shows them; `quiet` (a change the background announced, or after an
// action) keeps the current list on screen meanwhile and prepares no tokens.
async function fetchRoles({ quiet = false } = {}) {
  problem.hidden = true;
  if (!quiet) status.textContent = 'Loading roles…';
  // Tokens are prepared when the popup opens, not on every later refresh.
  const reply = await ask({ type: 'roles', prepare: !quiet });
  state.loaded = true;
  if (!reply.ok) {
    status.textContent = '';
    state.roles = [];
    list.replaceChildren();
    showProblem(reply.error);
    return false;
  }
  state.roles = reply.roles;
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
  return true;
}

const reload = () => fetchRoles({ quiet: true });

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

async function load() {
  if (!(await fetchRoles())) return;
  const pending = await pendingPrompt;
  if (pending && !state.rows.has(pending.role) && state.roles.some((r) => r.id === pending.role)) {
    showPrompt(pending.role, { gateway: pending.gateway, background: pending.background, rejected: null, action: pending.action });
  } else if (renewParam && !state.rows.has(renewParam) && state.roles.some((r) => r.id === renewParam)) {
    runRole(renewParam, { action: 'renew' });
  }
}

// An MFA prompt left open when the popup closed (the user went to read the code) comes back,
// with the focus in its input. Until it is known whether there is one, the search box does not
// take the focus: the code typed meanwhile must not land there.
const pendingPrompt = loadPending(session).catch(() => null);
pendingPrompt.then((pending) => {
  if (!pending) search.focus();
});

search.addEventListener('input', () => {
  state.query = search.value;
  state.picked = false;
  render();
});
search.addEventListener('keydown', onKey);
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
load();
