// WCAG 1.4.11: the borders that show where an input or a badge is need 3:1 against what they
// sit on, in the light and the dark theme. Read from the stylesheets the popup ships.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';

const css = (name) => readFileSync(new URL(`../src/${name}`, import.meta.url), 'utf8');
const common = css('common.css');

// Custom properties with a hex colour, #abc spelled out as #aabbcc.
function vars(block) {
  const long = (hex) => (hex.length === 4 ? `#${[...hex.slice(1)].map((c) => c + c).join('')}` : hex);
  return Object.fromEntries([...block.matchAll(/--([\w-]+):\s*(#[0-9a-f]{6}|#[0-9a-f]{3})\b/gi)].map(([, k, v]) => [k, long(v)]));
}
const light = vars(common.slice(0, common.indexOf('@media')));
const dark = { ...light, ...vars(common.slice(common.indexOf('@media (prefers-color-scheme: dark)'))) };

function luminance(hex) {
  const [r, g, b] = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16) / 255).map((c) => (c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4));
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}
function contrast(a, b) {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (hi + 0.05) / (lo + 0.05);
}

// The colour a rule's `border` uses, as the custom property it names.
function borderVar(sheet, selector) {
  const rule = sheet.split('}').find((r) => r.split('{')[0].split(',').map((s) => s.trim()).includes(selector));
  assert.ok(rule, `a rule for ${selector}`);
  const m = /border:[^;]*var\(--([\w-]+)\)/.exec(rule);
  assert.ok(m, `${selector} has a border colour`);
  return m[1];
}

test('input and badge borders reach 3:1 in both themes', () => {
  const controls = [['popup.css', '#search'], ['popup.css', '.mfa input'], ['popup.css', '.badge'], ['popup.css', '.actions button'], ['popup.css', 'footer button'], ['options.css', '#pattern']];
  for (const [sheet, selector] of controls) {
    const name = borderVar(css(sheet), selector);
    for (const [theme, v] of Object.entries({ light, dark })) {
      // Rows are --bg, or --hover when selected or under the pointer.
      for (const under of ['bg', 'hover']) {
        const ratio = contrast(v[name], v[under]);
        assert.ok(ratio >= 3, `${selector} border --${name} on --${under}, ${theme}: ${ratio.toFixed(2)}:1`);
      }
    }
  }
});

// The time-left pill's text and border: amber (ending) and red (expired, needs code) are
// small text, so 4.5:1 on a row's background in both themes.
test('the ending and expired pills are readable in both themes', () => {
  const sheet = css('popup.css');
  for (const [selector, name] of [['.badge.time.ending', 'warn-fg'], ['.badge.code', 'error-fg']]) {
    const rule = sheet.split('}').find((r) => r.split('{')[0].split(',').map((x) => x.trim()).includes(selector));
    assert.ok(rule && rule.includes(`color: var(--${name})`), `${selector} uses --${name}`);
    for (const [theme, v] of Object.entries({ light, dark })) {
      for (const under of ['bg', 'hover']) {
        const ratio = contrast(v[name], v[under]);
        assert.ok(ratio >= 4.5, `${selector} --${name} on --${under}, ${theme}: ${ratio.toFixed(2)}:1`);
      }
    }
  }
});

test('marked search matches keep the text readable (4.5:1) in both themes', () => {
  for (const [theme, v] of Object.entries({ light, dark })) {
    assert.ok(contrast(v.fg, v['mark-bg']) >= 4.5, `${theme}: ${v.fg} on ${v['mark-bg']} is ${contrast(v.fg, v['mark-bg']).toFixed(2)}:1`);
  }
});
