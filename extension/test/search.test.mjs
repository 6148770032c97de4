import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ENVIRONMENTS, buildIndex, fuzzyMatch, highlight, narrows, queryTerms, search, setRank, warmUp } from '../src/lib/search.js';

const ROLES = [
  { id: 'prod-admin', label: 'Acme prod', account_id: '111122223333', role_name: 'Admin', group: 'Acme', region: 'eu-west-1', source_name: 'corp' },
  { id: 'prod-ro', label: 'Acme prod read-only', account_id: '111122223333', role_name: 'ReadOnly', group: 'Acme', region: 'eu-west-1', source_name: 'corp' },
  { id: 'staging', label: 'Acme staging', account_id: '444455556666', role_name: 'Admin', group: 'Acme', region: 'us-east-1', source_name: 'corp' },
  { id: 'products', label: 'Product catalog', account_id: '777788889999', role_name: 'Developer', group: 'Shop', region: 'us-west-2', source_name: 'corp' },
  { id: 'sso-dev', label: 'Sandbox · PowerUser', account_id: '555555555555', role_name: 'PowerUser', group: 'Sandbox', region: 'eu-central-1', source_name: 'acme-sso', sso: 'acme-sso' },
  { id: 'reprod', label: 'Reproduction lab', account_id: '123123123123', role_name: 'path/Admin', group: 'Lab', region: 'ap-south-1', source_name: 'lab' },
];
const index = buildIndex(ROLES);
const ids = (q, i = index) => search(i, q).results.map((r) => r.role.id);
const first = (q) => search(index, q).results[0];

// query → the roles in the order expected (all of them), with why the first ranks first.
const TABLE = [
  ['acme prod', ['prod-admin', 'prod-ro'], 'exact', 'label', 'the whole query is the first label; the phrase begins the second'],
  ['prod', ['products', 'prod-admin', 'prod-ro', 'reprod'], 'prefix', 'label', 'label prefix, then id prefixes, then a substring'],
  ['PROD', ['products', 'prod-admin', 'prod-ro', 'reprod'], 'prefix', 'label', 'case does not matter'],
  ['prdo', ['prod-admin', 'prod-ro', 'products'], 'fuzzy', 'label', 'two letters swapped; "Reproduction" does not start a word with it'],
  ['stagign', ['staging'], 'fuzzy', 'label', 'a typo at the end'],
  ['stagning', ['staging'], 'fuzzy', 'label', 'a letter too many'],
  ['1111-2222-3333', ['prod-admin', 'prod-ro'], 'exact', 'account', 'an account id with dashes'],
  ['1111 2222 3333', ['prod-admin', 'prod-ro'], 'exact', 'account', 'with spaces'],
  ['111122223333', ['prod-admin', 'prod-ro'], 'exact', 'account', 'without'],
  ['2222', ['prod-admin', 'prod-ro'], 'substring', 'account', 'part of an account id'],
  ['readonly', ['prod-ro'], 'exact', 'role', 'the role name'],
  ['only', ['prod-ro'], 'word', 'label', 'a word of the label (read-only) before the camelCase one of the role name'],
  ['sandbox', ['sso-dev'], 'exact', 'group', 'the account name (group) whole beats the label\'s prefix'],
  ['acme-sso', ['sso-dev'], 'exact', 'source', 'the IAM Identity Center source'],
  ['us-west-2', ['products'], 'exact', 'region', 'the region'],
  ['acme admin', ['prod-admin', 'staging'], 'exact', 'group', 'every word must match somewhere (here both whole: group, role name)'],
  ['shop developer', ['products'], 'exact', 'group', 'words in different fields'],
  ['arn:aws:iam::111122223333:role/ReadOnly', ['prod-ro', 'prod-admin'], 'pick', 'account', 'a role ARN picks its role, then its account\'s others'],
  ['arn:aws:sts::123123123123:assumed-role/Admin/ana', ['reprod'], 'pick', 'account', 'an assumed-role ARN, a role with a path'],
  ['https://111122223333-abcd1234.eu-west-1.console.aws.amazon.com/s3/buckets?region=eu-west-1', ['prod-admin', 'prod-ro'], 'pick', 'account', 'a multi-session console URL picks its account'],
  ['zzz', [], null, null, 'nothing'],
  ['s3', [], null, null, 'a service alone is a word like any other'],
];

for (const [q, want, tier, field, why] of TABLE) {
  test(`ranking: ${JSON.stringify(q)} (${why})`, () => {
    assert.deepEqual(ids(q), want);
    if (tier) assert.deepEqual([first(q).tier, first(q).field], [tier, field]);
  });
}

