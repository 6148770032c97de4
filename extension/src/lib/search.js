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

// Matches are packed in one number, tier * FIELD_COUNT + field (lower is better), -1 for
// none: a query over 10,000 roles allocates nothing per role.
const code = (tier, field) => tier * FIELD_COUNT + field;

// The best match of `term` (no separator in it) in a role, from one scan of its occurrences:
// each lies in one field, at the field's start (EXACT if it is the whole field, else PREFIX),
// at a word start (WORD) or elsewhere (SUBSTRING).
function substringMatch(index, entry, term) {
  const { lower, raw } = entry;
  const bounds = index.bounds;
  const base = entry.i * STRIDE;
  const m = term.length;
  let best = -1;
  let f = 0;
  for (let pos = lower.indexOf(term); pos !== -1; pos = lower.indexOf(term, pos + 1)) {
    while (bounds[base + f + 1] <= pos) f++;
    const start = bounds[base + f];
    const end = bounds[base + f + 1] - 1;
    if (pos + m > end) continue; // (cannot happen without a separator in the term)
    const tier = pos === start ? (pos + m === end ? EXACT : PREFIX) : wordStart(raw, lower, pos) ? WORD : SUBSTRING;
    const c = code(tier, f);
    if (best === -1 || c < best) {
      best = c;
      if (tier === EXACT) break; // later fields rank lower
    }
  }
  return best;
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

// The best match of one term in a role, or -1.
function termMatch(index, entry, term, masks) {
  const m = substringMatch(index, entry, term);
  if (m !== -1 || !masks) return m;
  const f = fuzzyField(index, entry, term, masks);
  return f === -1 ? -1 : code(FUZZY, f);
}

// Every term must match somewhere; the role ranks by its worst term's tier (and the first
// term's field). Several words that appear together in one field ("acme prod" in a label)
// rank as that phrase instead, when that is better.
function roleMatch(index, entry, terms, masks, phrase) {
  if (phrase) {
    const p = termMatch(index, entry, phrase, null);
    if (p !== -1) return p;
  }
  let tier = 0;
  let field = 0;
  for (let k = 0; k < terms.length; k++) {
    const m = termMatch(index, entry, terms[k], masks[k]);
    if (m === -1) return -1;
    const t = Math.floor(m / FIELD_COUNT);
    if (k === 0) field = m - t * FIELD_COUNT;
    if (t > tier) tier = t;
  }
  return code(tier, field);
}

// Runs `matchOf` (an entry → its packed match or -1) over `entries` (in base order) and joins
// the buckets: the ranked entries and their matches. `matched` collects the entries that
// matched, in base order, for narrowing the next query.
function bucketed(entries, matchOf, matched = null) {
  const buckets = Array.from({ length: TIERS.length * FIELD_COUNT }, () => []);
  for (let k = 0; k < entries.length; k++) {
    const m = matchOf(entries[k]);
    if (m === -1) continue;
    buckets[m].push(entries[k]);
    matched?.push(entries[k]);
  }
  const ranked = [];
  const codes = [];
  for (let b = 0; b < buckets.length; b++) {
    for (const e of buckets[b]) {
      ranked.push(e);
      codes.push(b);
    }
  }
  return new Ranked(ranked, codes);
}

// Ranked results: `length`, `roleAt(k)`, `matchAt(k)` ({ tier, field }) without making an
// object per result; `results` makes them all ({ role, tier, field }), for small lists.
class Ranked {
  constructor(entries, codes) {
    this.entries = entries;
    this.codes = codes;
  }
  get length() {
    return this.entries.length;
  }
  roleAt(k) {
    return this.entries[k].role;
  }
  matchAt(k) {
    const c = this.codes[k];
    return { tier: TIERS[Math.floor(c / FIELD_COUNT)], field: FIELDS[c % FIELD_COUNT] };
  }
  // Where role `id` ranks, or -1 (one pass; only when the selection is checked).
  indexOf(id) {
    return this.entries.findIndex((e) => e.role.id === id);
  }
  get results() {
    return this.entries.map((e, k) => ({ role: e.role, ...this.matchAt(k) }));
  }
}

const typoTolerant = (t) => t.length >= 3 && !/^\d+$/.test(t);

function plainSearch(index, terms, from = index.order) {
  const matched = [];
  if (terms.length === 0) return { ranked: new Ranked([], []), matched };
  const phrase = terms.length > 1 ? terms.join(' ') : null;
  // Typos are tolerated in words of three or more letters, not in numbers.
  const masks = terms.map((t) => (typoTolerant(t) ? termMasks(t) : null));
  const ranked = bucketed(from, (entry) => roleMatch(index, entry, terms, masks, phrase), matched);
  return { ranked, matched };
}

// How many typos a word tolerates (none below three letters, a swap at three, also a wrong or
// extra letter from four; numbers none): the same word grown keeps its matches only while
// this stays the same.
const tolerance = (t) => (/^\d+$/.test(t) || t.length < 3 ? 0 : t.length === 3 ? 1 : 2);

// Whether the roles matching `next` are among those matching `prev` (the user typed on): each
// word of `prev` begins the same word of `next` (only the last one grown), tolerating as many
// typos.
export function narrows(prev, next) {
  if (prev.length === 0 || next.length < prev.length) return false;
  return prev.every((t, k) => next[k].startsWith(t) && (k === prev.length - 1 || next[k] === t) && tolerance(t) === tolerance(next[k]));
}

// The answer to `query`: { ranked, landing, pick, terms, narrow } (and `results`, every
// match as { role, tier, field }). `ranked` (Ranked above) holds the roles best first.
// `landing` is where an Enter opens (landing.js: { service } for `prod s3`, { destination,
// region } for a pasted console URL), `pick` the role id a paste picked (selected at once),
// `terms` what to highlight. `prev`: the answer to the query before, when the user is
// typing: a query that only adds to it is searched among its matches.
export function search(index, query, prev = null) {
  const q = String(query ?? '').trim();
  const answer = (fields) => {
    const a = { ranked: new Ranked([], []), landing: null, pick: null, terms: [], narrow: null, ...fields };
    Object.defineProperty(a, 'results', { get: () => a.ranked.results, enumerable: false });
    return a;
  };
  if (q === '') return answer({});

  const arn = parseArn(q);
  if (arn) {
    const ranked = bucketed(index.order, (e) => (e.role.account_id !== arn.account ? -1 : code(roleMatchesArn(e.role, arn) ? PICK : EXACT, 2)));
    const pick = ranked.length && ranked.codes[0] === code(PICK, 2) ? ranked.roleAt(0).id : null;
    return answer({ ranked, pick, terms: [arn.account] });
  }
  const url = parseConsoleUrl(q);
  if (url) {
    if (!url.account) return answer({}); // which account is not in such a URL
    const ranked = bucketed(index.order, (e) => (e.role.account_id === url.account ? code(PICK, 2) : -1));
    const landing = url.destination || url.region ? { destination: url.destination ?? undefined, region: url.region ?? undefined } : null;
    return answer({ ranked, landing, pick: ranked.length ? ranked.roleAt(0).id : null, terms: [url.account] });
  }

  const split = splitService(q);
  if (split) {
    const terms = queryTerms(split.rest);
    const { ranked } = plainSearch(index, terms);
    if (ranked.length) return answer({ ranked, landing: { service: split.service.key }, terms });
  }
  const terms = queryTerms(q);
  const from = prev?.narrow && prev.narrow.index === index && narrows(prev.narrow.terms, terms) ? prev.narrow.matched : index.order;
  const { ranked, matched } = plainSearch(index, terms, from);
  return answer({ ranked, terms, narrow: { index, terms, matched } });
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
