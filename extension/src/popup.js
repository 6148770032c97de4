// The popup: the role picker. This file starts it: the reads it needs (favourites and
// frecency, settings, an MFA prompt left open), the first listing, and what the background
// and storage announce later. The rest is in popup/, each module importing only those listed
// before it:
// - state.js: what is listed, what the list shows for the query, what is selected, what is
//   pending on a row; changes of the state that touch no page element;
// - page.js: the page's fixed elements, the message line, `act` (the controls' actions);
// - rows.js: one row (option, badges, pill, tools, Renew / Sign out, prompt, question, panel,
//   error), drawn from the state;
// - list.js: `render`, the one entry point that draws the state: the virtual list, the status
//   line, the footer, the pills' ticking;
// - listing.js: asking the background (`ask`), the listing and its first screen, the index;
// - actions.js: open, renew, sign out, the MFA prompt, pins and panels;
// - keys.js: the keyboard map, typing in the search box, clicks on the list.
import { ext } from './lib/browser.js';
import { loadPending } from './lib/pending.js';
import { PINS_KEY, loadPrefs, rankOf } from './lib/prefs.js';
import { setRank } from './lib/search.js';
import { DEFAULT_SETTINGS, loadSettings } from './lib/settings.js';
import * as actions from './popup/actions.js';
import { listenForInput } from './popup/keys.js';
import { refill, render } from './popup/list.js';
import { fetchRoles, indexWhenIdle, reload } from './popup/listing.js';
import { $, act, renewParam, search$ } from './popup/page.js';
import { applySso, ensureParsed, state } from './popup/state.js';

performance.mark('rolecall:modules'); // popup.js and its imports loaded (tests/bench/popup_bench.py)

async function load() {
  const [prefs, settings] = await Promise.all([prefsLoaded, settingsLoaded]);
  state.prefs = prefs;
  state.settings = settings;
  if (!(await fetchRoles({ cached: true }))) return;
  if (!state.preview) indexWhenIdle();
  const pending = await pendingPrompt;
  if ((pending || renewParam) && state.preview) await state.preview;
  if (pending || renewParam) ensureParsed();
  if (pending && !state.rows.has(pending.role) && state.byId.has(pending.role)) {
    actions.showPrompt(pending.role, { gateway: pending.gateway, background: pending.background, rejected: null, action: pending.action, landing: pending.landing });
  } else if (renewParam && !state.rows.has(renewParam) && state.byId.has(renewParam)) {
    actions.runRole(renewParam, { action: 'renew' });
  }
}

Object.assign(act, actions, { load });

// Read while the roles are asked for: favourites (storage.sync) and frecency (storage.local), settings.
const prefsLoaded = loadPrefs(ext.storage).catch(() => ({ pins: [], frecency: {} }));
const settingsLoaded = loadSettings(ext.storage.local).catch(() => DEFAULT_SETTINGS);

// An MFA prompt left open when the popup closed (the user went to read the code) comes back,
// with the focus in its input. Until it is known whether there is one, the search box does not
// take the focus: the code typed meanwhile must not land there.
const pendingPrompt = loadPending(ext.storage.session).catch(() => null);
pendingPrompt.then((pending) => {
  if (!pending) search$.focus();
});

listenForInput();
$('options-button').addEventListener('click', () => ext.runtime.openOptionsPage());
// The background renewed or signed out a console: show the new times.
ext.runtime.onMessage.addListener((msg) => {
  if (msg?.type === 'changed' && state.loaded) reload();
  if (msg?.type === 'sso' && state.loaded) {
    if (applySso(msg.sso)) reload();
    else render();
  }
});
// Favourites changed in another window (or synced from another machine).
ext.storage.onChanged?.addListener((changes, area) => {
  if ((area === 'sync' || area === 'local') && (PINS_KEY in changes || 'frecency' in changes) && state.loaded) {
    ensureParsed();
    loadPrefs(ext.storage).then((prefs) => {
      state.prefs = prefs;
      if (state.index) setRank(state.index, rankOf(prefs, Date.now()));
      refill({ sections: true });
    }, () => {});
  }
});
load();
