import { test } from 'node:test';
import assert from 'node:assert/strict';
import { layout, resultItems, scrollToShow, sectionItems, visibleRange } from '../src/lib/display.js';

const roles = [
  { id: 'a', account_id: '1', group: 'Acme' },
  { id: 'b', account_id: '2', group: null },
  { id: 'c', account_id: '1', group: 'Acme' },
  { id: 'd', account_id: '3', group: 'Finance' },
];
const byId = new Map(roles.map((r) => [r.id, r]));
const shape = (items) => items.map((i) => (i.kind === 'title' ? `# ${i.text}` : i.key));

test('empty query: Favourites, Recent, then the groups, each role once', () => {
  assert.deepEqual(shape(sectionItems(roles, byId, ['d'], ['c', 'd', 'gone'])), ['# Favourites', 'd', '# Recent', 'c', '# Acme', 'a', '# Account 2', 'b']);
  assert.deepEqual(shape(sectionItems(roles, byId, [], [])), ['# Acme', 'a', 'c', '# Account 2', 'b', '# Finance', 'd'], 'nothing pinned or opened: the groups as before');
  assert.deepEqual(shape(sectionItems(roles, byId, ['gone'], [])), ['# Acme', 'a', 'c', '# Account 2', 'b', '# Finance', 'd'], 'a pinned role no longer configured is not shown');
});

test('a query: the results in rank order, no titles', () => {
  const items = resultItems([{ role: roles[2], tier: 'exact', field: 'id' }, { role: roles[0], tier: 'fuzzy', field: 'label' }]);
  assert.deepEqual(shape(items), ['c', 'a']);
  assert.equal(items[0].match.tier, 'exact');
});

test('virtual window: only the rows in view and around them, with the space of the others', () => {
  const items = Array.from({ length: 10_000 }, (_, k) => ({ kind: 'role', key: `r${k}` }));
  const offsets = layout(items, (it) => (it.key === 'r5' ? 100 : 40));
  assert.equal(offsets[10_000], 9_999 * 40 + 100);
  const top = visibleRange(offsets, 0, 500, 100);
  assert.deepEqual([top.first, top.before], [0, 0]);
  assert.ok(top.end <= 16, `drew ${top.end}`);
  assert.equal(top.after, offsets[10_000] - offsets[top.end]);
  const mid = visibleRange(offsets, 200_000, 500, 100);
  assert.ok(mid.first > 4_900 && mid.end - mid.first < 25, JSON.stringify(mid));
  assert.equal(mid.before, offsets[mid.first]);
  const bottom = visibleRange(offsets, offsets[10_000] - 500, 500, 100);
  assert.deepEqual([bottom.end, bottom.after], [10_000, 0]);
  assert.deepEqual(visibleRange(layout([], () => 40), 0, 500), { first: 0, end: 0, before: 0, after: 0 });
});

test('scrolling to the selection moves as little as possible', () => {
  const offsets = layout(Array.from({ length: 100 }, () => ({ kind: 'role' })), () => 40);
  assert.equal(scrollToShow(offsets, 5, 0, 400), 0, 'already in view');
  assert.equal(scrollToShow(offsets, 20, 0, 400), 21 * 40 - 400, 'below: its bottom at the bottom');
  assert.equal(scrollToShow(offsets, 2, 400, 400), 80, 'above: its top at the top');
});
