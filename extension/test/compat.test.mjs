import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { EXPECTED_PROTOCOL, FEATURE_PROTOCOL, UPGRADE_STEPS, featureNote, hostUpgradeNotice, supports } from '../src/lib/compat.js';

test('a host speaking the expected protocol, or a later one, gets no notice', () => {
  assert.equal(hostUpgradeNotice({ version: '0.1.0', protocol: EXPECTED_PROTOCOL }), null);
  assert.equal(hostUpgradeNotice({ version: '9.0.0', protocol: EXPECTED_PROTOCOL + 1 }), null);
  assert.equal(hostUpgradeNotice({ protocol: 2 }, 2), null);
});

test('an older host gets a notice naming both protocols and every way to upgrade', () => {
  const n = hostUpgradeNotice({ name: 'rolecall', version: '0.0.9', protocol: 2 }, 3);
  assert.equal(n.title, 'Upgrade the rolecall host');
  assert.match(n.text, /^rolecall 0\.0\.9 speaks protocol 2; this extension needs protocol 3 or later/);
  assert.deepEqual(n.steps, UPGRADE_STEPS);
  const commands = n.steps.map((s) => s.command);
  assert.ok(commands.includes('git pull && ./setup.sh'), commands);
  assert.ok(commands.some((c) => c.startsWith('sudo apt install ./rolecall_')), commands);
});

test('a host that reports no protocol (or garbage) is taken to speak protocol 1', () => {
  for (const host of [{}, { protocol: '3' }, { protocol: 2.5 }, null, undefined]) {
    const n = hostUpgradeNotice(host, 2);
    assert.ok(n, JSON.stringify(host));
    assert.match(n.text, /speaks protocol 1;/);
  }
  assert.match(hostUpgradeNotice({ version: '' }, 2).text, /^The rolecall host speaks/);
});

test('the extension expects no protocol the host does not have yet', () => {
  const doc = readFileSync(new URL('../../docs/PROTOCOL.md', import.meta.url), 'utf8');
  const current = Number(doc.match(/Protocol version: \*\*(\d+)\*\*/)[1]);
  assert.ok(EXPECTED_PROTOCOL <= current, `expects ${EXPECTED_PROTOCOL}, docs/PROTOCOL.md says ${current}`);
});

test('the extension expects protocol 5 (pages, risk and links in roles.list)', () => {
  assert.equal(EXPECTED_PROTOCOL, 5);
  assert.match(hostUpgradeNotice({ version: '0.1.0', protocol: 4 }).text, /speaks protocol 4; this extension needs protocol 5 or later/);
});

test('editing the config needs protocol 7; an older host gets a note and the ways to upgrade, not the notice', () => {
  assert.equal(FEATURE_PROTOCOL.editing, 7);
  assert.equal(supports({ protocol: 7 }, 'editing'), true);
  assert.equal(supports({ protocol: 6 }, 'editing'), false);
  assert.equal(supports({ protocol: 9 }, 'no-such-feature'), false);
  assert.equal(featureNote({ protocol: 8 }, 'editing'), null);
  const note = featureNote({ version: '0.1.0', protocol: 6 }, 'editing');
  assert.match(note.text, /^Read-only: changing these here needs rolecall host protocol 7, and this host speaks 6\./);
  assert.deepEqual(note.steps, UPGRADE_STEPS);
  assert.match(featureNote({}, 'editing').text, /this host speaks 1\./);
  assert.equal(hostUpgradeNotice({ protocol: 6 }), null, 'a protocol-6 host still does everything else');
});

test('no feature needs a protocol the host does not have yet', () => {
  const doc = readFileSync(new URL('../../docs/PROTOCOL.md', import.meta.url), 'utf8');
  const current = Number(doc.match(/Protocol version: \*\*(\d+)\*\*/)[1]);
  for (const [feature, needed] of Object.entries(FEATURE_PROTOCOL)) assert.ok(needed <= current, `${feature} needs ${needed}, docs/PROTOCOL.md says ${current}`);
});