test('a pasted ARN or console URL picks a role; a console URL lands on its page and region', () => {
  assert.equal(search(index, 'arn:aws:iam::111122223333:role/ReadOnly').pick, 'prod-ro');
  assert.equal(search(index, 'arn:aws:iam::999999999999:role/ReadOnly').pick, null);
  const r = search(index, 'https://111122223333-abcd1234.eu-west-1.console.aws.amazon.com/s3/buckets?region=eu-west-1#x');
  assert.equal(r.pick, 'prod-admin');
  assert.deepEqual(r.landing, { destination: '/s3/buckets?region=eu-west-1#x', region: 'eu-west-1' });
  assert.deepEqual(search(index, 'https://eu-west-1.console.aws.amazon.com/s3/home').results, [], 'no account in the URL');
  assert.deepEqual(ids('https://evil.example/111122223333-abcd.console.aws.amazon.com'), []);
});

test('"prod s3": a role match followed by a known service lands there', () => {
  const r = search(index, 'prod s3');
  assert.deepEqual(r.results.map((x) => x.role.id), ids('prod'));
  assert.deepEqual(r.landing, { service: 's3' });
  assert.deepEqual(search(index, 'staging EC2').landing, { service: 'ec2' });
  assert.deepEqual(search(index, 'acme prod ddb').landing, { service: 'dynamodb' }, 'an alias');
  assert.equal(search(index, 'prod').landing, null);
  // Nothing matches before the service: the whole query is searched as words.
  const none = search(index, 'zzz s3');
  assert.deepEqual([none.results, none.landing, none.pick, none.terms], [[], null, null, ['zzz', 's3']]);
});

test('within a rank, the most opened first (frecency), then config order', () => {
  const ranked = buildIndex(ROLES, new Map([['prod-ro', 5], ['staging', 2]]));
  assert.deepEqual(ids('acme', ranked).slice(0, 3), ['prod-ro', 'staging', 'prod-admin']);
  setRank(ranked, new Map([['prod-admin', 1]]));
  assert.deepEqual(ids('acme', ranked).slice(0, 3), ['prod-admin', 'prod-ro', 'staging']);
  assert.deepEqual(ids('acme prod', ranked), ['prod-admin', 'prod-ro'], 'an exact match still beats a frecent prefix');
});

const MANY = Array.from({ length: 300 }, (_, i) => ({ id: `r${i}`, label: `Team ${i} ${i % 2 ? 'prod' : 'dev'}`, account_id: String(100000000000 + i), role_name: i % 3 ? 'Admin' : 'ReadOnly', group: `G${i % 7}`, region: i % 5 ? null : 'eu-west-1' }));
const answer = (r) => r.results.map((x) => `${x.role.id}:${x.tier}:${x.field}`);

test('typing on (words kept on the index, grown, reused) gives the answers of a fresh index', () => {
  const idx = buildIndex(MANY);
  let prev = null;
  for (const q of ['t', 'te', 'tea', 'team', 'team ', 'team 1', 'team 12', 'team 12 p', 'team 12 pr', 'team 12 pro', 'team 12 prod', 'team 12 prodx', 'team 12 prod', 'team 1', 'team', 'g3 adm', 'g3 admn', 'prdo 1', 'r1', 'r12 e']) {
    prev = search(idx, q, prev);
    assert.deepEqual(answer(prev), answer(search(buildIndex(MANY), q)), q);
  }
  assert.equal(search(idx, 'team 12 ', search(idx, 'team 12')).key, ':team 12', 'a space after a word: the same answer');
  assert.equal(narrows(['team'], ['team', '1']), true);
  assert.equal(narrows(['pr'], ['prd']), false, 'short words tolerate no typo: growing they do');
  assert.equal(narrows(['p'], ['pr']), true, 'below three letters neither tolerates one');
  assert.equal(narrows(['prod'], ['produ']), true);
  assert.equal(narrows(['prod'], ['pro']), false);
  assert.equal(narrows(['1111'], ['11112']), true);
  assert.equal(narrows(['acme', 'prod'], ['acmex', 'prod']), false);
});

test('random typing, with typos and deletions, always answers as a fresh search', () => {
  // A fixed pseudo-random sequence (no flaky seed): keys from the roles' own letters.
  let seed = 7;
  const rand = (n) => ((seed = (seed * 1103515245 + 12345) % 2147483648) % n);
  const keys = 'teamprodvg0123456789 -adminrl';
  const idx = buildIndex(MANY);
  let q = '';
  let prev = null;
  for (let step = 0; step < 400; step++) {
    const r = rand(10);
    if (r < 2 && q) q = q.slice(0, -1);
    else if (r < 3) q = '';
    else q += keys[rand(keys.length)];
    prev = search(idx, q, prev);
    assert.deepEqual(answer(prev), answer(search(buildIndex(MANY), q)), JSON.stringify(q));
  }
});

