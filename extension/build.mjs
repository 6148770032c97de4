// Builds dist/firefox and dist/chromium (base manifest + per-browser overlay + sources + icons)
// and the packages dist/rolecall-firefox.xpi and dist/rolecall-chromium.zip. Node only.
import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync, statSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { iconShade, mergeManifest, png, zip } from './scripts/pack.mjs';

const root = dirname(fileURLToPath(import.meta.url));
const src = join(root, 'src');
const dist = join(root, 'dist');
const ICON_SIZES = [16, 32, 48, 96, 128];
const TARGETS = { firefox: 'rolecall-firefox.xpi', chromium: 'rolecall-chromium.zip' };

const readJson = (p) => JSON.parse(readFileSync(p, 'utf8'));

function walk(dir) {
  return readdirSync(dir).sort().flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? walk(p) : [p];
  });
}

rmSync(dist, { recursive: true, force: true });
const base = readJson(join(root, 'manifest.json'));
const icons = Object.fromEntries(ICON_SIZES.map((s) => [`icons/${s}.png`, png(s, iconShade)]));

for (const [target, pkg] of Object.entries(TARGETS)) {
  const out = join(dist, target);
  const manifest = mergeManifest(base, readJson(join(root, `manifest.${target}.json`)));
  const files = new Map();
  for (const file of walk(src)) files.set(relative(src, file).split(sep).join('/'), readFileSync(file));
  for (const [name, data] of Object.entries(icons)) files.set(name, data);
  files.set('manifest.json', Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`));
  for (const [name, data] of files) {
    mkdirSync(dirname(join(out, name)), { recursive: true });
    writeFileSync(join(out, name), data);
  }
  const entries = [...files.keys()].sort().map((name) => ({ name, data: files.get(name) }));
  writeFileSync(join(dist, pkg), zip(entries));
  console.log(`built dist/${target}/ (${files.size} files) and dist/${pkg}`);
}
