import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_SETTINGS, loadSettings, normalizeSettings, saveSettings } from '../src/lib/settings.js';
import { fakeStorage } from './fakes.mjs';

test('defaults: a new console tab, containers named by label, isolated windows in Chromium, production confirmed', () => {
  const want = { clickBehavior: 'new', containerPattern: '{label}', chromiumMode: 'isolated_window', confirmProduction: true };
  assert.deepEqual(normalizeSettings(undefined), want);
  assert.deepEqual(DEFAULT_SETTINGS, want);
});

test('production confirmation is on unless turned off', () => {
  assert.equal(normalizeSettings({ confirmProduction: false }).confirmProduction, false);
  assert.equal(normalizeSettings({ confirmProduction: 'no' }).confirmProduction, true);
});

test('the Chromium mode is one of the two known ones', () => {
  assert.equal(normalizeSettings({ chromiumMode: 'multi_session' }).chromiumMode, 'multi_session');
  assert.equal(normalizeSettings({ chromiumMode: 'incognito' }).chromiumMode, 'isolated_window');
});

test('invalid values fall back field by field', () => {
  assert.deepEqual(normalizeSettings({ clickBehavior: 'focus', containerPattern: '{nope}' }), { clickBehavior: 'focus', containerPattern: '{label}', chromiumMode: 'isolated_window', confirmProduction: true });
  assert.deepEqual(normalizeSettings({ clickBehavior: 'teleport', containerPattern: '{account_id}' }), { clickBehavior: 'new', containerPattern: '{account_id}', chromiumMode: 'isolated_window', confirmProduction: true });
  assert.deepEqual(normalizeSettings('junk'), DEFAULT_SETTINGS);
});

test('save then load round-trips through storage', async () => {
  const storage = fakeStorage();
  await saveSettings(storage, { clickBehavior: 'focus', containerPattern: '{group} {label}', chromiumMode: 'multi_session', confirmProduction: false, extra: 1 });
  assert.deepEqual(await loadSettings(storage), { clickBehavior: 'focus', containerPattern: '{group} {label}', chromiumMode: 'multi_session', confirmProduction: false });
  assert.equal('extra' in storage.data.settings, false);
});
