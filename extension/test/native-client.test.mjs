import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NativeClient } from '../src/lib/native-client.js';
import { fakePort, fakeTimers } from './fakes.mjs';

function setup(opts = {}) {
  const ports = [];
  const timers = fakeTimers();
  const client = new NativeClient({
    connect: () => {
      const p = fakePort();
      ports.push(p);
      return p;
    },
    timers,
    ...opts,
  });
  return { client, ports, timers };
}

test('requests carry JSON-RPC 2.0 ids and replies are matched by id, in any order', async () => {
  const { client, ports } = setup();
  const a = client.request('roles.list');
  const b = client.request('console.open', { role: 'x' });
  assert.equal(ports.length, 1, 'one port for many requests');
  const [ma, mb] = ports[0].sent;
  assert.deepEqual(ma, { jsonrpc: '2.0', id: 1, method: 'roles.list' });
  assert.deepEqual(mb, { jsonrpc: '2.0', id: 2, method: 'console.open', params: { role: 'x' } });
  ports[0].reply({ jsonrpc: '2.0', id: 2, result: { url: 'u' } });
  ports[0].reply({ jsonrpc: '2.0', id: 1, result: { roles: [] } });
  assert.deepEqual(await a, { roles: [] });
  assert.deepEqual(await b, { url: 'u' });
});

test('error replies become errors with the host\'s kind and sentence', async () => {
  const { client, ports } = setup();
  const p = client.request('console.open', { role: 'x' });
  ports[0].reply({ jsonrpc: '2.0', id: 1, error: { code: 1002, message: 'Enter the MFA code.', data: { kind: 'mfa_required', gateway: 'corp' } } });
  await assert.rejects(p, (e) => e.kind === 'mfa_required' && e.code === 1002 && e.message === 'Enter the MFA code.' && e.data.gateway === 'corp');
});

test('an error without data.kind is treated as internal', async () => {
  const { client, ports } = setup();
  const p = client.request('host.info');
  ports[0].reply({ jsonrpc: '2.0', id: 1, error: { code: -32000, message: 'odd' } });
  await assert.rejects(p, (e) => e.kind === 'internal' && e.message === 'odd');
});

test('each request times out on its own; console.open gets longer', async () => {
  const { client, timers } = setup();
  const list = client.request('roles.list');
  const open = client.request('console.open', { role: 'x' });
  assert.deepEqual(timers.pending(), [10_000, 60_000]);
  timers.fire();
  await assert.rejects(list, (e) => e.kind === 'timeout' && /roles\.list within 10 s/.test(e.message));
  await assert.rejects(open, (e) => e.kind === 'timeout' && /60 s/.test(e.message));
});

test('a late reply after a timeout is ignored', async () => {
  const { client, ports, timers } = setup();
  const p = client.request('roles.list');
  timers.fire();
  await assert.rejects(p);
  ports[0].reply({ jsonrpc: '2.0', id: 1, result: {} }); // must not throw
  assert.equal(client.pending.size, 0);
});

test('a reply clears its timer', async () => {
  const { client, ports, timers } = setup();
  const p = client.request('roles.list');
  ports[0].reply({ jsonrpc: '2.0', id: 1, result: { roles: [] } });
  await p;
  assert.deepEqual(timers.pending(), []);
});

test('a missing host (Firefox wording) rejects every pending request as host_missing', async () => {
  const { client, ports } = setup();
  const a = client.request('roles.list');
  const b = client.request('host.info');
  ports[0].drop('No such native application dev.rolecall.host');
  await assert.rejects(a, (e) => e.kind === 'host_missing' && /not installed/.test(e.message) && /No such native application/.test(e.message));
  await assert.rejects(b, (e) => e.kind === 'host_missing');
  assert.equal(client.pending.size, 0);
});

test('Chromium reports the reason through runtime.lastError', async () => {
  let lastError = { message: 'Specified native messaging host not found.' };
  const { client, ports } = setup({ lastError: () => lastError });
  const a = client.request('roles.list');
  ports[0].drop(null);
  await assert.rejects(a, (e) => e.kind === 'host_missing');
  lastError = { message: 'Access to the specified native messaging host is forbidden.' };
  const b = client.request('roles.list');
  ports[1].drop(null);
  await assert.rejects(b, (e) => e.kind === 'host_forbidden');
});

