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

// The container name of `role` among all configured `roles`. A pattern such as `{group}` or
// `{account_id}`, or two equal labels, would give several roles one name, and names are all a
// person sees of a container: each role whose name is shared gets its id appended (ids are
// unique in the config). It depends only on the config, so a role keeps its name whichever
// role is opened first.
// `counts` (nameCounts of the same pattern and roles) spares a pass over every role.
export function uniqueContainerName(pattern, roles, role, hostName, counts = null) {
  const name = containerName(pattern, role, hostName);
  const shared = counts
    ? (counts.get(name) ?? 0) - (roles.some((r) => r.id === role.id) && containerName(pattern, role) === name ? 1 : 0) > 0
    : roles.some((r) => r.id !== role.id && containerName(pattern, r) === name);
  if (!shared) return name;
  const suffix = ` (${role.id})`;
  return `${name.slice(0, Math.max(1, MAX_NAME_LENGTH - suffix.length)).trim()}${suffix}`;
}

// How many roles each container name would name under `pattern` (before ids are appended).
export function nameCounts(pattern, roles) {
  const counts = new Map();
  for (const r of roles) {
    const name = containerName(pattern, r);
    counts.set(name, (counts.get(name) ?? 0) + 1);
  }
  return counts;
}

// The roles whose names `pattern` would share (each gets its id appended): the options page
// says so, so the user can pick a pattern that names every container apart.
export function sharedNames(pattern, roles) {
  let shared = 0;
  for (const n of nameCounts(pattern, roles).values()) if (n > 1) shared += n;
  return shared;
}