test('a single letter or digit: the table made with the index ranks each role at its best occurrence', () => {
  const idx = buildIndex([
    { id: 'a', label: 'x', account_id: '9', role_name: 'ReadOnly', group: 'Bx' },
    { id: 'b', label: 'Ax', account_id: '19', role_name: 'adminX', group: 'ox' },
  ]);
  assert.deepEqual(answer(search(idx, 'x')), ['a:exact:label', 'b:word:role']);
  assert.deepEqual(answer(search(idx, 'o')), ['b:prefix:group', 'a:word:role'], 'a camelCase word start');
  assert.deepEqual(answer(search(idx, '9')), ['a:exact:account', 'b:substring:account']);
  assert.deepEqual(answer(search(idx, 'a')), ['a:exact:id', 'b:prefix:label'], 'each role once, at its best');
});

test('typo tolerance is bounded', () => {
  assert.equal(fuzzyMatch('production', 'prdo'), true, 'swapped neighbours');
  assert.equal(fuzzyMatch('production', 'prud'), true, 'one wrong letter');
  assert.equal(fuzzyMatch('production', 'prooduct'), true, 'one letter too many');
  assert.equal(fuzzyMatch('production', 'pdoruction'), false, 'two typos');
  assert.equal(fuzzyMatch('reproduction', 'prod'), false, 'not from a word start');
  assert.equal(fuzzyMatch('my prod', 'prd'), true, 'a subsequence');
  assert.equal(fuzzyMatch('prod', 'pr'), false, 'short terms need the substring');
  assert.equal(fuzzyMatch('rxpod', 'prod'), false, 'a swap is of neighbours');
});

test('terms: lower case, dashes out of account ids, digits joined', () => {
  assert.deepEqual(queryTerms('  Acme  PROD '), ['acme', 'prod']);
  assert.deepEqual(queryTerms('1111-2222-3333'), ['111122223333']);
  assert.deepEqual(queryTerms('1111 2222'), ['11112222']);
  assert.deepEqual(queryTerms('eu-west-1'), ['eu-west-1']);
  assert.deepEqual(queryTerms(''), []);
});

test('highlight: the matched characters, merged, at a word start when there is one', () => {
  assert.deepEqual(highlight('Acme prod', ['prod']), [[5, 9]]);
  assert.deepEqual(highlight('Acme prod', ['acme', 'prod']), [[0, 4], [5, 9]]);
  assert.deepEqual(highlight('Reproduction prod', ['prod']), [[13, 17]], 'the word start, not the first occurrence');
  assert.deepEqual(highlight('Product catalog', ['prdo']), [[0, 4]], 'the typo\'d letters');
  assert.deepEqual(highlight('Acme', ['zzz']), []);
  assert.deepEqual(highlight('111122223333', ['2222']), [[4, 8]]);
});

test('a label with a line break or unusual letters keeps its fields apart', () => {
  const odd = buildIndex([{ id: 'x', label: 'İstanbul\nprod', account_id: '1', role_name: 'Admin' }]);
  assert.deepEqual(search(odd, 'prod').results.map((r) => r.field), ['label']);
  assert.deepEqual(search(odd, 'admin').results.map((r) => r.field), ['role']);
});

test('warming the search up keeps no word and changes no answer', () => {
  const idx = buildIndex(MANY);
  const before = answer(search(idx, 'team 1'));
  idx.words.clear();
  warmUp(idx);
  assert.equal(idx.words.size, 0);
  assert.deepEqual(answer(search(idx, 'team 1')), before);
  warmUp(buildIndex([])); // nothing to warm
});

// Issue 26, point 7: search that finds what people paste, and ranks whole words first.
test('a pasted account id picks its role, with or without dashes or spaces; the first of several', () => {
  for (const q of ['123123123123', '1231-2312-3123', '1231 2312 3123', ' 1231-2312 3123 ']) assert.equal(search(index, q).pick, 'reprod', JSON.stringify(q));
  assert.equal(search(index, '1111-2222-3333').pick, 'prod-admin', 'two roles of the account: the first listed');
  assert.equal(search(index, '1111-2222-3333').pick, ids('1111-2222-3333')[0]);
  const ranked = buildIndex(ROLES, new Map([['prod-ro', 3]]));
  assert.equal(search(ranked, '111122223333').pick, 'prod-ro', 'the first as ranked (the most opened)');
  // Anything else of digits picks nothing (it may be an MFA code typed into the search box).
  for (const q of ['123456', '11112222333', '1111222233334', '999999999999', '2222 3333', '111122223333 admin']) assert.equal(search(index, q).pick, null, JSON.stringify(q));
});

const FRAUD = [
  { id: 'fraud-sandbox', label: 'Fraud sandbox 24 Developer', account_id: '210000000001', role_name: 'Developer', group: 'Fraud' },
  { id: 'fraud-dev', label: 'Fraud dev 24 Developer', account_id: '210000000002', role_name: 'Developer', group: 'Fraud' },
  { id: 'fraud-prod', label: 'Fraud prod 24 Developer', account_id: '210000000003', role_name: 'Developer', group: 'Fraud' },
];

