import { RolecallError, classifyDisconnect } from './errors.js';

export const HOST_NAME = 'dev.rolecall.host';

// list/info answer in milliseconds; console.open calls STS and the sign-in endpoint (each
// bounded by the host's own 10 s timeout) and may wait on a keyring unlock prompt, and so
// may console.prepare (for up to ten roles at once) and sso.login (Identity Center's OIDC
// calls). sso.wait answers when the user approves, denies, or the code expires (AWS's
// device codes live 10 minutes).
export const DEFAULT_TIMEOUTS = Object.freeze({
  default: 10_000,
  'console.open': 60_000,
  'console.prepare': 60_000,
  'sso.login': 60_000,
  'sso.wait': 20 * 60_000,
});

// Reads that are safe to send twice. A port can die between two popup openings (the host
// crashed or was upgraded); one retry on a fresh host hides that. console.open is not
// retried: it may have reached AWS already.
const RETRY_ONCE = new Set(['host.info', 'roles.list']);

// The one place that talks to the host: JSON-RPC 2.0 over a native-messaging port, replies
// matched to requests by id, a timeout per request, and every pending request rejected when
// the port goes away. The next request reconnects (which starts a fresh host).
export class NativeClient {
  constructor({ connect, lastError = () => undefined, timeouts = DEFAULT_TIMEOUTS, timers = globalThis }) {
    this.connect = connect;
    this.lastError = lastError;
    this.timeouts = timeouts;
    this.timers = timers;
    this.port = null;
    this.nextId = 1;
    this.pending = new Map();
  }

  timeoutFor(method) {
    return this.timeouts[method] ?? this.timeouts.default ?? DEFAULT_TIMEOUTS.default;
  }

  ensurePort() {
    if (this.port) return this.port;
    const port = this.connect();
    port.onMessage.addListener((msg) => this.onMessage(port, msg));
    port.onDisconnect.addListener((p) => this.onDisconnect(port, p));
    this.port = port;
    return port;
  }

  async request(method, params) {
    try {
      return await this.send(method, params);
    } catch (e) {
      if (e?.kind !== 'host_disconnected' || !RETRY_ONCE.has(method)) throw e;
      return this.send(method, params);
    }
  }

  send(method, params) {
    return new Promise((resolve, reject) => {
      const id = this.nextId++;
      const ms = this.timeoutFor(method);
      const timer = this.timers.setTimeout(() => {
        if (!this.pending.delete(id)) return;
        reject(new RolecallError('timeout', `The rolecall host did not answer ${method} within ${Math.round(ms / 1000)} s.`));
      }, ms);
      this.pending.set(id, { resolve, reject, timer, method });
      const msg = { jsonrpc: '2.0', id, method };
      if (params !== undefined) msg.params = params;
      try {
        this.ensurePort().postMessage(msg);
      } catch (e) {
        // A port that died between requests throws here; start over on the next request.
        this.settle(id, null, new RolecallError('host_disconnected', `Could not reach the rolecall host: ${e?.message ?? e}`));
        this.port = null;
      }
    });
  }

  settle(id, result, error) {
    const entry = this.pending.get(id);
    if (!entry) return false;
    this.pending.delete(id);
    this.timers.clearTimeout(entry.timer);
    if (error) entry.reject(error);
    else entry.resolve(result);
    return true;
  }

  onMessage(port, msg) {
    if (port !== this.port || !msg || typeof msg !== 'object') return;
    if (msg.id == null) {
      // Parse errors carry id null and cannot be matched; only the kind is logged (never data).
      console.warn('rolecall host sent an unmatched reply', msg.error?.data?.kind ?? '');
      return;
    }
    if (msg.error) {
      const { code, message, data } = msg.error;
      this.settle(msg.id, null, new RolecallError(data?.kind ?? 'internal', message, { code, data }));
    } else {
      this.settle(msg.id, msg.result, null);
    }
  }

  onDisconnect(port, p) {
    if (port !== this.port) return;
    this.port = null;
    // Firefox puts the reason on port.error, Chromium on runtime.lastError (read it here so
    // Chromium does not log it as unchecked).
    const reason = p?.error?.message ?? port.error?.message ?? this.lastError()?.message ?? '';
    const kind = classifyDisconnect(reason);
    const text = {
      host_missing: 'The rolecall host is not installed for this browser',
      host_forbidden: 'The rolecall host does not allow this extension',
      host_disconnected: 'The rolecall host stopped before answering',
    }[kind];
    for (const id of [...this.pending.keys()]) {
      this.settle(id, null, new RolecallError(kind, reason ? `${text} (${reason}).` : `${text}.`));
    }
  }

  disconnect() {
    const port = this.port;
    if (!port) return;
    this.port = null;
    try {
      port.disconnect();
    } catch {
      // already gone
    }
    for (const id of [...this.pending.keys()]) {
      this.settle(id, null, new RolecallError('host_disconnected', 'The connection to the rolecall host was closed.'));
    }
  }
}
