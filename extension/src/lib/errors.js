// Turns any failure (a host error reply, a missing host, a timeout) into what the popup
// shows: a headline sentence, the next step a person can take, and for some kinds the host's
// whole message as details.

// Kinds the extension itself produces (the host's kinds are in docs/PROTOCOL.md).
export const CLIENT_KINDS = ['host_missing', 'host_forbidden', 'host_disconnected', 'timeout', 'extension_error', 'signed_out'];

export class RolecallError extends Error {
  constructor(kind, message, { code, data } = {}) {
    super(message);
    this.name = 'RolecallError';
    this.kind = kind;
    this.code = code;
    this.data = data ?? {};
  }
}

const INSTALL = 'Install rolecall, run `rolecall install` to register it with your browsers, then reopen this popup.';
const PROTOCOL_MISMATCH = 'The extension and the rolecall host disagree on the protocol: update both to the same release.';

// kind → headline, for the kinds whose host message carries text from AWS or the system: an
// ARN, AWS's own error, a reason in parentheses, a config path. Such a message is hard to
// read as the first thing in a small popup, so the popup leads with the headline and the next
// step and puts the host's whole message under "Details", where it can be copied.
const HEADLINES = {
  access_denied: 'AWS refused to let the gateway assume this role.',
  credentials_invalid: 'AWS does not accept the gateway\'s keys.',
  keyring_unavailable: 'The OS keyring is locked or not available.',
  upstream_unavailable: 'AWS could not be reached.',
  upstream_error: 'AWS answered with an error.',
  config_invalid: 'The rolecall config file is invalid.',
  internal: 'The rolecall host failed.',
};

// kind → next step. The other host messages are short sentences that already say what to do
// (docs/PROTOCOL.md: "a sentence a person can act on") and are shown whole, so a next step is
// added only for the kinds above (the advice would otherwise be hidden in the details) and
// where the extension knows more than the host: the host is missing or broken, the two
// disagree on the protocol, or the popup's list is stale. `{gateway}` is filled in from the
// error's data.
const NEXT_STEPS = {
  access_denied: 'Check the role\'s trust policy and the gateway user\'s IAM policy.',
  credentials_invalid: 'Store current keys with `rolecall gateway add {gateway} --access-key-id <ID>`.',
  keyring_unavailable: 'Unlock it (or start a Secret Service such as gnome-keyring), then try again; `rolecall doctor` checks it.',
  upstream_unavailable: 'Check your network or proxy and try again.',
  config_invalid: 'It was left unchanged: fix it, or use the `rolecall role` and `rolecall gateway` commands.',
  internal: 'Please report it, with the details.',
  host_missing: INSTALL,
  host_forbidden: 'Run `rolecall install` again so the host allows this extension, then reopen this popup.',
  host_disconnected: 'Run `rolecall doctor` in a terminal to see why; the browser console shows the host\'s log.',
  timeout: 'Try again; if it keeps happening, run `rolecall doctor`.',
  extension_error: 'Reload the extension (or restart the browser) and try again.',
  parse_error: PROTOCOL_MISMATCH,
  frame_too_large: PROTOCOL_MISMATCH,
  invalid_request: PROTOCOL_MISMATCH,
  unknown_method: PROTOCOL_MISMATCH,
  invalid_params: PROTOCOL_MISMATCH,
  unknown_role: 'The role list is out of date: reopen the popup.',
  upstream_error: 'Try again in a moment; if it persists, run `rolecall doctor`.',
  response_too_large: 'The host\'s answer was too large for the browser: please report this as a bug.',
  // IAM Identity Center: the host's sentence says what happened; the way out is a new code.
  sso_login_expired: 'Click the role again for a new code, and approve it within its time.',
  sso_login_denied: 'Click the role again to sign in with a new code.',
  // A sign-out came while the console was on its way; the role itself is fine.
  signed_out: 'Click the role again to open a new console.',
  // The options page's edits (protocol 7): the host's sentence names the field and the rule.
  config_busy: 'Wait for the other rolecall command to finish, then save again.',
};

const FALLBACK_MESSAGES = {
  host_missing: 'The rolecall host is not installed for this browser.',
  host_forbidden: 'The rolecall host is installed, but not for this extension.',
  host_disconnected: 'The rolecall host stopped unexpectedly.',
  timeout: 'The rolecall host did not answer in time.',
  extension_error: 'The extension\'s background page did not answer.',
};

export function nextStep(kind, data = {}) {
  return (NEXT_STEPS[kind] ?? '').replaceAll('{gateway}', typeof data.gateway === 'string' ? data.gateway : 'GATEWAY');
}

// A plain object (it crosses runtime messaging): the kind, the sentence to show first, the next
// step, the host's whole message when a headline stands in for it, and the few data fields
// the popup uses.
export function describeError(err) {
  const kind = err?.kind ?? 'extension_error';
  const data = err?.data ?? {};
  const text = (typeof err?.message === 'string' && err.message) || '';
  const headline = Object.hasOwn(HEADLINES, kind) ? HEADLINES[kind] : null;
  const message = headline ?? (text || FALLBACK_MESSAGES[kind] || 'Something went wrong.');
  const out = { kind, message, next: nextStep(kind, data) };
  if (headline && text) out.details = text;
  // mfa_required (protocol 7) also says the gateway's mode, how long a daily code lasts, and
  // why its MFA command gave no code: the prompt shows them.
  for (const field of ['gateway', 'mfa_serial', 'role', 'path', 'sso', 'field', 'catalog', 'mfa_mode', 'mfa_process_error']) {
    if (typeof data[field] === 'string') (out.data ??= {})[field] = data[field];
  }
  if (Number.isInteger(data.mfa_session_hours) && data.mfa_session_hours > 0) (out.data ??= {}).mfa_session_hours = data.mfa_session_hours;
  // Which link of a role's `links` an edit's refusal is about.
  if (Number.isInteger(data.index) && data.index >= 0) (out.data ??= {}).index = data.index;
  return out;
}

// Native-port disconnect messages differ per browser: Firefox says "No such native
// application <name>", Chromium "Specified native messaging host not found." or "Access to
// the specified native messaging host is forbidden."
export function classifyDisconnect(message) {
  const m = String(message ?? '');
  if (/no such native application|native messaging host not found|not found/i.test(m)) return 'host_missing';
  if (/forbidden/i.test(m)) return 'host_forbidden';
  return 'host_disconnected';
}
