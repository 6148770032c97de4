import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  GATEWAY_FORM_FIELDS,
  ROLE_FORM_FIELDS,
  colorOptions,
  formLinks,
  gatewayChanges,
  iconOptions,
  refusalPlace,
  regionOptions,
  roleChanges,
  roleFormValues,
  settingsChanges,
} from '../src/lib/edit-form.js';

// As config.read sends a role (protocol 7).
const ROLE = {
  id: 'prod', editable: true, catalog: null, account_id: '111111111111', role_name: 'Admin', source: 'gateway', source_name: 'corp', partition: 'aws',
  label: 'Production', group: 'Acme', color: null, icon: 'fence', risk: null, region: null,
  links: [{ name: 'Buckets', destination: '/s3/buckets' }], group_risk: null,
  defaults: { label: 'prod', color: 'turquoise', icon: 'briefcase', region: 'eu-west-1' }, problem: null,
};
const CHOICES = {
  colors: ['blue', 'turquoise', 'green', 'yellow', 'orange', 'red', 'pink', 'purple', 'toolbar', 'cyan', 'gray', 'violet'],
  icons: ['fingerprint', 'briefcase', 'fence'],
  regions: { aws: ['us-east-1', 'eu-west-1', 'eu-central-1'], 'aws-us-gov': ['us-gov-west-1', 'us-gov-east-1'], 'aws-cn': ['cn-north-1', 'cn-northwest-1'] },
};

test('a form unchanged changes nothing; only the fields that differ are sent', () => {
  const values = roleFormValues(ROLE);
  assert.deepEqual(values, { label: 'Production', group: 'Acme', color: '', icon: 'fence', region: '', risk: false, links: [{ name: 'Buckets', destination: '/s3/buckets' }] });
  assert.deepEqual(roleChanges(ROLE, values), {});
  assert.deepEqual(roleChanges(ROLE, { ...values, label: 'Prod EU' }), { label: 'Prod EU' });
  assert.deepEqual(roleChanges(ROLE, { ...values, color: 'green', risk: true, region: 'eu-central-1' }), { color: 'green', risk: 'production', region: 'eu-central-1' });
});

test('emptied fields go back to their default (null), as the CLI\'s `--label \'\'`', () => {
  const values = roleFormValues(ROLE);
  assert.deepEqual(roleChanges(ROLE, { ...values, label: '', group: '', icon: '' }), { label: null, group: null, icon: null });
  assert.deepEqual(roleChanges({ ...ROLE, risk: 'production' }, { ...values, risk: false }), { risk: null });
  // Text is sent as typed: the host says what is wrong with it (a space-only label, controls).
  assert.deepEqual(roleChanges(ROLE, { ...values, label: '   ' }), { label: '   ' });
});

test('links: blank rows are no links, the rest trimmed; the whole list is sent when it differs', () => {
  const values = roleFormValues(ROLE);
  assert.deepEqual(formLinks([{ name: ' S3 ', destination: ' /s3 ' }, { name: '', destination: '  ' }]), [{ name: 'S3', destination: '/s3' }]);
  assert.deepEqual(roleChanges(ROLE, { ...values, links: [...values.links, { name: '', destination: '' }] }), {}, 'an empty row added and left');
  assert.deepEqual(roleChanges(ROLE, { ...values, links: [...values.links, { name: 'Alarms', destination: '/cloudwatch/home' }] }), {
    links: [{ name: 'Buckets', destination: '/s3/buckets' }, { name: 'Alarms', destination: '/cloudwatch/home' }],
  });
  assert.deepEqual(roleChanges(ROLE, { ...values, links: [] }), { links: [] });
  // A row with only a name is sent: the host refuses it beside that link.
  assert.deepEqual(roleChanges(ROLE, { ...values, links: [{ name: 'Half', destination: '' }] }), { links: [{ name: 'Half', destination: '' }] });
});

test('selects offer the default, named, then the host\'s choices; a region of the role\'s partition only', () => {
  assert.deepEqual(colorOptions(CHOICES, ROLE)[0], { value: '', text: 'Default (turquoise)' });
  assert.equal(colorOptions(CHOICES, ROLE).length, 13);
  assert.deepEqual(iconOptions(CHOICES, ROLE).map((o) => o.value), ['', 'fingerprint', 'briefcase', 'fence']);
  assert.deepEqual(regionOptions(CHOICES, ROLE).map((o) => o.value), ['', 'us-east-1', 'eu-west-1', 'eu-central-1']);
  assert.equal(regionOptions(CHOICES, ROLE)[0].text, 'Default (eu-west-1)');
  const gov = { ...ROLE, partition: 'aws-us-gov', region: 'us-gov-west-1' };
  assert.deepEqual(regionOptions(CHOICES, gov).map((o) => o.value), ['', 'us-gov-west-1', 'us-gov-east-1']);
  // A region newer than the host's list, already set, stays offered.
  assert.deepEqual(regionOptions(CHOICES, { ...ROLE, region: 'ap-east-9' }).at(-1), { value: 'ap-east-9', text: 'ap-east-9' });
});

test('gateway and settings forms send what changed, numbers as numbers, empty as the default', () => {
  const g = { name: 'corp', mfa: true, mfa_mode: 'per_role', mfa_session_hours: 12 };
  assert.deepEqual(gatewayChanges(g, { mfa_mode: 'per_role', mfa_session_hours: '12' }), {});
  assert.deepEqual(gatewayChanges(g, { mfa_mode: 'daily', mfa_session_hours: '8' }), { mfa_mode: 'daily', mfa_session_hours: 8 });
  assert.deepEqual(gatewayChanges(g, { mfa_session_hours: '' }), { mfa_session_hours: null });
  assert.deepEqual(gatewayChanges(g, { mfa_session_hours: '1.5' }), { mfa_session_hours: 1.5 }, 'the host refuses it, beside the field');
  const s = { renew_before_minutes: 10, auto_renew: true, notifications: true };
  assert.deepEqual(settingsChanges(s, { renew_before_minutes: '10', auto_renew: true, notifications: true }), {});
  assert.deepEqual(settingsChanges(s, { renew_before_minutes: '61', auto_renew: true, notifications: false }), { renew_before_minutes: 61, notifications: false });
  assert.deepEqual(settingsChanges({}, { notifications: false }), { notifications: false }, 'a host that says nothing: on by default');
});

test('a refusal is placed at the field the host names, the link it names, or the form', () => {
  const error = (data) => ({ kind: 'invalid_value', message: 'x', data });
  assert.deepEqual(refusalPlace(error({ field: 'label' }), ROLE_FORM_FIELDS), { field: 'label', index: null });
  assert.deepEqual(refusalPlace(error({ field: 'links', index: 2 }), ROLE_FORM_FIELDS), { field: 'links', index: 2 });
  assert.deepEqual(refusalPlace(error({ field: 'mfa_process' }), GATEWAY_FORM_FIELDS), { field: null, index: null }, 'a field the form does not have');
  assert.deepEqual(refusalPlace({ kind: 'read_only_role', message: 'x', data: { field: 'role', catalog: 'platform' } }, ROLE_FORM_FIELDS), { field: null, index: null });
  assert.deepEqual(refusalPlace({ kind: 'config_busy', message: 'x' }, ROLE_FORM_FIELDS), { field: null, index: null });
});
