import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createService } from '../src/lib/service.js';
import { RolecallError } from '../src/lib/errors.js';
import { fakeIdentities, fakeStorage } from './fakes.mjs';

// The options page's edits through the background (host protocol 7): config-edits.js as
// service.js wires it.

const me = { id: 'rolecall@rolecall.dev', url: 'moz-extension://uuid/options.html' };
const settle = () => new Promise((r) => setTimeout(r, 10));

function world({ protocol = 7, answers = {} } = {}) {
  const roles = [{ id: 'a', label: 'Prod admin', account_id: '111111111111', role_name: 'Admin', gateway: 'corp', source_name: 'corp', partition: 'aws', color: 'red', icon: 'briefcase' }];
  const settings = { renew_before_minutes: 10, auto_renew: true, notifications: true };
  const calls = [];
  const client = {
    async request(method, params) {
      calls.push({ method, params: structuredClone(params) });
      const a = answers[method];
      if (a instanceof Error) throw a;
      if (typeof a === 'function') return a(params);
      if (method === 'host.info') return { name: 'rolecall', protocol, settings: { ...settings } };
      if (method === 'roles.list') return { roles: structuredClone(roles), next_cursor: null, etag: `e${roles[0].label}` };
      if (method === 'config.read') return { gateways: [], sso: [], settings, roles: params?.roles ? [{ id: 'a', editable: true }] : [], choices: {} };
      if (method === 'role.update') {
        const changed = params.label !== undefined && params.label !== roles[0].label;
        if (changed) roles[0].label = params.label;
        return { role: { id: params.role, label: roles[0].label }, changed };
      }
      if (method === 'settings.update') {
        Object.assign(settings, params);
        return { settings: { ...settings }, changed: true };
      }
      if (method === 'gateway.update') return { gateway: { name: params.gateway, mfa_mode: params.mfa_mode }, changed: true };
      throw new Error(`unexpected ${method}`);
    },
  };
  const sent = [];
  const created = [];
  const api = {
    runtime: { id: 'rolecall@rolecall.dev', getURL: (p) => `moz-extension://uuid/${p}`, sendMessage: async (m) => sent.push(structuredClone(m)) },
    storage: { local: fakeStorage(), session: fakeStorage() },
    tabs: {
      query: async () => [{ id: 1, index: 0, windowId: 1, active: true, cookieStoreId: 'firefox-default' }],
      create: async (p) => (created.push(p), { id: 100 + created.length, ...p }),
    },
    contextualIdentities: fakeIdentities(),
  };
  const svc = createService({ api, client });
  return { svc, calls, sent, created, roles };
}

const methods = (w) => w.calls.map((c) => c.method);

test('an edit goes to the host with the id the page names; once saved, the popup\'s listing is the new one at once', async () => {
  const w = world();
  const before = await w.svc.handle({ type: 'roles', prepare: false }, me);
  assert.equal(before.roles[0].label, 'Prod admin');
  const r = await w.svc.handle({ type: 'editRole', role: 'a', changes: { label: 'Prod EU', role: 'other' } }, me);
  assert.equal(r.ok, true, JSON.stringify(r));
  assert.deepEqual(r.role, { id: 'a', label: 'Prod EU' });
  const update = w.calls.find((c) => c.method === 'role.update');
  assert.deepEqual(update.params, { label: 'Prod EU', role: 'a' }, 'the role the page names wins');
  // The background asked for the listing again, and told an open popup.
  assert.equal(methods(w).lastIndexOf('roles.list') > methods(w).indexOf('role.update'), true);
  assert.ok(w.sent.some((m) => m.type === 'changed'));
  // A popup opening now is answered from memory with the new label (no wait for the host).
  const cached = await w.svc.handle({ type: 'roles', cached: true }, me);
  assert.equal(cached.stale, true);
  assert.equal(cached.roles[0].label, 'Prod EU');
  // Nothing changed (the same value): nothing asked again.
  const n = methods(w).length;
  await w.svc.handle({ type: 'editRole', role: 'a', changes: { label: 'Prod EU' } }, me);
  assert.deepEqual(methods(w).slice(n), ['role.update']);
});

test('a settings edit makes the background read host.info again, so renewals follow it', async () => {
  const w = world();
  await w.svc.handle({ type: 'roles', prepare: false }, me);
  const r = await w.svc.handle({ type: 'editSettings', changes: { notifications: false, renew_before_minutes: 15 } }, me);
  assert.equal(r.ok, true);
  const listed = await w.svc.handle({ type: 'roles', cached: true }, me);
  assert.equal(listed.consoles.renewBeforeMinutes, 15);
  const gw = await w.svc.handle({ type: 'editGateway', gateway: 'corp', changes: { mfa_mode: 'daily', gateway: 'evil' } }, me);
  assert.deepEqual(w.calls.find((c) => c.method === 'gateway.update').params, { mfa_mode: 'daily', gateway: 'corp' });
  assert.equal(gw.gateway.mfa_mode, 'daily');
});

