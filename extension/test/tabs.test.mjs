import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pickExistingTab, tabCreateProps, wantsBackground } from '../src/lib/tabs.js';

test('middle click and Ctrl/Cmd open in the background; plain clicks and Shift do not', () => {
  assert.equal(wantsBackground({ button: 0 }), false);
  assert.equal(wantsBackground({ button: 1 }), true);
  assert.equal(wantsBackground({ button: 0, ctrlKey: true }), true);
  assert.equal(wantsBackground({ button: 0, metaKey: true }), true);
  assert.equal(wantsBackground({ button: 0, shiftKey: true }), false);
  assert.equal(wantsBackground(undefined), false);
});

test('the tab goes right of the current tab, in its window', () => {
  assert.deepEqual(tabCreateProps({ url: 'u', cookieStoreId: 'c', current: { index: 2, windowId: 7 }, background: false }), { url: 'u', active: true, cookieStoreId: 'c', index: 3, windowId: 7 });
  assert.deepEqual(tabCreateProps({ url: 'u', background: true }), { url: 'u', active: false });
});

test('focus mode picks the most recently used tab', () => {
  assert.equal(pickExistingTab([{ id: 1, lastAccessed: 5 }, { id: 2, lastAccessed: 9 }, { id: 3 }]).id, 2);
  assert.equal(pickExistingTab([]), null);
});
