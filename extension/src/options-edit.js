// The options page's editors (host protocol 7): the extension's settings kept in the host's
// config, each gateway's MFA mode and session length, a role's presentation, risk, region and
// links, and the Sign in of an IAM Identity Center source. Every change goes to the host
// through the background (config-edits.js), which checks it by the CLI's rules: a refusal is
// shown beside the field it names, and nothing is changed. What a form changes is worked out
// by lib/edit-form.js; this draws the forms and wires them.
import { el, richText } from './lib/dom.js';
import {
  GATEWAY_FORM_FIELDS,
  ROLE_FORM_FIELDS,
  SETTINGS_FORM_FIELDS,
  colorOptions,
  gatewayChanges,
  iconOptions,
  refusalPlace,
  regionOptions,
  roleChanges,
  roleFormValues,
  settingsChanges,
} from './lib/edit-form.js';

const MFA_MODES = [
  ['per_role', 'a code for each role (12-hour consoles)'],
  ['daily', 'one code a day (1-hour consoles, renewed silently)'],
];

// A field's error line, found by the field it names (`data-error-for`) inside `scope`.
function errorFor(scope, field, index = null) {
  if (field === 'links' && index !== null) {
    const row = scope.querySelectorAll('.link-row')[index];
    if (row) return row.querySelector('.field-error');
  }
  return scope.querySelector(`.field-error[data-error-for="${field}"]`);
}

function clearErrors(scope) {
  for (const p of scope.querySelectorAll('.field-error')) {
    p.hidden = true;
    p.textContent = '';
  }
  for (const input of scope.querySelectorAll('[aria-invalid]')) input.removeAttribute('aria-invalid');
}

// Shows a refusal beside the field it names (its input marked invalid), else in `fallback`.
export function showRefusal(scope, error, fields, fallback) {
  const { field, index } = refusalPlace(error, fields);
  const target = (field && errorFor(scope, field, index)) || fallback;
  target.replaceChildren(...richText(error.message), error.next ? el('span', { class: 'next' }, ' ', ...richText(error.next)) : '');
  target.hidden = false;
  const inputs = field === 'links' && index !== null ? [...(target.closest('.link-row')?.querySelectorAll('input') ?? [])] : [...scope.querySelectorAll(`[name="${field}"]`)];
  for (const input of inputs) input.setAttribute('aria-invalid', 'true');
  return target;
}

function fieldError(field) {
  return el('p', { class: 'field-error', role: 'alert', dataset: { errorFor: field }, hidden: true });
}

// ---------- settings ([settings] of the host's config) ----------

// `settings`: config.read's (editable) or host.info's (read-only, an older host). `ask`: the
// background. `onSaved(settings)`: after a change was saved.
export function setupSettings({ settings, editable, ask, onSaved }) {
  const box = document.getElementById('host-settings');
  const status = document.getElementById('settings-status');
  const inputs = {
    renew_before_minutes: document.getElementById('renew-before'),
    auto_renew: document.getElementById('auto-renew'),
    notifications: document.getElementById('notifications'),
  };
  let current = { renew_before_minutes: 10, auto_renew: true, notifications: true, ...(settings ?? {}) };
  inputs.renew_before_minutes.value = String(current.renew_before_minutes);
  inputs.auto_renew.checked = current.auto_renew !== false;
  inputs.notifications.checked = current.notifications !== false;
  for (const input of Object.values(inputs)) input.disabled = !editable;
  if (!editable) return;
  const save = async () => {
    const values = {
      renew_before_minutes: inputs.renew_before_minutes.value,
      auto_renew: inputs.auto_renew.checked,
      notifications: inputs.notifications.checked,
    };
    const changes = settingsChanges(current, values);
    if (Object.keys(changes).length === 0) return;
    clearErrors(box);
    status.textContent = 'Saving…';
    const reply = await ask({ type: 'editSettings', changes });
    if (!reply.ok) {
      status.textContent = '';
      showRefusal(box, reply.error, SETTINGS_FORM_FIELDS, status);
      return;
    }
    current = reply.settings;
    status.textContent = 'Saved.';
    onSaved?.(current);
  };
  inputs.renew_before_minutes.addEventListener('change', save);
  inputs.auto_renew.addEventListener('change', save);
  inputs.notifications.addEventListener('change', save);
}

