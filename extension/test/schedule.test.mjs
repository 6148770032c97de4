import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  MIN_AGE_MS,
  RETRY_DELAYS_MS,
  TELL_AFTER_FAILURES,
  forgetRole,
  noteFailed,
  noteMinted,
  noteNotified,
  noteRenewed,
  planRenewals,
  pruneRecord,
  renewalFailing,
  retryDelay,
  settingsFrom,
} from '../src/lib/schedule.js';

const MIN = 60_000;
const T0 = Date.parse('2026-12-01T00:00:00Z');
const iso = (ms) => new Date(ms).toISOString();
const role = (id, end, renewable = 'silent') => ({ id, label: id.toUpperCase(), session: { console_expires_at: iso(end), renewable } });
const settings = settingsFrom({ settings: { renew_before_minutes: 10, auto_renew: true } });

// A fake clock that runs the plan as the background does: wake at nextAt, act on what is due.
function run({ roles, inUse, until, record = {}, silentOk = true, s = settings, onRenew }) {
  const log = [];
  let now = T0;
  for (let i = 0; i < 200; i++) {
    const plan = planRenewals({ roles, inUse, record, now, settings: s, silentOk });
    for (const id of plan.renew) {
      log.push(['renew', id, (now - T0) / MIN]);
      record = onRenew ? onRenew(record, id, now) : record;
    }
    for (const { id, end } of plan.notify) {
      log.push(['notify', id, (now - T0) / MIN]);
      record = noteNotified(record, id, end);
    }
    if (plan.renew.length || plan.notify.length) continue; // look again at the same time
    if (plan.nextAt === null || plan.nextAt > until) break;
    now = Math.max(now, plan.nextAt);
  }
  return { log, record };
}

test('settings come from host.info, with the defaults for anything odd', () => {
  assert.deepEqual(settingsFrom({ settings: { renew_before_minutes: 14, auto_renew: false } }), { renewBeforeMs: 14 * MIN, autoRenew: false, notifications: true });
  assert.deepEqual(settingsFrom({}), { renewBeforeMs: 10 * MIN, autoRenew: true, notifications: true });
  assert.deepEqual(settingsFrom({ settings: { renew_before_minutes: 0 } }), { renewBeforeMs: 10 * MIN, autoRenew: true, notifications: true });
  assert.equal(settingsFrom({ settings: { notifications: false } }).notifications, false);
  assert.equal(settingsFrom({ settings: { notifications: 'no' } }).notifications, true, 'only false turns them off');
});

test('with notifications off nothing is planned as one; renewals go on, and no wake-up loops', () => {
  const quiet = settingsFrom({ settings: { renew_before_minutes: 10, auto_renew: true, notifications: false } });
  // A console that needs a code, and a silent one whose renewals keep failing.
  const roles = [role('mfa', T0 + 60 * MIN, 'mfa'), role('silent', T0 + 60 * MIN)];
  let record = {};
  for (let i = 0; i < TELL_AFTER_FAILURES; i++) record = noteFailed(record, 'silent', T0 - 30 * MIN);
  const told = planRenewals({ roles, inUse: new Set(['mfa', 'silent']), record, now: T0 + 51 * MIN, settings, silentOk: true });
  assert.deepEqual(told.notify.map((n) => n.id), ['mfa', 'silent']);
  const plan = planRenewals({ roles, inUse: new Set(['mfa', 'silent']), record, now: T0 + 51 * MIN, settings: quiet, silentOk: true });
  assert.deepEqual(plan.notify, []);
  assert.deepEqual(plan.renew, ['silent']);
  assert.equal(plan.nextAt, T0 + 60 * MIN, 'the next look is when the consoles end, not now');
});

test('a console in use is renewed renew_before_minutes before its end, once, and again for the next console', () => {
  const roles = [role('a', T0 + 60 * MIN)];
  const { log } = run({
    roles,
    inUse: new Set(['a']),
    until: T0 + 180 * MIN,
    onRenew: (record, id, now) => {
      // The host moves the end an hour on; the record says this end was renewed.
      const oldEnd = Date.parse(roles[0].session.console_expires_at);
      roles[0] = role('a', now + 60 * MIN);
      return noteRenewed(record, id, { oldEnd, newEnd: now + 60 * MIN }, now);
    },
  });
  assert.deepEqual(log, [['renew', 'a', 50], ['renew', 'a', 100], ['renew', 'a', 150]]);
});

test('nothing is renewed or told for a console without tabs; the next wake is its end (the badge)', () => {
  const plan = planRenewals({ roles: [role('a', T0 + 5 * MIN)], inUse: new Set(), record: {}, now: T0, settings, silentOk: true });
  assert.deepEqual(plan, { renew: [], notify: [], nextAt: T0 + 5 * MIN });
});

test('the next wake is the earliest renewal window or end', () => {
  const roles = [role('a', T0 + 60 * MIN), role('b', T0 + 30 * MIN), role('c', T0 + 15 * MIN), { id: 'none', session: null }];
  const plan = planRenewals({ roles, inUse: new Set(['a', 'b']), record: {}, now: T0, settings, silentOk: true });
  assert.deepEqual(plan, { renew: [], notify: [], nextAt: T0 + 15 * MIN }, 'c ends first (not in use: only the badge)');
  const later = planRenewals({ roles, inUse: new Set(['a', 'b']), record: {}, now: T0 + 16 * MIN, settings, silentOk: true });
  assert.equal(later.nextAt, T0 + 20 * MIN, "b's window");
});

