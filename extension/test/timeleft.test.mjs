import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_MFA_SESSION_HOURS, clockTime, codeCovers, consoleEnd, consolePill, nextChangeIn, renewableUntil, timeLeftText } from '../src/lib/timeleft.js';

const MIN = 60_000;
const T0 = Date.parse('2026-12-01T00:00:00Z');
const role = (inMin, renewable = 'silent') => ({ id: 'a', session: { console_expires_at: new Date(T0 + inMin * MIN).toISOString(), renewable } });

test('time left reads as the issue writes it, rounded down, then expired', () => {
  assert.equal(timeLeftText(T0 + (11 * 60 + 20) * MIN + 59_000, T0), '11h 20m left');
  assert.equal(timeLeftText(T0 + 12 * 60 * MIN, T0), '12h 0m left');
  assert.equal(timeLeftText(T0 + 9 * MIN + 30_000, T0), '9m left');
  assert.equal(timeLeftText(T0 + 60 * MIN - 1, T0), '59m left');
  assert.equal(timeLeftText(T0 + 59_000, T0), '<1m left');
  assert.equal(timeLeftText(T0, T0), 'expired');
  assert.equal(timeLeftText(T0 - MIN, T0), 'expired');
});

test('the countdown moves with a fake clock, minute by minute', () => {
  const end = T0 + 10 * MIN + 30_000;
  const seen = [];
  for (let now = T0; ; ) {
    seen.push(timeLeftText(end, now));
    const wait = nextChangeIn(end, now);
    if (wait === null) break;
    now += wait;
  }
  assert.deepEqual(seen, ['10m left', '9m left', '8m left', '7m left', '6m left', '5m left', '4m left', '3m left', '2m left', '1m left', '<1m left', 'expired']);
  assert.equal(nextChangeIn(end, T0), 30_001, 'the first change comes when 10m turns to 9m');
});

test('a role without a console has no pill; the pill says whether the user has to act', () => {
  const settings = { renewBeforeMs: 10 * MIN, autoRenew: true };
  assert.equal(consoleEnd({ id: 'x', session: null }), null);
  assert.equal(consolePill({ id: 'x', session: null }, T0, settings), null);
  assert.deepEqual(consolePill(role(125), T0, settings), { text: '2h 5m left', state: 'live', end: T0 + 125 * MIN });
  assert.equal(consolePill(role(9), T0, settings).state, 'live', 'renewed silently: nothing to do');
  assert.equal(consolePill(role(9, 'mfa'), T0, settings).state, 'ending', 'needs a code soon');
  assert.equal(consolePill(role(9), T0, { ...settings, autoRenew: false }).state, 'ending');
  assert.equal(consolePill(role(11, 'mfa'), T0, settings).state, 'live', 'not yet in the window');
  assert.deepEqual(consolePill(role(-1), T0, settings), { text: 'expired', state: 'expired', end: T0 - MIN });
});

test('a console renewed by itself past its end says until when, not the hour it counts down', () => {
  const settings = { renewBeforeMs: 10 * MIN, autoRenew: true };
  const daily = (inMin, untilMin, renewable = 'silent') => ({ id: 'd', session: { console_expires_at: new Date(T0 + inMin * MIN).toISOString(), renewable, mfa_session_expires_at: untilMin === null ? null : new Date(T0 + untilMin * MIN).toISOString() } });
  const at = (min) => clockTime(T0 + min * MIN, 'en-GB');
  // An hour's console under a 12-hour daily MFA session.
  assert.deepEqual(consolePill(daily(58, 11 * 60 + 55), T0, settings, 'en-GB'), { text: `until ${at(11 * 60 + 55)}`, state: 'live', end: T0 + 58 * MIN, until: T0 + (11 * 60 + 55) * MIN });
  assert.equal(consolePill(daily(5, 11 * 60), T0, settings, 'en-GB').state, 'live', 'inside the renewal window, still nothing to do');
  // Not renewed by itself: auto_renew off, or the next console needs a code.
  assert.equal(consolePill(daily(58, 11 * 60), T0, { ...settings, autoRenew: false }).text, '58m left');
  assert.equal(consolePill(daily(58, 11 * 60, 'mfa'), T0, settings).text, '58m left');
  // Nothing past the console's own end, or no end known (no daily session, an older host).
  assert.equal(consolePill(daily(58, 50), T0, settings).text, '58m left');
  assert.equal(consolePill(daily(58, null), T0, settings).text, '58m left');
  assert.equal(consolePill({ id: 'x', session: { console_expires_at: new Date(T0 + 58 * MIN).toISOString(), renewable: 'silent', mfa_session_expires_at: 'soon' } }, T0, settings).text, '58m left', 'a field that is no time is ignored');
  assert.equal(renewableUntil({ session: { mfa_session_expires_at: '2026-12-01T12:00:00Z' } }), Date.parse('2026-12-01T12:00:00Z'));
  assert.equal(renewableUntil({ session: null }), null);
  // Ended is ended, whatever comes next.
  assert.equal(consolePill(daily(-1, 600), T0, settings).state, 'expired');
});

test('the clock time of a moment, in the locale asked for', () => {
  const t = new Date(2026, 11, 1, 18, 40).getTime(); // local time
  assert.equal(clockTime(t, 'en-GB'), '18:40');
  assert.match(clockTime(t, 'en-US'), /^6:40\sPM$/u); // ICU may put a narrow no-break space before PM
});

test('what one MFA code covers: every role of a daily gateway for its session, or this role', () => {
  const now = new Date(2026, 11, 1, 6, 40).getTime();
  assert.equal(codeCovers({ gateway: 'corp', mode: 'daily', hours: 12 }, now, 'en-GB'), 'One code covers every role of gateway corp until 18:40.');
  assert.equal(codeCovers({ gateway: 'corp', mode: 'daily', hours: 8 }, now, 'en-GB'), 'One code covers every role of gateway corp until 14:40.');
  assert.equal(codeCovers({ gateway: 'corp', mode: 'daily', hours: null }, now, 'en-GB'), `One code covers every role of gateway corp until ${clockTime(now + DEFAULT_MFA_SESSION_HOURS * 60 * MIN, 'en-GB')}.`, 'the default session when the host does not say');
  assert.equal(codeCovers({ gateway: 'corp', mode: 'daily', hours: -3 }, now, 'en-GB'), 'One code covers every role of gateway corp until 18:40.', 'nonsense hours: the default');
  assert.equal(codeCovers({ gateway: 'lab', mode: 'per_role', hours: null }, now), 'The code covers this role only: gateway lab asks for one per role.');
  assert.equal(codeCovers({ gateway: 'old', mode: undefined, hours: null }, now), '', 'an older host that does not say the mode');
});
