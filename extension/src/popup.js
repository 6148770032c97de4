import { ext } from './lib/browser.js';
import { containerStyle } from './lib/colors.js';
import { el, errorBlock } from './lib/dom.js';
import { RolecallError, describeError } from './lib/errors.js';
import { MODE_LABELS, modeNotice } from './lib/multisession.js';
import { clearPending, loadPending, savePending } from './lib/pending.js';
import { groupRoles, filterRoles, isDigitsOnly, moveSelection, selectionFor, visibleOrder } from './lib/roles.js';
import { wantsBackground } from './lib/tabs.js';

const $ = (id) => document.getElementById(id);
const search = $('search');
const list = $('roles');
const status = $('status');
const problem = $('problem');
const session = ext.storage.session;

const state = {
  roles: [],
  open: new Set(), // role ids whose container has a tab (Chromium: whose isolated window runs)
  containers: true,
  mode: 'container', // how a click opens: container, isolated_window, multi_session, window
  query: '',
  selected: null,
  picked: false, // the selection was chosen (arrow keys, a click), not defaulted by a query
  rows: new Map(), // role id → { phase: 'opening' | 'mfa' | 'error', error?, mfa?, node? }
  loaded: false,
};

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
  const form = el(
    'form',
    { class: 'mfa extra', novalidate: true },
    el('label', { for: 'mfa-code' }, `MFA code for gateway '${row.mfa.gateway ?? role.gateway}'`),
    input,
    el('button', { type: 'submit' }, 'Open'),
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
    openRole(role.id, { background: row.mfa.background, mfaCode: code });
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
  if (row?.phase === 'opening') return el('div', { class: 'progress extra' }, 'Preparing the console…');
  if (row?.phase === 'mfa') return (row.node ??= mfaForm(role, row));
  if (row?.phase === 'error') return (row.node ??= errorBlock(row.error, 'extra'));
  return null;
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
    state.open.has(role.id) ? el('span', { class: 'badge open', title: openTitle }, state.containers ? 'open' : 'running') : null,
    modeLabel ? el('span', { class: 'badge mode', title: modeLabel.title, dataset: { mode: state.mode } }, modeLabel.badge) : null,
    role.mfa ? el('span', { class: 'badge mfa', title: 'Opening may ask for an MFA code' }, 'MFA') : null,
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
      'aria-busy': row?.phase === 'opening' ? 'true' : null,
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
  option.addEventListener('click', (e) => openRole(role.id, { background: wantsBackground(e) }));
  option.addEventListener('auxclick', (e) => {
    if (e.button === 1) openRole(role.id, { background: true });
  });
  return el('li', { class: 'item', role: 'none', dataset: { item: role.id } }, option, rowExtra(role, row));
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

function showProblem(error) {
  problem.replaceChildren(errorBlock(error), el('button', { type: 'button', id: 'retry', onclick: load }, 'Try again'));
  problem.hidden = false;
}

async function closeIfPopup() {
  // Opened as a real popup, close it; opened in a tab (tests, or a pinned tab), stay.
  const tab = await ext.tabs.getCurrent?.().catch(() => undefined);
  if (!tab) window.close();
}

async function openRole(roleId, { background = false, mfaCode } = {}) {
  const previous = state.rows.get(roleId);
  if (previous?.phase === 'opening') return;
  if (previous?.phase === 'mfa' && mfaCode === undefined) return; // the prompt is already up
  // The code is on its way: a popup closed from here on must not bring the prompt back.
  if (previous?.phase === 'mfa') forgetPrompt();
  state.rows.set(roleId, { phase: 'opening' });
  state.selected = roleId;
  state.picked = true;
  render();
  const reply = await ask({ type: 'open', role: roleId, background, mfaCode });
  if (reply.ok) {
    state.rows.delete(roleId);
    if (reply.cookieStoreId || reply.focused || reply.launched) state.open.add(roleId);
    render();
    if (!background) await closeIfPopup();
    return;
  }
  const { kind } = reply.error;
  // A code is asked for once per click: mfa_required opens the prompt, mfa_invalid after a
  // submitted code asks again in the same prompt; anything else is an error.
  if (kind === 'mfa_required' || (kind === 'mfa_invalid' && mfaCode !== undefined)) {
    const rejected = kind === 'mfa_invalid' ? [reply.error.message, reply.error.next].filter(Boolean).join(' ') : null;
    const mfa = { gateway: reply.error.data?.gateway ?? null, background, rejected };
    savePending(session, { role: roleId, gateway: mfa.gateway, background }).catch(() => {});
    showPrompt(roleId, mfa);
    return;
  }
  state.rows.set(roleId, { phase: 'error', error: reply.error });
  render();
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
    if (state.selected) openRole(state.selected, { background: wantsBackground(e) });
    else if (isDigitsOnly(state.query)) status.textContent = 'Digits alone could be an MFA code: pick a role with ↓ or ↑, then press Enter.';
  } else if (e.key === 'Escape' && search.value !== '') {
    // Clear first; a second Escape closes the popup as usual.
    e.preventDefault();
    search.value = '';
    state.query = '';
    render();
  }
}

async function load() {
  problem.hidden = true;
  status.textContent = 'Loading roles…';
  const reply = await ask({ type: 'roles' });
  state.loaded = true;
  if (!reply.ok) {
    status.textContent = '';
    state.roles = [];
    list.replaceChildren();
    showProblem(reply.error);
    return;
  }
  state.roles = reply.roles;
  state.open = new Set(reply.open);
  state.containers = reply.containers !== false;
  state.mode = reply.mode ?? (state.containers ? 'container' : 'window');
  if (!state.containers) {
    const notice = $('notice');
    notice.textContent = modeNotice(state.mode);
    notice.hidden = notice.textContent === '';
  }
  render();
  const pending = await pendingPrompt;
  if (pending && !state.rows.has(pending.role) && state.roles.some((r) => r.id === pending.role)) {
    showPrompt(pending.role, { gateway: pending.gateway, background: pending.background, rejected: null });
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
load();