test('a list whose host dies is retried once on a fresh host', async () => {
  const { client, ports } = setup();
  const a = client.request('roles.list');
  ports[0].drop('Native host has exited.');
  await new Promise((r) => setImmediate(r));
  assert.equal(ports.length, 2, 'reconnected');
  assert.equal(ports[1].sent[0].method, 'roles.list');
  ports[1].drop('Native host has exited.');
  await assert.rejects(a, (e) => e.kind === 'host_disconnected');
  assert.equal(ports.length, 2, 'only once');
});

test('a retried list that finds no host reports host_missing', async () => {
  const { client, ports } = setup();
  const a = client.request('host.info');
  ports[0].drop('Native host has exited.');
  await new Promise((r) => setImmediate(r));
  ports[1].drop('No such native application dev.rolecall.host');
  await assert.rejects(a, (e) => e.kind === 'host_missing');
});

test('console.open is never retried', async () => {
  const { client, ports } = setup();
  const a = client.request('console.open', { role: 'x' });
  ports[0].drop('Native host has exited.');
  await assert.rejects(a, (e) => e.kind === 'host_disconnected');
  assert.equal(ports.length, 1);
});

test('after a disconnect the next request reconnects', async () => {
  const { client, ports } = setup();
  const a = client.request('console.open', { role: 'x' });
  ports[0].drop('Native host has exited.');
  await assert.rejects(a, (e) => e.kind === 'host_disconnected');
  const b = client.request('roles.list');
  await new Promise((r) => setImmediate(r));
  assert.equal(ports.length, 2);
  assert.equal(ports[1].sent[0].id, 2, 'ids keep growing across connections');
  ports[1].reply({ jsonrpc: '2.0', id: 2, result: { roles: [1] } });
  assert.deepEqual(await b, { roles: [1] });
});

test('messages from an old port after reconnecting are ignored', async () => {
  const { client, ports } = setup();
  const a = client.request('console.open', { role: 'x' });
  ports[0].drop('gone');
  await assert.rejects(a);
  const b = client.request('roles.list');
  ports[0].reply({ jsonrpc: '2.0', id: 2, result: 'stale' });
  ports[1].reply({ jsonrpc: '2.0', id: 2, result: 'fresh' });
  assert.equal(await b, 'fresh');
});

test('postMessage throwing on a dead port fails that request and resets', async () => {
  const { client, ports } = setup();
  const first = client.request('roles.list');
  ports[0].reply({ jsonrpc: '2.0', id: 1, result: 1 });
  await first;
  ports[0].dead = true; // died without a disconnect event yet
  await assert.rejects(client.request('console.open', { role: 'x' }), (e) => e.kind === 'host_disconnected');
  const list = client.request('roles.list');
  assert.equal(ports.length, 2, 'a fresh port');
  ports[1].reply({ jsonrpc: '2.0', id: 3, result: 'ok' });
  assert.equal(await list, 'ok');
});

test('a list sent on a port that died unnoticed goes to a fresh host', async () => {
  const { client, ports } = setup();
  const first = client.request('roles.list');
  ports[0].reply({ jsonrpc: '2.0', id: 1, result: 1 });
  await first;
  ports[0].dead = true;
  const list = client.request('roles.list');
  await new Promise((r) => setImmediate(r));
  assert.equal(ports.length, 2);
  ports[1].reply({ jsonrpc: '2.0', id: ports[1].sent[0].id, result: 'ok' });
  assert.equal(await list, 'ok');
});

test('unmatched id-null replies are dropped without touching pending requests', async () => {
  const { client, ports } = setup();
  const warn = console.warn;
  const logged = [];
  console.warn = (...a) => logged.push(a.join(' '));
  try {
    client.request('roles.list');
    ports[0].reply({ jsonrpc: '2.0', id: null, error: { code: -32700, message: 'bad', data: { kind: 'parse_error' } } });
    assert.equal(client.pending.size, 1);
    assert.match(logged[0], /parse_error/);
  } finally {
    console.warn = warn;
  }
});

test('disconnect() rejects pending requests', async () => {
  const { client, ports } = setup();
  const p = client.request('console.open', { role: 'x' });
  client.disconnect();
  assert.ok(ports[0].dead);
  await assert.rejects(p, (e) => e.kind === 'host_disconnected');
});
