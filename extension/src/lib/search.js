// The popup's search over every role of one listing. The index is built once per listing
// (lower-cased fields, one string per role to reject most roles with one indexOf); a query
// is then one pass over it, with no sort: roles go into buckets by how well and where they
// matched, in the index's base order (the most often and lately opened first, then config
// order), and the buckets are joined.
//
// Ranking: a pasted role ARN or console URL picks its roles first; then exact, prefix,
// word-prefix, substring, then typo-tolerant subsequence ("prdo" finds "prod"); within one,
// by field (label, id, account id, account name, role name, region, source) and base order.
import { parseArn, parseConsoleUrl, roleMatchesArn, splitService } from './landing.js';
import { isDigitsOnly } from './roles.js';

export const TIERS = ['pick', 'exact', 'prefix', 'word', 'substring', 'fuzzy'];
const [PICK, EXACT, PREFIX, WORD, SUBSTRING, FUZZY] = TIERS.map((_, i) => i);
// The searched fields, in ranking order. "Account name": roles have none of their own; `sso
// sync` and `role discover` put the account's name in the group, so the group stands for it.
export const FIELDS = ['label', 'id', 'account', 'group', 'role', 'region', 'source'];
const FIELD_COUNT = FIELDS.length;
const STRIDE = FIELD_COUNT + 1;
const FUZZY_FIELD = [true, true, false, true, true, false, true]; // not account ids or regions: a typo there is another one
const SEP = '\n';

const text = (v) => (v == null ? '' : String(v));

function fieldValues(role) {
  return [
    text(role.label ?? role.id),
    text(role.id),
    text(role.account_id),
    text(role.group),
    text(role.role_name),
    text(role.region),
    text(role.source_name ?? role.gateway ?? role.sso),
  ];
}

const letterBit = (c) => (c >= 97 && c <= 122 ? 1 << (c - 97) : c >= 48 && c <= 57 ? 1 << 26 : 0);

// `roles`: the listing; `rank`: role id → a number, higher first (frecency), optional. Per
// role one string of its fields (and its lower-case twin), where each field starts, and per
// fuzzy-searched field two letter masks that let the typo-tolerant pass skip most fields: its
// letters, and those that start a word.
export function buildIndex(roles, rank = null) {
  const n = roles.length;
  const bounds = new Int32Array(n * STRIDE);
  const letters = new Int32Array(n * FIELD_COUNT);
  const starts = new Int32Array(n * FIELD_COUNT);
  const entries = new Array(n);
  for (let i = 0; i < n; i++) {
    const values = fieldValues(roles[i]);
    let raw = values.join(SEP);
    let lower = raw.toLowerCase();
    if (lower.length !== raw.length || values.some((v) => v.includes(SEP))) {
      // A separator inside a value, or lower-casing that changed a length (rare letters):
      // keep the fields apart and the two strings aligned, field by field.
      for (let f = 0; f < FIELD_COUNT; f++) {
        const v = values[f].replaceAll(SEP, ' ');
        values[f] = v.toLowerCase().length === v.length ? v : v.toLowerCase();
      }
      raw = values.join(SEP);
      lower = raw.toLowerCase();
    }
    // Field f is lower[bounds[f] .. bounds[f + 1] - 1).
    const base = i * STRIDE;
    let at = 0;
    for (let f = 0; f < FIELD_COUNT; f++) {
      bounds[base + f] = at;
      const end = at + values[f].length;
      if (FUZZY_FIELD[f]) {
        let mask = 0;
        let first = 0;
        for (let k = at; k < end; k++) {
          const bit = letterBit(lower.charCodeAt(k));
          mask |= bit;
          if (k === at || !isAlnum(lower.charCodeAt(k - 1))) first |= bit;
        }
        letters[i * FIELD_COUNT + f] = mask;
        starts[i * FIELD_COUNT + f] = first;
      }
      at = end + 1;
    }
    bounds[base + FIELD_COUNT] = at;
    entries[i] = { role: roles[i], i, raw, lower };
  }
  const index = { roles, entries, bounds, letters, starts, byId: new Map(roles.map((r) => [r.id, r])), order: entries };
  setRank(index, rank);
  return index;
}

