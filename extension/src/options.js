import { ext } from './lib/browser.js';
import { featureNote, hostUpgradeNotice, protocolOf, supports } from './lib/compat.js';
import { copyButton, el, errorBlock, richText } from './lib/dom.js';
import { RolecallError, describeError } from './lib/errors.js';
import { PLACEHOLDERS, nameCounts, sharedNames, uniqueContainerName, unknownPlaceholders } from './lib/naming.js';
import { MAX_SESSIONS, optInUrl } from './lib/multisession.js';
import { overrideLines } from './lib/overrides.js';
import { roleRows, sourceRows } from './lib/overview.js';
import { buildIndex, search } from './lib/search.js';
import { loadSettings, saveSettings } from './lib/settings.js';
import { gatewayEditor, roleEditor, setupSettings, ssoOutcome, ssoSignIn } from './options-edit.js';

const $ = (id) => document.getElementById(id);
const storage = ext.storage.local;
const SAMPLE_ROLE = { id: 'prod-admin', label: 'Production admin', account_id: '111111111111', role_name: 'Admin', group: 'Acme', region: 'eu-west-1', gateway: 'corp', partition: 'aws' };
let sampleRole = SAMPLE_ROLE;
let allRoles = [SAMPLE_ROLE];

async function ask(msg) {
  try {
    return (await ext.runtime.sendMessage(msg)) ?? { ok: false, error: describeError(new RolecallError('extension_error')) };
  } catch (e) {
    return { ok: false, error: describeError(new RolecallError('extension_error', `The extension's background did not answer (${e?.message ?? e}).`)) };
  }
}

function showHostInfo(reply) {
  const dl = $('host-info');
  if (!reply.ok) {
    dl.replaceChildren(el('dt', {}, 'Status'), el('dd', {}, errorBlock(reply.error)));
    return;
  }
  const h = reply.host;
  const rows = [
    ['Status', 'Connected'],
    ['Host version', `${h.name ?? 'rolecall'} ${h.version ?? '?'}`],
    ['Protocol', String(h.protocol ?? '?')],
    ['Config file', h.config_path ?? '?'],
    ['Platform', h.platform ?? '?'],
  ];
  dl.replaceChildren(...rows.flatMap(([k, v]) => [el('dt', {}, k), el('dd', { dataset: { field: k } }, v)]));
  showOverrides(h);
}

// Where the host sends its AWS calls instead of AWS (the environment it was started with).
function showOverrides(host) {
  const lines = overrideLines(host);
  $('host-overrides').hidden = lines.length === 0;
  $('overrides').replaceChildren(
    ...lines.map((o) => el('li', { dataset: { variable: o.variable }, class: o.refused ? 'error' : null }, el('code', {}, o.variable), ' ', o.text)),
  );
}

// A host older than this extension expects: say so above everything else, with the commands.
function showUpgradeNotice(reply) {
  const box = $('host-notice');
  const notice = reply.ok ? hostUpgradeNotice(reply.host) : null;
  box.hidden = !notice;
  if (!notice) return;
  box.replaceChildren(
    el('strong', {}, notice.title),
    el('p', {}, notice.text),
    el('ul', {}, notice.steps.map((s) => el('li', {}, `${s.how} (${s.note}): `, el('code', {}, s.command)))),
  );
}

function updatePreview() {
  const pattern = $('pattern').value;
  const unknown = unknownPlaceholders(pattern);
  const err = $('pattern-error');
  if (pattern.trim() === '' || unknown.length) {
    err.textContent = pattern.trim() === '' ? 'The pattern cannot be empty.' : `Unknown placeholder: ${unknown.map((u) => `{${u}}`).join(', ')}`;
    err.hidden = false;
    return false;
  }
  err.hidden = true;
  // As a click would name it: with the role id appended when other roles share the name.
  $('preview').textContent = uniqueContainerName(pattern, allRoles, sampleRole, sampleRole.label, nameCounts(pattern, allRoles));
  // Names must tell containers apart: say when the pattern alone does not.
  const shared = sharedNames(pattern, allRoles);
  $('pattern-shared').textContent = shared
    ? `${shared} of ${allRoles.length} roles share a name under this pattern: each of them gets its role id appended, so every container's name stays unique. Add {id} or {account_id} to tell them apart yourself.`
    : allRoles.length > 1
      ? `Every role gets a name of its own under this pattern.`
      : '';
  return true;
}

