// The popup's conversation with the background: `ask` (a runtime message, its failure an
// error like the host's), and getting the listing (fetchRoles): the answer popup-early.js
// asked for, the first screen drawn before the listing is parsed, a preview kept from the last
// start, the fresher listing asked for once the first rows are painted, and the search index
// built when the browser is idle.
import { ext } from '../lib/browser.js';
import { missingOrigins } from '../lib/cookies.js';
import { RolecallError, describeError } from '../lib/errors.js';
import { modeNotice } from '../lib/multisession.js';
import { warmUp } from '../lib/search.js';
import { render, showProblem } from './list.js';
import { $, list, problem, status } from './page.js';
import { applySso, ensureIndex, ensureParsed, setHead, setRoles, state } from './state.js';

export async function ask(msg) {
  try {
    const reply = await ext.runtime.sendMessage(msg);
    if (reply && typeof reply === 'object') return reply;
    throw new Error('no reply');
  } catch (e) {
    return { ok: false, error: describeError(new RolecallError('extension_error', `The extension's background did not answer (${e?.message ?? e}).`)) };
  }
}

const HEAD = 32; // the first screen's items: more than the popup shows (popup-early.js asks for as many)

// Asks for the roles and shows them. `quiet` (a change the background announced, or after an
// action) keeps the current list on screen meanwhile and prepares no tokens. `cached`: the
// background's last listing at once, then the current one. `head`: the background makes (and
// keeps) the list's first screen too.
export async function fetchRoles({ quiet = false, cached = false, head = !quiet } = {}) {
  ensureParsed();
  problem.hidden = true;
  if (!quiet) status.textContent = 'Loading roles…';
  // Tokens are prepared when the popup opens, not on every later refresh.
  // The first answer was asked for by popup-early.js while these modules loaded.
  const early = cached ? window.rolecallEarly : null;
  const grants = cached ? window.rolecallGrants : null; // asked beside it
  window.rolecallEarly = window.rolecallGrants = null;
  const reply = (await early?.catch(() => null)) ?? (await ask({ type: 'roles', prepare: !quiet, cached, since: state.stamp, text: true, head: head ? HEAD : 0 }));
  // Everything this waits for is asked before the state changes: from setRoles to render the
  // state is half new (no search results), and a key pressed between them (Enter) would act
  // on it.
  const granted = reply.ok && reply.consoles && reply.containers !== false && ext.permissions?.getAll ? ((await grants) ?? (await ext.permissions.getAll().catch(() => ({})))) : null;
  state.loaded = true;
  if (!reply.ok) {
    status.textContent = '';
    setRoles([], null);
    list.replaceChildren();
    showProblem(reply.error);
    return false;
  }
  const preview = reply.preview === true && reply.head?.roles > 0 && !quiet;
  if (preview) {
    // Right after the browser or the extension started: the first screen kept from the last
    // listing, drawn now; the listing is asked for once these rows are painted.
    performance.mark('rolecall:preview'); // tests/bench/popup_bench.py
    setHead(reply.head);
  } else if (!reply.unchanged && reply.head?.roles && reply.textLater && !quiet) {
    // The last listing's first screen now; its text in a second answer, asked for once these
    // rows are painted (a search meanwhile says it is loading, and an Enter waits for it).
    setHead(reply.head);
  } else if (!reply.unchanged && reply.head?.roles && reply.rolesText && !quiet) {
    // The first rows now, from the background's first screen; the whole listing once they
    // are painted (or as soon as anything needs it: ensureParsed).
    setHead(reply.head);
    state.unparsed = { text: reply.rolesText, stamp: reply.stamp };
    requestAnimationFrame(() => setTimeout(() => ensureParsed() && render(), 0));
  } else if (!reply.unchanged) {
    setRoles(reply.rolesText ? JSON.parse(reply.rolesText) : (reply.roles ?? []), reply.stamp);
    if (!quiet) performance.mark('rolecall:roles'); // the roles parsed (tests/bench/popup_bench.py)
  }
  state.open = new Set(reply.open);
  state.containers = reply.containers !== false;
  state.mode = reply.mode ?? (state.containers ? 'container' : 'window');
  state.consoles = reply.consoles ?? null;
  applySso(reply.sso);
  if (granted) state.missingOrigins = missingOrigins(state.consoles.cookieDomains, granted.origins);
  if (!state.containers) {
    const notice = $('notice');
    notice.textContent = modeNotice(state.mode);
    notice.hidden = notice.textContent === '';
  }
  render();
  if (reply.textLater && !preview && !quiet) {
    const text = new Promise((done) => requestAnimationFrame(() => setTimeout(() => fetchText().catch(() => {}).then(done), 0)));
    state.preview = text;
    text.then(() => {
      indexWhenIdle();
      // The listing as it is now (the text was the last one's), or at all if the text failed.
      if (reply.stale || state.preview) afterPaint(() => fetchRoles({ quiet: true }));
    });
  } else if (preview) {
    // Not when idle: the browser is busy starting, and the listing is being made meanwhile.
    // With its first screen, so the background keeps it for the next start.
    state.preview = new Promise((done) => requestAnimationFrame(() => setTimeout(() => fetchRoles({ quiet: true, head: true }).then(done), 0)));
    state.preview.then(indexWhenIdle);
  } else if (reply.stale) {
    // The listing as it is now, once these rows are painted and the browser is idle (listing
    // thousands of roles from the host keeps the extension's pages busy for a while).
    afterPaint(() => fetchRoles({ quiet: true }));
  }
  return true;
}

export const reload = () => fetchRoles({ quiet: true });

// The text of the listing whose first screen is drawn (the background's last listing).
async function fetchText() {
  const reply = await ask({ type: 'roles', prepare: false, cached: true, text: true });
  if (!reply.ok || typeof reply.rolesText !== 'string') return; // the refresh brings it
  setRoles(JSON.parse(reply.rolesText), reply.stamp);
  performance.mark('rolecall:roles'); // the roles parsed (tests/bench/popup_bench.py)
  render();
}

// The index is built while the browser is idle after the first rows, so the first keystroke
// does not wait for it (it builds it itself if it comes first).
export function indexWhenIdle() {
  afterPaint(() => {
    const index = ensureIndex();
    afterPaint(() => index === state.index && warmUp(index));
  });
}

function afterPaint(job) {
  requestAnimationFrame(() => (window.requestIdleCallback ?? ((f) => setTimeout(f, 50)))(job, { timeout: 1000 }));
}
