// What a click, Enter or a row's control does: open a role (asking first for a production
// one), renew it, sign out of one role or all, the MFA prompt (kept in storage.session while it
// is up), pins and panels. Each changes the state, asks the background (listing.js's `ask`)
// and calls render.
import { ext } from '../lib/browser.js';
import { clearPending, savePending } from '../lib/pending.js';
import { PINS_KEY, loadPrefs, rankOf, savePref, togglePin } from '../lib/prefs.js';
import { clickStep } from '../lib/risk.js';
import { setRank } from '../lib/search.js';
import { refill, render, renderFooter, showProblem } from './list.js';
import { ask, reload } from './listing.js';
import { $, list, renewParam, say, search$ } from './page.js';
import { dropPanel } from './rows.js';
import { canSignOutAll, labelOf, state } from './state.js';

const session = ext.storage.session;

// Saving and clearing the pending prompt may fail (storage full, an old browser): the prompt
// on screen still works, it just does not survive the popup closing.
function forgetPrompt() {
  clearPending(session).catch(() => {});
}

// Escape in the MFA prompt: it goes, and the search box has the focus.
export function dismissPrompt(roleId) {
  state.rows.delete(roleId);
  forgetPrompt();
  render();
  search$.focus();
}

export function showPrompt(roleId, mfa) {
  for (const [id, row] of state.rows) if (id !== roleId && row.phase === 'mfa') state.rows.delete(id);
  state.rows.set(roleId, { phase: 'mfa', mfa });
  state.selected = roleId;
  state.picked = true;
  state.reveal = true;
  render();
  $('mfa-code')?.focus();
}

async function closeIfPopup() {
  // Opened as a real popup, close it; opened in a tab (tests, or a pinned tab), stay.
  const tab = await ext.tabs.getCurrent?.().catch(() => undefined);
  if (!tab) window.close();
}

async function closeWindow() {
  const tab = await ext.tabs.getCurrent?.().catch(() => undefined);
  if (tab) await ext.tabs.remove(tab.id).catch(() => {});
  else window.close();
}

export function cancelConfirm() {
  if (state.confirming && state.rows.get(state.confirming)?.phase === 'confirm') state.rows.delete(state.confirming);
  state.confirming = null;
  render();
}

// A click or Enter on a role: a production role asks first (unless turned off in the
// options); the same again opens. `landing`: where (a service, region, link, pasted page).
export function activate(roleId, { background = false, landing = null } = {}) {
  const role = state.byId.get(roleId);
  if (!role) return;
  const busy = state.rows.get(roleId)?.phase;
  if (busy === 'busy' || busy === 'mfa') return runRole(roleId, { background, landing });
  if (state.confirming && state.confirming !== roleId) cancelConfirm();
  if (clickStep(role, state.confirming, state.settings) === 'ask') {
    state.confirming = roleId;
    state.rows.set(roleId, { phase: 'confirm', background, landing });
    state.selected = roleId;
    state.picked = true;
    state.reveal = true;
    render();
    return;
  }
  if (state.confirming === roleId) state.rows.delete(roleId);
  state.confirming = null;
  runRole(roleId, { background, landing });
}

// Opens a role's console (action 'open') or renews it ('renew'), asking for the MFA code in
// place when the host wants one.
export async function runRole(roleId, { action = 'open', background = false, mfaCode, landing = null } = {}) {
  const previous = state.rows.get(roleId);
  if (previous?.phase === 'busy') return;
  if (previous?.phase === 'mfa' && mfaCode === undefined && previous.mfa.action === action) return; // the prompt is already up
  // The code is on its way (or another action replaces the prompt): a popup closed from here
  // on must not bring the prompt back.
  if (previous?.phase === 'mfa') forgetPrompt();
  state.rows.set(roleId, { phase: 'busy', action });
  state.panels.delete(roleId);
  state.selected = roleId;
  state.picked = true;
  // Asked before the redraw: the click reaches the console without waiting for it.
  const asked = ask({ type: action, role: roleId, background, mfaCode, landing: landing ?? undefined });
  say('');
  render();
  const reply = await asked;
  if (reply.ok && reply.ssoLogin) {
    // An Identity Center sign-in first: its page opened in a tab; the background waits for the
    // approval and opens the console (or renews it), also if this popup closes.
    state.rows.set(roleId, { phase: 'sso', userCode: reply.ssoLogin.userCode });
    render();
    return;
  }
  if (reply.ok) {
    state.rows.delete(roleId);
    if (action === 'renew') {
      say(`Renewed ${labelOf(roleId)}'s console.`);
      if (renewParam === roleId) await closeWindow();
      await reload();
      return;
    }
    if (reply.cookieStoreId || reply.focused || reply.launched) state.open.add(roleId);
    render();
    if (!background) await closeIfPopup();
    // Still open (a background open, or a popup in a tab): show the new console's time, and
    // the role among the recent ones.
    state.prefs = await loadPrefs(ext.storage).catch(() => state.prefs);
    if (state.index) setRank(state.index, rankOf(state.prefs, Date.now()));
    state.sections = null;
    state.dirty = true;
    if (state.consoles) await reload();
    else render();
    return;
  }
  const { kind } = reply.error;
  // A code is asked for once per click: mfa_required opens the prompt, mfa_invalid after a
  // submitted code asks again in the same prompt; anything else is an error.
  if (kind === 'mfa_required' || (kind === 'mfa_invalid' && mfaCode !== undefined)) {
    const rejected = kind === 'mfa_invalid' ? [reply.error.message, reply.error.next].filter(Boolean).join(' ') : null;
    const data = reply.error.data ?? {};
    // What the code covers (the gateway's mode and MFA session length), when the host says.
    const mfa = { gateway: data.gateway ?? null, mode: data.mfa_mode ?? null, hours: data.mfa_session_hours ?? null, processError: data.mfa_process_error ?? null, background, rejected, action, landing };
    savePending(session, { role: roleId, gateway: mfa.gateway, background, action, landing }).catch(() => {});
    showPrompt(roleId, mfa);
    return;
  }
  state.rows.set(roleId, { phase: 'error', error: reply.error });
  render();
}