// The overview: sources, and the roles (the first ROWS_SHOWN that match the filter; with
// thousands of roles, the filter finds the others). From a host of protocol 7 (`editing`),
// with the editors: a gateway's MFA fields, a role's editor, the Sign in of a source.
const ROWS_SHOWN = 200;
let overview = { index: null, roles: [] };
let host = null; // host.info's answer
let editing = false; // the host edits the config (protocol 7)
let config = null; // config.read's answer (no roles)
let editor = null; // { id, row }: the role editor open, kept across redraws

function cell(text, cls) {
  return el('td', cls ? { class: cls } : {}, text);
}

// What a source's row offers: a gateway's MFA fields (protocol 7), an Identity Center
// source's Sign in (sso.login: protocol 4).
function sourceChange(s) {
  if (s.type === 'gateway' && editing && s.gateway) {
    return gatewayEditor(s.gateway, {
      ask,
      onSaved: (g) => {
        config.gateways = config.gateways.map((x) => (x.name === g.name ? g : x));
        refreshOverview();
      },
    });
  }
  if (s.type === 'sso' && protocolOf(host) >= 4) return ssoSignIn(s.name, { ask });
  return null;
}

function showSources(roles) {
  $('sources').tBodies[0].replaceChildren(
    ...sourceRows(roles, Date.now(), config).map((s) =>
      el('tr', { dataset: { source: s.name, kind: s.type } }, cell(s.name), cell(s.kind), cell(s.mfa), cell(String(s.roles)), cell(String(s.live)), cell(s.state), el('td', { class: 'change' }, sourceChange(s))),
    ),
  );
}

function roleChange(r) {
  if (!editing) return null;
  if (r.catalog) return el('span', { class: 'help' }, `Read-only: from catalogue ${r.catalog}`);
  return el('button', { type: 'button', class: 'edit', dataset: { edit: r.id }, 'aria-label': `Edit ${r.label}`, onclick: () => openEditor(r.id) }, 'Edit');
}

function showRoles() {
  const q = $('roles-filter').value;
  const matching = q.trim() ? search(overview.index, q).results.map((r) => r.role) : overview.roles;
  const rows = roleRows(matching.slice(0, ROWS_SHOWN), Date.now());
  $('roles-table').tBodies[0].replaceChildren(
    ...rows.flatMap((r) => [
      el(
        'tr',
        { dataset: { role: r.id } },
        el('td', {}, r.label, r.label !== r.id ? el('div', { class: 'id' }, r.id) : null, r.catalog ? el('div', { class: 'id' }, `catalogue ${r.catalog}`) : null),
        cell(r.account),
        cell(r.roleName),
        cell(r.group),
        cell(r.source),
        cell(r.risk, r.risk ? 'risk' : null),
        cell(r.mfa),
        cell(r.state),
        el('td', { class: 'change' }, roleChange(r)),
      ),
      // The open editor stays under its role, with what was typed, when the list is drawn again.
      editor?.id === r.id ? editor.row : null,
    ]).filter(Boolean),
  );
  const n = matching.length;
  $('roles-count').textContent = n > ROWS_SHOWN ? `${ROWS_SHOWN} of ${n} roles shown: filter to find the others.` : `${n} ${n === 1 ? 'role' : 'roles'}.`;
}

function closeEditor() {
  editor?.row.remove();
  editor = null;
}

// The editor of one role, under its row: its fields as the config holds them (config.read).
async function openEditor(id) {
  closeEditor();
  $('roles-status').textContent = '';
  const reply = await ask({ type: 'config', roles: [id] });
  const role = reply.ok ? reply.config.roles.find((r) => r.id === id) : null;
  if (!role) {
    $('roles-status').replaceChildren(reply.ok ? `Role '${id}' is no longer in the config: reopen this page.` : errorBlock(reply.error));
    return;
  }
  if (!role.editable) {
    $('roles-status').textContent = `Role '${id}' comes from catalogue ${role.catalog} and is read-only here: change it in the catalogue.`;
    return;
  }
  const form = roleEditor(role, reply.config.choices, {
    ask,
    onClose: closeEditor,
    onSaved: async (saved) => {
      closeEditor();
      $('roles-status').textContent = `Role '${saved.label ?? saved.id}' saved.`;
      await refreshOverview();
    },
  });
  editor = { id, row: el('tr', { class: 'editor-row', dataset: { editor: id } }, el('td', { colspan: '9' }, form)) };
  showRoles();
  form.querySelector('input, select')?.focus();
}

