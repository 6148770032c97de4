// WCAG 1.4.11: the borders that show where an input or a badge is need 3:1 against what they
// sit on, in the light and the dark theme. Read from the stylesheets the popup ships.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';

// Without comments, so a rule's selector list is what precedes its `{`.
const css = (name) => readFileSync(new URL(`../src/${name}`, import.meta.url), 'utf8').replace(/\/\*[\s\S]*?\*\//g, '');
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
  const controls = [['popup.css', '#search'], ['popup.css', '.mfa input'], ['popup.css', '.badge'], ['popup.css', '.tools .text'], ['popup.css', 'footer button'], ['options.css', '#pattern']];
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

// The time-left pill's text and border: amber (ending) and red (expired) are small text, so
// 4.5:1 on a row's background in both themes.
test('the ending and expired pills are readable in both themes', () => {
  const sheet = css('popup.css');
  for (const [selector, name] of [['.badge.time.ending', 'warn-fg'], ['.badge.time.expired', 'error-fg']]) {
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

// The rule of `selector` in `sheet` (the selector list of a rule, split at its commas).
function ruleOf(sheet, selector) {
  const rule = sheet.split('}').find((r) => r.split('{')[0].split(',').map((x) => x.trim()).includes(selector));
  assert.ok(rule, `a rule for ${selector}`);
  return rule.slice(rule.indexOf('{') + 1);
}

// The code a role's next open needs is not an error: before the day's first code every role of
// a daily gateway needs one. Its mark is neutral (the second line's colour); red is for what
// went wrong.
test('the needs-code mark is not red', () => {
  const sheet = css('popup.css');
  const rule = ruleOf(sheet, '.badge.code');
  assert.doesNotMatch(rule, /error-fg|warn-fg/);
  assert.ok(!sheet.split('}').some((r) => /\.badge\.code\b/.test(r.split('{')[0]) && /var\(--error-fg\)/.test(r)), 'no rule paints it red');
});

// WCAG 1.4.3: the search box's placeholder is text the user reads (what to type), so 4.5:1 on
// the box's background in both themes; Firefox's own is the text colour at 54% opacity.
test('the search placeholder reaches 4.5:1 in both themes', () => {
  const rule = ruleOf(css('popup.css'), '#search::placeholder');
  const m = /(?:^|;)\s*color:\s*var\(--([\w-]+)\)/.exec(rule);
  assert.ok(m, 'the placeholder has its own colour');
  assert.match(rule, /opacity:\s*1\b/, 'at full opacity');
  const box = /background:\s*var\(--([\w-]+)\)/.exec(ruleOf(css('popup.css'), '#search'))[1];
  for (const [theme, v] of Object.entries({ light, dark })) {
    const ratio = contrast(v[m[1]], v[box]);
    assert.ok(ratio >= 4.5, `placeholder --${m[1]} on --${box}, ${theme}: ${ratio.toFixed(2)}:1`);
  }
});

// No text under 11 px in what the popup and the options page ship: every font size, in a
// `font-size` or a `font` shorthand, in px (the sheets use no other unit for text).
test('no text is under 11 px', () => {
  for (const name of ['common.css', 'popup.css', 'options.css']) {
    const sheet = css(name).replace(/\/\*[\s\S]*?\*\//g, '');
    const sizes = [...sheet.matchAll(/font-size:\s*([^;}]+)/g)].map((m) => m[1].trim());
    for (const m of sheet.matchAll(/(?:^|[;{\s])font:\s*([^;}]+)/g)) {
      const size = /(?:^|\s)([\d.]+[a-z%]+)(?:\/[\d.]+)?\s/.exec(` ${m[1].trim()} `);
      if (!/^inherit$/.test(m[1].trim())) sizes.push(size ? size[1] : 'none');
    }
    assert.ok(sizes.length > 0, `${name} sets font sizes`);
    for (const size of sizes) {
      const px = /^([\d.]+)px$/.exec(size);
      assert.ok(px, `${name}: font size ${size} is in px`);
      assert.ok(Number(px[1]) >= 11, `${name}: ${size} is under 11 px`);
    }
    // Small caps draw lowercase letters at about 70% of the size.
    assert.doesNotMatch(sheet, /small-caps/, `${name}: no small caps`);
  }
});
