import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PAST_HEAD, codeGateways, codeLine, headModel, modelOffsets, resultsModel, scrollToShow, sectionItems, sectionsModel, visibleRange } from '../src/lib/display.js';
import { clockTime } from '../src/lib/timeleft.js';
import { buildIndex, search } from '../src/lib/search.js';
import { keepSelection } from '../src/lib/roles.js';

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

test('a query: the results in rank order, no titles, each item made when drawn', () => {
  const found = search(buildIndex([{ id: 'x', label: 'Acme', account_id: '1' }, { id: 'acme', label: 'Other', account_id: '2' }]), 'acme');
  const model = resultsModel(found.ranked);
  assert.equal(model.length, 2);
  assert.deepEqual([0, 1].map((k) => model.at(k).key), ['x', 'acme']);
  assert.deepEqual(model.at(1).match, { tier: 'exact', field: 'id' });
  assert.deepEqual([model.roleIndex(1), model.roleAt(1), model.positionOf('acme'), model.positionOf('nope')], [1, 'acme', 1, -1]);
  assert.deepEqual(model.order(), ['x', 'acme']);
  assert.equal(keepSelection(model, 'acme'), 'acme');
  assert.equal(keepSelection(model, 'gone'), 'x', 'a selection no longer shown moves to the first');
  assert.equal(keepSelection(resultsModel(search(buildIndex([]), 'x').ranked), 'x'), null);
});

test('sections as a model: titles have no place among the roles', () => {
  const model = sectionsModel(sectionItems(roles, byId, ['d'], []));
  assert.deepEqual([model.length, model.roleCount], [7, 4]); // Favourites, d, Acme, a, c, Account 2, b
  assert.deepEqual([0, 1, 2].map((k) => model.roleIndex(k)), [-1, 0, -1]);
  assert.deepEqual(model.order(), ['d', 'a', 'c', 'b']);
  assert.deepEqual([model.positionOf('a'), model.roleAt(1)], [3, 'a']);
});

test('offsets of a model: usual heights, taller rows where measured', () => {
  const ranked = search(buildIndex(Array.from({ length: 1000 }, (_, i) => ({ id: `r${i}`, label: 'Team', account_id: String(i) }))), 'team').ranked;
  const usual = { title: 20, role: 40 };
  const plain = modelOffsets(resultsModel(ranked), usual, new Map());
  assert.deepEqual([plain[0], plain[1], plain[1000]], [0, 40, 40_000]);
  const tall = modelOffsets(resultsModel(ranked), usual, new Map([['r10', 100], ['gone', 500]]));
  assert.deepEqual([tall[10], tall[11], tall[1000]], [400, 500, 40_060]);
  const sections = modelOffsets(sectionsModel(sectionItems(roles, byId, [], [])), usual, new Map([['c', 90]]));
  assert.deepEqual(Array.from(sections), [0, 20, 60, 150, 170, 210, 230, 270]);
});

test('virtual window: only the rows in view and around them, with the space of the others', () => {
  const items = Array.from({ length: 10_000 }, (_, k) => ({ kind: 'role', key: `r${k}` }));
  const offsets = modelOffsets(sectionsModel(items), { title: 40, role: 40 }, new Map([['r5', 100]]));
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
  assert.deepEqual(visibleRange(modelOffsets(sectionsModel([]), { title: 40, role: 40 }, new Map()), 0, 500), { first: 0, end: 0, before: 0, after: 0 });
});

test('scrolling to the selection moves as little as possible', () => {
  const offsets = modelOffsets(sectionsModel(Array.from({ length: 100 }, (_, k) => ({ kind: 'role', key: `r${k}` }))), { title: 26, role: 40 }, new Map());
  assert.equal(scrollToShow(offsets, 5, 0, 400), 0, 'already in view');
  assert.equal(scrollToShow(offsets, 20, 0, 400), 21 * 40 - 400, 'below: its bottom at the bottom');
  assert.equal(scrollToShow(offsets, 2, 400, 400), 80, 'above: its top at the top');
});

