import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FRECENCY_KEY, HALF_LIFE_MS, ITEM_BUDGET, LOCAL_ONLY_KEY, MAX_FRECENT, MAX_PINS, PINS_KEY, bump, loadPrefs, mergeFrecency, moveFrecency, noteVisit, rankOf, recentIds, savePref, scoreAt, togglePin } from '../src/lib/prefs.js';
import { fakeStorage } from './fakes.mjs';

const T0 = Date.parse('2026-12-01T00:00:00Z');
const DAY = 24 * 3600_000;
const known = (...ids) => new Set(ids);

test('frecency: how often and how lately; a visit\'s weight halves every week', () => {
  let f = {};
  f = bump(f, 'daily-last-month', T0 - 35 * DAY);
  for (let d = 34; d >= 28; d--) f = bump(f, 'daily-last-month', T0 - d * DAY);
  f = bump(f, 'once-today', T0);
  for (let d = 3; d >= 1; d--) f = bump(f, 'thrice-this-week', T0 - d * DAY);
  assert.deepEqual(recentIds({ frecency: f }, known('daily-last-month', 'once-today', 'thrice-this-week'), T0), ['thrice-this-week', 'once-today', 'daily-last-month']);
  assert.ok(Math.abs(scoreAt([2, Math.floor(T0 / 60_000)], T0 + HALF_LIFE_MS) - 1) < 1e-9, 'a week halves it');
  assert.equal(scoreAt('junk', T0), 0);
  // Opened again today: the month-old habit comes back above a single visit.
  for (let i = 0; i < 3; i++) f = bump(f, 'daily-last-month', T0);
  assert.equal(recentIds({ frecency: f }, known('daily-last-month', 'once-today', 'thrice-this-week'), T0)[0], 'daily-last-month');
});

test('recent: only known roles, without the pinned, at most n', () => {
  let f = {};
  for (const id of ['a', 'b', 'c', 'gone', 'd', 'e', 'f', 'g']) f = bump(f, id, T0);
  assert.deepEqual(recentIds({ frecency: f }, known('a', 'b', 'c', 'd', 'e', 'f', 'g'), T0, { n: 3, exclude: ['a'] }).length, 3);
  assert.ok(!recentIds({ frecency: f }, known('a', 'b'), T0).includes('gone'));
  assert.deepEqual(recentIds({ frecency: f }, known('a', 'b'), T0, { exclude: ['a'] }), ['b']);
});

test('the frecency item stays inside its budget (storage.sync\'s per-item quota, from when it was synced): the lowest scores go', () => {
  let f = {};
  for (let i = 0; i < 200; i++) f = bump(f, `role-with-a-rather-long-id-number-${String(i).padStart(4, '0')}-${'x'.repeat(20)}`, T0 + i * 60_000);
  const size = FRECENCY_KEY.length + JSON.stringify(f).length;
  assert.ok(size <= ITEM_BUDGET, `${size} bytes`);
  assert.ok(Object.keys(f).length <= MAX_FRECENT);
  assert.ok(Object.keys(f).some((id) => id.includes('0199')), 'the latest kept');
  assert.ok(!Object.keys(f).some((id) => id.includes('0000')), 'the oldest dropped');
});

test('favourites: pinned in order, unpinned in place, bounded', () => {
  assert.deepEqual(togglePin([], 'a'), ['a']);
  assert.deepEqual(togglePin(['a'], 'b'), ['a', 'b']);
  assert.deepEqual(togglePin(['a', 'b', 'c'], 'b'), ['a', 'c']);
  const full = Array.from({ length: MAX_PINS }, (_, i) => `p${i}`);
  assert.equal(togglePin(full, 'one-more'), null, 'no 101st');
  assert.equal(togglePin(Array.from({ length: 78 }, (_, i) => `${'y'.repeat(96)}${i}`), 'z'.repeat(96)), null, 'nor past the item quota');
});

test('rank: pinned roles above any frecency, in pin order', () => {
  const f = bump(bump({}, 'often', T0), 'often', T0);
  const rank = rankOf({ pins: ['p1', 'p2'], frecency: f }, T0);
  assert.ok(rank.get('p1') > rank.get('p2') && rank.get('p2') > rank.get('often'));
});

