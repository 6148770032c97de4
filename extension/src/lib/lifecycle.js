// The background's care of live consoles (host protocol 3): the toolbar badge, the alarm that
// wakes it when something is due, silent renewals and the notifications that ask for a code,
// sign-out, and console.prepare for the roles likely to be clicked. The decisions are the pure
// functions of schedule.js and badge.js; this runs them against the browser and the host.
// Nothing here stores or logs a sign-in URL: it goes from the host's reply to tabs.create.
import { BADGE_COLORS, badgeFor } from './badge.js';
import { loadAndClose, renewalAnchor, showsSignIn } from './console-tabs.js';
import { SIGNED_OUT_KEY, loadContainerMap, loadSignedOut, ownContainer, rolesWithTabs, serialized, withSignedOut, withoutSignedOut } from './containers.js';
import { createCookieGuard, removeSessionCookies } from './cookies.js';
import { RolecallError } from './errors.js';
import { savePending } from './pending.js';
import { forgetRecent, loadRecent, noteOpened, prepareCandidates } from './recent.js';
import {
  effectiveEnd,
  forgetRole,
  noteFailed,
  noteMinted,
  noteNotified,
  noteRenewed,
  planRenewals,
  pruneRecord,
  settingsFrom,
} from './schedule.js';
import { timeLeftText } from './timeleft.js';

export const ALARM = 'rolecall-consoles';
export const RECORD_KEY = 'renewals';
export const VIEW_KEY = 'consoles';
export const NOTIFICATION_PREFIX = 'renew:';
// Tabs still showing the sign-in page are looked for right after a renewal and once more
// this much later (the console may notice the old session only on its next request).
export const SECOND_LOOK_MS = 10_000;
export const RETRY_LOOK_MS = 5 * 60_000;

// What a notification about a console that ends says: the role's label, its time left as the
// popup's row counts it (timeleft.js), and what renewing it takes.
export function renewalNotice(role, end, now) {
  const label = role?.label ?? role?.id ?? 'A role';
  const left = timeLeftText(end, now);
  const state = left === 'expired' ? `${label}: its console has ended.` : `${label}: ${left} on its console.`;
  const renewable = role?.session?.renewable;
  if (renewable === 'sso_login') return { title: `Sign in to renew ${label}`, message: `${state} Renewing it needs an IAM Identity Center sign-in: click to start it.` };
  if (renewable === 'mfa' || (renewable !== 'silent' && role?.needs_code)) return { title: `MFA code to renew ${label}`, message: `${state} Renewing it needs an MFA code: click to enter it.` };
  return { title: `Renew ${label}`, message: `${state} Click to renew it.` };
}

