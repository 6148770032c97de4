import { test } from 'node:test';
import assert from 'node:assert/strict';
import { landingName, openParams, parseArn, parseConsoleUrl, regionsOf, roleMatchesArn, serviceOf, splitService } from '../src/lib/landing.js';

test('"prod s3": a query followed by a known service name', () => {
  assert.deepEqual(splitService('prod s3'), { rest: 'prod', service: serviceOf('s3') });
  assert.equal(splitService('acme prod  EC2 ').rest, 'acme prod');
  assert.equal(splitService('acme prod  EC2 ').service.key, 'ec2');
  assert.equal(splitService('prod cw').service.key, 'cloudwatch', 'an alias');
  assert.equal(splitService('s3'), null, 'a service alone is not a landing');
  assert.equal(splitService('prod admin'), null);
  assert.equal(splitService(''), null);
  assert.deepEqual(openParams({ service: 's3' }), { destination: '/s3/home' });
  assert.throws(() => openParams({ service: 'nope' }), /no service/);
});

test('links, regions and a pasted page become console.open parameters', () => {
  const role = { links: [{ name: 'Buckets', destination: '/s3/buckets' }] };
  assert.deepEqual(openParams({ link: 'Buckets' }, role), { destination: '/s3/buckets' });
  assert.throws(() => openParams({ link: 'Other' }, role), /no link/);
  assert.deepEqual(openParams({ region: 'us-west-2' }), { region: 'us-west-2' });
  assert.deepEqual(openParams({ service: 'ec2', region: 'us-west-2' }), { destination: '/ec2/home', region: 'us-west-2' });
  assert.deepEqual(openParams({ destination: '/s3/buckets?region=eu-west-1', region: 'eu-west-1' }), { destination: '/s3/buckets?region=eu-west-1', region: 'eu-west-1' });
  assert.deepEqual(openParams(null), {});
  assert.equal(landingName({ service: 's3' }), 'S3');
  assert.equal(landingName({ link: 'Buckets' }), 'Buckets');
  assert.equal(landingName({ region: 'us-west-2' }), 'us-west-2');
});

test('regions of the role\'s partition', () => {
  assert.ok(regionsOf('aws').includes('eu-west-1') && regionsOf('aws').includes('us-east-1'));
  assert.deepEqual(regionsOf('aws-us-gov'), ['us-gov-west-1', 'us-gov-east-1']);
  assert.deepEqual(regionsOf('aws-cn'), ['cn-north-1', 'cn-northwest-1']);
  assert.equal(regionsOf(undefined), regionsOf('aws'));
});

test('role and assumed-role ARNs', () => {
  assert.deepEqual(parseArn('arn:aws:iam::123456789012:role/Admin'), { account: '123456789012', roleName: 'Admin' });
  assert.deepEqual(parseArn(' arn:aws-us-gov:iam::123456789012:role/ops/Admin '), { account: '123456789012', roleName: 'ops/Admin' });
  assert.deepEqual(parseArn('arn:aws:sts::123456789012:assumed-role/Admin/ana@example.com'), { account: '123456789012', roleName: 'Admin' });
  for (const bad of ['arn:aws:iam::12345:role/Admin', 'arn:aws:iam::123456789012:user/ana', 'arn:aws:s3:::bucket', 'Admin']) assert.equal(parseArn(bad), null, bad);
  assert.ok(roleMatchesArn({ account_id: '123456789012', role_name: 'ops/Admin' }, { account: '123456789012', roleName: 'admin' }));
  assert.ok(!roleMatchesArn({ account_id: '123456789012', role_name: 'ReadOnly' }, { account: '123456789012', roleName: 'Admin' }));
});

test('console URLs: a multi-session host names the account; the page becomes the destination', () => {
  assert.deepEqual(parseConsoleUrl('https://123456789012-abcd1234.us-east-1.console.aws.amazon.com/ec2/home?region=us-east-1#Instances:'), {
    account: '123456789012',
    region: 'us-east-1',
    destination: '/ec2/home?region=us-east-1#Instances:',
  });
  assert.deepEqual(parseConsoleUrl('https://eu-west-1.console.aws.amazon.com/s3/home'), { account: null, region: 'eu-west-1', destination: '/s3/home' });
  assert.deepEqual(parseConsoleUrl('https://console.amazonaws-us-gov.com/'), { account: null, region: null, destination: null });
  for (const bad of ['http://eu-west-1.console.aws.amazon.com/', 'https://console.aws.amazon.com.evil.example/', 'https://user@console.aws.amazon.com/', 'javascript:alert(1)', 'not a url']) assert.equal(parseConsoleUrl(bad), null, bad);
});
