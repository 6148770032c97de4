// IAM Identity Center sign-ins (host protocol 4), as the background runs them: a click on an
// SSO role whose source has no usable token starts the device authorization grant
// (sso.login), opens the verification page in a normal tab, and waits (sso.wait) for the
// user's approval there; then the click's console opens. Pure bookkeeping here; service.js
// talks to the host and the tabs.
//
// What is kept lives in the background's memory only (the user code and the verification
// page's URL, which holds the code, are never stored or logged): an open native port keeps
// the background alive while sso.wait is pending, and a background that was unloaded anyway
// has simply forgotten the sign-in (the next click starts a new one).

// A sign-in that failed (denied, expired) is shown on the role's row for this long, or until
// the role is clicked again.
export const FAILED_TTL_MS = 5 * 60_000;

// The verification page is opened only if it is one of AWS's sign-in pages, the same list the
// host applies (native-host/src/sources/sso/verification.rs): https on a subdomain of these,
// or on the source's start-URL host, default port, no user name, no control or bidi
// character. A loopback page (the test stack's Identity Center fake) only while the host's
// SSO OIDC endpoint is itself overridden to loopback (host.info `endpoint_overrides`). Never
// a javascript:, file: or data: URL, whatever a host says.
export const AWS_SIGN_IN_DOMAINS = ['amazonaws.com', 'amazonaws.cn', 'amazonaws-us-gov.com', 'awsapps.com', 'awsapps.cn'];
const MAX_PAGE_LENGTH = 2048;
// C0 and C1 controls, DEL, and the bidirectional-text controls.
const UNSAFE_CHARACTERS = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/u;

function parsed(url) {
  try {
    return new URL(url);
  } catch {
    return null;
  }
}

