// The popup's search over every role of one listing. The index is built once per listing
// (lower-cased fields, one string per role to reject most roles with one indexOf, and each
// role's best match of every single letter or digit). A query's words are matched one by one,
// and each word's matches are kept on the index: a word typed on is searched among the
// matches of the word it grows from, a word already seen costs nothing, and a new word of a
// query whose other words are known is tried only on the roles that match those. The roles
// are then put in order with no comparison sort: by how well and where they matched (a
// counting sort), in the index's base order within one (the most often and lately opened
// first, then config order).
//
// Ranking: a pasted role ARN or console URL picks its roles first; then exact, prefix,
// word-prefix, substring, then typo-tolerant subsequence ("prdo" finds "prod"); within one,
// by field (label, id, account id, account name, role name, region, source), then by how
// many of the query's words the role has as whole words ("dev" in "Fraud dev 24", not only
// as the start of "Developer"; an environment word counts for its synonyms too: "prod" is
// whole in "Payments production"), then base order. In a query of several words, an
// environment word (prod, dev, staging…) the role has whole comes before all of that. A pasted account id (12 digits, with or
// without dashes or spaces) that is a role's account picks the first such role.
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

// Environment words and the words that mean the same environment: a query's environment word
// is whole in a role that has any of them as a word, and finds a role that has only another
// of them ("production" finds "Payments prd"), ranked after the word's own word-start matches.
export const ENVIRONMENTS = [
  ['prod', 'production', 'prd'],
  ['preprod', 'pre-prod'],
  ['nonprod', 'non-prod'],
  ['dev', 'development'],
  ['test', 'testing', 'tst'],
  ['qa'],
  ['uat'],
  ['sit'],
  ['stage', 'staging', 'stg'],
  ['sandbox', 'sbx'],
  ['perf', 'performance'],
  ['demo'],
];
const SYNONYMS = new Map(ENVIRONMENTS.flatMap((group) => group.map((w) => [w, group.filter((o) => o !== w)])));

// What matching one query word needs: the word, its typo masks (or null: no typo tolerated),
// the other words of its environment (or null), made once per query.
function termSpec(term, fuzzy = true) {
  return { term, masks: fuzzy && typoTolerant(term) ? termMasks(term) : null, synonyms: SYNONYMS.get(term) ?? null };
}

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
  const chars = new Int8Array(n * CHARS).fill(-1);
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
      charMatches(chars, i * CHARS, raw, lower, at, end, f);
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
  const index = { roles, entries, bounds, letters, starts, chars, byId: new Map(roles.map((r) => [r.id, r])), order: entries, words: new Map() };
  setRank(index, rank);
  return index;
}

// A single letter or digit: its best match in each role, found while the index is built (the
// first key of every query would otherwise look at every occurrence in every role).
const CHARS = 36;
const charSlot = (c) => (c >= 97 && c <= 122 ? c - 97 : c >= 48 && c <= 57 ? 26 + c - 48 : -1);

function charMatches(chars, base, raw, lower, start, end, f) {
  const word = code(WORD, f);
  for (let pos = start; pos < end; pos++) {
    const slot = charSlot(lower.charCodeAt(pos));
    if (slot === -1) continue;
    const was = chars[base + slot];
    if (pos === start) {
      const c = code(pos + 1 === end ? EXACT : PREFIX, f);
      if (was === -1 || c < was) chars[base + slot] = c;
    } else if (was === -1 || was > word) {
      // Elsewhere in the field: a word start, or a substring (seldom better than what is kept).
      const c = wordStart(raw, lower, pos) ? word : code(SUBSTRING, f);
      if (was === -1 || c < was) chars[base + slot] = c;
    }
  }
}

