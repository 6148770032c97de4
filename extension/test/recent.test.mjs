import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MAX_PREPARE, MAX_RECENT, RECENT_KEY, loadRecent, noteOpened, prepareCandidates, withRecent } from '../src/lib/recent.js';
import { fakeStorage } from './fakes.mjs';

const T0 = Date.parse('2026-12-01T00:00:00Z');
const r = (id, { live, needs = false } = {}) => ({
  id,
  needs_code: needs,
  session: live === undefined ? null : { console_expires_at: new Date(T0 + live * 60_000).toISOString(), renewable: 'silent' },
});

test('recent roles: newest first, no repeats, at most MAX_RECENT, ids only', async () => {
  const storage = fakeStorage();
  for (const id of ['a', 'b', 'a', 'c']) await noteOpened(storage, id);
  assert.deepEqual(storage.data[RECENT_KEY], ['c', 'a', 'b']);
  let list = [];
  for (let i = 0; i < 15; i++) list = withRecent(list, `r${i}`);
  assert.equal(list.length, MAX_RECENT);
  assert.equal(list[0], 'r14');
  assert.deepEqual(await loadRecent(fakeStorage({ [RECENT_KEY]: ['x', 7, null, 'y'] })), ['x', 'y']);
  assert.deepEqual(await loadRecent(fakeStorage({ [RECENT_KEY]: 'junk' })), []);
});

test('prepare: live consoles first, then recent roles, by recency; never a role that needs a code', () => {
  const roles = [r('old-live', { live: 30 }), r('fresh-live', { live: 60 }), r('recent'), r('never'), r('code', { live: 30, needs: true }), r('ended', { live: -5 }), r('recent2')];
  const recent = ['recent2', 'fresh-live', 'code', 'recent', 'ended'];
  assert.deepEqual(prepareCandidates(roles, recent, T0), ['fresh-live', 'old-live', 'recent2', 'recent', 'ended']);
});

test('prepare asks for at most MAX_PREPARE roles', () => {
  const roles = Array.from({ length: 14 }, (_, i) => r(`l${i}`, { live: 10 + i }));
  const got = prepareCandidates(roles, [], T0);
  assert.equal(got.length, MAX_PREPARE);
  assert.deepEqual(got.slice(0, 2), ['l0', 'l1'], 'config order when none is recent');
});
