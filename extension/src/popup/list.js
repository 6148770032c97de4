// Drawing the popup: `render`, the one entry point every change of the state calls (it brings
// what the list shows up to date with the state, then draws it), the virtual list (which rows
// are in the document for the scroll position, in the rowgroups of their sections and groups,
// the space of the others, their measured heights), the line naming the gateways that need
// the day's code, the status line, the footer ("Sign out of all") and the time-left pills'
// ticking.
// One row's contents are rows.js's; the list's own caches (drawn rows, offsets, heights) are
// here, out of the state.
import { el, errorBlock } from '../lib/dom.js';
import { PAST_HEAD, codeLine, modelOffsets, scrollToShow, visibleRange } from '../lib/display.js';
import { selectionFor } from '../lib/roles.js';
import { consoleEnd, nextChangeIn } from '../lib/timeleft.js';
import { $, act, list, problem, search$, status } from './page.js';
import { keepDrawn, newRow, pillOf, roleRow, rowGroup, rowId, showMatches, showPill, syncChildren, titleRow } from './rows.js';
import { canSignOutAll, computeDisplay, state } from './state.js';

// The virtual list: where each item starts, heights measured where rows are taller than usual
// (a prompt, an error), and the rows drawn.
const view = {
  offsets: new Float64Array(1),
  heights: new Map(),
  usual: { title: 26, role: 42 },
  measured: { title: false, role: false },
  rowNodes: new Map(), // item key → its row, reused while drawn (a focused control inside stays put), or for another role's row
  groupNodes: new Map(), // title key → its rowgroup, while drawn
};

let firstRows = false;
let rowCount = -1; // the grid's aria-rowcount: every role row, drawn or not
let scrollFrame = 0; // a paint asked for the next frame

// The space of the rows not drawn, above and below those that are (the list's ::before and
// ::after: padding would count in the list's own height, and it must stay a scroll box).
// The list also gets the height of all its items, from their offsets (the popup shrinks it to
// what it has room for): with a definite height, Firefox lays the list out once per change
// instead of measuring its content first (about half of a keystroke's layout, at 10,000 roles
// or at 10). A row that grows by itself (an error's Details opened) is measured again on its
// `toggle`. The list never gets shorter than it has been (up to the popup's height): the popup
// keeps its size while the user types, rather than jumping, and resizing it to a short list
// of results took as long as drawing them.
let tallest = 0;
const POPUP_HEIGHT = 580; // popup.css: body's max-height
function space(above, below) {
  list.style.setProperty('--above', `${above}px`);
  list.style.setProperty('--below', `${below}px`);
  const total = view.offsets[view.offsets.length - 1];
  tallest = Math.max(tallest, Math.min(total, 600));
  list.style.height = `${Math.max(total, tallest)}px`;
}