// The base order: roles with a rank first (highest first), then the rest in config order.
// Cheap (only ranked roles are sorted); called again when frecency changes.
export function setRank(index, rank) {
  index.words?.clear(); // they are in base order
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

// Whether a word ends at `k` (the character before it is the word's last): the field's end,
// a non-alphanumeric, a letter-digit change, or a lower-to-upper change in the original text.
function wordEnd(raw, lower, k) {
  const c = lower.charCodeAt(k);
  if (!isAlnum(c)) return true; // also the separator and the end of the string (NaN)
  const p = lower.charCodeAt(k - 1);
  if (isDigit(p) !== isDigit(c)) return true;
  const rp = raw.charCodeAt(k - 1);
  const rc = raw.charCodeAt(k);
  return rp >= 97 && rp <= 122 && rc >= 65 && rc <= 90;
}

// The best match of `term` (no separator in it) in a role, from one scan of its occurrences:
// each lies in one field, at the field's start (EXACT if it is the whole field, else PREFIX),
// at a word start (WORD) or elsewhere (SUBSTRING); with WHOLE when one of them is a whole
// word (never for a single character).
function substringMatch(index, entry, term) {
  const { lower, raw } = entry;
  const bounds = index.bounds;
  const base = entry.i * STRIDE;
  const m = term.length;
  let best = -1;
  let whole = 0;
  let f = 0;
  for (let pos = lower.indexOf(term); pos !== -1; pos = lower.indexOf(term, pos + 1)) {
    while (bounds[base + f + 1] <= pos) f++;
    const start = bounds[base + f];
    const end = bounds[base + f + 1] - 1;
    if (pos + m > end) continue; // (cannot happen without a separator in the term)
    const atWord = pos === start || wordStart(raw, lower, pos);
    const tier = pos === start ? (pos + m === end ? EXACT : PREFIX) : atWord ? WORD : SUBSTRING;
    if (m > 1 && atWord && !whole && wordEnd(raw, lower, pos + m)) whole = WHOLE;
    const c = code(tier, f);
    if (best === -1 || c < best) {
      best = c;
      if (tier === EXACT && (whole || m === 1)) break; // later fields rank lower
    }
  }
  return best === -1 ? -1 : best | whole;
}

// An environment word's synonyms, each as a whole word: the first field one is in, ranked as
// a substring (the query's own word at a word start comes first), with WHOLE; or -1.
function synonymMatch(index, entry, synonyms) {
  const { lower, raw } = entry;
  const bounds = index.bounds;
  const base = entry.i * STRIDE;
  let best = -1;
  for (const syn of synonyms) {
    let f = 0;
    for (let pos = lower.indexOf(syn); pos !== -1; pos = lower.indexOf(syn, pos + 1)) {
      while (bounds[base + f + 1] <= pos) f++;
      if (!(pos === bounds[base + f] || wordStart(raw, lower, pos)) || !wordEnd(raw, lower, pos + syn.length)) continue;
      const c = code(SUBSTRING, f);
      if (best === -1 || c < best) best = c;
      break; // later occurrences are in this field or later ones
    }
  }
  return best === -1 ? -1 : best | WHOLE;
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

// The best match of one term (a termSpec) in a role, or -1; WHOLE set when the term is a
// whole word of the role (or one of its environment's words is).
function termMatch(index, entry, spec) {
  const m = substringMatch(index, entry, spec.term);
  if (spec.synonyms && !(m !== -1 && m & WHOLE)) {
    const s = synonymMatch(index, entry, spec.synonyms);
    if (s !== -1) return m === -1 ? s : m | WHOLE;
  }
  if (m !== -1 || !spec.masks) return m;
  const f = fuzzyField(index, entry, spec.term, spec.masks);
  return f === -1 ? -1 : code(FUZZY, f);
}

// Runs `matchOf` (an entry → its packed match or -1) over `entries` (in base order) and puts
// the matches in order: by code (a counting sort), in base order within one.
function bucketed(entries, matchOf) {
  const n = entries.length;
  const keys = new Int16Array(n);
  const starts = new Int32Array(KEYS + 1);
  for (let k = 0; k < n; k++) {
    const m = matchOf(entries[k]);
    const key = m === -1 ? -1 : rankKey(m, 0);
    keys[k] = key;
    if (key !== -1) starts[key + 1]++;
  }
  return sorted(entries, keys, starts);
}

// `entries` with their rank `keys` (-1: left out), `counts[key + 1]` of each: in order.
function sorted(entries, keys, counts) {
  for (let c = 0; c < KEYS; c++) counts[c + 1] += counts[c];
  const ranked = new Array(counts[KEYS]);
  const out = new Int16Array(counts[KEYS]);
  for (let k = 0; k < entries.length; k++) {
    const m = keys[k];
    if (m === -1) continue;
    const at = counts[m]++;
    ranked[at] = entries[k];
    out[at] = m;
  }
  return new Ranked(ranked, out);
}
const CODES = TIERS.length * FIELD_COUNT;
// A match's code with WHOLE (a whole word) set, in one byte; the code alone is below it.
const WHOLE = 64;
const CODE_MASK = WHOLE - 1;
// Where a role ranks: first, in a query of several words, how many of its environment words
// the role lacks as whole words (fewer first: `fraud 24 dev` puts "Fraud dev 24" before
// "Fraud sandbox 24 Developer", whatever the tiers); then its code (tier and field); then how
// many of the query's words it has whole (more first, up to WHOLES - 1 counted).
const WHOLES = 8;
const MISSES = 4;
const KEYS = MISSES * CODES * WHOLES;
const rankKey = (c, wholes, misses = 0) => (Math.min(misses, MISSES - 1) * CODES + c) * WHOLES + (WHOLES - 1 - Math.min(wholes, WHOLES - 1));

// Ranked results: `length`, `roleAt(k)`, `matchAt(k)` ({ tier, field }) without making an
// object per result; `results` makes them all ({ role, tier, field }), for small lists.
class Ranked {
  constructor(entries, keys) {
    this.entries = entries;
    this.keys = keys;
  }
  get length() {
    return this.entries.length;
  }
  roleAt(k) {
    return this.entries[k].role;
  }
  matchAt(k) {
    const c = Math.floor(this.keys[k] / WHOLES) % CODES;
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

// One word's matches over the whole listing: `codes[i]` for role i of the index (-1: none) and
// `list`, the roles that match, in base order. Kept on the index (the last WORDS words).
const WORDS = 32;

function wordMatches(index, spec, from) {
  const n = index.entries.length;
  const codes = new Int8Array(n).fill(-1);
  const list = [];
  const slot = spec.term.length === 1 ? charSlot(spec.term.charCodeAt(0)) : -1;
  for (let k = 0; k < from.length; k++) {
    const entry = from[k];
    const c = slot !== -1 ? index.chars[entry.i * CHARS + slot] : termMatch(index, entry, spec);
    if (c === -1) continue;
    codes[entry.i] = c;
    list.push(entry);
  }
  return { codes, list };
}

// A word's matches: kept, or found among those of a word it grows from (the longest kept one
// with the same typo tolerance; not for an environment word, which also finds its synonyms),
// or, with `whole` false and no such word, null (the caller tries it on fewer roles).
function word(index, spec, whole) {
  const term = spec.term;
  const words = index.words;
  const kept = words.get(term);
  if (kept) {
    words.delete(term); // most recently used last
    words.set(term, kept);
    return kept;
  }
  let from = null;
  for (let k = term.length - 1; k > 0 && !from && !spec.synonyms; k--) {
    const p = term.slice(0, k);
    if (tolerance(p) !== tolerance(term)) break;
    from = words.get(p)?.list ?? null;
  }
  if (!from && !whole && term.length > 1) return null;
  const found = wordMatches(index, spec, from ?? index.order);
  words.set(term, found);
  if (words.size > WORDS) words.delete(words.keys().next().value);
  return found;
}

// Every term must match somewhere; the role ranks by its worst term's tier (and the first
// term's field), then by how many terms are whole words of it; with several words, a role
// that has the query's environment words whole ranks before one that has them only as parts
// of other words or with a typo. Several words that appear together in one field ("acme prod"
// in a label) rank as that phrase instead, when that is better.
function plainSearch(index, terms) {
  if (terms.length === 0) return new Ranked([], new Int16Array(0));
  // Typos are tolerated in words of three or more letters, not in numbers.
  const specs = terms.map((t) => termSpec(t));
  const known = specs.map((spec) => word(index, spec, false));
  if (known.every((w) => w === null)) known[0] = word(index, specs[0], true);
  // The roles to look at: those of the word with the fewest matches.
  let fewest = null;
  for (const w of known) if (w && (!fewest || w.list.length < fewest.list.length)) fewest = w;
  const candidates = fewest.list;
  const phrase = terms.length > 1 ? termSpec(terms.join(' '), false) : null;
  const n = candidates.length;
  const keys = new Int16Array(n);
  const counts = new Int32Array(KEYS + 1);
  for (let j = 0; j < n; j++) {
    const entry = candidates[j];
    let m = -1;
    let tier = 0;
    let field = 0;
    let wholes = 0;
    let misses = 0;
    for (let k = 0; k < terms.length; k++) {
      const t = known[k] ? known[k].codes[entry.i] : termMatch(index, entry, specs[k]);
      if (t === -1) {
        tier = -1;
        break;
      }
      if (t & WHOLE) wholes++;
      else if (specs[k].synonyms && phrase) misses++;
      const c = t & CODE_MASK;
      const tt = Math.floor(c / FIELD_COUNT);
      if (k === 0) field = c - tt * FIELD_COUNT;
      if (tt > tier) tier = tt;
    }
    if (tier !== -1) {
      let c = code(tier, field);
      if (phrase) {
        const p = termMatch(index, entry, phrase);
        if (p !== -1) c = p & CODE_MASK;
      }
      m = rankKey(c, wholes, misses);
    }
    keys[j] = m;
    if (m !== -1) counts[m + 1]++;
  }
  return sorted(candidates, keys, counts);
}

// Runs the search over the whole listing once, on words from its first role, so that the first
// keystrokes in a popup do not run it cold (a fresh page's JavaScript is interpreted until it
// has run a while: 7–17 ms for a popup's first two-letter word, 1–3 ms once warm). For the
// browser's idle time after the index is built; keeps no word.
export function warmUp(index) {
  const word = index.entries[0]?.lower.split(/[^a-z0-9]+/).find((w) => w.length >= 4);
  if (!word) return;
  for (const q of [word[0], word.slice(0, 2), word.slice(0, 3), word, `${word} ${word.slice(0, 2)}`, `${word[1]}${word[0]}${word.slice(2)}`]) plainSearch(index, queryTerms(q));
  index.words.clear();
}

// The answer to `query`: { ranked, landing, pick, terms } (and `results`, every match as
// { role, tier, field }). `ranked` (Ranked above) holds the roles best first. `landing` is
// where an Enter opens (landing.js: { service } for `prod s3`, { destination, region } for a
// pasted console URL), `pick` the role id a paste picked (selected at once), `terms` what to
// highlight. `prev`: the answer to the query before, returned as it is when the query means
// the same (a space typed after a word).
export function search(index, query, prev = null) {
  const q = String(query ?? '').trim();
  const answer = (fields) => {
    const a = { ranked: new Ranked([], new Int16Array(0)), landing: null, pick: null, terms: [], key: null, ...fields };
    Object.defineProperty(a, 'results', { get: () => a.ranked.results, enumerable: false });
    return a;
  };
  if (q === '') return answer({});

  const arn = parseArn(q);
  if (arn) {
    const ranked = bucketed(index.order, (e) => (e.role.account_id !== arn.account ? -1 : code(roleMatchesArn(e.role, arn) ? PICK : EXACT, 2)));
    const pick = ranked.length && ranked.matchAt(0).tier === 'pick' ? ranked.roleAt(0).id : null;
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
    const key = `${split.service.key}:${terms.join(' ')}`;
    if (prev?.index === index && prev.key === key) return prev;
    const ranked = plainSearch(index, terms);
    if (ranked.length) return answer({ ranked, landing: { service: split.service.key }, terms, key, index });
  }
  const terms = queryTerms(q);
  const key = `:${terms.join(' ')}`;
  if (prev?.index === index && prev.key === key) return prev;
  const ranked = plainSearch(index, terms);
  return answer({ ranked, terms, key, index, pick: accountPick(ranked, terms) });
}

// A pasted account id (12 digits; dashes and spaces are gone from the term) picks the first
// role of that account, so Enter opens it. Other digits pick nothing: they may be an MFA code
// typed into the search box (roles.js, selectionFor).
export const ACCOUNT_ID = /^\d{12}$/;
function accountPick(ranked, terms) {
  if (terms.length !== 1 || !ACCOUNT_ID.test(terms[0])) return null;
  for (let k = 0; k < ranked.length; k++) if (String(ranked.roleAt(k).account_id ?? '') === terms[0]) return ranked.roleAt(k).id;
  return null;
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