test('the host\'s refusal reaches the page with the field it names', async () => {
  const refusal = new RolecallError('invalid_value', "Role 'a' is refused: its label is 129 characters long; a label has at most 128. Nothing was changed.", { code: 1026, data: { kind: 'invalid_value', field: 'label' } });
  const links = new RolecallError('invalid_value', "Role 'a' is refused: link 'Evil': …", { code: 1026, data: { kind: 'invalid_value', field: 'links', index: 1 } });
  const w = world({ answers: { 'role.update': (p) => { throw p.links ? links : refusal; } } });
  let r = await w.svc.handle({ type: 'editRole', role: 'a', changes: { label: 'x'.repeat(129) } }, me);
  assert.equal(r.ok, false);
  assert.deepEqual([r.error.kind, r.error.data.field, r.error.message], ['invalid_value', 'label', refusal.message]);
  assert.equal(r.error.next, '', 'the sentence says it all: no "update both" advice');
  r = await w.svc.handle({ type: 'editRole', role: 'a', changes: { links: [] } }, me);
  assert.deepEqual([r.error.data.field, r.error.data.index], ['links', 1]);
  assert.equal(methods(w).includes('roles.list'), false, 'nothing to refresh after a refusal');
});

test('an older host is not asked: the page says it needs protocol 7; a page with no id is refused', async () => {
  const w = world({ protocol: 6 });
  for (const msg of [{ type: 'config' }, { type: 'editRole', role: 'a', changes: { label: 'x' } }, { type: 'editSettings', changes: { auto_renew: false } }]) {
    const r = await w.svc.handle(msg, me);
    assert.equal(r.ok, false);
    assert.match(r.error.message, /speaks protocol 6; editing the config here needs protocol 7/);
  }
  assert.deepEqual(methods(w), ['host.info']);
  const v7 = world();
  for (const msg of [{ type: 'editRole', changes: { label: 'x' } }, { type: 'editRole', role: 'a', changes: 'label=x' }, { type: 'editGateway', gateway: '', changes: {} }]) {
    assert.equal((await v7.svc.handle(msg, me)).ok, false, JSON.stringify(msg));
  }
  assert.equal(methods(v7).filter((m) => m.endsWith('.update')).length, 0);
});

test('config.read: the editable view, and the roles asked for', async () => {
  const w = world();
  const r = await w.svc.handle({ type: 'config', roles: ['a', 7] }, me);
  assert.equal(r.ok, true);
  assert.deepEqual(w.calls.at(-1), { method: 'config.read', params: { roles: ['a'] } });
  assert.equal(r.config.roles[0].id, 'a');
  await w.svc.handle({ type: 'config' }, me);
  assert.deepEqual(w.calls.at(-1), { method: 'config.read', params: undefined });
});

test('Sign in of an Identity Center source: the popup\'s sign-in, no console after it, the page told how it ended', async () => {
  let approve;
  const page = 'https://device.sso.eu-west-1.amazonaws.com/?user_code=ABCD-EFGH';
  const w = world({
    protocol: 4,
    answers: {
      'sso.login': () => ({ verification_uri_complete: page, user_code: 'ABCD-EFGH', expires_at: new Date(Date.now() + 600_000).toISOString(), start_url: 'https://acme.awsapps.com/start' }),
      'sso.wait': () => new Promise((resolve) => (approve = () => resolve({ authorized: true }))),
    },
  });
  const r = await w.svc.handle({ type: 'ssoLogin', sso: 'acme' }, me);
  assert.equal(r.ok, true, JSON.stringify(r));
  assert.equal(r.ssoLogin.userCode, 'ABCD-EFGH');
  assert.deepEqual(w.created.map((t) => [t.url, t.cookieStoreId]), [[page, 'firefox-default']]);
  // No role waits on it: the popup shows nothing for any role.
  assert.deepEqual((await w.svc.handle({ type: 'roles', prepare: false }, me)).sso, []);
  approve();
  await settle();
  assert.ok(w.sent.some((m) => m.type === 'sso' && m.source?.sso === 'acme' && m.source.state === 'signed_in'), JSON.stringify(w.sent));
  assert.equal(methods(w).includes('console.open'), false);
  assert.equal((await w.svc.handle({ type: 'ssoLogin' }, me)).ok, false);
});