// The base order: roles with a rank first (highest first), then the rest in config order.
// Cheap (only ranked roles are sorted); called again when frecency changes.
export function setRank(index, rank) {
  if (!rank || rank.size === 0) {
    index.order = index.entries;
    return;
  }
  const ranked = index.entries.filter((e) => rank.has(e.role.id)).sort((a, b) => rank.get(b.role.id) - rank.get(a.role.id) || a.i - b.i);
  index.order = [...ranked, ...index.entries.filter((e) => !rank.has(e.role.id))];
}

const isDigit = (c) => c >= 48 && c <= 57;
const isAlnum = (c) => isDigit(c) || (c >= 97 && c <= 122) || c > 127;

// Word start: the string's start, after a non-alphanumeric, a letter-digit change
// (`prod2`) or a lower-to-upper change in the original text (`ReadOnly`).
function wordStart(raw, lower, pos) {
  if (pos === 0) return true;
  const p = lower.charCodeAt(pos - 1);
  if (!isAlnum(p)) return true;
  if (isDigit(p) !== isDigit(lower.charCodeAt(pos))) return true;
  const rp = raw.charCodeAt(pos - 1);
  const rc = raw.charCodeAt(pos);
  return rp >= 97 && rp <= 122 && rc >= 65 && rc <= 90;
}

// The best { tier, field } of `term` (no separator in it) in a role, from one scan of its
// occurrences: each lies in one field, at the field's start (EXACT if it is the whole field,
// else PREFIX), at a word start (WORD) or elsewhere (SUBSTRING).
function substringMatch(index, entry, term) {
  const { lower, raw } = entry;
  const base = entry.i * STRIDE;
  const m = term.length;
  let best = -1;
  let field = 0;
  let f = 0;
  for (let pos = lower.indexOf(term); pos !== -1; pos = lower.indexOf(term, pos + 1)) {
    while (index.bounds[base + f + 1] <= pos) f++;
    const start = index.bounds[base + f];
    const end = index.bounds[base + f + 1] - 1;
    if (pos + m > end) continue; // (cannot happen without a separator in the term)
    const tier = pos === start ? (pos + m === end ? EXACT : PREFIX) : wordStart(raw, lower, pos) ? WORD : SUBSTRING;
    if (best === -1 || tier < best || (tier === best && f < field)) {
      best = tier;
      field = f;
      if (tier === EXACT && f === 0) break;
    }
  }
  return best === -1 ? null : { tier: best, field };
}

// Typo-tolerant subsequence: `term`'s characters in order in `s` from `from` to `to` (other
// characters between them allowed), starting at a word start, with at most one typo: two
// neighbouring characters swapped ("prdo" for "prod"), or, for terms of four or more, one
// character wrong or too many ("prud", "prood"). One pass, tracking how far the term is
// matched without a typo (a) and with one (b), and a swap in progress.
export function fuzzyMatch(s, term, from = 0, to = s.length) {
  const m = term.length;
  if (m < 3) return false;
  let a = 0;
  let b = 0;
  let swap = -1;
  for (let i = from; i < to; i++) {
    const c = s.charCodeAt(i);
    let nb = b;
    let nswap = -1; // a swap is of neighbours: it completes on the very next character or not at all
    // One typo spent: a skipped (wrong or extra) character of the term, after the first.
    const eb = m >= 4 && a >= 1 ? Math.max(b, a + 1) : b;
    if (eb > 0 && eb < m && c === term.charCodeAt(eb)) nb = Math.max(nb, eb + 1);
    if (swap >= 0 && c === term.charCodeAt(swap)) nb = Math.max(nb, swap + 2);
    if (a > 0 || i === from || !isAlnum(s.charCodeAt(i - 1))) {
      if (a < m && c === term.charCodeAt(a)) a += 1;
      else if (a + 1 < m && c === term.charCodeAt(a + 1)) nswap = a;
    }
    b = nb;
    swap = nswap;
    if (a === m || b >= m) return true;
  }
  return m >= 4 && a === m - 1; // the last character wrong or extra
}