test('favourites in storage.sync when there is one, the frecency in storage.local only; ids and numbers only', async () => {
  const storage = { sync: fakeStorage(), local: fakeStorage() };
  await savePref(storage, PINS_KEY, ['a']);
  await noteVisit(storage, 'b', T0);
  assert.deepEqual(storage.sync.data, { [PINS_KEY]: ['a'] });
  assert.deepEqual(storage.local.data, { [FRECENCY_KEY]: { b: [1, Math.floor(T0 / 60_000)] } });
  assert.deepEqual(await loadPrefs(storage), { pins: ['a'], frecency: { b: [1, Math.floor(T0 / 60_000)] } });
  // A frecency item found in sync (another machine's older version) is not read.
  await storage.sync.set({ [FRECENCY_KEY]: { other: [5, Math.floor(T0 / 60_000)] } });
  assert.deepEqual(Object.keys((await loadPrefs(storage)).frecency), ['b']);

  const noSync = { local: fakeStorage() };
  await savePref(noSync, PINS_KEY, ['x']);
  await noteVisit(noSync, 'y', T0);
  assert.deepEqual(await loadPrefs(noSync), { pins: ['x'], frecency: { y: [1, Math.floor(T0 / 60_000)] } });
});

test('when storage.sync refuses a write, the favourites move to storage.local with what sync had', async () => {
  const sync = fakeStorage({ [PINS_KEY]: ['kept'] });
  sync.set = async () => {
    throw new Error('QUOTA_BYTES_PER_ITEM quota exceeded');
  };
  const storage = { sync, local: fakeStorage() };
  await noteVisit(storage, 'v', T0);
  assert.equal(storage.local.data[LOCAL_ONLY_KEY], undefined, 'the frecency never tries sync');
  await savePref(storage, PINS_KEY, ['kept', 'new']);
  assert.equal(storage.local.data[LOCAL_ONLY_KEY], true);
  assert.deepEqual(await loadPrefs(storage), { pins: ['kept', 'new'], frecency: { v: [1, Math.floor(T0 / 60_000)] } });
  await savePref(storage, PINS_KEY, ['new']);
  assert.deepEqual((await loadPrefs(storage)).pins, ['new'], 'later writes go to storage.local');
  assert.deepEqual(sync.data, { [PINS_KEY]: ['kept'] });
});

test('an earlier version\'s frecency in storage.sync moves to storage.local once, merged, and leaves sync', async () => {
  const minute = Math.floor(T0 / 60_000);
  const storage = {
    sync: fakeStorage({ [PINS_KEY]: ['p'], [FRECENCY_KEY]: { old: [4, minute - 60], both: [2, minute], junk: 'x' } }),
    local: fakeStorage({ [FRECENCY_KEY]: { both: [1, minute], here: [1, minute] } }),
  };
  assert.equal(await moveFrecency(storage, T0), true);
  assert.deepEqual(storage.sync.data, { [PINS_KEY]: ['p'] }, 'the favourites stay in sync; the history goes');
  assert.deepEqual(storage.local.data[FRECENCY_KEY], { old: [4, minute - 60], both: [2, minute], here: [1, minute] }, 'each role\'s higher score');
  assert.deepEqual((await loadPrefs(storage)).pins, ['p']);
  // Once: nothing left to move, nothing changed.
  const before = structuredClone(storage.local.data);
  assert.equal(await moveFrecency(storage, T0 + 60_000), false);
  assert.deepEqual(storage.local.data, before);
  assert.equal(await moveFrecency({ local: fakeStorage() }, T0), false, 'no storage.sync: nothing to move');

  // Preferences already moved to storage.local (sync refused a write): sync's copy is older
  // than storage.local's and is only removed.
  const moved = {
    sync: fakeStorage({ [FRECENCY_KEY]: { stale: [9, minute] } }),
    local: fakeStorage({ [LOCAL_ONLY_KEY]: true, [FRECENCY_KEY]: { now: [1, minute] } }),
  };
  assert.equal(await moveFrecency(moved, T0), true);
  assert.deepEqual(moved.sync.data, {});
  assert.deepEqual(moved.local.data[FRECENCY_KEY], { now: [1, minute] });
});

test('merged frecencies keep each role\'s higher score now and stay within the budget', () => {
  const minute = Math.floor(T0 / 60_000);
  // A week-old 3 (1.5 now) loses to a fresh 2.
  assert.deepEqual(mergeFrecency({ a: [3, minute - 7 * 24 * 60] }, { a: [2, minute] }, T0), { a: [2, minute] });
  const many = Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`r${i}`, [1 + i / 100, minute]]));
  assert.ok(Object.keys(mergeFrecency(many, { extra: [0.5, minute] }, T0)).length <= MAX_FRECENT);
});

test('junk in storage is ignored', async () => {
  const storage = { local: fakeStorage({ [PINS_KEY]: ['a', 7, 'a', null], [FRECENCY_KEY]: { ok: [1, 2], bad: 'x', worse: [1, 'y'] } }) };
  assert.deepEqual(await loadPrefs(storage), { pins: ['a'], frecency: { ok: [1, 2] } });
});