// The roles again (after an edit, a sign-in): the background's listing, refreshed by then.
async function refreshOverview() {
  const roles = await ask({ type: 'roles', prepare: false });
  if (!roles.ok) return;
  overview = { index: buildIndex(roles.roles), roles: roles.roles };
  allRoles = roles.roles.length ? roles.roles : allRoles;
  showSources(roles.roles);
  showRoles();
}

// A host too old to edit the config: each editable part says so, with how to upgrade.
function showFeatureNotes(info) {
  const note = featureNote(info.host, 'editing');
  for (const id of ['settings-note', 'sources-note', 'roles-note']) {
    const box = $(id);
    box.hidden = !note;
    if (!note) continue;
    box.replaceChildren(
      el('p', {}, ...richText(note.text)),
      el('ul', {}, note.steps.map((s) => el('li', {}, `${s.how} (${s.note}): `, el('code', {}, s.command)))),
    );
  }
}

// The Get-started commands, each with a Copy button.
function addCopyButtons() {
  for (const pre of document.querySelectorAll('#first-run pre')) {
    const code = pre.querySelector('code');
    pre.after(copyButton(code.textContent, code));
  }
}

async function save(changes) {
  const current = await loadSettings(storage);
  await saveSettings(storage, { ...current, ...changes });
  $('saved').textContent = 'Saved.';
}

async function init() {
  addCopyButtons();
  // How an Identity Center sign-in started here ended (the background tells every page).
  ext.runtime.onMessage.addListener((msg) => {
    if (msg?.type !== 'sso' || !msg.source) return;
    ssoOutcome(msg.source);
    if (msg.source.state === 'signed_in') refreshOverview();
  });
  $('placeholders').replaceChildren(...PLACEHOLDERS.flatMap((p, i) => [i ? ' ' : '', el('code', {}, `{${p}}`)]));
  const settings = await loadSettings(storage);
  for (const radio of document.querySelectorAll('input[name="clickBehavior"]')) {
    radio.checked = radio.value === settings.clickBehavior;
    radio.addEventListener('change', () => radio.checked && save({ clickBehavior: radio.value }));
  }
  for (const radio of document.querySelectorAll('input[name="chromiumMode"]')) {
    radio.checked = radio.value === settings.chromiumMode;
    radio.addEventListener('change', () => radio.checked && save({ chromiumMode: radio.value }));
  }
  const confirm = $('confirm-production');
  confirm.checked = settings.confirmProduction;
  confirm.addEventListener('change', () => save({ confirmProduction: confirm.checked }));
  $('opt-in').href = optInUrl();
  $('max-sessions').textContent = String(MAX_SESSIONS);
  const pattern = $('pattern');
  pattern.value = settings.containerPattern;
  updatePreview();
  pattern.addEventListener('input', () => {
    if (updatePreview()) save({ containerPattern: pattern.value });
  });
  $('forget').addEventListener('click', async () => {
    const reply = await ask({ type: 'forget' });
    $('forget-result').textContent = reply.ok ? `Forgot ${reply.forgotten ?? 0} cached session(s).` : reply.error.message;
  });

  // Both at once; the page shows them together, so the preview names the user's first real
  // role (when the host can list them) from the moment the host info is shown.
  const [info, roles] = await Promise.all([ask({ type: 'info' }), ask({ type: 'roles', prepare: false })]);
  host = info.ok ? info.host : null;
  editing = info.ok && supports(info.host, 'editing');
  if (editing) {
    const got = await ask({ type: 'config' });
    if (got.ok) config = got.config;
    else {
      editing = false;
      $('settings-note').replaceChildren(errorBlock(got.error));
      $('settings-note').hidden = false;
    }
  }
  setupSettings({ settings: config?.settings ?? host?.settings, editable: editing, ask });
  if (roles.ok && roles.roles.length) {
    sampleRole = roles.roles[0];
    allRoles = roles.roles;
    updatePreview();
  }
  if (roles.ok) {
    overview = { index: buildIndex(roles.roles), roles: roles.roles };
    showSources(roles.roles);
    showRoles();
    $('roles-filter').addEventListener('input', showRoles);
    // No roles yet: how to get some, leading with the import's dry run.
    $('first-run').hidden = roles.roles.length > 0;
  }
  showHostInfo(info);
  showUpgradeNotice(info);
  if (info.ok && !supports(info.host, 'editing')) showFeatureNotes(info);
  if (info.ok && !info.containers) {
    for (const node of document.querySelectorAll('.containers-only')) node.hidden = true;
    for (const node of document.querySelectorAll('.chromium-only')) node.hidden = false;
  }
}

init();
