import { containerStyle } from './colors.js';
import { cachedRead } from './cached.js';
import { createConfigEdits } from './config-edits.js';
import { CONTAINERS_KEY, SIGNED_OUT_KEY, applyRestyles, existingContainer, loadContainerMap, ownContainer, resolveContainer, restyles, rolesWithTabs, serialized } from './containers.js';
import { RolecallError, describeError } from './errors.js';
import { createLifecycle } from './lifecycle.js';
import { nameCounts, uniqueContainerName } from './naming.js';
import { openParams } from './landing.js';
import { compact, createFirstScreens, keptPrefs, screenOf } from './first-screen.js';
import { noteVisit } from './prefs.js';
import { SETTINGS_KEY, loadSettings } from './settings.js';
import { createSsoLogins, isVerificationUrl, oidcIsLoopback } from './sso.js';
import { pickExistingTab, tabCreateProps } from './tabs.js';

const MFA_CODE = /^\d{6}$/;

export { FIRST_SCREEN_KEY } from './first-screen.js';

// Deep equality of plain JSON values (two role listings: a new one equal to the last keeps its
// stamp, and the popup keeps its search index).
export function sameJson(a, b) {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!sameJson(a[i], b[i])) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  const keys = Object.keys(a);
  if (keys.length !== Object.keys(b).length) return false;
  for (const k of keys) if (!Object.hasOwn(b, k) || !sameJson(a[k], b[k])) return false;
  return true;
}

// A promise started now and read later: its rejection is not reported as unhandled when
// nothing reads it (the host refused the open first).
function settle(promise) {
  promise.catch(() => {});
  return { get: () => promise };
}

// Opens the sign-in URL through `create` (tabs.create or windows.create). A browser's error
// may quote the URL; it must not travel on to the popup, so it is cut out of the message.
// (The same for an Identity Center verification page, whose URL holds the user code.)
async function openSignIn(create, props, what = 'the console') {
  try {
    return await create(props);
  } catch (e) {
    const why = String(e?.message ?? e).split(props.url).join('<sign-in URL>');
    throw new RolecallError('extension_error', `The browser could not open ${what}: ${why}`);
  }
}

