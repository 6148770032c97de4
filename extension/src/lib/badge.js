// The toolbar badge: how many roles have a live console, amber when one in use ends within
// the renewal window and will not be renewed unseen, red when one ended while in use.
// Pure: roles (roles.list), what is in use, the renewal record and a clock in.
import { effectiveEnd, renewalFailing } from './schedule.js';

export const BADGE_COLORS = Object.freeze({
  normal: { background: '#0061e0', text: '#ffffff' },
  amber: { background: '#ffa436', text: '#15141a' },
  red: { background: '#d70022', text: '#ffffff' },
});

// Returns { text, level: 'normal' | 'amber' | 'red', title }. With no live console and none
// ended in use, the text is empty (no badge). A console that ended in use with no live one
// left shows `!`, so the red is seen.
export function badgeFor({ roles, inUse, record = {}, now, settings, silentOk }) {
  const live = [];
  const ending = [];
  const ended = [];
  for (const role of roles) {
    const end = effectiveEnd(role, record);
    if (end === null) continue;
    const used = inUse.has(role.id);
    if (end <= now) {
      if (used) ended.push(role);
      continue;
    }
    live.push(role);
    if (!used || now < end - settings.renewBeforeMs) continue;
    const silent = silentOk && settings.autoRenew && role.session.renewable === 'silent';
    if (!silent || renewalFailing(record, role)) ending.push(role);
  }
  const level = ended.length ? 'red' : ending.length ? 'amber' : 'normal';
  const text = live.length ? String(live.length) : ended.length ? '!' : '';
  const name = (r) => r.label ?? r.id;
  const lines = [`rolecall: ${live.length === 1 ? '1 live console' : `${live.length} live consoles`}`];
  if (ended.length) lines.push(`Ended while open: ${ended.map(name).join(', ')}`);
  if (ending.length) lines.push(`Ending soon, renew by hand: ${ending.map(name).join(', ')}`);
  return { text, level, title: lines.join('\n') };
}
