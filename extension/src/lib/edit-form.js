// The options page's editors (host protocol 7), pure: the values a form starts from (what
// config.read says), the changes a form's values make (only the fields that differ: the host
// takes only the fields to change), the choices each field offers, and where a refusal is
// shown (the host's `data.field`, and `data.index` for one of a role's links). The host checks
// every value; nothing here refuses one.

const text = (v) => (typeof v === 'string' ? v : '');

// A role (config.read) → the form's values: text fields as strings ('' for the default),
// `risk` a checkbox, `links` name/destination pairs.
export function roleFormValues(role) {
  return {
    label: text(role?.label),
    group: text(role?.group),
    color: text(role?.color),
    icon: text(role?.icon),
    region: text(role?.region),
    risk: role?.risk === 'production',
    links: Array.isArray(role?.links) ? role.links.map((l) => ({ name: text(l?.name), destination: text(l?.destination) })) : [],
  };
}

// A link row left wholly empty is no link; the others are sent trimmed (as `role set --link`).
export function formLinks(links) {
  return (links ?? [])
    .map((l) => ({ name: text(l?.name).trim(), destination: text(l?.destination).trim() }))
    .filter((l) => l.name !== '' || l.destination !== '');
}

// What the form changes of the role: { field: value } for each field that differs, null (or
// '' for text) meaning back to the default. Empty when nothing changed.
export function roleChanges(role, values) {
  const before = roleFormValues(role);
  const changes = {};
  for (const field of ['label', 'group', 'color', 'icon', 'region']) {
    const now = text(values?.[field]);
    if (now !== before[field]) changes[field] = now === '' ? null : now;
  }
  if (Boolean(values?.risk) !== before.risk) changes.risk = values.risk ? 'production' : null;
  const links = formLinks(values?.links);
  if (JSON.stringify(links) !== JSON.stringify(formLinks(before.links))) changes.links = links;
  return changes;
}

// A number field: '' is the default (null); anything else goes to the host as typed (a
// number when it is one), which says what is wrong with it.
function numberValue(v) {
  const s = String(v ?? '').trim();
  if (s === '') return null;
  const n = Number(s);
  return Number.isFinite(n) ? n : s;
}

function numberChanged(before, v) {
  const now = numberValue(v);
  return now === null ? before !== null && before !== undefined : now !== before;
}

// A gateway (config.read) and the form's { mfa_mode, mfa_session_hours } → what changes.
export function gatewayChanges(gateway, values) {
  const changes = {};
  if (values?.mfa_mode !== undefined && values.mfa_mode !== gateway?.mfa_mode) changes.mfa_mode = values.mfa_mode;
  if (values?.mfa_session_hours !== undefined && numberChanged(gateway?.mfa_session_hours, values.mfa_session_hours)) {
    changes.mfa_session_hours = numberValue(values.mfa_session_hours);
  }
  return changes;
}

// The settings (config.read or host.info) and the form's values → what changes.
export function settingsChanges(settings, values) {
  const changes = {};
  if (values?.renew_before_minutes !== undefined && numberChanged(settings?.renew_before_minutes, values.renew_before_minutes)) {
    changes.renew_before_minutes = numberValue(values.renew_before_minutes);
  }
  for (const flag of ['auto_renew', 'notifications']) {
    if (typeof values?.[flag] === 'boolean' && values[flag] !== (settings?.[flag] !== false)) changes[flag] = values[flag];
  }
  return changes;
}

// The options of a select: the default first (naming what it is), then the host's choices,
// and the role's own value when the list lacks it (a region newer than the list).
function options(list, current, fallback) {
  const out = [{ value: '', text: `Default (${fallback})` }];
  for (const v of list ?? []) out.push({ value: v, text: v });
  if (current && !(list ?? []).includes(current)) out.push({ value: current, text: current });
  return out;
}

export function colorOptions(choices, role) {
  return options(choices?.colors, role?.color, role?.defaults?.color ?? 'from the account');
}

export function iconOptions(choices, role) {
  return options(choices?.icons, role?.icon, role?.defaults?.icon ?? 'briefcase');
}

// The regions of the role's own partition (a role keeps its partition: its ARN names it).
export function regionOptions(choices, role) {
  const list = choices?.regions?.[role?.partition ?? 'aws'] ?? [];
  return options(list, role?.region, role?.defaults?.region ?? 'the source\'s');
}

// Where the page shows a refusal: the field the host named (and the link, for `links`), or
// null for the form as a whole (a refusal of the role itself, the config, the lock…).
export function refusalPlace(error, fields) {
  const field = error?.data?.field;
  if (typeof field !== 'string' || !fields.includes(field)) return { field: null, index: null };
  const index = Number.isInteger(error.data.index) ? error.data.index : null;
  return { field, index };
}

export const ROLE_FORM_FIELDS = ['label', 'group', 'color', 'icon', 'risk', 'region', 'links'];
export const GATEWAY_FORM_FIELDS = ['mfa_mode', 'mfa_session_hours'];
export const SETTINGS_FORM_FIELDS = ['renew_before_minutes', 'auto_renew', 'notifications'];