// ---------- gateways and IAM Identity Center sources (a cell of the sources table) ----------

// A gateway's MFA mode and MFA session length, saved as each changes.
export function gatewayEditor(gateway, { ask, onSaved }) {
  let current = gateway;
  const mode = el('select', { name: 'mfa_mode', 'aria-label': `MFA mode of gateway ${gateway.name}` }, MFA_MODES.map(([value, text]) => el('option', { value }, text)));
  mode.value = gateway.mfa_mode;
  const hours = el('input', { name: 'mfa_session_hours', type: 'number', min: '1', max: '36', step: '1', inputmode: 'numeric', class: 'hours', 'aria-label': `MFA session hours of gateway ${gateway.name}` });
  hours.value = String(gateway.mfa_session_hours);
  const status = el('span', { class: 'status', 'aria-live': 'polite' });
  const box = el(
    'div',
    { class: 'gateway-editor', dataset: { gateway: gateway.name } },
    el('label', {}, 'MFA: ', mode),
    el('label', {}, ' daily code lasts ', hours, ' h'),
    ' ',
    status,
    fieldError('mfa_mode'),
    fieldError('mfa_session_hours'),
    gateway.mfa ? null : el('p', { class: 'help' }, ...richText(`No MFA device: its opens need no code, and the mode applies once one is set (\`rolecall gateway set ${gateway.name} --mfa-serial ARN\`).`)),
  );
  const save = async () => {
    const changes = gatewayChanges(current, { mfa_mode: mode.value, mfa_session_hours: hours.value });
    if (Object.keys(changes).length === 0) return;
    clearErrors(box);
    status.textContent = 'Saving…';
    const reply = await ask({ type: 'editGateway', gateway: gateway.name, changes });
    if (!reply.ok) {
      status.textContent = '';
      showRefusal(box, reply.error, GATEWAY_FORM_FIELDS, box.querySelector('.field-error'));
      return;
    }
    current = reply.gateway;
    status.textContent = 'Saved.';
    onSaved?.(current);
  };
  mode.addEventListener('change', save);
  hours.addEventListener('change', save);
  return box;
}

// What each source's Sign in last said: kept here, since the sources table is drawn again
// when the roles change (the sign-in itself changes them).
const ssoSaid = new Map();

function ssoSay(name, text) {
  ssoSaid.set(name, text);
  const status = document.querySelector(`[data-sso-status="${CSS.escape(name)}"]`);
  if (status) status.textContent = text;
}

// An Identity Center source's Sign in: the popup's sign-in through the background (the
// verification page opens in a tab; the code is shown here until it is approved there).
export function ssoSignIn(name, { ask }) {
  const button = el('button', { type: 'button', class: 'sign-in', dataset: { sso: name } }, 'Sign in');
  const status = el('span', { class: 'status', 'aria-live': 'polite', dataset: { ssoStatus: name } }, ssoSaid.get(name) ?? '');
  button.addEventListener('click', async () => {
    button.disabled = true;
    ssoSay(name, 'Starting the sign-in…');
    const reply = await ask({ type: 'ssoLogin', sso: name });
    button.disabled = false;
    ssoSay(name, reply.ok ? `Approve code ${reply.ssoLogin.userCode} in the tab that opened.` : reply.error.message);
  });
  return el('div', { class: 'sso-sign-in' }, button, ' ', status);
}

// How a sign-in started here ended (the background's `sso` message, `source`).
export function ssoOutcome(source) {
  ssoSay(source.sso, source.state === 'signed_in' ? 'Signed in.' : `Not signed in: ${source.error?.message ?? 'the sign-in failed'}`);
}

// ---------- a role ----------

function select(name, options, value) {
  const node = el('select', { name }, options.map((o) => el('option', { value: o.value }, o.text)));
  node.value = value;
  return node;
}

function row(labelText, control, field, help = null) {
  const id = `edit-${field}`;
  control.id = id;
  control.setAttribute('aria-describedby', `${id}-error`);
  const error = fieldError(field);
  error.id = `${id}-error`;
  return el('div', { class: 'field' }, el('label', { for: id }, labelText), control, help, error);
}

