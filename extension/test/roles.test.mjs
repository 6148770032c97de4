import { test } from 'node:test';
import assert from 'node:assert/strict';
import { groupRoles, isDigitsOnly, keepSelection, moveSelection, selectionFor } from '../src/lib/roles.js';

const roles = [
  { id: 'a', label: 'Prod admin', account_id: '111111111111', role_name: 'Admin', group: 'Acme' },
  { id: 'b', label: 'Sandbox', account_id: '222222222222', role_name: 'Developer', group: null },
  { id: 'c', label: 'Prod read-only', account_id: '111111111111', role_name: 'ReadOnly', group: 'Acme' },
  { id: 'd', label: 'Sandbox admin', account_id: '222222222222', role_name: 'Admin', group: null },
  { id: 'e', label: 'Billing', account_id: '333333333333', role_name: 'Billing', group: 'Finance' },
];

test('groups by group, else by account, in config order', () => {
  const groups = groupRoles(roles);
  assert.deepEqual(groups.map((g) => g.title), ['Acme', 'Account 222222222222', 'Finance']);
  assert.deepEqual(groups.map((g) => g.roles.map((r) => r.id)), [['a', 'c'], ['b', 'd'], ['e']]);
});

test('a group named like an account does not merge with that account', () => {
  const groups = groupRoles([
    { id: 'x', account_id: '1', group: 'Account 1' },
    { id: 'y', account_id: '1', group: null },
  ]);
  assert.equal(groups.length, 2);
});

test('selection moves and wraps; unknown selection starts at an end', () => {
  const order = ['a', 'c', 'b'];
  assert.equal(moveSelection(order, 'a', 1), 'c');
  assert.equal(moveSelection(order, 'b', 1), 'a');
  assert.equal(moveSelection(order, 'a', -1), 'b');
  assert.equal(moveSelection(order, null, 1), 'a');
  assert.equal(moveSelection(order, 'zzz', -1), 'b');
  assert.equal(moveSelection([], 'a', 1), null);
  assert.equal(keepSelection(order, 'c'), 'c');
  assert.equal(keepSelection(order, 'd'), 'a');
  assert.equal(keepSelection([], 'd'), null);
});

test('a digits-only query selects nothing until a row is picked', () => {
  const order = ['a', 'c']; // what '1111' finds (search.test.mjs)
  assert.equal(selectionFor(order, null, '1111', false), null);
  assert.equal(selectionFor(order, 'a', '123 456', false), null, 'even a row selected before the query changed');
  assert.equal(selectionFor(order, 'c', '1111', true), 'c', 'picked with the arrow keys');
  assert.equal(selectionFor(order, null, 'prod', false), 'a', 'words select the first row as before');
  assert.equal(selectionFor(order, 'c', '', false), 'c');
  for (const q of ['123456', '1111-2222-3333', ' 12 34 ']) assert.equal(isDigitsOnly(q), true, q);
  for (const q of ['', '  ', '-', 'prod 1111', 'a1']) assert.equal(isDigitsOnly(q), false, q);
});