// The background's work, with the browser API and the host client passed in so it can be
// tested without a browser. The popup and options pages ask; this asks the host, finds or
// creates the container and opens the tab. The sign-in URL goes to tabs/windows.create and
// nowhere else: it is not returned, stored or logged. Live consoles (host protocol 3: time
// left, badge, renewal, sign-out, prepared tokens) are lifecycle.js's.
export function createService({ api, client, now, timers }) {
  const containers = Boolean(api.contextualIdentities);
  const clock = now ?? (() => Date.now());
  const inOrder = serialized();
  const ssoLogins = createSsoLogins();
  let roleCache = new Map();
  // The last listing, kept so a popup that opens gets it at once (and the current one right
  // after): { stamp, roles }. A stamp names one listing; an equal new listing keeps the stamp.
  let listing = null;
  let listingJob = null; // a listing in flight, shared by everyone who asks meanwhile
  let listings = 0;
  const epoch = Math.random().toString(36).slice(2, 10);
  let names = null; // { pattern, roles, counts }: container names counted once per listing
  // Read on every click: kept in memory, read again when storage changes.
  const settingsNow = cachedRead(api, SETTINGS_KEY, loadSettings);
  const containerMapNow = cachedRead(api, CONTAINERS_KEY, loadContainerMap);
  const prefsNow = keptPrefs(api);
  const firstScreens = createFirstScreens({ storage: api.storage.local, clock, prefs: prefsNow, current: () => listing });

  // A host (protocol 5) answers as many roles as fit in one message and says where the
  // rest start (`next_cursor`); an older host answers them all at once. When the config
  // changes between pages (`stale_cursor`), the listing starts again, a few times at most.
  // A host of protocol 6 sends compact roles (no null, false or empty fields: 2.8 instead
  // of 4.4 MB at 10,000 roles) and names the listing (`etag`): while its roles are those
  // the background has, it answers `unchanged` instead of sending them again.
  // `onFirstPage`: the background's first listing asks a small first page (`limit`) and hands
  // it over while the rest comes (see firstPagePreview).
  async function fetchListing(previous, onFirstPage) {
    const protocol = await hostProtocol().catch(() => 1);
    const compact = protocol >= 6 ? { compact: true } : null;
    const small = onFirstPage && protocol >= 5 ? { limit: FIRST_PAGE } : null;
    for (let attempt = 0; ; attempt++) {
      try {
        const match = compact && previous?.etag ? { if_none_match: previous.etag } : null;
        const first = await client.request('roles.list', compact || small ? { ...compact, ...match, ...small } : undefined);
        if (first.unchanged === true && match) return { roles: previous.roles, etag: first.etag };
        let { roles, next_cursor: cursor } = first;
        if (small && typeof cursor === 'string') onFirstPage(roles);
        while (typeof cursor === 'string') {
          const page = await client.request('roles.list', { ...compact, cursor });
          roles = roles.concat(page.roles ?? []);
          cursor = page.next_cursor;
        }
        return { roles, etag: first.etag ?? null };
      } catch (e) {
        if (e?.kind !== 'stale_cursor' || attempt >= 2) throw e;
      }
    }
  }

  // The first listing's first page, while the rest of it is being listed: a promise of its
  // roles (null once the whole listing is in, or failed).
  const FIRST_PAGE = 100;
  let firstPage = null;

  function listRoles() {
    if (listingJob) return listingJob;
    let onFirstPage = null;
    let done = () => {};
    if (listing === null && firstPage === null) {
      firstPage = new Promise((resolve) => {
        onFirstPage = resolve;
        done = () => resolve(null);
      });
    }
    listingJob = fetchListing(listing, onFirstPage)
      .then(({ roles, etag }) => {
        if (!listing || (roles !== listing.roles && !sameJson(listing.roles, roles))) {
          listing = { stamp: `${epoch}.${++listings}`, roles };
          roleCache = new Map(roles.map((r) => [r.id, r]));
          firstScreens.dropLeftRoles(listing).catch(() => {});
          restyleContainers(roles).catch(() => {});
        }
        listing.etag = etag;
        return listing.roles;
      })
      .finally(() => {
        listingJob = null;
        done();
        if (listing === null) firstPage = null; // failed: the next try asks a first page again
      });
    return listingJob;
  }

  // Roles whose container has a tab and was not signed out since (the popup's "open" mark).
  // The last answer is kept until a tab opens or closes or a container is made or signed out
  // (openChanged): a popup answered from the last listing (`cached`) gets it at once, and
  // the current one with the fresh listing.
  let lastOpen = null;
  const openChanged = () => {
    lastOpen = null;
  };
  api.storage.onChanged?.addListener((changes, area) => {
    if (area === 'local' && (CONTAINERS_KEY in changes || SIGNED_OUT_KEY in changes)) openChanged();
  });
  async function openTabs({ cached = false } = {}) {
    if (!containers) return [];
    if (cached && lastOpen) return lastOpen;
    const [map, tabs, signedOut] = await Promise.all([containerMapNow(), api.tabs.query({}), lifecycle.signedOutStores()]);
    return (lastOpen = rolesWithTabs(map, tabs, signedOut));
  }

  // A listing whose colour (or icon) for a role differs from its container's: the container
  // changes at once (a role marked production turns red now, not at its next open). Firefox.
  async function restyleContainers(roles) {
    if (!containers) return;
    const map = await containerMapNow();
    if (Object.keys(map).length === 0) return;
    const changes = restyles(roles, map, (await api.contextualIdentities.query({})) ?? [], (r) => containerStyle(r, r.account_id));
    if (changes.length) await inOrder(() => applyRestyles(api.contextualIdentities, changes));
  }

  // host.info, asked once and again each time the popup opens (the settings may change).
  // Isolated windows need protocol 2, live consoles protocol 3.
  let hostInfo = null; // the promise of the last answer; callers at the same time share it
  let lastInfo = null; // the last answer itself
  function info({ fresh = false } = {}) {
    if (hostInfo === null || fresh) {
      const asked = client.request('host.info').then((r) => (lastInfo = r ?? {}));
      hostInfo = asked;
      asked.catch(() => {
        if (hostInfo === asked) hostInfo = null; // ask again next time
      });
    }
    return hostInfo;
  }
  async function hostProtocol() {
    return (await info()).protocol ?? 1;
  }

  // How a click opens a console here: 'container' (Firefox), else the Chromium mode chosen
  // in the options ('isolated_window' needs a host that knows it; older hosts get 'window').
  async function openMode(settings) {
    if (containers) return 'container';
    if (settings.chromiumMode === 'multi_session') return 'multi_session';
    return (await hostProtocol()) >= 2 ? 'isolated_window' : 'window';
  }

  async function role(id) {
    if (!roleCache.has(id)) await listRoles();
    const r = roleCache.get(id);
    if (!r) throw new RolecallError('unknown_role', `No role '${id}' is configured.`);
    return r;
  }

  // How the role's container should look: named by the pattern, coloured as the host says
  // (`container`: the host's open reply, or roles.list's role, which carries the same).
  function containerWant(id, settings, container, accountId) {
    const r = roleCache.get(id) ?? { id, account_id: accountId };
    const style = containerStyle(container, accountId ?? r.account_id);
    const all = listing?.roles ?? [...roleCache.values()];
    if (names?.pattern !== settings.containerPattern || names.roles !== all) names = { pattern: settings.containerPattern, roles: all, counts: nameCounts(settings.containerPattern, all) };
    const name = uniqueContainerName(settings.containerPattern, all, r, container?.name, names.counts);
    return { name, ...style };
  }

  // The role's container: the one remembered for it, else a new one named and coloured as
  // the host's reply says.
  async function containerFor(id, result) {
    const settings = await settingsNow();
    if (!roleCache.has(id)) await listRoles().catch(() => {});
    const want = containerWant(id, settings, result.container, result.account_id);
    const got = await inOrder(() => resolveContainer({ identities: api.contextualIdentities, storage: api.storage.local, roleId: id, want }));
    return { ...got, name: want.name };
  }

  // The container remembered for the role, looked up while the host mints the URL (from
  // memory), so the tab opens as soon as the URL is here; it is checked and brought in line
  // with the config after the tab is open. Null when the role has none yet: it is made after
  // the host answers, so an open that fails makes none.
  async function knownContainer(id) {
    return ownContainer(await containerMapNow(), id);
  }

  // The remembered container, checked and aligned (name, colour) after the tab is open.
  async function alignKnown(id, settings, result) {
    const want = containerWant(id, settings, result.container, result.account_id);
    await existingContainer({ identities: api.contextualIdentities, storage: api.storage.local, roleId: id, want });
    return want.name;
  }

  const lifecycle = createLifecycle({
    api,
    client,
    now,
    timers,
    host: {
      info,
      mode: async () => openMode(await settingsNow()),
      listRoles,
      role,
      containerFor: async (id, result) => (await containerFor(id, result)).cookieStoreId,
      ssoSignIn: (id, sso, job) => ssoSignIn(id, sso, job),
    },
  });

  // Tells the extension's open pages (the popup) how the Identity Center sign-ins stand, and
  // (the options page's Sign in) how one source's sign-in ended: `source` { sso, state, error }.
  function broadcastSso(source) {
    const msg = { type: 'sso', sso: ssoLogins.view(clock()) };
    if (source) msg.source = source;
    Promise.resolve()
      .then(() => api.runtime.sendMessage(msg))
      .catch(() => {}); // no page open
  }

  // sso.wait answers when the user approved or denied at the verification page, or the code
  // expired; then the jobs of the roles that waited run (their consoles open).
  function waitForApproval(login) {
    client
      .request('sso.wait', { sso: login.sso })
      .then(
        async () => {
          await closeVerification(login).catch(() => {});
          const jobs = ssoLogins.approved(login);
          broadcastSso({ sso: login.sso, state: 'signed_in' });
          await Promise.all(
            jobs.map(async ([role, job]) => {
              try {
                await job();
                ssoLogins.jobDone(role);
              } catch (e) {
                ssoLogins.jobFailed(role, login.sso, describeError(e), clock());
              }
            }),
          );
        },
        (e) => {
          ssoLogins.failed(login, describeError(e), clock());
          broadcastSso({ sso: login.sso, state: 'failed', error: describeError(e) });
        },
      )
      .finally(() => broadcastSso());
  }

  // A role of IAM Identity Center source `sso` needs a sign-in: start one (or join the one in
  // progress), open the verification page in a normal tab, never the role's container (the
  // user signs in to Identity Center there, as themselves), and run `job` once it is approved.
  // Answers at once with the code the popup shows; the wait goes on here, so closing the popup
  // loses nothing.
  async function ssoSignIn(roleId, sso, job, { background = false } = {}) {
    // Two clicks before the host answered the first sso.login share one sign-in.
    const login = ssoLogins.waiting(sso, clock()) ?? (await ssoLogins.start(sso, () => ssoLogins.waiting(sso, clock()) ?? beginSsoLogin(sso)));
    if (roleId !== null) ssoLogins.join(sso, roleId, job); // null: the options page's Sign in
    // The wait begins once a role has joined (or the options page asked): its outcome is theirs.
    if (!login.waited) {
      login.waited = true;
      waitForApproval(login);
    }
    await showVerification(login, background);
    broadcastSso();
    return { ssoLogin: { sso, userCode: login.userCode, expiresAt: login.expiresAt } };
  }

  // What the popup needs to show live consoles (host protocol 3), or null.
  function consolesOf(host, mode) {
    if ((host?.protocol ?? 1) < 3) return null;
    const s = host.settings ?? {};
    return {
      renewBeforeMinutes: s.renew_before_minutes ?? 10,
      autoRenew: s.auto_renew !== false,
      cookieDomains: host.session_cookie_domains ?? [],
      renew: mode === 'container' || mode === 'isolated_window',
    };
  }

  async function beginSsoLogin(sso) {
    const reply = await client.request('sso.login', { sso });
    const url = reply?.verification_uri_complete;
    const host = await info().catch(() => ({}));
    const checks = { startUrl: reply?.start_url ?? null, oidcLoopback: oidcIsLoopback(host) };
    if (!isVerificationUrl(url, checks)) {
      throw new RolecallError('extension_error', `The verification page the host named for '${sso}' is not an AWS sign-in page: rolecall does not open it.`);
    }
    return ssoLogins.begin(sso, { userCode: String(reply.user_code ?? ''), expiresAt: Date.parse(reply.expires_at), url, checks });
  }

  // At most one verification tab per source. The tab already showing this sign-in's page is
  // brought forward (a second click, of this role or another of the source; the user may have
  // lost it among their tabs); a tab left by an earlier sign-in of the source (denied, expired)
  // shows the new page; otherwise (none, closed, or taken elsewhere by the user) a normal tab
  // opens.
  function showVerification(login, background) {
    return ssoLogins.showPage(login.sso, async (previous) => {
      const tab = previous ? await api.tabs.get(previous.id).catch(() => null) : null;
      if (tab && showsVerification(tab, login.checks)) {
        const props = {};
        if (previous.url !== login.url) props.url = login.url;
        if (!background) props.active = true;
        if (Object.keys(props).length) await openSignIn((p) => api.tabs.update(tab.id, p), props, 'the Identity Center page');
        if (!background) await api.windows?.update(tab.windowId, { focused: true }).catch(() => {});
        return { id: tab.id, url: login.url };
      }
      const [current] = await api.tabs.query({ active: true, lastFocusedWindow: true }).catch(() => []);
      const props = tabCreateProps({ url: login.url, current, background });
      if (containers && !current?.incognito) props.cookieStoreId = 'firefox-default';
      const created = await openSignIn((p) => api.tabs.create(p), props, 'the Identity Center page');
      return { id: created.id, url: login.url };
    });
  }

  // Approved: the verification tab has done its work and closes (the console opens in the
  // role's container, which that tab is not in), unless the user took it elsewhere meanwhile.
  async function closeVerification(login) {
    const page = await ssoLogins.takePage(login.sso, login.url);
    const tab = page ? await api.tabs.get(page.id).catch(() => null) : null;
    if (tab && showsVerification(tab, login.checks)) await api.tabs.remove(tab.id);
  }

  // Whether a tab rolecall opened for a verification page still shows one of the source's
  // pages (or is still loading the one it was given: Firefox says about:blank until then).
  function showsVerification(tab, checks) {
    if (isVerificationUrl(tab.url, checks) || isVerificationUrl(tab.pendingUrl, checks)) return true;
    return tab.status === 'loading' && (!tab.url || tab.url === 'about:blank');
  }

  // The popup's list. `prepare` false (the options page) mints no tokens. `cached`: the last
  // listing and host info, if there are any, at once (`stale: true`), without asking the host:
  // the popup draws them, then asks again for the current ones. `since`: the stamp of the
  // listing the popup has; when the roles are still those, they are not sent again
  // (`unchanged: true`). `text`: the roles as JSON text (`rolesText`), made once per listing:
  // Firefox copies 10,000 role objects between pages far more slowly than one string.
  // `head`: with the text, the first `head` items of the list's sections (`head`, below).
  // Before the first listing is in, a `cached` ask with `head` gets the first screen kept from
  // the last one (`preview: true`, no roles) when there is one, else the first screen of the
  // listing's first page once that is in. `later`: a `cached` answer with `head` leaves the
  // text out (`textLater: true`): the popup draws the first screen, then asks for the text
  // (each message carries it through the parent process: 15-25 ms at 10,000 roles).
  async function roles({ prepare = true, cached = false, since = null, text = false, head = 0, later = false } = {}) {
    const prefs = head ? prefsNow().catch(() => ({ pins: [], frecency: {} })) : null;
    const settings = await settingsNow();
    let fresh = false; // listed just now, while no preview could be drawn
    if (cached && text && head && listing === null) {
      listRoles().catch(() => {}); // under way while the kept first screen is read
      const early = (await firstScreenKept(head)) ?? (await firstPagePreview(head, settings));
      if (early) {
        listThenPrepare(prepare);
        return early;
      }
      fresh = listing !== null && lastInfo !== null;
    }
    const stale = cached && !fresh && listing !== null && lastInfo !== null;
    // host.info first: the listing asks for the protocol and gets this same answer.
    const asked = stale || fresh ? lastInfo : info({ fresh: true });
    const listed = stale || fresh ? listing.roles : listRoles();
    const [host, list, open, mode] = await Promise.all([asked, listed, openTabs({ cached: stale }), openMode(settings)]);
    const stamp = listing?.roles === list ? listing.stamp : null;
    // Chromium: the roles whose isolated window is running (the host sees their browser).
    const running = containers ? open : list.filter((r) => r.window_open).map((r) => r.id);
    const consoles = consolesOf(host, mode);
    if (consoles) {
      // Not waited for: the list shows now; tokens and the badge follow (the badge from the
      // fresh listing only).
      if (prepare) lifecycle.prepare(list).catch(() => {});
      if (!stale) lifecycle.refresh({ roles: list }).catch(() => {});
    }
    // Identity Center sign-ins in progress or failed (codes from memory, never storage).
    const reply = { open: running, containers, mode, consoles, sso: ssoLogins.view(clock()), stamp, stale };
    if (since !== null && since === stamp) reply.unchanged = true;
    else if (text && stamp !== null) {
      const current = listing;
      if (head) reply.head = firstScreens.of(current, await prefs, head);
      if (head && later && stale) reply.textLater = true;
      else reply.rolesText = (current.text ??= JSON.stringify(list, compact));
    } else reply.roles = list;
    return reply;
  }

  // Before the first listing: the first screen kept from the last one.
  async function firstScreenKept(n) {
    const [kept, open] = await Promise.all([firstScreens.read(n), openTabs().catch(() => [])]);
    if (!kept || listing !== null) return null;
    return {
      open,
      containers,
      mode: containers ? 'container' : null,
      consoles: null,
      sso: ssoLogins.view(clock()),
      stamp: null,
      stale: true,
      preview: true,
      head: kept.value,
    };
  }

  // The listing (and, for a popup that prepares, the likely clicks' tokens) is under way; the
  // popup asks for it once the preview's rows are painted.
  function listThenPrepare(prepare) {
    listRoles()
      .then(async (list) => {
        if (prepare && (await hostProtocol()) >= 3) await lifecycle.prepare(list);
      })
      .catch(() => {});
  }

  // A new profile's first popup (or the first after a sign-out and a restart: nothing kept)
  // while the background's first listing comes in: the first screen of its first page, drawn
  // as a preview (the first page is the config's first roles: the groups further down may
  // get more rows once every role is in), with the live consoles it knows of.
  async function firstPagePreview(n, settings) {
    if (listing !== null) return null; // in already
    const page = await Promise.race([listRoles().then(() => null, () => null), firstPage]);
    if (!page || listing !== null) return null;
    const [prefs, open, mode] = await Promise.all([prefsNow().catch(() => ({ pins: [], frecency: {} })), openTabs().catch(() => []), openMode(settings)]);
    return {
      open,
      containers,
      mode,
      consoles: consolesOf(lastInfo, mode),
      sso: ssoLogins.view(clock()),
      stamp: null,
      stale: true,
      preview: true,
      head: screenOf(page, new Map(page.map((r) => [r.id, r])), prefs, n, clock()),
    };
  }

  // A console opened: the badge and renewal record (lifecycle), and one more visit in the
  // picker's frecency (storage.local), one write at a time. Neither holds up the click.
  const prefsInOrder = serialized();
  function wasOpened(id, result) {
    lifecycle.opened(id, result).catch(() => {});
    prefsInOrder(() => noteVisit(api.storage, id, clock())).catch(() => {});
  }

  // A signed-out container's tabs have no console: a click opens a new one instead.
  async function focusExisting(roleId) {
    const store = ownContainer(await containerMapNow(), roleId);
    if (!store || Object.hasOwn(await lifecycle.signedOutStores(), store)) return null;
    const tab = pickExistingTab(await api.tabs.query({ cookieStoreId: store }));
    if (!tab) return null;
    await api.tabs.update(tab.id, { active: true });
    await api.windows?.update(tab.windowId, { focused: true });
    return tab;
  }

  // An open that needs an Identity Center sign-in first (protocol 4) starts it; once the
  // user approved, the same open runs again (only once: a second refusal is an error).
  async function open(msg) {
    try {
      return await openOnce(msg);
    } catch (e) {
      if (e?.kind !== 'sso_login_required' || typeof e.data?.sso !== 'string') throw e;
      return ssoSignIn(msg.role, e.data.sso, () => openOnce(msg), { background: msg.background });
    }
  }

  // Where the open lands (a service, one of the role's links, a region, a pasted page), as
  // console.open's destination and region; the host checks them as any other.
  async function landingParams(id, landing) {
    if (landing === undefined || landing === null) return {};
    if (typeof landing !== 'object') throw new RolecallError('invalid_params', 'Where to open the console was not understood.');
    try {
      return openParams(landing, landing.link !== undefined ? await role(id) : null);
    } catch (e) {
      if (e instanceof RolecallError) throw e;
      throw new RolecallError('invalid_params', `The console cannot open there: ${e.message}.`);
    }
  }

  async function openOnce({ role, mfaCode, background = false, landing }) {
    checkRole(role, mfaCode);
    // Taken as the click arrives: a sign-out of the role after it (while the host mints the
    // console) means its console does not load.
    const ticket = containers ? lifecycle.ticket(role) : null;
    ssoLogins.clear(role); // a sign-in that failed earlier is old news once the role is clicked
    const where = await landingParams(role, landing);
    const settings = await settingsNow();
    if (containers && settings.clickBehavior === 'focus' && !background) {
      const tab = await focusExisting(role);
      if (tab) return { focused: true, tabId: tab.id };
    }
    const params = { role, ...where };
    if (mfaCode !== undefined) params.mfa_code = mfaCode;
    const mode = await openMode(settings);
    // Firefox: the container and the current tab are looked up while the host answers.
    const early = mode === 'container' ? settle(knownContainer(role)) : null;
    const here = mode === 'container' || mode === 'multi_session' ? settle(api.tabs.query({ active: true, lastFocusedWindow: true })) : null;
    if (mode === 'isolated_window') {
      // The host launches the browser on the role's data directory; no URL comes back here.
      const result = await client.request('console.open', { ...params, open_in: 'isolated_window' });
      wasOpened(role, result);
      return { launched: true, mode, wasRunning: Boolean(result.was_running) };
    }
    const result = await client.request('console.open', params);

    if (mode === 'multi_session') {
      // A plain sign-in in a new tab of this profile: with multi-session on, AWS adds a session.
      const [current] = await here.get();
      const tab = await openSignIn((p) => api.tabs.create(p), tabCreateProps({ url: result.url, current, background }));
      wasOpened(role, result);
      return { tabId: tab.id, mode };
    }
    if (mode === 'window') {
      // A host older than protocol 2: a window of this profile (one account at a time).
      const win = await openSignIn((p) => api.windows.create(p), { url: result.url, focused: !background });
      prefsInOrder(() => noteVisit(api.storage, role, clock())).catch(() => {});
      return { window: true, windowId: win?.id, mode };
    }

    const [current] = await here.get();
    const known = await early.get().catch(() => null);
    let tab = null;
    if (known) {
      await lifecycle.consoleOpening(role, known, ticket);
      // A container the user deleted fails here; it is then made again below.
      tab = await api.tabs.create(tabCreateProps({ url: result.url, cookieStoreId: known, current, background })).catch(() => null);
    }
    let opened;
    if (tab) opened = { cookieStoreId: known, created: false, name: await alignKnown(role, settings, result) };
    else {
      opened = await containerFor(role, result);
      await lifecycle.consoleOpening(role, opened.cookieStoreId, ticket);
      tab = await openSignIn((p) => api.tabs.create(p), tabCreateProps({ url: result.url, cookieStoreId: opened.cookieStoreId, current, background }));
    }
    wasOpened(role, result);
    return { tabId: tab.id, container: opened.name, cookieStoreId: opened.cookieStoreId, created: opened.created };
  }

  function checkRole(role, mfaCode) {
    if (typeof role !== 'string' || role === '') throw new RolecallError('invalid_params', 'No role was given.');
    if (mfaCode !== undefined && !MFA_CODE.test(mfaCode)) throw new RolecallError('mfa_invalid', 'An MFA code is 6 digits.');
  }

  async function needsLifecycle() {
    if ((await hostProtocol()) < 3) {
      throw new RolecallError('extension_error', 'This rolecall host is too old to renew or sign out consoles: update it.');
    }
  }

  async function renew({ role, mfaCode }) {
    checkRole(role, mfaCode);
    await needsLifecycle();
    try {
      return await lifecycle.renew(role, { mfaCode });
    } catch (e) {
      if (e?.kind !== 'sso_login_required' || typeof e.data?.sso !== 'string') throw e;
      return ssoSignIn(role, e.data.sso, () => lifecycle.renew(role));
    }
  }

  async function signOut({ role }) {
    checkRole(role);
    await needsLifecycle();
    try {
      return await lifecycle.signOut(role);
    } finally {
      await firstScreens.forget();
    }
  }

  async function signOutAll() {
    await needsLifecycle();
    try {
      return await lifecycle.signOutAll();
    } finally {
      await firstScreens.forget();
    }
  }

  async function hostInfoReply() {
    return { host: await info({ fresh: true }), containers };
  }

  async function forget() {
    try {
      return await client.request('session.forget');
    } finally {
      await firstScreens.forget();
    }
  }

  // Reads the settings, the container map, the favourites and the kept first screen once as
  // the background starts, so the storage areas are open and the first popup's answer does
  // not wait for them (their first read takes 100-250 ms while the browser starts).
  function warm() {
    settingsNow().catch(() => {});
    containerMapNow().catch(() => {});
    prefsNow().catch(() => {});
    if (listing === null) firstScreens.prefetch(); // what a popup opened before the first listing draws
  }

  // The options page's Sign in of an Identity Center source: the popup's sign-in
  // (`ssoSignIn`), with no console to open once it is approved.
  async function ssoLogin({ sso }) {
    if (typeof sso !== 'string' || sso === '') throw new RolecallError('invalid_params', 'No IAM Identity Center source was given.');
    return ssoSignIn(null, sso, null);
  }

  // The options page's edits (protocol 7). Once one is saved, the listing the popup gets (and,
  // for settings, host.info's) is asked again at once, and an open popup is told.
  const edits = createConfigEdits({
    client,
    protocol: hostProtocol,
    changed: async (method) => {
      if (method === 'settings.update') await info({ fresh: true });
      await listingJob?.catch(() => {}); // a listing asked before the edit
      const list = await listRoles();
      lifecycle.refresh({ roles: list }).catch(() => {});
      Promise.resolve()
        .then(() => api.runtime.sendMessage({ type: 'changed' }))
        .catch(() => {}); // no page open
    },
  });

  const handlers = { roles, open, renew, signOut, signOutAll, info: hostInfoReply, forget, ssoLogin, ...edits };

  // Runtime-message entry point. Only this extension's own pages may ask: other extensions are
  // refused by id, and anything not loaded from our own origin (there are no content scripts)
  // by URL; a message that does not say where it comes from is refused too.
  async function handle(msg, sender) {
    const ownOrigin = api.runtime.getURL?.('');
    if (!sender || sender.id !== api.runtime.id || (ownOrigin && !String(sender.url ?? '').startsWith(ownOrigin))) {
      return { ok: false, error: describeError(new RolecallError('extension_error', 'Refused a message from outside rolecall.')) };
    }
    const handler = handlers[msg?.type];
    if (!handler) return { ok: false, error: describeError(new RolecallError('extension_error', `Unknown request ${msg?.type}.`)) };
    try {
      return { ok: true, ...(await handler(msg)) };
    } catch (e) {
      return { ok: false, error: describeError(e) };
    }
  }

  return { handle, roles, open, renew, signOut, signOutAll, info: hostInfoReply, forget, ssoLogin, ...edits, lifecycle, warm, openChanged };
}
