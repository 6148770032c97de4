// What a popup row says of a role's console: how long it has left, until when it is renewed
// by itself, or that it ended; and what one MFA code covers. Pure: the role from roles.list
// and a clock in.

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
// A daily gateway's MFA session when the host does not say (the config's default).
export const DEFAULT_MFA_SESSION_HOURS = 12;

// `18:40` (or `6:40 PM`: the browser's locale), for a time later today or tomorrow.
const clocks = new Map();
export function clockTime(ms, locale) {
  const key = locale ?? '';
  let format = clocks.get(key);
  if (!format) clocks.set(key, (format = new Intl.DateTimeFormat(locale, { hour: 'numeric', minute: '2-digit' })));
  return format.format(ms);
}

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

// Until when the role's consoles are renewed with no input: the end of its daily gateway's MFA
// session (roles.list `session.mfa_session_expires_at`, protocol 7: an hour's console is
// minted again under it until then), or null (no such session, or an older host).
export function renewableUntil(role) {
  const until = Date.parse(role?.session?.mfa_session_expires_at ?? '');
  return Number.isFinite(until) ? until : null;
}

// The row's console pill: null without a console; `state` is `live`, `ending` (inside the
// renewal window and not renewed silently: the user has something to do) or `expired`. A
// console renewed silently past its own end (an hour, under a daily MFA session) says until
// when that goes on (`until 18:40`), not the hour it counts down to its next renewal.
export function consolePill(role, now, { renewBeforeMs, autoRenew }, locale) {
  const end = consoleEnd(role);
  if (end === null) return null;
  if (end <= now) return { text: timeLeftText(end, now), state: 'expired', end };
  const silent = autoRenew && role.session.renewable === 'silent';
  const until = silent ? renewableUntil(role) : null;
  if (until !== null && until > end) return { text: `until ${clockTime(until, locale)}`, state: 'live', end, until };
  return { text: timeLeftText(end, now), state: end - now <= renewBeforeMs && !silent ? 'ending' : 'live', end };
}

// What one MFA code covers, for the prompt: a daily gateway's code opens an MFA session that
// opens every one of its roles until it ends (`hours` long: the gateway's `mfa_session_hours`
// when the host says it); a per-role gateway's code opens this role only. Empty when the mode
// is not known.
export function codeCovers({ gateway, mode, hours }, now, locale) {
  if (mode === 'daily') {
    const h = Number.isFinite(hours) && hours > 0 ? hours : DEFAULT_MFA_SESSION_HOURS;
    return `One code covers every role of gateway ${gateway} until ${clockTime(now + h * HOUR, locale)}.`;
  }
  if (mode === 'per_role') return `The code covers this role only: gateway ${gateway} asks for one per role.`;
  return '';
}

// The delay until a row's text next changes (the time left drops below its current whole
// minute, or to zero), so the popup can update exactly then; null once it says `expired`.
export function nextChangeIn(end, now) {
  const left = end - now;
  if (!(left > 0)) return null;
  return (left % MINUTE) + 1;
}