test('the first screen stands for the sections until the listing is parsed: the whole length, items past it left empty', () => {
  const items = [{ kind: 'title', key: 'g:a', text: 'A' }, { kind: 'role', key: 'a1', role: { id: 'a1' } }, { kind: 'role', key: 'a2', role: { id: 'a2' } }];
  const m = headModel({ items, titles: 5, roles: 300 });
  assert.deepEqual([m.length, m.roleCount], [305, 300]);
  assert.deepEqual([m.at(1).key, m.at(2).key, m.at(3), m.at(304)], ['a1', 'a2', PAST_HEAD, PAST_HEAD]);
  assert.deepEqual([m.roleIndex(0), m.roleIndex(2), m.positionOf('a2'), m.roleAt(0)], [-1, 1, 2, 'a1']);
  const offsets = modelOffsets(m, { title: 26, role: 44 }, new Map());
  assert.equal(offsets[305], 26 + 304 * 44, 'placeholders count as rows');
});

test('each item knows the title heading its section or group (its rowgroup); results have none', () => {
  const model = sectionsModel(sectionItems(roles, byId, ['d'], []));
  // Favourites, d, Acme, a, c, Account 2, b, Finance: d is pinned, so Finance has none.
  assert.deepEqual(Array.from({ length: model.length }, (_, k) => model.titleOf(k)), [0, 0, 2, 2, 2, 5, 5]);
  assert.equal(model.titleOf(99), -1);
  const head = headModel({ items: sectionItems(roles, byId, [], []).slice(0, 3), titles: 3, roles: 4 });
  assert.deepEqual([head.titleOf(0), head.titleOf(2), head.titleOf(5)], [0, 0, -1], 'past the first screen: none (nothing is drawn there)');
  const found = resultsModel(search(buildIndex(roles.map((r) => ({ ...r, label: 'x' }))), 'x').ranked);
  assert.equal(found.titleOf(0), -1);
});

test('the daily gateways that need the day\'s code, once each, with how many roles they cover', () => {
  const listed = [
    { id: 'a', source_name: 'corp', mfa: true, mfa_mode: 'daily', needs_code: true },
    { id: 'b', source_name: 'lab', mfa: true, mfa_mode: 'per_role', needs_code: true },
    { id: 'c', source_name: 'corp', mfa: true, mfa_mode: 'daily', needs_code: true, mfa_session_hours: 8 },
    { id: 'd', source_name: 'sec', mfa: true, mfa_mode: 'daily' }, // a live session: no code needed
    { id: 'e', gateway: 'old', mfa: true, mfa_mode: 'daily', needs_code: true },
    { id: 'f', source_name: 'corp', mfa: true, mfa_mode: 'daily', session: { renewable: 'silent' } },
    { id: 'g', source_name: 'open' }, // no MFA
  ];
  assert.deepEqual(codeGateways(listed), [
    { gateway: 'corp', roles: 3, hours: 8 },
    { gateway: 'old', roles: 1, hours: null },
  ]);
  assert.deepEqual(codeGateways([]), []);
  const now = new Date(2026, 11, 1, 6, 40).getTime();
  assert.equal(codeLine({ gateway: 'corp', roles: 3, hours: 8 }, now, 'en-GB'), 'Gateway corp needs a code: it covers all its 3 roles until 14:40.');
  assert.equal(codeLine({ gateway: 'old', roles: 1, hours: null }, now, 'en-GB'), 'Gateway old needs a code: it covers its role until 18:40.', 'the default session: 12 hours');
  assert.equal(codeLine({ gateway: 'big', roles: 10000, hours: 12 }, now, 'en-GB'), `Gateway big needs a code: it covers all its 10,000 roles until ${clockTime(now + 12 * 3_600_000, 'en-GB')}.`);
});
