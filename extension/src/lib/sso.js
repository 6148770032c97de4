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

// The verification page is opened only if it is a web page: https, or http on a loopback
// address (the test stack's Identity Center fake). Never a javascript:, file: or data: URL,
// whatever a host says.
export function isVerificationUrl(url) {
  let u;
  try {
    u = new URL(url);
  } catch {
    return false;
  }
  if (u.username || u.password) return false;
  if (u.protocol === 'https:') return true;
  return u.protocol === 'http:' && ['127.0.0.1', 'localhost', '[::1]'].includes(u.hostname);
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

  return {
    // The sign-in in progress for a source, unless its code has expired.
    waiting(sso, now) {
      const login = bySource.get(sso);
      if (login && login.expiresAt > now) return login;
      return null;
    },

    begin(sso, { userCode, expiresAt, url }) {
      const login = { sso, userCode, expiresAt, url, jobs: new Map() };
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
