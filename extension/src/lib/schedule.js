// When each live console is renewed or the user told, and what is due now. Pure: the roles
// (roles.list), what has tabs open, the renewal record and a clock in; decisions out.
import { consoleEnd } from './timeleft.js';

const MINUTE = 60_000;
// A console minted this recently is never renewed: with a console shorter than the renewal
// window, each new console would be due at once and renewals would run back to back.
export const MIN_AGE_MS = 2 * MINUTE;
// A failed renewal is tried again after these delays (the last repeats), never in a loop.
export const RETRY_DELAYS_MS = [1, 2, 5, 10].map((m) => m * MINUTE);
// After this many failed silent renewals of one console the user is told too (and may renew
// by hand), while the retries go on.
export const TELL_AFTER_FAILURES = 3;

export function retryDelay(failures) {
  return RETRY_DELAYS_MS[Math.min(Math.max(failures, 1), RETRY_DELAYS_MS.length) - 1];
}

// The record, per role id, kept in storage.session (ids and times only):
//   minted:      { end, at }  a console rolecall minted (its end) and when
//   renewedFor:  end          the console end already renewed (never twice)
//   notifiedFor: end          the console end already told about
//   failures, retryAt         failed renewals of the current console and when to try again
//   stale:       { hostEnd, realEnd }  a renewal minted a console (the host now says it ends
//                at hostEnd) that never loaded: the role's tabs still have the old one
// host.info's settings (config.toml [settings]); `notifications` (protocol 7) off: nothing is
// planned as a notification, the badge still tells.
export function settingsFrom(info) {
  const s = info?.settings ?? {};
  const minutes = Number.isInteger(s.renew_before_minutes) && s.renew_before_minutes > 0 ? s.renew_before_minutes : 10;
  return { renewBeforeMs: minutes * MINUTE, autoRenew: s.auto_renew !== false, notifications: s.notifications !== false };
}

// `inUse`: role ids whose console is in use (Firefox: its container has a tab; isolated
// windows: its browser runs). `silentOk`: renewals may run unseen (Firefox containers);
// elsewhere a due console is told about and the user's click renews it.
// Returns { renew: [id], notify: [{ id, end }], nextAt } (nextAt: when to look again, or null).
export function planRenewals({ roles, inUse, record = {}, now, settings, silentOk }) {
  const renew = [];
  const notify = [];
  const wake = [];
  for (const role of roles) {
    const end = effectiveEnd(role, record);
    if (end === null) continue;
    if (end > now) wake.push(end); // the badge changes when it ends
    if (!inUse.has(role.id)) continue;
    const dueAt = end - settings.renewBeforeMs;
    if (now < dueAt) {
      wake.push(dueAt);
      continue;
    }
    const r = record[role.id] ?? {};
    if (r.renewedFor === end) continue;
    if (r.minted?.end === end && now < r.minted.at + MIN_AGE_MS) {
      wake.push(r.minted.at + MIN_AGE_MS);
      continue;
    }
    if (Number.isFinite(r.retryAt) && now < r.retryAt) {
      wake.push(r.retryAt);
      continue;
    }
    const silent = silentOk && settings.autoRenew && role.session.renewable === 'silent';
    if (silent) renew.push(role.id);
    const tell = settings.notifications !== false && (!silent || (r.failures ?? 0) >= TELL_AFTER_FAILURES);
    if (tell && r.notifiedFor !== end) notify.push({ id: role.id, end });
  }
  return { renew, notify, nextAt: wake.length ? Math.min(...wake) : null };
}

// Record updates, each returning a new record.
export function noteMinted(record, id, end, now) {
  return { ...record, [id]: { minted: { end, at: now } } };
}

export function noteRenewed(record, id, { oldEnd, newEnd }, now) {
  return { ...record, [id]: { minted: { end: newEnd, at: now }, renewedFor: oldEnd } };
}

// `minted` ({ hostEnd, realEnd }): the host minted a console the browser never loaded.
export function noteFailed(record, id, now, minted = null) {
  const r = record[id] ?? {};
  const failures = (r.failures ?? 0) + 1;
  const next = { ...r, failures, retryAt: now + retryDelay(failures) };
  if (minted && Number.isFinite(minted.hostEnd) && Number.isFinite(minted.realEnd)) next.stale = minted;
  return { ...record, [id]: next };
}

// When the role's console really ends: the host's word, unless a renewal minted a console
// that never reached the browser (then the old one is still what the tabs have).
export function effectiveEnd(role, record = {}) {
  const end = consoleEnd(role);
  const stale = record[role.id]?.stale;
  return stale && end !== null && stale.hostEnd === end ? stale.realEnd : end;
}

export function noteNotified(record, id, end) {
  return { ...record, [id]: { ...(record[id] ?? {}), notifiedFor: end } };
}

export function forgetRole(record, id) {
  const { [id]: _gone, ...rest } = record;
  return rest;
}

// Drops roles that no longer have a console, so the record stays small.
export function pruneRecord(record, roles) {
  const live = new Set(roles.filter((r) => consoleEnd(r) !== null).map((r) => r.id));
  return Object.fromEntries(Object.entries(record).filter(([id]) => live.has(id)));
}

// A renewal that failed for the console the role has now (the badge turns amber for it).
export function renewalFailing(record, role) {
  const r = record[role.id];
  return Boolean(r?.failures) && r.renewedFor !== effectiveEnd(role, record);
}
