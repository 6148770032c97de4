import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_PATTERN, containerName, isValidPattern, uniqueContainerName, unknownPlaceholders, nameCounts, sharedNames } from '../src/lib/naming.js';

const role = { id: 'prod-admin', label: 'Production admin', account_id: '111111111111', role_name: 'Admin', group: null, region: 'eu-west-1', gateway: 'corp', partition: 'aws' };

test('the default pattern is the label, preferring the host\'s container name', () => {
  assert.equal(DEFAULT_PATTERN, '{label}');
  assert.equal(containerName(DEFAULT_PATTERN, role), 'Production admin');
  assert.equal(containerName(DEFAULT_PATTERN, role, 'From host'), 'From host');
});

test('placeholders are substituted and whitespace collapsed', () => {
  assert.equal(containerName('{account_id} {role_name}', role), '111111111111 Admin');
  assert.equal(containerName('{group} {label}', role), 'Production admin'); // null group
  assert.equal(containerName('aws:{id}@{region}', role), 'aws:prod-admin@eu-west-1');
});

test('invalid patterns fall back to the label', () => {
  assert.deepEqual(unknownPlaceholders('{label} {acount} {acount} {x y}'), ['acount', 'x y']);
  assert.equal(isValidPattern('{acount}'), false);
  assert.equal(isValidPattern('   '), false);
  assert.equal(isValidPattern(undefined), false);
  assert.equal(containerName('{acount}', role), 'Production admin');
  assert.equal(containerName('{group}', role), 'Production admin'); // empty result
  assert.equal(containerName('{label}', { id: 'only-id' }), 'only-id');
});

test('names are capped at 100 characters', () => {
  const long = containerName('{label}{label}', { label: 'x'.repeat(80) });
  assert.equal(long.length, 100);
});

test('roles that would share a container name get their id appended, whichever is asked first', () => {
  const roles = [
    role,
    { ...role, id: 'prod-admin-2', label: 'Production admin', account_id: '222222222222' },
    { ...role, id: 'other', label: 'Other' },
  ];
  assert.equal(uniqueContainerName('{label}', roles, roles[1]), 'Production admin (prod-admin-2)');
  assert.equal(uniqueContainerName('{label}', roles, roles[0]), 'Production admin (prod-admin)');
  assert.equal(uniqueContainerName('{label}', roles, roles[2]), 'Other', 'a unique name is left alone');
  // A pattern that names a group or a gateway is shared by design.
  assert.equal(uniqueContainerName('{gateway}', roles, roles[2]), 'corp (other)');
  assert.equal(uniqueContainerName('{account_id}', roles, roles[1]), '222222222222');
  const long = uniqueContainerName('{label}', [{ id: 'x', label: 'y'.repeat(120) }, { id: 'z', label: 'y'.repeat(120) }], { id: 'x', label: 'y'.repeat(120) });
  assert.equal(long.length, 100);
  assert.match(long, / \(x\)$/);
});

test('name counts give the same answers as a pass over every role, and count the roles that share a name', () => {
  const roles = [
    role,
    { ...role, id: 'prod-admin-2', label: 'Production admin', account_id: '222222222222' },
    { ...role, id: 'other', label: 'Other' },
  ];
  for (const pattern of ['{label}', '{gateway}', '{account_id}', '{id}']) {
    const counts = nameCounts(pattern, roles);
    for (const r of roles) {
      assert.equal(uniqueContainerName(pattern, roles, r, undefined, counts), uniqueContainerName(pattern, roles, r), `${pattern} ${r.id}`);
      assert.equal(uniqueContainerName(pattern, roles, r, 'Production admin', counts), uniqueContainerName(pattern, roles, r, 'Production admin'), `${pattern} ${r.id} (host name)`);
    }
  }
  assert.equal(sharedNames('{label}', roles), 2);
  assert.equal(sharedNames('{gateway}', roles), 3);
  assert.equal(sharedNames('{id}', roles), 0, 'ids are unique');
});
