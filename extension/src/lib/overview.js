// The options page's overview of the config: every role with its group, source, risk, MFA
// mode and live state, and every source (gateways, IAM Identity Center) with its roles and
// state, from roles.list (and, from a host of protocol 7, config.read's sources and their
// editable MFA fields). Pure.
import { consoleEnd, timeLeftText } from './timeleft.js';

// A role's state in a few words: its console's time left, or what its next open needs.
export function liveState(role, now) {
  const parts = [];
  const end = consoleEnd(role);
  if (end !== null) parts.push(timeLeftText(end, now));
  if (role.needs_login) parts.push('needs sign-in');
  else if (role.needs_code) parts.push('needs code');
  return parts.join(', ') || (end === null ? 'no console' : '');
}

function sourceOf(role) {
  if (role.source === 'sso' || role.sso) return { kind: 'sso', name: role.source_name ?? role.sso };
  return { kind: 'gateway', name: role.source_name ?? role.gateway ?? '?' };
}

export function roleRows(roles, now) {
  return roles.map((r) => {
    const source = sourceOf(r);
    return {
      id: r.id,
      label: r.label ?? r.id,
      account: r.account_id,
      roleName: r.role_name,
      group: r.group ?? '',
      source: `${source.name} (${source.kind === 'sso' ? 'IAM Identity Center' : 'gateway'})`,
      risk: r.risk === 'production' ? 'production' : '',
      // MFA is a gateway's: per role or one code a day; SSO roles have none of their own.
      mfa: source.kind === 'sso' ? '—' : r.mfa ? (r.mfa_mode === 'daily' ? 'daily' : 'per role') : 'none',
      state: liveState(r, now),
      catalog: r.catalog ?? '',
    };
  });
}

// One row per source, in the order their first role comes: its kind, MFA mode, how many roles
// use it, how many of those have a live console, and what its next open needs. With `config`
// (config.read, host protocol 7): every configured source, also those without roles yet, and
// for a gateway its editable MFA fields (`gateway`).
export function sourceRows(roles, now, config = null) {
  const by = new Map();
  for (const r of roles) {
    const { kind, name } = sourceOf(r);
    const key = `${kind}:${name}`;
    if (!by.has(key)) by.set(key, { kind, name, roles: 0, live: 0, mfa: kind === 'sso' ? '—' : 'none', needs: false });
    const s = by.get(key);
    s.roles += 1;
    if ((consoleEnd(r) ?? 0) > now) s.live += 1;
    if (kind === 'gateway' && r.mfa) s.mfa = r.mfa_mode === 'daily' ? 'daily' : 'per role';
    if (r.needs_login || r.needs_code) s.needs = true;
  }
  const gateways = new Map((config?.gateways ?? []).map((g) => [g.name, g]));
  for (const [kind, list] of [['gateway', config?.gateways], ['sso', config?.sso]]) {
    for (const { name } of list ?? []) {
      if (!by.has(`${kind}:${name}`)) by.set(`${kind}:${name}`, { kind, name, roles: 0, live: 0, mfa: kind === 'sso' ? '—' : 'none', needs: false, none: true });
    }
  }
  return [...by.values()].map((s) => {
    const gateway = s.kind === 'gateway' ? gateways.get(s.name) ?? null : null;
    const mfa = gateway ? (gateway.mfa ? (gateway.mfa_mode === 'daily' ? 'daily' : 'per role') : 'none') : s.mfa;
    return {
      kind: s.kind === 'sso' ? 'IAM Identity Center' : 'gateway',
      type: s.kind,
      name: s.name,
      mfa,
      roles: s.roles,
      live: s.live,
      state: s.none ? 'no roles yet' : s.kind === 'sso' ? (s.needs ? 'needs sign-in' : 'signed in') : s.needs ? 'next open asks for a code' : 'ready',
      gateway,
    };
  });
}
