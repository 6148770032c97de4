import { test } from 'node:test';
import assert from 'node:assert/strict';
import { liveState, roleRows, sourceRows } from '../src/lib/overview.js';

const T0 = Date.parse('2026-12-01T00:00:00Z');
const session = (minutes, renewable = 'silent') => ({ console_expires_at: new Date(T0 + minutes * 60_000).toISOString(), renewable });
const ROLES = [
  { id: 'prod', label: 'Acme prod', account_id: '111111111111', role_name: 'Admin', group: 'Acme', source: 'gateway', source_name: 'corp', gateway: 'corp', mfa: true, mfa_mode: 'daily', needs_code: false, risk: 'production', session: session(80) },
  { id: 'dev', account_id: '222222222222', role_name: 'Dev', group: null, source: 'gateway', source_name: 'corp', gateway: 'corp', mfa: true, mfa_mode: 'daily', needs_code: true, risk: null, session: null },
  { id: 'sso', label: 'SSO admin', account_id: '444444444444', role_name: 'AdministratorAccess', source: 'sso', source_name: 'acme', sso: 'acme', mfa: false, needs_login: true, session: session(-5) },
  { id: 'lab', account_id: '555555555555', role_name: 'Admin', gateway: 'lab', mfa: false, catalog: 'platform' }, // an older host: no source fields
];

test('each role: group, source, risk, MFA mode and live state', () => {
  const rows = roleRows(ROLES, T0);
  assert.deepEqual(rows[0], { id: 'prod', label: 'Acme prod', account: '111111111111', roleName: 'Admin', group: 'Acme', source: 'corp (gateway)', risk: 'production', mfa: 'daily', state: '1h 20m left', catalog: '' });
  assert.deepEqual([rows[1].label, rows[1].group, rows[1].state, rows[1].risk], ['dev', '', 'needs code', '']);
  assert.deepEqual([rows[2].source, rows[2].mfa, rows[2].state], ['acme (IAM Identity Center)', '—', 'expired, needs sign-in']);
  assert.deepEqual([rows[3].source, rows[3].mfa, rows[3].state, rows[3].catalog], ['lab (gateway)', 'none', 'no console', 'platform']);
  assert.equal(liveState({ session: session(0.5) }, T0), '<1m left');
});

test('each source once: kind, MFA mode, roles, live consoles, what it needs', () => {
  assert.deepEqual(sourceRows(ROLES, T0), [
    { kind: 'gateway', type: 'gateway', name: 'corp', mfa: 'daily', roles: 2, live: 1, state: 'next open asks for a code', gateway: null },
    { kind: 'IAM Identity Center', type: 'sso', name: 'acme', mfa: '—', roles: 1, live: 0, state: 'needs sign-in', gateway: null },
    { kind: 'gateway', type: 'gateway', name: 'lab', mfa: 'none', roles: 1, live: 0, state: 'ready', gateway: null },
  ]);
  assert.deepEqual(sourceRows([], T0), []);
});

test('with config.read (protocol 7): every configured source, and each gateway\'s editable MFA fields', () => {
  const config = {
    gateways: [
      { name: 'corp', mfa: true, mfa_mode: 'per_role', mfa_session_hours: 12, roles: 2 },
      { name: 'spare', mfa: false, mfa_mode: 'daily', mfa_session_hours: 8, roles: 0 },
    ],
    sso: [{ name: 'acme', start_url: 'https://acme.awsapps.com/start', region: 'eu-west-1', roles: 1 }, { name: 'new', start_url: 'https://new.awsapps.com/start', region: 'us-east-1', roles: 0 }],
  };
  const rows = sourceRows(ROLES, T0, config);
  assert.deepEqual(rows.map((r) => [r.type, r.name, r.mfa, r.roles, r.state]), [
    ['gateway', 'corp', 'per role', 2, 'next open asks for a code'], // the config's mode, just saved, wins over the listing's
    ['sso', 'acme', '—', 1, 'needs sign-in'],
    ['gateway', 'lab', 'none', 1, 'ready'], // a catalogue's gateway name the config does not hold
    ['gateway', 'spare', 'none', 0, 'no roles yet'], // no MFA device: no mode to speak of
    ['sso', 'new', '—', 0, 'no roles yet'],
  ]);
  assert.equal(rows[0].gateway, config.gateways[0]);
  assert.equal(rows[2].gateway, null);
});
