// Whether the rolecall host is new enough for this extension, and what to tell the user when
// it is not. The host reports its protocol version in host.info (docs/PROTOCOL.md: an integer
// that only grows); the options page shows the notice.

// The protocol this extension is written against: 3 added console.prepare, the session state
// in roles.list and the settings in host.info; 4 IAM Identity Center (sso.login, sso.wait,
// needs_login); 5 roles.list's pages and each role's risk and links, which the picker uses.
// An older host still works where it can: missing fields mean "none". 6 (compact listings
// and `etag`, service.js) is used when the host has it but not asked for: a protocol-5 host
// lists the same roles, in more bytes.
export const EXPECTED_PROTOCOL = 5;

// Features of a later protocol than EXPECTED_PROTOCOL, each with the protocol it needs. An
// older host still works for everything else; where a feature is shown, the page says what
// it lacks (`featureNote`) instead of the upgrade notice above. 7: the options page edits the
// config (config.read, role.update, gateway.update, settings.update; service.js asks them
// through config-edits.js).
export const FEATURE_PROTOCOL = Object.freeze({ editing: 7 });

// How to upgrade the host, for each way of installing it (docs/INSTALL.md, "Versions and upgrades").
export const UPGRADE_STEPS = [
  {
    how: 'Installed from the Debian or Ubuntu package',
    command: 'sudo apt install ./rolecall_<version>-1_amd64.deb',
    note: 'with the newest package from the release page',
  },
  {
    how: 'Installed with ./setup.sh',
    command: 'git pull && ./setup.sh',
    note: 'in your rolecall checkout',
  },
  {
    how: 'Installed from a release archive',
    command: 'rolecall install',
    note: 'after copying the newest archive\'s rolecall over the old one',
  },
];

// The protocol host.info reports; a host that reports none (or garbage) speaks 1.
export function protocolOf(host) {
  return Number.isInteger(host?.protocol) ? host.protocol : 1;
}

export function supports(host, feature) {
  return protocolOf(host) >= (FEATURE_PROTOCOL[feature] ?? Infinity);
}

// What to say beside a feature this host is too old for: { text, steps } (how to upgrade), or
// null when it has it.
export function featureNote(host, feature) {
  if (supports(host, feature)) return null;
  const needed = FEATURE_PROTOCOL[feature];
  const what = { editing: 'Changing these here' }[feature] ?? 'This';
  return {
    text: `Read-only: ${what.toLowerCase()} needs rolecall host protocol ${needed}, and this host speaks ${protocolOf(host)}. Upgrade the host the way you installed it, or make the change with \`rolecall\` in a terminal.`,
    steps: UPGRADE_STEPS,
  };
}

// host: host.info's result. Returns null when the host speaks `expected` or a later protocol,
// else { title, text, steps }. A host that reports no protocol is taken to speak 1, as
// service.js does.
export function hostUpgradeNotice(host, expected = EXPECTED_PROTOCOL) {
  const protocol = protocolOf(host);
  if (protocol >= expected) return null;
  const version = typeof host?.version === 'string' && host.version ? `rolecall ${host.version}` : 'The rolecall host';
  return {
    title: 'Upgrade the rolecall host',
    text: `${version} speaks protocol ${protocol}; this extension needs protocol ${expected} or later, so parts of it will not work until the host is upgraded. Upgrade it the way you installed it, then reopen this page:`,
    steps: UPGRADE_STEPS,
  };
}
