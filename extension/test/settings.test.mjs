import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_SETTINGS, loadSettings, normalizeSettings, saveSettings } from '../src/lib/settings.js';
import { fakeStorage } from './fakes.mjs';

test('defaults: a new console tab, containers named by label', () => {
  assert.deepEqual(normalizeSettings(undefined), { clickBehavior: 'new', containerPattern: '{label}' });
  assert.deepEqual(DEFAULT_SETTINGS, { clickBehavior: 'new', containerPattern: '{label}' });
});

test('invalid values fall back field by field', () => {
  assert.deepEqual(normalizeSettings({ clickBehavior: 'focus', containerPattern: '{nope}' }), { clickBehavior: 'focus', containerPattern: '{label}' });
  assert.deepEqual(normalizeSettings({ clickBehavior: 'teleport', containerPattern: '{account_id}' }), { clickBehavior: 'new', containerPattern: '{account_id}' });
  assert.deepEqual(normalizeSettings('junk'), DEFAULT_SETTINGS);
});

test('save then load round-trips through storage', async () => {
  const storage = fakeStorage();
  await saveSettings(storage, { clickBehavior: 'focus', containerPattern: '{group} {label}', extra: 1 });
  assert.deepEqual(await loadSettings(storage), { clickBehavior: 'focus', containerPattern: '{group} {label}' });
  assert.equal('extra' in storage.data.settings, false);
});
