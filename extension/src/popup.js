import { ext } from './lib/browser.js';
import { containerStyle } from './lib/colors.js';
import { el, errorBlock } from './lib/dom.js';
import { RolecallError, describeError } from './lib/errors.js';
import { MODE_LABELS, modeNotice } from './lib/multisession.js';
import { groupRoles, filterRoles, keepSelection, moveSelection, visibleOrder } from './lib/roles.js';
import { wantsBackground } from './lib/tabs.js';

const $ = (id) => document.getElementById(id);
const search = $('search');
const list = $('roles');
const status = $('status');
const problem = $('problem');

const state = {
  roles: [],
  open: new Set(), // role ids whose container has a tab (Chromium: whose isolated window runs)
  containers: true,
  mode: 'container', // how a click opens: container, isolated_window, multi_session, window
  query: '',
  selected: null,
  rows: new Map(), // role id → { phase: 'opening' | 'mfa' | 'error', error?, mfa? }
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

function mfaForm(role, row) {
  const input = el('input', {
    class: 'mfa-code',
    type: 'text',
    inputmode: 'numeric',
    autocomplete: 'one-time-code',
    pattern: '[0-9]{6}',
    maxlength: '6',
    required: true,
    'aria-label': 'MFA code',
  });
  const hint = el('p', { class: 'hint', role: 'alert' }, row.mfa.rejected ?? '');
  const form = el(
    'form',
    { class: 'mfa extra', novalidate: true },
    el('label', {}, `MFA code for gateway '${row.mfa.gateway ?? role.gateway}'`),
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
      render();
      search.focus();
    }
  });
  // Clicks inside the prompt must not count as clicks on the row.
  for (const type of ['click', 'auxclick', 'mousedown']) form.addEventListener(type, (e) => e.stopPropagation());
  return form;
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
  );
  const li = el(
    'li',
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
  if (row?.phase === 'opening') li.append(el('div', { class: 'progress extra' }, 'Preparing the console…'));
  if (row?.phase === 'mfa') li.append(row.form ?? (row.form = mfaForm(role, row)));
  if (row?.phase === 'error') li.append(errorBlock(row.error, 'extra'));
  li.addEventListener('mousedown', (e) => {
    if (e.button === 1) e.preventDefault(); // no autoscroll on middle click
  });
  li.addEventListener('click', (e) => openRole(role.id, { background: wantsBackground(e) }));
  li.addEventListener('auxclick', (e) => {
    if (e.button === 1) openRole(role.id, { background: true });
  });
  return li;
}

function render() {
  const visible = filterRoles(state.roles, state.query);
  const order = visibleOrder(state.roles, state.query);
  state.selected = keepSelection(order, state.selected);
  const nodes = [];
  let index = 0;
  for (const group of groupRoles(visible)) {
    nodes.push(el('li', { class: 'group-title', role: 'presentation' }, group.title));
    for (const role of group.roles) nodes.push(roleRow(role, index++));
  }
  const focusedForm = document.activeElement?.closest?.('form.mfa');
  list.replaceChildren(...nodes);
  if (focusedForm?.isConnected) focusedForm.querySelector('input')?.focus();

  const selectedIndex = order.indexOf(state.selected);
  if (selectedIndex >= 0) {
    search.setAttribute('aria-activedescendant', rowId(selectedIndex));
    $(rowId(selectedIndex))?.scrollIntoView({ block: 'nearest' });
  } else {
    search.removeAttribute('aria-activedescendant');
  }

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
  state.rows.set(roleId, { phase: 'opening' });
  state.selected = roleId;
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
    for (const [id, row] of state.rows) if (id !== roleId && row.phase === 'mfa') state.rows.delete(id);
    const rejected = kind === 'mfa_invalid' ? [reply.error.message, reply.error.next].filter(Boolean).join(' ') : null;
    const mfa = { gateway: reply.error.data?.gateway, background, rejected };
    state.rows.set(roleId, { phase: 'mfa', mfa });
    render();
    list.querySelector(`[data-role="${CSS.escape(roleId)}"] input.mfa-code`)?.focus();
    return;
  }
  state.rows.set(roleId, { phase: 'error', error: reply.error });
  render();
}

function onSearchKey(e) {
  const order = visibleOrder(state.roles, state.query);
  if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
    e.preventDefault();
    state.selected = moveSelection(order, state.selected, e.key === 'ArrowDown' ? 1 : -1);
    render();
  } else if (e.key === 'Enter') {
    e.preventDefault();
    if (state.selected) openRole(state.selected, { background: wantsBackground(e) });
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
}

search.addEventListener('input', () => {
  state.query = search.value;
  render();
});
search.addEventListener('keydown', onSearchKey);
$('options-button').addEventListener('click', () => ext.runtime.openOptionsPage());
search.focus();
load();