test('a console that needs a code is told about once per end, never renewed', () => {
  const roles = [role('m', T0 + 30 * MIN, 'mfa')];
  const { log } = run({ roles, inUse: new Set(['m']), until: T0 + 60 * MIN });
  assert.deepEqual(log, [['notify', 'm', 20]]);
});

test('with auto_renew off, or where renewals cannot run unseen (isolated windows), the user is told instead', () => {
  const roles = [role('a', T0 + 30 * MIN)];
  assert.deepEqual(run({ roles, inUse: new Set(['a']), until: T0 + 60 * MIN, s: { ...settings, autoRenew: false } }).log, [['notify', 'a', 20]]);
  assert.deepEqual(run({ roles, inUse: new Set(['a']), until: T0 + 60 * MIN, silentOk: false }).log, [['notify', 'a', 20]]);
});

test('a console minted in the last minutes is not renewed, even when already inside the window', () => {
  // A 15-minute console with renew_before_minutes = 14: due a minute after it was minted.
  const s = settingsFrom({ settings: { renew_before_minutes: 14 } });
  const roles = [role('short', T0 + 15 * MIN)];
  const record = noteMinted({}, 'short', T0 + 15 * MIN, T0);
  const at = (now) => planRenewals({ roles, inUse: new Set(['short']), record, now, settings: s, silentOk: true });
  assert.deepEqual(at(T0), { renew: [], notify: [], nextAt: T0 + MIN });
  assert.deepEqual(at(T0 + MIN), { renew: [], notify: [], nextAt: T0 + MIN_AGE_MS });
  assert.deepEqual(at(T0 + MIN_AGE_MS).renew, ['short']);
});

test('a console shorter than the window is renewed every MIN_AGE, not in a loop', () => {
  const s = settingsFrom({ settings: { renew_before_minutes: 20 } });
  const roles = [role('r', T0 + 15 * MIN)];
  const { log } = run({
    roles,
    inUse: new Set(['r']),
    record: noteMinted({}, 'r', T0 + 15 * MIN, T0),
    until: T0 + 10 * MIN,
    s,
    onRenew: (record, id, now) => {
      const oldEnd = Date.parse(roles[0].session.console_expires_at);
      roles[0] = role('r', now + 15 * MIN);
      return noteRenewed(record, id, { oldEnd, newEnd: now + 15 * MIN }, now);
    },
  });
  assert.deepEqual(log.map(([, , m]) => m), [2, 4, 6, 8, 10]);
});

test('a renewal whose console end did not move is not repeated', () => {
  const roles = [role('a', T0 + 5 * MIN)];
  const record = noteRenewed({}, 'a', { oldEnd: T0 + 5 * MIN, newEnd: T0 + 65 * MIN }, T0 - MIN);
  const plan = planRenewals({ roles, inUse: new Set(['a']), record, now: T0, settings, silentOk: true });
  assert.deepEqual(plan, { renew: [], notify: [], nextAt: T0 + 5 * MIN });
});

test('a failed renewal is retried after 1, 2, 5, then every 10 minutes; the user is told after the third', () => {
  const roles = [role('a', T0 + 60 * MIN)];
  const { log, record } = run({
    roles,
    inUse: new Set(['a']),
    until: T0 + 80 * MIN,
    onRenew: (r, id, now) => noteFailed(r, id, now),
  });
  assert.deepEqual(log.filter(([what]) => what === 'renew').map(([, , m]) => m), [50, 51, 53, 58, 68, 78]);
  assert.deepEqual(log.filter(([what]) => what === 'notify').map(([, , m]) => m), [58], `told once, at the ${TELL_AFTER_FAILURES + 1}th try`);
  assert.ok(renewalFailing(record, roles[0]));
  assert.deepEqual(RETRY_DELAYS_MS.map((d) => d / MIN), [1, 2, 5, 10]);
  assert.equal(retryDelay(9), 10 * MIN);
});

test('a console that ended while in use is still renewed (the machine slept past the end)', () => {
  const plan = planRenewals({ roles: [role('a', T0 - 30 * MIN)], inUse: new Set(['a']), record: {}, now: T0, settings, silentOk: true });
  assert.deepEqual(plan.renew, ['a']);
});

test('the record: a new console resets it; roles without a console are dropped', () => {
  let r = noteFailed({}, 'a', T0);
  r = noteNotified(r, 'a', T0 + MIN);
  assert.deepEqual(r.a, { failures: 1, retryAt: T0 + MIN, notifiedFor: T0 + MIN });
  r = noteMinted(r, 'a', T0 + 60 * MIN, T0);
  assert.deepEqual(r.a, { minted: { end: T0 + 60 * MIN, at: T0 } });
  r = noteMinted(r, 'gone', T0, T0);
  assert.deepEqual(Object.keys(pruneRecord(r, [role('a', T0), { id: 'gone', session: null }])), ['a']);
  assert.deepEqual(forgetRole(r, 'a'), { gone: r.gone });
});
