// Signing a role out of its Firefox container: its console sign-in cookies are those of the
// domains host.info names (session_cookie_domains) and their subdomains, in the container's
// cookie store. The cookies API reaches a domain only with a host permission for it: the AWS
// partitions' are in the manifest; others (test or custom endpoints) are asked for at the
// click (optional_host_permissions).

const IP_OR_LOCAL = /^(\d{1,3}(\.\d{1,3}){3}|\[[0-9a-f:]+\]|localhost)$/i;

// The manifest's host_permissions: the partitions' console and sign-in domains.
export const AWS_ORIGINS = ['*://*.aws.amazon.com/*', '*://*.amazonaws-us-gov.com/*', '*://*.amazonaws.cn/*'];

function bare(domain) {
  return String(domain ?? '').replace(/^\./, '').toLowerCase();
}

// Whether a cookie's domain is one of `domains` or under one. An address or `localhost` has
// no subdomains.
export function isSessionCookieDomain(cookieDomain, domains) {
  const d = bare(cookieDomain);
  return domains.some((x) => {
    const want = bare(x);
    return want !== '' && (d === want || (!IP_OR_LOCAL.test(want) && d.endsWith(`.${want}`)));
  });
}

// The host-permission pattern that covers a domain's cookies.
export function originFor(domain) {
  const d = bare(domain);
  return IP_OR_LOCAL.test(d) ? `*://${d}/*` : `*://*.${d}/*`;
}

// Patterns of `domains` that `granted` (permissions.getAll().origins) does not cover. Only
// the exact pattern or an all-hosts grant counts: a narrower grant is asked again.
export function missingOrigins(domains, granted) {
  const have = new Set(granted ?? []);
  if (have.has('<all_urls>') || have.has('*://*/*')) return [];
  return [...new Set(domains.map(originFor))].filter((o) => !have.has(o));
}

function cookieUrl(c) {
  return `${c.secure ? 'https' : 'http'}://${bare(c.domain)}${c.path || '/'}`;
}

// Removes the session cookies of `domains` from one cookie store (Firefox: a container).
// `firstPartyDomain: null` and `partitionKey: {}` reach cookies under first-party isolation
// and partitioned ones too. Returns { removed, unreached: [domains without permission] }.
export async function removeSessionCookies({ cookies, permissions }, storeId, domains) {
  let removed = 0;
  const unreached = [];
  for (const domain of new Set(domains.map(bare).filter(Boolean))) {
    if (permissions && !(await permissions.contains({ origins: [originFor(domain)] }))) {
      unreached.push(domain);
      continue;
    }
    const found = await cookies.getAll({ domain, storeId, firstPartyDomain: null, partitionKey: {} });
    for (const c of found) {
      if (!isSessionCookieDomain(c.domain, [domain])) continue;
      const target = { url: cookieUrl(c), name: c.name, storeId };
      if (c.firstPartyDomain !== undefined) target.firstPartyDomain = c.firstPartyDomain;
      if (c.partitionKey) target.partitionKey = c.partitionKey;
      if (await cookies.remove(target)) removed++;
    }
  }
  return { removed, unreached };
}

function removalOf(c) {
  const target = { url: cookieUrl(c), name: c.name, storeId: c.storeId };
  if (c.firstPartyDomain !== undefined) target.firstPartyDomain = c.firstPartyDomain;
  if (c.partitionKey) target.partitionKey = c.partitionKey;
  return target;
}

// How long a signed-out container's new console cookies are removed as they come: a tab that
// was still signing in at the sign-out (its sign-in page's answer sets the cookie after the
// removal) has done so well within this.
export const GUARD_MS = 30_000;

// Keeps console sign-in cookies out of containers just signed out: while a container is
// guarded, any session cookie (of `domains`) set in it is removed at once. The listener is on
// cookies.onChanged only while something is guarded (it hears every cookie of the browser).
// `release(store)`: rolecall opens a console there now, whose cookie must stay.
export function createCookieGuard({ cookies }, { timers = globalThis, guardMs = GUARD_MS } = {}) {
  const guarded = new Map(); // cookieStoreId → { domains, timer }
  let removed = 0;
  const listener = ({ removed: gone, cookie } = {}) => {
    if (gone || !cookie) return;
    const g = guarded.get(cookie.storeId);
    if (!g || !isSessionCookieDomain(cookie.domain, g.domains)) return;
    cookies
      .remove(removalOf(cookie))
      .then((r) => {
        if (r) removed++;
      })
      .catch(() => {});
  };
  let on = false;
  function stopIfIdle() {
    if (guarded.size === 0 && on) {
      cookies.onChanged?.removeListener(listener);
      on = false;
    }
  }
  return {
    guard(stores, domains) {
      if (!cookies?.onChanged) return;
      for (const store of stores) {
        const was = guarded.get(store);
        if (was) timers.clearTimeout(was.timer);
        const timer = timers.setTimeout(() => {
          if (guarded.get(store)?.timer !== timer) return;
          guarded.delete(store);
          stopIfIdle();
        }, guardMs);
        guarded.set(store, { domains: [...domains], timer });
      }
      if (guarded.size && !on) {
        cookies.onChanged.addListener(listener);
        on = true;
      }
    },
    release(store) {
      const g = guarded.get(store);
      if (!g) return;
      timers.clearTimeout(g.timer);
      guarded.delete(store);
      stopIfIdle();
    },
    guarding: (store) => guarded.has(store),
    listening: () => on,
    get removed() {
      return removed;
    },
  };
}
