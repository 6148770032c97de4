// What a popup row says of a role's console: how long it has left, or that it ended, and
// whether the next open needs an MFA code. Pure: the role from roles.list and a clock in.

const MINUTE = 60_000;

// When the role's last console ends (ms since the epoch), or null when rolecall made none.
export function consoleEnd(role) {
  const end = Date.parse(role?.session?.console_expires_at ?? '');
  return Number.isFinite(end) ? end : null;
}

// `11h 20m left`, `9m left`, `<1m left`, `expired`. Minutes are rounded down: the console
// never has less time than the row says.
export function timeLeftText(end, now) {
  const left = end - now;
  if (!(left > 0)) return 'expired';
  const minutes = Math.floor(left / MINUTE);
  if (minutes < 1) return '<1m left';
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  return h ? `${h}h ${m}m left` : `${m}m left`;
}

// The row's console pill: null without a console; `state` is `live`, `ending` (inside the
// renewal window and not renewed silently: the user has something to do) or `expired`.
export function consolePill(role, now, { renewBeforeMs, autoRenew }) {
  const end = consoleEnd(role);
  if (end === null) return null;
  const text = timeLeftText(end, now);
  if (end <= now) return { text, state: 'expired', end };
  const silent = autoRenew && role.session.renewable === 'silent';
  return { text, state: end - now <= renewBeforeMs && !silent ? 'ending' : 'live', end };
}

// The delay until a row's text next changes (the time left drops below its current whole
// minute, or to zero), so the popup can update exactly then; null once it says `expired`.
export function nextChangeIn(end, now) {
  const left = end - now;
  if (!(left > 0)) return null;
  return (left % MINUTE) + 1;
}