test('whole words outrank prefixes of other words: "fraud 24 dev" puts "Fraud dev 24 Developer" first', () => {
  assert.deepEqual(ids('fraud 24 dev', buildIndex(FRAUD)), ['fraud-dev', 'fraud-sandbox', 'fraud-prod']);
  // Also when the other is listed first and opened more.
  const frecent = buildIndex(FRAUD, new Map([['fraud-sandbox', 9], ['fraud-prod', 5]]));
  assert.deepEqual(ids('fraud 24 dev', frecent), ['fraud-dev', 'fraud-sandbox', 'fraud-prod']);
  assert.deepEqual(ids('dev', frecent)[0], 'fraud-dev', 'one word too');
  assert.deepEqual(ids('fraud prod', frecent)[0], 'fraud-prod');
});

const PAYMENTS = [
  { id: 'pay-dev', label: 'Payments dev', account_id: '310000000001', role_name: 'ProductOwner', group: 'Payments' },
  { id: 'pay-sandbox', label: 'Payments sandbox', account_id: '310000000002', role_name: 'Provisioner', group: 'Payments' },
  { id: 'pay-prod', label: 'Payments production', account_id: '310000000003', role_name: 'ReadOnly', group: 'Payments' },
  { id: 'pay-prd', label: 'Payments prd', account_id: '310000000004', role_name: 'Admin', group: 'Payments' },
  { id: 'pay-stg', label: 'Payments stg', account_id: '310000000005', role_name: 'Admin', group: 'Payments' },
];

test('a typo\'d word and an exact environment word: "pamyents prod" puts the prod roles first', () => {
  const frecent = buildIndex(PAYMENTS, new Map([['pay-dev', 9], ['pay-sandbox', 8]]));
  const got = ids('pamyents prod', frecent);
  assert.deepEqual(got.slice(0, 2), ['pay-prod', 'pay-prd'], 'production and prd are prod');
  assert.deepEqual(new Set(got.slice(2)), new Set(['pay-dev', 'pay-sandbox']), 'ProductOwner, Provisioner: prod only as a prefix or a typo');
  assert.equal(search(frecent, 'pamyents prod').results[0].tier, 'fuzzy');
  assert.deepEqual(ids('payments prod', frecent).slice(0, 2), ['pay-prod', 'pay-prd']);
});

test('an environment word finds its synonyms as whole words, after its own matches', () => {
  const idx = buildIndex(PAYMENTS);
  assert.deepEqual(ids('production', idx).slice(0, 2), ['pay-prod', 'pay-prd']);
  assert.deepEqual(search(idx, 'production').results.map((r) => r.tier), ['word', 'substring', 'fuzzy'], 'the word itself, its synonym, then ProductOwner (one letter off)');
  assert.deepEqual(ids('staging', idx), ['pay-stg']);
  assert.deepEqual(ids('payments stage', idx), ['pay-stg']);
  assert.deepEqual(ids('prd', idx)[0], 'pay-prd');
  const envs = ENVIRONMENTS.flat();
  for (const w of ['prod', 'production', 'prd', 'dev', 'development', 'test', 'qa', 'stage', 'staging', 'sandbox', 'uat']) assert.ok(envs.includes(w), w);
  assert.equal(new Set(envs).size, envs.length, 'each word in one environment');
});

test('random typing among environment words and their synonyms answers as a fresh search', () => {
  const envRoles = Array.from({ length: 120 }, (_, i) => ({
    id: `e${i}`,
    label: `Team ${i % 9} ${['prod', 'prd', 'production', 'stg', 'staging', 'stage', 'test', 'tst', 'dev', 'development', 'sbx', 'sandbox'][i % 12]}`,
    account_id: String(400000000000 + i),
    role_name: i % 4 ? 'ProductOwner' : 'Tester',
    group: `G${i % 5}`,
  }));
  let seed = 11;
  const rand = (n) => ((seed = (seed * 1103515245 + 12345) % 2147483648) % n);
  const words = ['prod', 'production', 'prd', 'stage', 'staging', 'stg', 'test', 'testing', 'tst', 'dev', 'sandbox', 'team', '3'];
  const idx = buildIndex(envRoles);
  let prev = null;
  for (let step = 0; step < 300; step++) {
    const w = words[rand(words.length)];
    let q = rand(3) ? `${words[rand(words.length)]} ` : '';
    for (const ch of w) {
      q += ch;
      prev = search(idx, q, prev);
      assert.deepEqual(answer(prev), answer(search(buildIndex(envRoles), q)), JSON.stringify(q));
    }
  }
});
