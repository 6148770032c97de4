// Turns any failure (a host error reply, a missing host, a timeout) into what the popup
// shows: the host's own sentence, plus the next step a person can take.

// Kinds the extension itself produces (the host's kinds are in docs/PROTOCOL.md).
export const CLIENT_KINDS = ['host_missing', 'host_forbidden', 'host_disconnected', 'timeout', 'extension_error'];

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

// kind → next step. The host's sentences already say what to do for the kinds that come
// from the set-up or from AWS (docs/PROTOCOL.md: "a sentence a person can act on"), so a next
// step is added only where the extension knows more than the host: the host is missing or
// broken, the two disagree on the protocol, or the popup's list is stale.
const NEXT_STEPS = {
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
};

const FALLBACK_MESSAGES = {
  host_missing: 'The rolecall host is not installed for this browser.',
  host_forbidden: 'The rolecall host is installed, but not for this extension.',
  host_disconnected: 'The rolecall host stopped unexpectedly.',
  timeout: 'The rolecall host did not answer in time.',
  extension_error: 'The extension\'s background page did not answer.',
};

export function nextStep(kind) {
  return NEXT_STEPS[kind] ?? '';
}

// A plain object (it crosses runtime messaging): the kind, the sentence to show, the next step,
// and the few data fields the popup uses. The host's message is shown as is.
export function describeError(err) {
  const kind = err?.kind ?? 'extension_error';
  const data = err?.data ?? {};
  const message = (typeof err?.message === 'string' && err.message) || FALLBACK_MESSAGES[kind] || 'Something went wrong.';
  const out = { kind, message, next: nextStep(kind) };
  for (const field of ['gateway', 'mfa_serial', 'role', 'path']) {
    if (typeof data[field] === 'string') (out.data ??= {})[field] = data[field];
  }
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
