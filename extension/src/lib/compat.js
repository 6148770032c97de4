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

// How to upgrade the host, for each way of installing it (README, "Install").
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

// host: host.info's result. Returns null when the host speaks `expected` or a later protocol,
// else { title, text, steps }. A host that reports no protocol is taken to speak 1, as
// service.js does.
export function hostUpgradeNotice(host, expected = EXPECTED_PROTOCOL) {
  const protocol = Number.isInteger(host?.protocol) ? host.protocol : 1;
  if (protocol >= expected) return null;
  const version = typeof host?.version === 'string' && host.version ? `rolecall ${host.version}` : 'The rolecall host';
  return {
    title: 'Upgrade the rolecall host',
    text: `${version} speaks protocol ${protocol}; this extension needs protocol ${expected} or later, so parts of it will not work until the host is upgraded. Upgrade it the way you installed it, then reopen this page:`,
    steps: UPGRADE_STEPS,
  };
}