export async function togglePinned(roleId) {
  const next = togglePin(state.prefs.pins, roleId);
  if (next === null) {
    say('Favourites are full: unpin one first.');
    return;
  }
  state.prefs = { ...state.prefs, pins: next };
  if (state.index) setRank(state.index, rankOf(state.prefs, Date.now()));
  refill({ sections: true });
  // The row may have moved (into or out of Favourites): its pin button keeps the focus.
  list.querySelector(`[data-item="${CSS.escape(roleId)}"] .pin`)?.focus();
  await savePref(ext.storage, PINS_KEY, next).catch((e) => say(`The favourites could not be saved: ${e?.message ?? e}`));
}

export function togglePanel(roleId, which) {
  if (state.panels.get(roleId) === which) state.panels.delete(roleId);
  else state.panels.set(roleId, which);
  dropPanel(roleId);
  state.selected = roleId;
  state.picked = true;
  render();
  list.querySelector(`[data-item="${CSS.escape(roleId)}"] .panel :is(select, button)`)?.focus();
}

// What sign-out could not do, in a sentence.
function signOutNote(reply) {
  if (reply.mode === 'isolated_window') return ' Its browser window keeps its own cookies: close that window to stop using the console.';
  if (reply.mode === 'multi_session') return ' Its tabs share this profile\'s cookies, which rolecall leaves alone: sign out in the console itself.';
  if (reply.unreached?.length) return ` Its cookies of ${reply.unreached.join(', ')} were left: rolecall may not access them (allow it in the add-on's permissions).`;
  return '';
}

// Cookies of a domain outside the manifest's (a test or custom endpoint) need the user's
// permission; it is asked here, in the click, as browsers require.
function askCookiePermission() {
  if (!state.containers || state.missingOrigins.length === 0 || !ext.permissions?.request) return Promise.resolve(true);
  return ext.permissions.request({ origins: state.missingOrigins }).catch(() => false);
}

export async function signOut(roleId) {
  const asked = askCookiePermission();
  if (state.rows.get(roleId)?.phase === 'busy') return;
  if (state.rows.get(roleId)?.phase === 'mfa') forgetPrompt();
  state.rows.set(roleId, { phase: 'busy', action: 'signOut' });
  say('');
  render();
  await asked;
  const reply = await ask({ type: 'signOut', role: roleId });
  state.rows.delete(roleId);
  if (!reply.ok) {
    state.rows.set(roleId, { phase: 'error', error: reply.error });
    render();
    return;
  }
  say(`Signed out of ${labelOf(roleId)}.${signOutNote(reply)}`);
  await reload();
}

// "Sign out of all" is asked twice: the footer's first button asks, its second signs out.
export function askSignOutAll() {
  if (!canSignOutAll()) return; // nothing left to sign out of (the footer hides)
  state.confirmingAll = true;
  renderFooter();
  $('sign-out-all-confirm')?.focus();
}

export function cancelSignOutAll() {
  state.confirmingAll = false;
  renderFooter();
}

export async function signOutAll() {
  const asked = askCookiePermission();
  state.confirmingAll = false;
  renderFooter();
  say('Signing out of every role…');
  await asked;
  const reply = await ask({ type: 'signOutAll' });
  if (!reply.ok) {
    showProblem(reply.error);
    say('');
    return;
  }
  say(`Signed out of every role.${signOutNote(reply)}`);
  await reload();
}
