import { test } from 'node:test';
import assert from 'node:assert/strict';
import { consoleEnd, consolePill, nextChangeIn, timeLeftText } from '../src/lib/timeleft.js';

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