// Draws the items in view (and a few around), with the space of the others kept empty above
// and below them, then measures what it drew: a row taller than usual (a prompt, an error) keeps its
// height, and the usual heights follow the first rows drawn.
function paint() {
  // Before the list has its height (the first rows), the most it can show: the popup's height
  // below the list's top (drawing fewer would draw the rest a frame later).
  const viewport = Math.max(list.clientHeight, POPUP_HEIGHT - list.offsetTop);
  const model = state.model;
  view.offsets = modelOffsets(model, view.usual, view.heights);
  const selectedAt = state.selected === null ? -1 : model.positionOf(state.selected);
  if (state.reveal && selectedAt >= 0) {
    // The title above the first role comes into view with it.
    const k = model.roleIndex(selectedAt) === 0 ? 0 : selectedAt;
    const top = scrollToShow(view.offsets, k, list.scrollTop, viewport);
    const want = k === selectedAt ? top : Math.min(top, view.offsets[selectedAt]);
    if (want !== list.scrollTop) list.scrollTop = want;
  }
  state.reveal = false;
  // The first rows: only those in view (the popup shows them sooner); the rows around them
  // come with the next paint (the listing's text, a scroll).
  const { first, end, before, after } = visibleRange(view.offsets, list.scrollTop, viewport, firstRows ? 150 : 0);
  const items = [];
  for (let k = first; k < end; k++) items.push(model.at(k));
  while (items.at(-1) === PAST_HEAD) items.pop(); // past the first screen, before the listing is parsed
  const last = first + items.length;
  // Rows of roles no longer drawn are filled again for the roles that now are (a keystroke
  // changes the text of a few nodes instead of replacing whole rows), but for one holding the
  // focus.
  // A freed row is taken for the same place when it can be (its id, which names the place for
  // aria-activedescendant, stays: changing ids costs Firefox more than changing text).
  const keys = new Set(items.map((item) => item.key));
  const focused = document.activeElement;
  const free = new Map(); // its id → a freed row
  for (const [key, node] of view.rowNodes) if (!keys.has(key) && node.classList.contains('item') && !node.contains(focused)) free.set(node.firstElementChild.id, node);
  const freeRow = (n) => {
    const id = rowId(n);
    const node = free.get(id) ?? free.values().next().value;
    if (node) free.delete(node.firstElementChild.id);
    return node;
  };
  const nodes = [];
  const drawn = new Map();
  const ranges = [];
  for (let k = first; k < last; k++) {
    const item = items[k - first];
    const node =
      item.kind === 'title'
        ? (view.rowNodes.get(item.key) ?? titleRow(item))
        : roleRow(view.rowNodes.get(item.key) ?? freeRow(model.roleIndex(k)) ?? newRow(), item, model.roleIndex(k), ranges);
    nodes.push(node);
    drawn.set(item.key, node);
  }
  view.rowNodes = drawn;
  showMatches(ranges);
  keepDrawn(drawn);
  // A focused node that had to move (its row moved) gets the focus back.
  space(before, after + view.offsets[end] - view.offsets[last]);
  syncChildren(list, grouped(model, first, items, nodes));
  if (focused?.isConnected && document.activeElement !== focused) focused.focus();
  if (rowCount !== model.roleCount) list.setAttribute('aria-rowcount', String((rowCount = model.roleCount)));

  // Measure what may differ from the usual heights: rows with a prompt, question, panel or
  // error (and those that just lost one), and the first title and row ever drawn, which set
  // the usual heights. Other rows are not read: reading forces their layout.
  let changed = false;
  for (let k = first; k < last; k++) {
    const item = items[k - first];
    const tall = item.kind === 'role' && (state.rows.has(item.key) || state.panels.has(item.key));
    const calibrate = !view.measured[item.kind];
    if (!tall && !calibrate && !view.heights.has(item.key)) continue;
    const h = nodes[k - first].offsetHeight;
    if (!h) continue;
    if (tall) {
      if (view.heights.get(item.key) !== h) (view.heights.set(item.key, h), (changed = true));
      continue;
    }
    if (view.heights.delete(item.key)) changed = true;
    if (calibrate) {
      view.measured[item.kind] = true;
      if (view.usual[item.kind] !== h) (view.usual[item.kind] = h, (changed = true));
    }
  }
  if (changed) {
    view.offsets = modelOffsets(model, view.usual, view.heights);
    space(view.offsets[first], view.offsets[model.length] - view.offsets[last]);
  }
  // The list got taller than it was when the window was chosen (the popup grew around its
  // first rows): draw what now shows, in the next frame.
  if (list.clientHeight > viewport + 1 && end < model.length && !scrollFrame) {
    scrollFrame = requestAnimationFrame(() => {
      scrollFrame = 0;
      paint();
    });
  }

  // Both the search box and the list drive the selection, whichever has focus.
  const selectedIndex = selectedAt >= 0 ? model.roleIndex(selectedAt) : -1;
  for (const node of [search$, list]) {
    if (selectedIndex >= 0 && $(rowId(selectedIndex))) node.setAttribute('aria-activedescendant', rowId(selectedIndex));
    else node.removeAttribute('aria-activedescendant');
  }
  if (!firstRows && nodes.length && state.loaded) {
    firstRows = true;
    // For tests/bench/popup_bench.py: when the first rows were drawn, and painted.
    performance.mark('rolecall:first-rows');
    requestAnimationFrame(() => performance.mark('rolecall:first-paint'));
  }
}

// The drawn rows in the rowgroups of their sections and groups (a section's title is drawn
// inside its group; rows of a group whose title is above the window still go in its group,
// so it is named): what the list holds. A query's results are rows of the grid itself.
function grouped(model, first, items, nodes) {
  const top = [];
  const groups = new Map();
  let group = null;
  let kids = null;
  for (let i = 0; i < nodes.length; i++) {
    const t = model.titleOf(first + i);
    if (t < 0) {
      if (group) syncChildren(group, kids);
      group = null;
      top.push(nodes[i]);
      continue;
    }
    const title = t === first + i ? items[i] : model.at(t);
    if (group?.dataset.key !== title.key) {
      if (group) syncChildren(group, kids);
      group = view.groupNodes.get(title.key) ?? rowGroup(title);
      groups.set(title.key, group);
      kids = [];
      top.push(group);
    }
    kids.push(nodes[i]);
  }
  if (group) syncChildren(group, kids);
  view.groupNodes = groups;
  return top;
}

