// Container names come from a user-chosen pattern such as `{label}` or
// `{account_id} {role_name}`. Unknown placeholders are reported, never silently dropped.
export const DEFAULT_PATTERN = '{label}';
export const PLACEHOLDERS = ['label', 'id', 'account_id', 'role_name', 'group', 'region', 'gateway', 'partition'];
const PLACEHOLDER_RE = /\{([^{}]*)\}/g;
export const MAX_NAME_LENGTH = 100;

export function unknownPlaceholders(pattern) {
  const unknown = [];
  for (const [, name] of String(pattern ?? '').matchAll(PLACEHOLDER_RE)) {
    if (!PLACEHOLDERS.includes(name) && !unknown.includes(name)) unknown.push(name);
  }
  return unknown;
}

export function isValidPattern(pattern) {
  return typeof pattern === 'string' && pattern.trim() !== '' && unknownPlaceholders(pattern).length === 0;
}

// `role` is a roles.list entry (may be partial); `hostName` is the container name the host
// chose in console.open, which `{label}` prefers. An invalid pattern or an empty result falls
// back to the label, so a container always gets a usable name.
export function containerName(pattern, role = {}, hostName) {
  const label = hostName || role.label || role.id || '';
  if (!isValidPattern(pattern)) return label;
  const values = { ...role, label };
  const name = pattern
    .replace(PLACEHOLDER_RE, (_, key) => (values[key] == null ? '' : String(values[key])))
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, MAX_NAME_LENGTH)
    .trim();
  return name || label;
}
