import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { inflateRawSync } from 'node:zlib';
import { crc32, mergeManifest, png, zip, iconShade } from '../scripts/pack.mjs';
import { AWS_ORIGINS } from '../src/lib/cookies.js';

const root = new URL('../', import.meta.url);
const json = (name) => JSON.parse(readFileSync(new URL(name, root), 'utf8'));
const firefox = mergeManifest(json('manifest.json'), json('manifest.firefox.json'));
const chromium = mergeManifest(json('manifest.json'), json('manifest.chromium.json'));

test('mergeManifest: deep merge, arrays add without duplicates, null deletes', () => {
  const out = mergeManifest({ a: { b: 1, c: 2 }, p: ['x', 'y'], gone: 1 }, { a: { c: 3 }, p: ['y', 'z'], gone: null, n: [1] });
  assert.deepEqual(out, { a: { b: 1, c: 3 }, p: ['x', 'y', 'z'], n: [1] });
});

test('Firefox manifest: add-on id, event page, exactly the issue\'s permissions', () => {
  assert.equal(firefox.manifest_version, 3);
  assert.equal(firefox.browser_specific_settings.gecko.id, 'rolecall@rolecall.dev');
  assert.deepEqual(firefox.background.scripts, ['background.js']);
  assert.equal(firefox.background.service_worker, undefined);
  assert.deepEqual([...firefox.permissions].sort(), ['alarms', 'contextualIdentities', 'cookies', 'nativeMessaging', 'notifications', 'storage', 'tabs']);
  assert.equal(firefox.key, undefined);
  // Firefox puts a new MV3 action in the extensions menu unless told otherwise: the toolbar
  // button would not be visible after install.
  assert.equal(firefox.action.default_area, 'navbar');
  assert.equal(firefox.action.default_popup, 'popup.html');
});

test('Chromium manifest: service worker, no containers permission, key gives the fixed id', () => {
  assert.equal(chromium.background.service_worker, 'background.js');
  assert.equal(chromium.background.scripts, undefined);
  assert.deepEqual([...chromium.permissions].sort(), ['alarms', 'cookies', 'nativeMessaging', 'notifications', 'storage', 'tabs']);
  assert.equal(chromium.browser_specific_settings, undefined);
  assert.equal(chromium.action.default_area, undefined, 'a Firefox key');
  const hex = createHash('sha256').update(Buffer.from(chromium.key, 'base64')).digest('hex').slice(0, 32);
  const id = [...hex].map((c) => String.fromCharCode(97 + parseInt(c, 16))).join('');
  assert.equal(id, 'oljmfdijhnpmpkckkddnkphelbdifbmp');
});

test('host permissions only for the AWS partitions\' cookies (Firefox sign-out), and a strict CSP in both', () => {
  // Sign-out clears a container's console cookies: the cookies API needs the partitions'
  // domains; others (test or custom endpoints) only when the user allows them at the click.
  assert.deepEqual(firefox.host_permissions, AWS_ORIGINS);
  assert.deepEqual(firefox.optional_host_permissions, ['*://*/*']);
  // Chromium signs out of isolated windows and multi-session tabs without touching cookies.
  assert.equal(chromium.host_permissions, undefined);
  assert.equal(chromium.optional_host_permissions, undefined);
  for (const m of [firefox, chromium]) {
    assert.equal(m.optional_permissions, undefined);
    const csp = m.content_security_policy.extension_pages;
    assert.match(csp, /script-src 'self'(;|$)/);
    assert.match(csp, /object-src 'none'/);
    assert.doesNotMatch(csp, /unsafe|https?:|\*/);
  }
});

test('crc32 matches the standard check value', () => {
  assert.equal(crc32(Buffer.from('123456789')), 0xcbf43926);
});

// Reads a ZIP through its central directory, the way browsers do.
function unzip(buf) {
  const end = buf.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  const count = buf.readUInt16LE(end + 10);
  let p = buf.readUInt32LE(end + 16);
  const files = {};
  for (let i = 0; i < count; i++) {
    assert.equal(buf.readUInt32LE(p), 0x02014b50);
    const crc = buf.readUInt32LE(p + 16);
    const size = buf.readUInt32LE(p + 20);
    const nameLen = buf.readUInt16LE(p + 28);
    const local = buf.readUInt32LE(p + 42);
    const name = buf.toString('utf8', p + 46, p + 46 + nameLen);
    const dataStart = local + 30 + buf.readUInt16LE(local + 26) + buf.readUInt16LE(local + 28);
    const data = inflateRawSync(buf.subarray(dataStart, dataStart + size));
    assert.equal(crc32(data), crc, name);
    files[name] = data.toString('utf8');
    p += 46 + nameLen + buf.readUInt16LE(p + 30) + buf.readUInt16LE(p + 32);
  }
  return files;
}

test('zip round-trips and is byte-for-byte reproducible', () => {
  const entries = [{ name: 'manifest.json', data: Buffer.from('{"a":1}') }, { name: 'lib/x.js', data: Buffer.from('x'.repeat(1000)) }];
  const a = zip(entries);
  assert.deepEqual(unzip(a), { 'manifest.json': '{"a":1}', 'lib/x.js': 'x'.repeat(1000) });
  assert.ok(a.equals(zip(entries)));
});

test('icons are valid PNGs of the requested size', () => {
  const icon = png(16, iconShade);
  assert.deepEqual([...icon.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  assert.equal(icon.readUInt32BE(16), 16);
  assert.equal(icon.readUInt32BE(20), 16);
  const ihdrCrc = icon.readUInt32BE(29);
  assert.equal(crc32(icon.subarray(12, 29)), ihdrCrc);
});