// `host`: the service's view of the host: info() (host.info, cached), mode() (how a click
// opens), listRoles(), role(id), containerFor(id, result) (the role's container, made if needed),
// ssoSignIn(id, sso, job) (an Identity Center sign-in, then `job`).
export function createLifecycle({ api, client, host, now = () => Date.now(), timers = globalThis }) {
  const session = api.storage.session;
  const local = api.storage.local;
  const inOrder = serialized();
  const renewing = new Map(); // role id → its renewal in flight
  const guard = createCookieGuard(api, { timers });
  // The signed-out containers (containers.js), kept in memory after the first read; written
  // one change at a time.
  let signedOutKept = null;
  const signedOutInOrder = serialized();
  const signedOutNow = () => (signedOutKept ??= loadSignedOut(local).catch(() => ({})));
  const changeSignedOut = (change) =>
    signedOutInOrder(async () => {
      const next = change(await signedOutNow());
      signedOutKept = Promise.resolve(next);
      await local.set({ [SIGNED_OUT_KEY]: next });
      return next;
    });
  // Sign-outs so far, and the number of the last one of each role and of all: an open or a
  // renewal takes a ticket when it begins, and does not load the console it minted when its
  // role was signed out meanwhile (the sign-out has already cleared the container).
  let signOuts = 0;
  let allSignedOut = 0;
  const roleSignedOut = new Map();
  const ticket = (id) => ({ id, n: signOuts });
  const signedOutSince = (t) => allSignedOut > t.n || (roleSignedOut.get(t.id) ?? 0) > t.n;

  async function enabled() {
    return ((await host.info())?.protocol ?? 1) >= 3;
  }

  async function loadRecord() {
    const r = (await session.get(RECORD_KEY))?.[RECORD_KEY];
    return r && typeof r === 'object' ? r : {};
  }

  const saveRecord = (record) => session.set({ [RECORD_KEY]: record });
  const changeRecord = (change) => inOrder(async () => saveRecord(change(await loadRecord())));

  // What refresh() needs of each role (with the host's protocol and settings and the open
  // mode), kept between wake-ups so a closed tab can update the badge without asking the
  // host: ids, labels and times, no secret.
  // Only roles with a console: the others never change the badge or a renewal (10,000
  // roles need not be written on every popup opening).
  function viewOf(roles) {
    return roles.filter((r) => r.session).map((r) => ({
      id: r.id,
      label: r.label ?? r.id,
      needs_code: Boolean(r.needs_code),
      window_open: Boolean(r.window_open),
      session: r.session ? { console_expires_at: r.session.console_expires_at, renewable: r.session.renewable } : null,
    }));
  }

  async function inUse(roles, mode) {
    if (mode === 'container') {
      const map = await loadContainerMap(local);
      return new Set(rolesWithTabs(map, await api.tabs.query({}), await signedOutNow()));
    }
    if (mode === 'isolated_window') return new Set(roles.filter((r) => r.window_open).map((r) => r.id));
    return new Set(); // multi-session tabs: which tab is whose is unknown
  }

  async function showBadge(badge) {
    const colors = BADGE_COLORS[badge.level];
    await api.action.setBadgeText({ text: badge.text });
    await api.action.setBadgeBackgroundColor({ color: colors.background });
    await api.action.setBadgeTextColor?.({ color: colors.text });
    await api.action.setTitle({ title: badge.title });
  }

  async function scheduleAlarm(at) {
    if (!api.alarms) return;
    if (at === null) await api.alarms.clear(ALARM);
    // A second late, so what was due at `at` is due when it fires.
    else await api.alarms.create(ALARM, { when: Math.max(at, now()) + 1000 });
  }

  async function notify(role, end) {
    if (!api.notifications) return;
    // A renewal that needs a code or an Identity Center sign-in says so; the click asks for it.
    const { title, message } = renewalNotice(role, end, now());
    await api.notifications.create(`${NOTIFICATION_PREFIX}${role.id}`, { type: 'basic', iconUrl: api.runtime.getURL('icons/48.png'), title, message });
  }

  const clearNotification = (id) => api.notifications?.clear(`${NOTIFICATION_PREFIX}${id}`).catch(() => {});

  // Tells the extension's open pages (the popup) that consoles changed.
  function broadcast() {
    Promise.resolve()
      .then(() => api.runtime.sendMessage({ type: 'changed' }))
      .catch(() => {}); // no page open
  }

  // Looks at every console: badge, notifications, the next alarm; with `act`, runs the
  // renewals that are due (after this returns; each refreshes again when done). `roles`
  // (a fresh roles.list) or `fromHost` false (the view kept from the last one) spare a call.
  async function refresh({ roles, fromHost = true, act = true } = {}) {
    // From the kept view, nothing asks the host (a tab event must not start one).
    const kept = fromHost ? null : (await session.get(VIEW_KEY))?.[VIEW_KEY];
    if (!fromHost && !Array.isArray(kept?.roles)) return null;
    const info = kept?.info ?? (await host.info());
    if ((info?.protocol ?? 1) < 3) return null;
    const plan = await inOrder(async () => {
      let list = kept?.roles ?? roles;
      if (!list) list = await host.listRoles();
      const mode = kept?.mode ?? (await host.mode());
      if (fromHost) {
        const keep = { protocol: info.protocol, settings: info.settings ?? null };
        await session.set({ [VIEW_KEY]: { roles: viewOf(list), info: keep, mode } });
      }
      const used = await inUse(list, mode);
      const settings = settingsFrom(info);
      let record = pruneRecord(await loadRecord(), list);
      const t = now();
      const silentOk = mode === 'container';
      const p = planRenewals({ roles: list, inUse: used, record, now: t, settings, silentOk });
      // The user turned notifications off ([settings] notifications = false): none is sent.
      if (act && settings.notifications) {
        for (const { id, end } of p.notify) {
          await notify(list.find((r) => r.id === id), end).catch(() => {});
          record = noteNotified(record, id, end);
        }
      }
      await saveRecord(record);
      await showBadge(badgeFor({ roles: list, inUse: used, record, now: t, settings, silentOk }));
      // Without `act`, what is due now is left to an alarm that fires at once.
      await scheduleAlarm(!act && (p.renew.length || p.notify.length) ? t : p.nextAt);
      return p;
    });
    if (act && plan) for (const id of plan.renew) renewQuietly(id);
    return plan;
  }

  // A due silent renewal: a failure is recorded (retried later, amber badge), never thrown.
  function renewQuietly(id) {
    renew(id, { quiet: true }).catch(() => {});
  }

  // The user's tabs that show the sign-in page (the console had ended) are reloaded once,
  // now and once more a little later (not after a sign-out of the role meanwhile).
  async function reloadSignedOut(store, t) {
    const reloaded = new Set();
    const look = async () => {
      if (signedOutSince(t)) return;
      for (const tab of await api.tabs.query({ cookieStoreId: store })) {
        if (reloaded.has(tab.id) || !showsSignIn(tab)) continue;
        reloaded.add(tab.id);
        await api.tabs.reload(tab.id).catch(() => {});
      }
    };
    await look();
    timers.setTimeout(() => look().catch(() => {}), SECOND_LOOK_MS);
  }

  async function openForRenewal(params) {
    try {
      return await client.request('console.open', params);
    } catch (e) {
      // The tab's URL was no console page after all: the host's default destination.
      if (e?.kind !== 'invalid_destination' || !params.destination) throw e;
      const { destination: _refused, ...rest } = params;
      return client.request('console.open', rest);
    }
  }

  // Firefox: a new sign-in in a background tab of the role's container, landing where the
  // user last was in it; the tab closes once the console has loaded. The container's other
  // tabs carry on with the new session (one cookie jar).
  async function renewInContainer(id, mfaCode, t, quiet) {
    const domains = (await host.info())?.session_cookie_domains ?? [];
    const store = ownContainer(await loadContainerMap(local), id);
    const anchor = store ? renewalAnchor(await api.tabs.query({ cookieStoreId: store }), domains) : null;
    const params = { role: id };
    if (anchor) params.destination = anchor.url;
    if (mfaCode !== undefined) params.mfa_code = mfaCode;
    const result = await openForRenewal(params);
    const cookieStoreId = store ?? (await host.containerFor(id, result));
    await consoleOpening(id, cookieStoreId, t, { quiet });
    const props = { url: result.url, cookieStoreId, active: false };
    if (anchor) Object.assign(props, { windowId: anchor.windowId, index: anchor.index + 1 });
    try {
      await loadAndClose(api.tabs, props, { timers });
    } catch (e) {
      const err = new RolecallError('extension_error', `The renewed console did not load: ${e.message}.`);
      err.mintedEnd = Date.parse(result.console_expires_at); // the host counts it; the tabs do not have it
      throw err;
    }
    await reloadSignedOut(cookieStoreId, t);
    return result;
  }

  // A console is about to load in `store` for role `id` (an open, a renewal): unless the role
  // was signed out since `t` (its ticket) — then nothing loads, and the minted sign-in URL is
  // dropped — the container is signed in again: no longer signed out, and its cookies no
  // longer removed as they come. Only the user does that (a click, Renew): a silent renewal
  // of a signed-out container loads nothing either.
  async function consoleOpening(id, store, t, { quiet = false } = {}) {
    const fenced = store ? Object.hasOwn(await signedOutNow(), store) : false;
    if ((t && signedOutSince(t)) || (quiet && fenced)) {
      const label = (await host.role(id).catch(() => null))?.label ?? id;
      throw new RolecallError('signed_out', `${label} was signed out while its console was on its way: nothing was opened.`);
    }
    if (!store) return;
    guard.release(store);
    if (fenced) await changeSignedOut((r) => withoutSignedOut(r, store));
  }

  // The containers signed out and not opened since (cookieStoreId → when).
  const signedOutStores = () => signedOutNow();

  // Renews a role's console now: silently when due (`quiet`), or on the user's demand (the
  // popup's Renew, a notification's click, with a code when one was asked for).
  function renew(id, { mfaCode, quiet = false } = {}) {
    if (renewing.has(id)) return renewing.get(id);
    const t = ticket(id);
    const job = (async () => {
      const mode = await host.mode();
      if (quiet && mode === 'container') {
        // A signed-out container has no console to keep: it is renewed on the user's demand
        // only (planRenewals sees no tab of it in use; this catches a plan made before).
        const store = ownContainer(await loadContainerMap(local), id);
        if (store && Object.hasOwn(await signedOutNow(), store)) return { renewed: false };
      }
      const role = (await host.listRoles()).find((r) => r.id === id);
      if (!role) throw new RolecallError('unknown_role', `No role '${id}' is configured.`);
      const oldEnd = effectiveEnd(role, await loadRecord());
      try {
        let result;
        if (mode === 'container') result = await renewInContainer(id, mfaCode, t, quiet);
        else if (mode === 'isolated_window') {
          // A new window of the role's running browser: its other windows keep the session.
          const params = { role: id, open_in: 'isolated_window' };
          if (mfaCode !== undefined) params.mfa_code = mfaCode;
          result = await client.request('console.open', params);
        } else throw new RolecallError('extension_error', 'Renewing needs Firefox containers or isolated windows.');
        const newEnd = Date.parse(result.console_expires_at);
        await changeRecord((r) => noteRenewed(r, id, { oldEnd, newEnd }, now()));
        await clearNotification(id);
        return { renewed: true, consoleExpiresAt: result.console_expires_at ?? null };
      } catch (e) {
        const minted = Number.isFinite(e?.mintedEnd) ? { hostEnd: e.mintedEnd, realEnd: oldEnd } : null;
        // (A sign-out meanwhile is no failure: the role has no console to renew any more.)
        if ((quiet || minted) && e?.kind !== 'signed_out') await changeRecord((r) => noteFailed(r, id, now(), minted));
        throw e;
      } finally {
        renewing.delete(id);
        await refresh({ act: false }).catch(() => {});
        broadcast();
      }
    })();
    renewing.set(id, job);
    return job;
  }

  // Signs one role out: its container's console cookies (Firefox), its cached credentials,
  // prepared token and live state (session.forget), its renewal record and notification; it
  // leaves the recent roles, so the next popup does not mint it new credentials at once.
  // Isolated windows and multi-session tabs live in cookie jars the extension cannot reach.
  async function signOut(id) {
    // From here, an open or renewal of the role that began before loads nothing.
    roleSignedOut.set(id, ++signOuts);
    const mode = await host.mode();
    const domains = (await host.info())?.session_cookie_domains ?? [];
    let cookies = { removed: 0, unreached: [] };
    if (mode === 'container') {
      const map = await loadContainerMap(local);
      const store = ownContainer(map, id);
      if (store) {
        await fence([store], domains, map);
        // A renewal under way has loaded its console already or loads none: let it end first.
        await renewing.get(id)?.catch(() => {});
        cookies = await removeSessionCookies(api, store, domains);
      }
    } else await renewing.get(id)?.catch(() => {});
    await client.request('session.forget', { role: id });
    await forgetRecent(local, id);
    await changeRecord((r) => forgetRole(r, id));
    await clearNotification(id);
    await refresh({ act: false }).catch(() => {});
    broadcast();
    return { mode, removed: cookies.removed, unreached: cookies.unreached };
  }

  async function signOutAll() {
    // From here, no open or renewal that began before loads its console.
    allSignedOut = ++signOuts;
    const mode = await host.mode();
    const domains = (await host.info())?.session_cookie_domains ?? [];
    let removed = 0;
    const unreached = new Set();
    const map = mode === 'container' ? await loadContainerMap(local) : {};
    // Every container rolecall made, also those of roles since removed from the config.
    const stores = [...new Set(Object.values(map))];
    await fence(stores, domains, map);
    await Promise.all([...renewing.values()].map((job) => job.catch(() => {})));
    if (mode === 'container') {
      for (const store of stores) {
        const got = await removeSessionCookies(api, store, domains);
        removed += got.removed;
        for (const d of got.unreached) unreached.add(d);
      }
    }
    await client.request('session.forget');
    await forgetRecent(local);
    const ids = Object.keys(await loadRecord());
    await changeRecord(() => ({}));
    for (const id of ids) await clearNotification(id);
    await refresh({ act: false }).catch(() => {});
    broadcast();
    return { mode, removed, unreached: [...unreached] };
  }

  // Marks containers signed out (no "open" mark, no silent renewal until rolecall opens a
  // console there again) and removes the console cookies set in them for a while: those of a
  // tab that was still signing in when its cookies were cleared.
  async function fence(stores, domains, map) {
    if (stores.length === 0) return;
    guard.guard(stores, domains);
    await changeSignedOut((r) => withSignedOut(r, stores, now(), map));
  }

  // A successful open from the popup: the role becomes recent, and its new console is known
  // as just minted (no renewal for a while).
  async function opened(id, result) {
    if (!(await enabled())) return;
    await noteOpened(local, id);
    const end = Date.parse(result?.console_expires_at ?? '');
    if (Number.isFinite(end)) await changeRecord((r) => noteMinted(r, id, end, now()));
    await clearNotification(id);
    await refresh({ act: false }).catch(() => {});
  }

  // Mints tokens for the roles most likely to be clicked next; best effort.
  async function prepare(roles) {
    if (!(await enabled())) return [];
    const ids = prepareCandidates(roles, await loadRecent(local), now());
    if (ids.length === 0) return [];
    try {
      return (await client.request('console.prepare', { roles: ids }))?.prepared ?? [];
    } catch {
      return [];
    }
  }

  // A click on "console ends — Renew": renew at once when no code is needed, else bring up
  // the MFA prompt (the popup, in a small window) to renew with the code.
  async function notificationClicked(notificationId) {
    if (!String(notificationId).startsWith(NOTIFICATION_PREFIX)) return;
    const id = notificationId.slice(NOTIFICATION_PREFIX.length);
    await clearNotification(id);
    try {
      await renew(id);
    } catch (e) {
      if (e?.kind === 'sso_login_required' && typeof e.data?.sso === 'string' && host.ssoSignIn) {
        // The verification page opens; the console is renewed once the user approves there.
        await host.ssoSignIn(id, e.data.sso, () => renew(id));
        return;
      }
      if (e?.kind !== 'mfa_required') {
        if (!settingsFrom(await host.info().catch(() => null)).notifications) return;
        await api.notifications?.create(`${NOTIFICATION_PREFIX}${id}`, {
          type: 'basic',
          iconUrl: api.runtime.getURL('icons/48.png'),
          title: 'rolecall',
          message: `Could not renew ${(await host.role(id).catch(() => null))?.label ?? id}: ${e?.message ?? e}`,
        });
        return;
      }
      await savePending(session, { role: id, gateway: e.data?.gateway, background: true, action: 'renew' });
      await api.windows.create({ url: api.runtime.getURL(`popup.html?renew=${encodeURIComponent(id)}`), type: 'popup', width: 420, height: 480 });
    }
  }

  // When a look fails (the host could not be reached), the next one is in five minutes:
  // without an alarm nothing would wake the background before the popup opens.
  async function alarm(a) {
    if (a?.name !== ALARM) return;
    try {
      await refresh();
    } catch (e) {
      await scheduleAlarm(now() + RETRY_LOOK_MS).catch(() => {});
      throw e;
    }
  }

  // A tab opened or closed: the badge may change (a role in use or not); no host call.
  let tabTimer = null;
  function tabsChanged() {
    if (!api.contextualIdentities) return; // only containers' tabs say which role is in use
    timers.clearTimeout(tabTimer);
    tabTimer = timers.setTimeout(() => refresh({ fromHost: false, act: false }).catch(() => {}), 500);
  }

  return { refresh, renew, signOut, signOutAll, opened, prepare, notificationClicked, alarm, tabsChanged, ticket, consoleOpening, signedOutStores };
}
