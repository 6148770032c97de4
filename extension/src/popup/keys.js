// The popup's input: the keyboard map (in the search box or on the list: the arrows, Page
// Up/Down, Home/End, Enter, Escape, and the selected row's shortcuts: Alt+P pin, Alt+R renew,
// Alt+S sign out), typing in the search box (a keystroke's search and drawing, measured for
// tests/bench/popup_bench.py), the clicks on the list's rows and their tools (the rows are
// drawn and dropped as the list scrolls, so the list listens for all of them), and the help.
// Keys in a prompt, a panel, a "Details" toggle or a Copy button inside the list are theirs.
import { isDigitsOnly, moveSelection } from '../lib/roles.js';
import { wantsBackground } from '../lib/tabs.js';
import { activate, cancelConfirm, runRole, signOut, togglePanel, togglePinned } from './actions.js';
import { refill, render } from './list.js';
import { $, list, say, search$ } from './page.js';
import { computeDisplay, ensureParsed, labelOf, state } from './state.js';

// The selected row's shortcuts, by the key's place (not its character: Alt with a letter types
// another character on macOS, and a layout may put the letter elsewhere). Alt, as no typing in
// the search box uses it; AltGr (which types characters on many layouts) never counts.
const SHORTCUT_KEYS = { KeyP: 'pin', KeyR: 'renew', KeyS: 'signOut' };

function shortcutOf(e) {
  if (!e.altKey || e.ctrlKey || e.metaKey || e.shiftKey || e.getModifierState?.('AltGraph')) return null;
  return SHORTCUT_KEYS[e.code] ?? null;
}

// Pin, renew or sign out the selected row; the focus stays where it was.
function rowShortcut(which) {
  const id = state.selected;
  const role = id && state.byId.get(id);
  if (!role) {
    say('Pick a role first: ↓ or ↑, then the shortcut.');
    return;
  }
  const live = Boolean(state.consoles && role.session);
  const focused = document.activeElement;
  if (which === 'pin') togglePinned(id);
  else if (which === 'renew' && live && state.consoles.renew) runRole(id, { action: 'renew' });
  else if (which === 'signOut' && live) signOut(id);
  else say(`${labelOf(id)} has no console to ${which === 'renew' ? 'renew' : 'sign out of'}.`);
  if (focused?.isConnected && document.activeElement !== focused) focused.focus();
}

const PAGE = 8;
function onKey(e) {
  if (e.target !== search$ && e.target !== list) return;
  ensureParsed();
  const shortcut = shortcutOf(e);
  if (shortcut) {
    e.preventDefault();
    rowShortcut(shortcut);
    return;
  }
  const move = { ArrowDown: 1, ArrowUp: -1, PageDown: PAGE, PageUp: -PAGE }[e.key];
  if (move !== undefined) {
    e.preventDefault();
    const order = state.model.order();
    if (Math.abs(move) === 1) state.selected = moveSelection(order, state.selected, move);
    else if (order.length) {
      const i = order.indexOf(state.selected);
      state.selected = order[Math.max(0, Math.min(order.length - 1, (i === -1 ? 0 : i) + move))];
    }
    state.picked = true;
    state.reveal = true;
    render();
  } else if ((e.key === 'Home' || e.key === 'End') && e.target === list && state.model.roleCount) {
    e.preventDefault();
    state.selected = state.model.roleAt(e.key === 'Home' ? 0 : state.model.roleCount - 1);
    state.picked = true;
    state.reveal = true;
    render();
  } else if (e.key === 'Enter') {
    e.preventDefault();
    if (state.preview && state.query.trim() !== '') enterWhenListed(wantsBackground(e));
    else enter(wantsBackground(e));
  } else if (e.key === 'Escape' && !$('help').hidden) {
    e.preventDefault();
    toggleHelp(false);
  } else if (e.key === 'Escape' && state.confirming) {
    e.preventDefault();
    cancelConfirm();
  } else if (e.key === 'Escape' && search$.value !== '') {
    // Clear first; a second Escape closes the popup as usual.
    e.preventDefault();
    search$.value = '';
    state.query = '';
    refill();
  }
}

// Enter on a query typed before every role is in (the popup's first moments): it opens the
// query's first match once they are, unless the query changed meanwhile.
function enterWhenListed(background) {
  const query = state.query;
  const waited = state.preview;
  waited.then(() => {
    if (state.query !== query) return;
    // A new listing asked for meanwhile: wait for that one too. The same one still pending
    // (its text failed; the listing is asked for again) is left alone rather than spun on.
    if (state.preview && state.preview !== waited) enterWhenListed(background);
    else if (!state.preview) enter(background);
  });
}

function enter(background) {
  if (state.selected) activate(state.selected, { background, landing: state.found?.landing ?? null });
  else if (isDigitsOnly(state.query)) {
    // Kept in the state, not only written: a refresh that redraws the list meanwhile (the
    // listing, a console's change) must not wipe the reason off the status line.
    state.digitsEnter = state.query;
    render();
  }
}

function onInput() {
  ensureParsed();
  state.query = search$.value;
  state.picked = false;
  state.digitsEnter = null;
  if (state.confirming) {
    state.rows.delete(state.confirming);
    state.confirming = null;
  }
  // For tests/bench/popup_bench.py: each keystroke's search and drawing.
  const start = performance.now();
  state.dirty = true;
  computeDisplay();
  const searched = performance.now();
  render();
  performance.measure('rolecall:search', { start, end: searched });
  performance.measure('rolecall:draw', { start: searched });
}

// The role whose cell was clicked, if any.
function roleOf(e) {
  const cell = e.target.closest?.('.role[data-role]');
  return cell && list.contains(cell) ? cell.dataset.role : null;
}

function onClick(e) {
  ensureParsed();
  const tool = e.target.closest?.('button[data-tool]');
  if (tool && list.contains(tool)) {
    const roleId = tool.closest('[data-item]').dataset.item;
    const which = tool.dataset.tool;
    if (which === 'pin') togglePinned(roleId);
    else if (which === 'renew') runRole(roleId, { action: 'renew' });
    else if (which === 'signOut') signOut(roleId);
    else togglePanel(roleId, which);
    return;
  }
  const id = roleOf(e);
  if (id) activate(id, { background: wantsBackground(e), landing: state.found?.landing ?? null });
}

// The help: what the keys do, under the ? button.
function toggleHelp(show) {
  const help = $('help');
  help.hidden = !show;
  $('help-button').setAttribute('aria-expanded', String(show));
}

export function listenForInput() {
  $('help-button').addEventListener('click', () => toggleHelp($('help').hidden));
  list.addEventListener('mousedown', (e) => {
    if (e.button === 1 && roleOf(e)) e.preventDefault(); // no autoscroll on middle click
  });
  list.addEventListener('click', onClick);
  list.addEventListener('auxclick', (e) => {
    ensureParsed();
    const id = roleOf(e);
    if (id && e.button === 1) activate(id, { background: true, landing: state.found?.landing ?? null });
  });
  search$.addEventListener('input', onInput);
  search$.addEventListener('keydown', onKey);
  list.addEventListener('keydown', onKey);
}