// A row that changed height by itself (an error's Details opened or closed) is measured again.
list.addEventListener('toggle', () => paint(), true);

// Scrolling draws the rows that come into view, once per frame.
list.addEventListener('scroll', () => {
  if (scrollFrame) return;
  scrollFrame = requestAnimationFrame(() => {
    scrollFrame = 0;
    paint();
  });
});

export function render() {
  if (state.dirty) computeDisplay();
  else state.selected = selectionFor(state.model, state.selected, state.query, state.picked);
  renderCodes();
  paint();
  scheduleTick();
  renderFooter();
  if (!state.loaded) return;
  if (state.roles.length === 0) {
    status.replaceChildren(
      'No roles yet. See what your AWS profiles would become: ',
      el('code', {}, 'rolecall import aws-config --dry-run'),
      ', then import them without --dry-run; or add one with ',
      el('code', {}, 'rolecall role add'),
      '.',
    );
  } else if (state.preview && state.query.trim() !== '') {
    status.textContent = 'Loading roles…';
  } else if (state.model.roleCount === 0 && state.query.trim() !== '') {
    status.textContent = `No role matches “${state.query}”.`;
  } else if (state.digitsEnter === state.query && !state.selected) {
    status.textContent = 'Digits alone could be an MFA code: pick a role with ↓ or ↑, then press Enter.';
  } else {
    status.textContent = '';
  }
}

// The state changed what the list holds (the query, the roles, the favourites: `sections`
// true when the empty query's sections change too).
export function refill({ sections = false } = {}) {
  if (sections) state.sections = null;
  state.dirty = true;
  render();
}

// The time left changes by the minute: the pills are updated in place (nothing else moves,
// not the scroll position nor the focus) exactly when the first one's text changes.
let tickTimer = null;
function scheduleTick() {
  clearTimeout(tickTimer);
  if (!state.consoles) return;
  const now = Date.now();
  const waits = state.live.map(consoleEnd).filter((end) => end !== null).map((end) => nextChangeIn(end, now)).filter((ms) => ms !== null);
  if (state.codes.length) waits.push(60_000 - (now % 60_000)); // the code line's "until"
  if (waits.length) tickTimer = setTimeout(tick, Math.min(...waits) + 50);
}

function tick() {
  renderCodes();
  for (const node of list.querySelectorAll('[data-time-for]')) {
    const role = state.byId.get(node.dataset.timeFor);
    const pill = role && pillOf(role);
    if (pill) showPill(node, pill);
  }
  scheduleTick();
}

// The daily-MFA gateways that need the day's first code, one line each above the list (a
// neutral mark on their rows): what one code covers, and until when if given now.
const MAX_CODE_LINES = 3;
let codesShown = '';
function renderCodes() {
  const now = Date.now();
  const gateways = state.codes;
  const lines = gateways.slice(0, MAX_CODE_LINES).map((g) => codeLine(g, now));
  if (gateways.length > MAX_CODE_LINES) lines.push(`${gateways.length - MAX_CODE_LINES} more gateways need a code.`);
  const key = lines.join('\n');
  if (key === codesShown) return;
  codesShown = key;
  const codes = $('codes');
  codes.replaceChildren(...lines.map((line) => el('p', {}, line)));
  codes.hidden = lines.length === 0;
}

// "Sign out of all", asked twice: it ends every console at once.
export function renderFooter() {
  const footer = $('footer');
  const any = canSignOutAll();
  footer.hidden = !any;
  if (!any) return;
  if (footer.dataset.confirming === String(state.confirmingAll)) return;
  footer.dataset.confirming = String(state.confirmingAll);
  if (!state.confirmingAll) {
    footer.replaceChildren(el('button', { type: 'button', id: 'sign-out-all', onclick: () => act.askSignOutAll() }, 'Sign out of all…'));
    return;
  }
  footer.replaceChildren(
    el('span', {}, 'End every console and forget all cached credentials?'),
    el('button', { type: 'button', id: 'sign-out-all-confirm', class: 'danger', onclick: () => act.signOutAll() }, 'Sign out of all'),
    el('button', { type: 'button', id: 'sign-out-all-cancel', onclick: () => act.cancelSignOutAll() }, 'Cancel'),
  );
}

export function showProblem(error) {
  problem.replaceChildren(errorBlock(error), el('button', { type: 'button', id: 'retry', onclick: () => act.load() }, 'Try again'));
  problem.hidden = false;
}