function linkRow(link = { name: '', destination: '' }) {
  const name = el('input', { type: 'text', name: 'link-name', value: link.name, placeholder: 'Name', 'aria-label': 'Link name', spellcheck: 'false' });
  const destination = el('input', { type: 'text', name: 'link-destination', value: link.destination, placeholder: '/s3/buckets or a console URL', 'aria-label': 'Link destination', spellcheck: 'false' });
  const remove = el('button', { type: 'button', class: 'remove-link' }, 'Remove');
  const node = el('div', { class: 'link-row' }, name, destination, remove, fieldError('link'));
  remove.addEventListener('click', () => node.remove());
  return node;
}

// The editor of one role (config.read's view): every field, Save and Cancel. `onSaved(role)`
// after a change was saved; `onClose()` when it is cancelled.
export function roleEditor(role, choices, { ask, onSaved, onClose }) {
  const values = roleFormValues(role);
  // No maxlength: the host's rule (and its sentence, beside the field) is the one that counts.
  const label = el('input', { type: 'text', name: 'label', value: values.label, placeholder: role.defaults?.label ?? role.id, spellcheck: 'false' });
  const group = el('input', { type: 'text', name: 'group', value: values.group, placeholder: 'No group', spellcheck: 'false' });
  const color = select('color', colorOptions(choices, role), values.color);
  const icon = select('icon', iconOptions(choices, role), values.icon);
  const risk = el('input', { type: 'checkbox', name: 'risk', checked: values.risk });
  const region = select('region', regionOptions(choices, role), values.region);
  const links = el('div', { class: 'links' }, values.links.map((l) => linkRow(l)));
  const addLink = el('button', { type: 'button', class: 'add-link' }, 'Add link');
  addLink.addEventListener('click', () => links.append(linkRow()));
  const formError = el('p', { class: 'field-error form-error', role: 'alert', hidden: true });
  const status = el('span', { class: 'status', 'aria-live': 'polite' });
  const save = el('button', { type: 'submit', class: 'save' }, 'Save');
  const cancel = el('button', { type: 'button', class: 'cancel' }, 'Cancel');
  const groupRisk = role.group_risk === 'production' ? el('span', { class: 'help' }, ` (its group is marked production already)`) : null;
  const problem = role.problem ? el('p', { class: 'notice' }, `Its text breaks rolecall's rules (${role.problem}), so it is not listed: give it a new label, group or links.`) : null;
  const form = el(
    'form',
    { class: 'role-editor', dataset: { role: role.id }, 'aria-label': `Edit role ${role.id}` },
    problem,
    el('p', { class: 'help' }, `${role.account_id} · ${role.role_name} · via ${role.source_name} (${role.source === 'sso' ? 'IAM Identity Center' : 'gateway'})`),
    row('Label', label, 'label'),
    row('Group', group, 'group'),
    row('Colour', color, 'color'),
    row('Icon', icon, 'icon'),
    el('div', { class: 'field' }, el('label', {}, risk, ' Production: marked, red unless it names a colour, confirmed before it opens'), groupRisk, fieldError('risk')),
    row('Region', region, 'region', el('span', { class: 'help' }, ` regions of ${role.partition}`)),
    el('fieldset', { class: 'field' }, el('legend', {}, 'Links (console pages in the role\'s menu)'), links, addLink, fieldError('links')),
    formError,
    el('div', { class: 'buttons' }, save, ' ', cancel, ' ', status),
  );
  cancel.addEventListener('click', () => onClose?.());
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const rows = [...links.querySelectorAll('.link-row')].map((r) => ({ name: r.querySelector('[name="link-name"]').value, destination: r.querySelector('[name="link-destination"]').value }));
    const changes = roleChanges(role, { label: label.value, group: group.value, color: color.value, icon: icon.value, risk: risk.checked, region: region.value, links: rows });
    clearErrors(form);
    if (Object.keys(changes).length === 0) {
      status.textContent = 'Nothing to save.';
      return;
    }
    save.disabled = true;
    status.textContent = 'Saving…';
    const reply = await ask({ type: 'editRole', role: role.id, changes });
    save.disabled = false;
    if (!reply.ok) {
      status.textContent = '';
      showRefusal(form, reply.error, ROLE_FORM_FIELDS, formError);
      return;
    }
    status.textContent = 'Saved.';
    onSaved?.(reply.role);
  });
  return form;
}