function popcount(x) {
  let n = 0;
  for (let v = x >>> 0; v; v &= v - 1) n++;
  return n;
}

// The masks a term needs: every letter but one (a typo) in the role's fuzzy fields, and its
// first or second letter at a word start there.
function termMasks(term) {
  let mask = 0;
  for (let k = 0; k < term.length; k++) mask |= letterBit(term.charCodeAt(k));
  return { mask, heads: letterBit(term.charCodeAt(0)) | letterBit(term.charCodeAt(1)), spare: term.length >= 4 ? 1 : 0 };
}

function fuzzyField(index, entry, term, masks) {
  const base = entry.i * STRIDE;
  const fields = entry.i * FIELD_COUNT;
  for (let f = 0; f < FIELD_COUNT; f++) {
    if (!FUZZY_FIELD[f]) continue;
    if (!(index.starts[fields + f] & masks.heads) || popcount(masks.mask & ~index.letters[fields + f]) > masks.spare) continue;
    if (fuzzyMatch(entry.lower, term, index.bounds[base + f], index.bounds[base + f + 1] - 1)) return f;
  }
  return -1;
}

// A term of digits and dashes is an account id as people write it (1111-2222-3333).
function normalizeTerm(term) {
  return /^[\d-]+$/.test(term) && /\d/.test(term) ? term.replace(/-/g, '') : term;
}

export function queryTerms(query) {
  const q = String(query ?? '').trim().toLowerCase();
  if (q === '') return [];
  if (isDigitsOnly(q)) return [q.replace(/[\s-]/g, '')];
  return q.split(/\s+/).map(normalizeTerm).filter(Boolean);
}

// The best { tier, field } of one term in a role, or null.
function termMatch(index, entry, term, masks) {
  const m = substringMatch(index, entry, term);
  if (m || !masks) return m;
  const f = fuzzyField(index, entry, term, masks);
  return f === -1 ? null : { tier: FUZZY, field: f };
}

// Every term must match somewhere; the role ranks by its worst term (and the first term's
// field). Several words that appear together in one field ("acme prod" in a label) rank as
// that phrase instead, when that is better.
function roleMatch(index, entry, terms, masks, phrase) {
  if (phrase) {
    const p = termMatch(index, entry, phrase, null);
    if (p) return p;
  }
  let worst = null;
  for (let k = 0; k < terms.length; k++) {
    const m = termMatch(index, entry, terms[k], masks[k]);
    if (!m) return null;
    if (!worst) worst = { ...m };
    else if (m.tier > worst.tier) worst.tier = m.tier;
  }
  return worst;
}

// Runs `matchOf` over `entries` (in base order) and joins the buckets. `matched` collects the
// entries that matched, in base order, for narrowing the next query.
function bucketed(entries, matchOf, matched = null) {
  const buckets = Array.from({ length: TIERS.length * FIELD_COUNT }, () => []);
  for (const entry of entries) {
    const m = matchOf(entry);
    if (!m) continue;
    buckets[m.tier * FIELD_COUNT + m.field].push({ role: entry.role, tier: TIERS[m.tier], field: FIELDS[m.field] });
    matched?.push(entry);
  }
  return buckets.flat();
}

const typoTolerant = (t) => t.length >= 3 && !/^\d+$/.test(t);

function plainSearch(index, terms, from = index.order) {
  const matched = [];
  if (terms.length === 0) return { results: [], matched };
  const phrase = terms.length > 1 ? terms.join(' ') : null;
  // Typos are tolerated in words of three or more letters, not in numbers.
  const masks = terms.map((t) => (typoTolerant(t) ? termMasks(t) : null));
  const results = bucketed(from, (entry) => roleMatch(index, entry, terms, masks, phrase), matched);
  return { results, matched };
}

