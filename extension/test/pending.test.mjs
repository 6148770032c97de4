import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PENDING_KEY, PENDING_TTL_MS, clearPending, loadPending, savePending } from '../src/lib/pending.js';
import { fakeStorage } from './fakes.mjs';

test('a pending prompt comes back as it was saved, without any code', async () => {
  const storage = fakeStorage();
  await savePending(storage, { role: 'mfa', gateway: 'secure', background: true, mfaCode: '123456' }, 1000);
  assert.deepEqual(storage.data[PENDING_KEY], { role: 'mfa', gateway: 'secure', background: true, at: 1000 });
  assert.deepEqual(await loadPending(storage, 1000 + 60_000), { role: 'mfa', gateway: 'secure', background: true, action: 'open', landing: null, at: 1000 });
});

test('where the open lands is kept by name only: a service, a link, a region; never a path or URL', async () => {
  const storage = fakeStorage();
  await savePending(storage, { role: 'mfa', landing: { service: 's3', region: 'us-west-2', destination: '/s3/buckets?x=1' } }, 1000);
  assert.deepEqual(storage.data[PENDING_KEY].landing, { service: 's3', region: 'us-west-2' });
  assert.deepEqual((await loadPending(storage, 2000)).landing, { service: 's3', region: 'us-west-2' });
  await savePending(storage, { role: 'mfa', landing: { destination: 'https://eu-west-1.console.aws.amazon.com/' } }, 1000);
  assert.equal('landing' in storage.data[PENDING_KEY], false);
  await storage.set({ [PENDING_KEY]: { role: 'mfa', at: 1000, landing: { link: 'x'.repeat(100), url: 'https://evil' } } });
  assert.equal((await loadPending(storage, 2000)).landing, null);
});

test('an old prompt expires and is removed; a cleared one is gone', async () => {
  const storage = fakeStorage();
  await savePending(storage, { role: 'mfa', gateway: 'secure' }, 1000);
  assert.equal(await loadPending(storage, 1000 + PENDING_TTL_MS + 1), null);
  assert.equal(PENDING_KEY in storage.data, false);
  await savePending(storage, { role: 'mfa' }, 1000);
  assert.equal(await loadPending(storage, 500), null, 'from the future: the clock moved, drop it');
  await savePending(storage, { role: 'mfa' }, 1000);
  await clearPending(storage);
  assert.equal(await loadPending(storage, 1000), null);
});

test('junk in storage is no prompt', async () => {
  for (const junk of [null, 'mfa', { role: 7, at: 1 }, { role: 'x' }]) {
    assert.equal(await loadPending(fakeStorage({ [PENDING_KEY]: junk }), 1), null);
  }
});
