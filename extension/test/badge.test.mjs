import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BADGE_COLORS, badgeFor } from '../src/lib/badge.js';
import { noteFailed, settingsFrom } from '../src/lib/schedule.js';

const MIN = 60_000;
const T0 = Date.parse('2026-12-01T00:00:00Z');
const role = (id, inMin, renewable = 'silent') => ({ id, label: `Role ${id}`, session: { console_expires_at: new Date(T0 + inMin * MIN).toISOString(), renewable } });
const settings = settingsFrom({ settings: { renew_before_minutes: 10 } });
const badge = (roles, inUse, extra = {}) => badgeFor({ roles, inUse: new Set(inUse), record: {}, now: T0, settings, silentOk: true, ...extra });

test('the badge counts roles with a live console, in use or not', () => {
  assert.deepEqual(badge([], []), { text: '', level: 'normal', title: 'rolecall: 0 live consoles' });
  const b = badge([role('a', 600), role('b', 30), { id: 'c', session: null }, role('d', -5)], ['a']);
  assert.equal(b.text, '2');
  assert.equal(b.level, 'normal', 'd ended with no tab open: nothing to see');
  assert.equal(b.title, 'rolecall: 2 live consoles');
});

test('amber: a console in use ends within the window and will not renew unseen', () => {
  assert.equal(badge([role('a', 9, 'mfa')], ['a']).level, 'amber');
  assert.match(badge([role('a', 9, 'mfa')], ['a']).title, /renew by hand: Role a/);
  assert.equal(badge([role('a', 9)], ['a']).level, 'normal', 'renews silently');
  assert.equal(badge([role('a', 11, 'mfa')], ['a']).level, 'normal', 'not yet');
  assert.equal(badge([role('a', 9, 'mfa')], []).level, 'normal', 'no tab open');
  assert.equal(badge([role('a', 9)], ['a'], { settings: { ...settings, autoRenew: false } }).level, 'amber');
  assert.equal(badge([role('a', 9)], ['a'], { silentOk: false }).level, 'amber', 'isolated windows are renewed by the user');
  // A silent renewal that keeps failing.
  const record = noteFailed({}, 'a', T0);
  assert.equal(badge([role('a', 9)], ['a'], { record }).level, 'amber');
});

test('red: a console ended while its tabs are open; it outranks amber; `!` when none is live', () => {
  const b = badge([role('a', -1), role('b', 9, 'mfa')], ['a', 'b']);
  assert.deepEqual([b.text, b.level], ['1', 'red']);
  assert.match(b.title, /Ended while open: Role a/);
  assert.deepEqual([badge([role('a', -1)], ['a']).text, badge([role('a', -1)], ['a']).level], ['!', 'red']);
});

test('the badge follows a fake clock through a console\'s life', () => {
  const roles = [role('a', 30, 'mfa')];
  const at = (min) => {
    const b = badgeFor({ roles, inUse: new Set(['a']), record: {}, now: T0 + min * MIN, settings, silentOk: true });
    return `${b.text}/${b.level}`;
  };
  assert.deepEqual([0, 19, 20, 29, 30, 31].map(at), ['1/normal', '1/normal', '1/amber', '1/amber', '!/red', '!/red']);
});

test('each level has a background and a readable text colour', () => {
  for (const level of ['normal', 'amber', 'red']) assert.match(`${BADGE_COLORS[level].background} ${BADGE_COLORS[level].text}`, /^#[0-9a-f]{6} #[0-9a-f]{6}$/);
});
