// A role's console tabs: which URL a renewal should land on, which tabs show the sign-in page,
// and a background tab that is closed once its console page has loaded.
import { isSessionCookieDomain } from './cookies.js';

function parse(url) {
  try {
    return new URL(url);
  } catch {
    return null;
  }
}

// A sign-in URL carries a token: it is never a destination (nor kept anywhere).
export function isSignInUrl(url) {
  return /[?&](SigninToken|Action=login)\b/i.test(String(url ?? ''));
}

// An AWS console page by its address: http(s) on a session domain (host.info's), not the
// sign-in service, no token. The host checks a destination again and refuses anything else.
export function isConsoleUrl(url, domains) {
  const u = parse(url);
  if (!u || !['https:', 'http:'].includes(u.protocol) || u.username || u.password) return false;
  if (!isSessionCookieDomain(u.hostname, domains) || isSignInUrl(url)) return false;
  return !/^([\w-]+\.)?signin\./i.test(u.hostname);
}

// The page AWS shows without a live console session: its sign-in page (title "Sign in",
// or the sign-in service's own host).
export function showsSignIn(tab) {
  if (/^\s*sign in\b/i.test(tab?.title ?? '')) return true;
  const u = parse(tab?.url);
  return Boolean(u && /^([\w-]+\.)?signin\./i.test(u.hostname) && !isSignInUrl(tab.url));
}

// The tab a renewal lands beside and whose URL it takes: the most recently used console tab
// that is not on the sign-in page. Null when there is none (the host's default destination).
export function renewalAnchor(tabs, domains) {
  const consoles = tabs.filter((t) => isConsoleUrl(t.url, domains) && !showsSignIn(t));
  consoles.sort((a, b) => (b.lastAccessed ?? 0) - (a.lastAccessed ?? 0));
  return consoles[0] ?? null;
}

// Opens `props` (a sign-in URL) in a new tab, waits until it has left the sign-in URL and
// finished loading, then closes it. Listeners go on before the tab exists, so a fast load is
// not missed. Rejects when the sign-in page itself finished loading (AWS refused the login:
// it redirects when it accepts), on a timeout, or when the tab goes away first; the tab is
// closed anyway. No error quotes the URL.
export function loadAndClose(tabs, props, { timeoutMs = 60_000, timers = globalThis } = {}) {
  return new Promise((resolve, reject) => {
    let id = null;
    let done = false;
    const early = [];
    const complete = (tab) => tab?.status === 'complete' && /^https?:/.test(tab.url ?? '');
    const check = (tab) => {
      if (!complete(tab)) return;
      finish(isSignInUrl(tab.url) ? new Error('the sign-in page did not lead to the console') : null);
    };
    const finish = (error) => {
      if (done) return;
      done = true;
      timers.clearTimeout(timer);
      tabs.onUpdated.removeListener(onUpdated);
      tabs.onRemoved.removeListener(onRemoved);
      const close = id === null ? Promise.resolve() : tabs.remove(id).catch(() => {});
      close.then(() => (error ? reject(error) : resolve()));
    };
    const onUpdated = (tabId, _change, tab) => {
      if (id === null) early.push(tab);
      else if (tabId === id) check(tab);
    };
    const onRemoved = (tabId) => {
      if (tabId === id) {
        id = null;
        finish(new Error('the renewal tab was closed before the console loaded'));
      }
    };
    const timer = timers.setTimeout(() => finish(new Error('the console did not load in time')), timeoutMs);
    tabs.onUpdated.addListener(onUpdated);
    tabs.onRemoved.addListener(onRemoved);
    tabs.create(props).then(
      async (tab) => {
        id = tab.id;
        for (const t of early) if (t?.id === id) check(t);
        if (!done) check(await tabs.get(id).catch(() => null));
      },
      () => finish(new Error('the browser could not open the renewal tab')),
    );
  });
}
