import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cachedRead } from '../src/lib/cached.js';
import { fakeEvent, fakeStorage } from './fakes.mjs';

test('a value is read once, and again after storage says it changed', async () => {
  const local = fakeStorage({ settings: { n: 1 } });
  const onChanged = fakeEvent();
  let reads = 0;
  const read = cachedRead({ storage: { local, onChanged } }, 'settings', async (s) => (reads++, (await s.get('settings')).settings));
  assert.deepEqual(await read(), { n: 1 });
  assert.deepEqual(await read(), { n: 1 });
  assert.equal(reads, 1);
  await local.set({ settings: { n: 2 } });
  onChanged.fire({ other: {} }, 'local');
  onChanged.fire({ settings: {} }, 'session');
  assert.deepEqual(await read(), { n: 1 }, 'not this key, or not storage.local');
  onChanged.fire({ settings: { newValue: { n: 2 } } }, 'local');
  assert.deepEqual(await read(), { n: 2 });
  assert.equal(reads, 2);
});

test('without storage.onChanged every read goes to storage; a failed read is not kept', async () => {
  const local = fakeStorage({ k: 1 });
  let reads = 0;
  const plain = cachedRead({ storage: { local } }, 'k', async () => ++reads);
  await plain();
  await plain();
  assert.equal(reads, 2);
  let fail = true;
  const flaky = cachedRead({ storage: { local, onChanged: fakeEvent() } }, 'k', async () => {
    if (fail) throw new Error('busy');
    return 'ok';
  });
  await assert.rejects(flaky());
  fail = false;
  assert.equal(await flaky(), 'ok');
});
