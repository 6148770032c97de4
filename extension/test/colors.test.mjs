import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BASE_COLORS, ICONS, accountColor, containerStyle, isColor, legacyColor } from '../src/lib/colors.js';

test('accountColor is the host\'s FNV-1a mapping (values computed independently)', () => {
  assert.equal(accountColor('111111111111'), 'turquoise');
  assert.equal(accountColor('222222222222'), 'orange'); // FNV-1a says red: production's only
  assert.equal(accountColor('123456789012'), 'purple');
  assert.equal(accountColor(''), 'orange');
});

test('accountColor spreads accounts over the base colours', () => {
  const seen = new Set();
  for (let i = 0; i < 200; i++) seen.add(accountColor(String(100000000000 + i * 7919)));
  assert.ok(seen.size >= 6, `only ${[...seen]}`);
  for (const c of seen) assert.ok(BASE_COLORS.includes(c) && c !== 'red', c);
});

test('containerStyle keeps valid host names and falls back per account', () => {
  assert.deepEqual(containerStyle({ color: 'red', icon: 'dollar' }, '1'), { color: 'red', icon: 'dollar' });
  assert.deepEqual(containerStyle({ color: 'violet', icon: 'fence' }, '1'), { color: 'violet', icon: 'fence' });
  assert.deepEqual(containerStyle({ color: 'mauve', icon: 'rocket' }, '222222222222'), { color: 'orange', icon: 'briefcase' });
  assert.deepEqual(containerStyle(undefined, '111111111111'), { color: 'turquoise', icon: 'briefcase' });
  assert.deepEqual(containerStyle({ color: 'RED' }, '222222222222').color, 'orange'); // names are case-sensitive in Firefox
});

test('legacyColor maps Firefox 153 names to ones older versions accept', () => {
  assert.equal(legacyColor('cyan'), 'turquoise');
  assert.equal(legacyColor('gray'), 'toolbar');
  assert.equal(legacyColor('violet'), 'purple');
  assert.equal(legacyColor('blue'), 'blue');
  assert.ok(isColor('toolbar') && !isColor('grey'));
  assert.equal(ICONS.length, 13);
});
