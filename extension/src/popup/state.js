// The popup's state: what is listed (the roles, the listing's stamp, the search index, which
// roles have a console or an open container), what the list shows for the query (display.js's
// model), what is selected, and what is pending on a row (busy, a prompt, a question, an
// error, a panel open). Nothing here touches the page: list.js draws the state (render, the
// one entry point), actions.js and keys.js change it, listing.js fills it from the background.
import { codeGateways, headModel, resultsModel, sectionItems, sectionsModel } from '../lib/display.js';
import { rankOf, recentIds } from '../lib/prefs.js';
import { selectionFor } from '../lib/roles.js';
import { buildIndex, search } from '../lib/search.js';
import { DEFAULT_SETTINGS } from '../lib/settings.js';

export const state = {
  roles: [],
  byId: new Map(),
  live: [], // the roles with a console (the pills that count down, the footer)
  codes: [], // the daily-MFA gateways that need the day's first code (display.js codeGateways)
  stamp: null, // the background's name for this listing
  index: null, // the search index: built once per listing, when first needed or the browser is idle
  open: new Set(), // role ids whose container has a tab (Chromium: whose isolated window runs)
  containers: true,
  mode: 'container', // how a click opens: container, isolated_window, multi_session, window
  query: '',
  found: null, // the search's answer for the query (search.js)
  selected: null,
  picked: false, // the selection was chosen (arrow keys, a click, a paste), not defaulted by a query
  digitsEnter: null, // the digits-only query Enter refused to open (the status line says why)
  rows: new Map(), // role id → { phase: 'busy' | 'mfa' | 'error' | 'sso' | 'confirm', … }
  panels: new Map(), // role id → 'region' | 'links': the row's region picker or links, open
  confirming: null, // the production role whose question is up
  confirmingAll: false, // "Sign out of all" was clicked once: the footer asks
  loaded: false,
  unparsed: null, // { text, stamp }: the listing whose first screen is drawn, not yet parsed
  preview: null, // the promise of the listing, while only the first screen kept from the last is drawn
  // Host protocol 3: { renewBeforeMinutes, autoRenew, cookieDomains, renew } (null before).
  consoles: null,
  missingOrigins: [], // cookie domains the extension needs a permission for to sign out
  prefs: { pins: [], frecency: {} },
  settings: DEFAULT_SETTINGS,
  // What the list shows for the query (display.js's model); list.js keeps where each item is.
  dirty: true,
  model: sectionsModel([]),
  sections: null, // the empty query's model, kept while the roles and favourites are the same
  reveal: false, // scroll the selection into view on the next paint
};

export const labelOf = (roleId) => state.byId.get(roleId)?.label ?? roleId;

// Whether "Sign out of all" has something to end (the footer shows only then): a role with a
// console (host protocol 3), or a container with a tab that was not signed out since its
// console opened (the host may have forgotten the console: `rolecall session forget`).
export function canSignOutAll() {
  if (!state.consoles) return false;
  return state.live.length > 0 || (state.mode === 'container' && state.open.size > 0);
}

export function setRoles(roles, stamp) {
  state.unparsed = null;
  state.preview = null;
  state.roles = roles;
  state.stamp = stamp ?? null;
  state.byId = new Map(roles.map((r) => [r.id, r]));
  state.live = roles.filter((r) => r.session);
  state.codes = codeGateways(roles);
  state.index = null;
  state.found = null;
  state.sections = null;
  state.dirty = true;
}

// The first screen's roles, standing for the listing until it is parsed.
export function setHead(head) {
  const roles = head.items.filter((item) => item.kind === 'role').map((item) => item.role);
  setRoles(roles, null);
  // Of every role, not only these (a kept first screen's, from storage: checked).
  state.codes = (Array.isArray(head.codes) ? head.codes : []).filter((g) => typeof g?.gateway === 'string' && Number.isInteger(g.roles) && g.roles > 0);
  state.sections = headModel(head);
}

// Parses the listing the first rows were drawn before, if it is not yet (every event that
// reads the roles calls this first); true if it did.
export function ensureParsed() {
  const unparsed = state.unparsed;
  if (!unparsed) return false;
  setRoles(JSON.parse(unparsed.text), unparsed.stamp);
  performance.mark('rolecall:roles'); // the roles parsed (tests/bench/popup_bench.py)
  return true;
}

export function ensureIndex() {
  ensureParsed();
  if (!state.index) {
    const start = performance.now();
    state.index = buildIndex(state.roles, rankOf(state.prefs, Date.now()));
    performance.measure('rolecall:index', { start }); // for tests/bench/popup_bench.py
  }
  return state.index;
}

// What the list shows for the query: sections and groups when it is empty, ranked results
// otherwise.
export function computeDisplay() {
  if (state.query.trim() === '') {
    state.found = null;
    if (!state.sections) {
      const recent = recentIds(state.prefs, state.byId, Date.now(), { exclude: state.prefs.pins });
      state.sections = sectionsModel(sectionItems(state.roles, state.byId, state.prefs.pins, recent));
    }
    state.model = state.sections;
  } else if (state.preview) {
    state.found = null; // a search waits for every role (render says so)
    state.model = sectionsModel([]);
  } else {
    state.found = search(ensureIndex(), state.query, state.found);
    state.model = resultsModel(state.found.ranked);
  }
  if (state.found?.pick && !state.picked) {
    // A pasted ARN, console URL or account id picked its role: Enter opens it.
    state.selected = state.found.pick;
    state.picked = true;
  }
  state.selected = selectionFor(state.model, state.selected, state.query, state.picked);
  state.dirty = false;
}

// The background's Identity Center sign-ins (a list of { role, state, userCode | error }):
// rows waiting for an approval show the code, approved ones progress, failed ones the error.
// A row whose sign-in is over and not failed goes back to normal, with its console's time.
export function applySso(view) {
  if (!Array.isArray(view)) return false;
  const seen = new Set();
  let ended = false;
  for (const v of view) {
    seen.add(v.role);
    const row = state.rows.get(v.role);
    if (v.state === 'waiting' && row?.phase !== 'mfa') state.rows.set(v.role, { phase: 'sso', userCode: v.userCode });
    else if (v.state === 'opening') state.rows.set(v.role, { phase: 'busy', action: 'signedIn' });
    else if (v.state === 'failed' && !(row?.phase === 'error' && JSON.stringify(row.error) === JSON.stringify(v.error))) state.rows.set(v.role, { phase: 'error', error: v.error });
  }
  for (const [id, row] of state.rows) {
    if (seen.has(id)) continue;
    if (row.phase === 'sso' || (row.phase === 'busy' && row.action === 'signedIn')) {
      state.rows.delete(id);
      ended = true;
    }
  }
  return ended;
}