export function isLoopbackUrl(u) {
  if (!u || !['http:', 'https:'].includes(u.protocol)) return false;
  const host = u.hostname;
  return host === 'localhost' || host === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

// Whether host.info says the SSO OIDC endpoint is overridden to this machine.
export function oidcIsLoopback(hostInfo) {
  const overrides = Array.isArray(hostInfo?.endpoint_overrides) ? hostInfo.endpoint_overrides : [];
  const oidc = overrides.find((o) => o?.variable === 'AWS_ENDPOINT_URL_SSO_OIDC' && typeof o.url === 'string');
  return Boolean(oidc) && isLoopbackUrl(parsed(oidc.url));
}

export function isVerificationUrl(url, { startUrl = null, oidcLoopback = false } = {}) {
  if (typeof url !== 'string' || url.length === 0 || url.length > MAX_PAGE_LENGTH) return false;
  if (UNSAFE_CHARACTERS.test(url)) return false;
  const u = parsed(url);
  if (!u || u.username || u.password) return false;
  if (oidcLoopback && isLoopbackUrl(u)) return true;
  if (u.protocol !== 'https:') return false;
  const host = u.hostname;
  if (u.port === '' && AWS_SIGN_IN_DOMAINS.some((d) => host.length > d.length + 1 && host.endsWith(`.${d}`))) return true;
  const start = typeof startUrl === 'string' ? parsed(startUrl) : null;
  return Boolean(start) && start.protocol === 'https:' && start.hostname === host && start.port === u.port;
}

export function ssoPromptText(userCode) {
  return `Approve code ${userCode} in the tab that opened`;
}

// The sign-ins in progress (per SSO source) and the roles waiting on them, with the outcome
// of those that ended badly. `begin` starts one; `join` adds a role's job (what to run once
// approved: open its console, renew it); `approved` hands the jobs over; `failed` records
// the error for every waiting role.
export function createSsoLogins() {
  const bySource = new Map(); // sso → { sso, userCode, expiresAt, url, jobs: Map(role → job) }
  const opening = new Map(); // role → sso: approved, its job running
  const failures = new Map(); // role → { sso, error, at }
  const starting = new Map(); // sso → the promise of a sign-in being started (sso.login asked)
  const pages = new Map(); // sso → the promise of its verification tab: { id, url } or null

  return {
    // One sign-in per source at a time: two clicks before the host has answered the first
    // sso.login share it (`start` runs once; its promise is the sign-in).
    start(sso, start) {
      let p = starting.get(sso);
      if (!p) {
        p = Promise.resolve()
          .then(start)
          .finally(() => starting.delete(sso));
        starting.set(sso, p);
      }
      return p;
    },

    // The source's verification tab, one at a time: `show(previous)` gets the last one's
    // { id, url } (or null) and returns the tab now showing the page; calls run one after the
    // other, so two clicks cannot open two tabs.
    showPage(sso, show) {
      const previous = pages.get(sso) ?? Promise.resolve(null);
      const next = previous.then(show);
      pages.set(sso, next.catch(() => null));
      return next;
    },

    // The verification tab, once its sign-in is over (approved): { id, url } or null; it is no
    // longer the source's (a later sign-in opens its own).
    async takePage(sso, url) {
      const current = pages.get(sso);
      const page = current ? await current : null;
      if (!page || page.url !== url) return null; // a later sign-in's page meanwhile
      if (pages.get(sso) === current) pages.delete(sso);
      return page;
    },

    // The sign-in in progress for a source, unless its code has expired.
    waiting(sso, now) {
      const login = bySource.get(sso);
      if (login && login.expiresAt > now) return login;
      return null;
    },

    // `checks`: what isVerificationUrl needs to recognise the source's pages (start URL, a
    // loopback OIDC endpoint), to tell whether its tab still shows one.
    begin(sso, { userCode, expiresAt, url, checks = {} }) {
      const login = { sso, userCode, expiresAt, url, checks, jobs: new Map() };
      bySource.set(sso, login);
      return login;
    },

    // A role joins the sign-in of its source: its job runs once approved. A later click of
    // the same role replaces its job (the last click says where to land).
    join(sso, role, job) {
      const login = bySource.get(sso);
      if (!login) throw new Error(`no sign-in in progress for ${sso}`);
      failures.delete(role);
      login.jobs.set(role, job);
      return login;
    },

    // Approved: the jobs to run (their roles show `opening` until jobDone / jobFailed), and
    // the sign-in is over. `login` guards against a newer sign-in of the same source having
    // replaced this one meanwhile.
    approved(login) {
      if (bySource.get(login.sso) === login) bySource.delete(login.sso);
      for (const role of login.jobs.keys()) opening.set(role, login.sso);
      return [...login.jobs];
    },

    jobDone(role) {
      opening.delete(role);
    },

    // Denied, expired or failed: every waiting role shows `error`.
    failed(login, error, now) {
      if (bySource.get(login.sso) === login) bySource.delete(login.sso);
      for (const role of login.jobs.keys()) failures.set(role, { sso: login.sso, error, at: now });
    },

    // A role's job failed after the approval (its console did not open).
    jobFailed(role, sso, error, now) {
      opening.delete(role);
      failures.set(role, { sso, error, at: now });
    },

    clear(role) {
      failures.delete(role);
    },

    // What the popup shows, per role: `waiting` (with the code to approve), `opening` (approved,
    // the console on its way) or `failed` (with the error). Plain data: it crosses runtime
    // messaging, never storage.
    view(now) {
      const out = [];
      for (const login of bySource.values()) {
        if (login.expiresAt <= now) continue;
        for (const role of login.jobs.keys()) out.push({ role, sso: login.sso, state: 'waiting', userCode: login.userCode, expiresAt: login.expiresAt });
      }
      for (const [role, sso] of opening) if (!out.some((o) => o.role === role)) out.push({ role, sso, state: 'opening' });
      for (const [role, f] of failures) {
        if (now - f.at > FAILED_TTL_MS) failures.delete(role);
        else if (!out.some((o) => o.role === role)) out.push({ role, sso: f.sso, state: 'failed', error: f.error });
      }
      return out;
    },
  };
}