// Whether the roles matching `next` are among those matching `prev` (the user typed on): each
// word of `prev` begins the same word of `next`, and none of them changes how typos are
// tolerated as it grows (below four letters a word tolerates fewer; numbers none).
export function narrows(prev, next) {
  if (prev.length === 0 || next.length < prev.length) return false;
  return prev.every((t, k) => next[k].startsWith(t) && (k === prev.length - 1 || next[k] === t) && (/^\d+$/.test(t) ? /^\d+$/.test(next[k]) : t.length >= 4));
}

// The results of `query`: { results: [{ role, tier, field }], landing, pick, terms }.
// `landing` is where an Enter opens (landing.js: { service } for `prod s3`, { destination,
// region } for a pasted console URL), `pick` the role id a paste picked (selected at once),
// `terms` what to highlight.
// `prev`: the result of the query before, when the user is typing: a query that only adds
// to it is searched among its matches.
export function search(index, query, prev = null) {
  const q = String(query ?? '').trim();
  const none = { results: [], landing: null, pick: null, terms: [], narrow: null };
  if (q === '') return none;

  const arn = parseArn(q);
  if (arn) {
    const results = bucketed(index.order, (e) => (e.role.account_id !== arn.account ? null : { tier: roleMatchesArn(e.role, arn) ? PICK : EXACT, field: 2 }));
    const pick = results.find((r) => r.tier === 'pick')?.role.id ?? null;
    return { ...none, results, pick, terms: [arn.account] };
  }
  const url = parseConsoleUrl(q);
  if (url) {
    if (!url.account) return none; // which account is not in such a URL
    const results = bucketed(index.order, (e) => (e.role.account_id === url.account ? { tier: PICK, field: 2 } : null));
    const landing = url.destination || url.region ? { destination: url.destination ?? undefined, region: url.region ?? undefined } : null;
    return { ...none, results, landing, pick: results[0]?.role.id ?? null, terms: [url.account] };
  }

  const split = splitService(q);
  if (split) {
    const terms = queryTerms(split.rest);
    const { results } = plainSearch(index, terms);
    if (results.length) return { ...none, results, landing: { service: split.service.key }, terms };
  }
  const terms = queryTerms(q);
  const from = prev?.narrow && prev.narrow.index === index && narrows(prev.narrow.terms, terms) ? prev.narrow.matched : index.order;
  const { results, matched } = plainSearch(index, terms, from);
  return { ...none, results, terms, narrow: { index, terms, matched } };
}

// Which characters of `text` a query's terms matched, as sorted, merged [start, end) ranges:
// every occurrence's best place (a word start if there is one, else the first), else the
// characters of a subsequence match, for the popup to mark.
export function highlight(text, terms) {
  const raw = String(text ?? '');
  const lower = raw.toLowerCase();
  const ranges = [];
  for (const term of terms) {
    if (!term) continue;
    let pos = lower.indexOf(term);
    if (pos !== -1) {
      let at = pos;
      while (pos !== -1 && !wordStart(raw, lower, pos)) pos = lower.indexOf(term, pos + 1);
      if (pos !== -1) at = pos;
      ranges.push([at, at + term.length]);
      continue;
    }
    if (!fuzzyMatch(lower, term)) continue;
    // The typo-tolerant match: mark the term's characters found in order from a word start.
    let j = 0;
    for (let i = 0; i < lower.length && j < term.length; i++) {
      if (j === 0 && !(i === 0 || !isAlnum(lower.charCodeAt(i - 1)))) continue;
      if (lower[i] === term[j]) {
        ranges.push([i, i + 1]);
        j++;
      } else if (lower[i] === term[j + 1] && lower[i + 1] === term[j]) {
        ranges.push([i, i + 2]); // the swapped pair
        j += 2;
        i++;
      }
    }
  }
  ranges.sort((x, y) => x[0] - y[0]);
  const merged = [];
  for (const r of ranges) {
    const last = merged.at(-1);
    if (last && r[0] <= last[1]) last[1] = Math.max(last[1], r[1]);
    else merged.push([...r]);
  }
  return merged;
}
