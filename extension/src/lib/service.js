import { containerStyle } from './colors.js';
import { loadContainerMap, ownContainer, resolveContainer, rolesWithTabs, serialized } from './containers.js';
import { RolecallError, describeError } from './errors.js';
import { uniqueContainerName } from './naming.js';
import { loadSettings } from './settings.js';
import { pickExistingTab, tabCreateProps } from './tabs.js';

const MFA_CODE = /^\d{6}$/;

// Opens the sign-in URL through `create` (tabs.create or windows.create). A browser's error
// may quote the URL; it must not travel on to the popup, so it is cut out of the message.
async function openSignIn(create, props) {
  try {
    return await create(props);
  } catch (e) {
    const why = String(e?.message ?? e).split(props.url).join('<sign-in URL>');
    throw new RolecallError('extension_error', `The browser could not open the console: ${why}`);
  }
}

// The background's work, with the browser API and the host client passed in so it can be
// tested without a browser. The popup and options pages ask; this asks the host, finds or
// creates the container and opens the tab. The sign-in URL goes to tabs/windows.create and
// nowhere else: it is not returned, stored or logged.
export function createService({ api, client }) {
  const containers = Boolean(api.contextualIdentities);
  const inOrder = serialized();
  let roleCache = new Map();

  // A host (protocol 5) answers as many roles as fit in one message and says where the
  // rest start (`next_cursor`); an older host answers them all at once. When the config
  // changes between pages (`stale_cursor`), the listing starts again, a few times at most.
  async function listRoles() {
    for (let attempt = 0; ; attempt++) {
      try {
        let { roles, next_cursor: cursor } = await client.request('roles.list');
        while (typeof cursor === 'string') {
          const page = await client.request('roles.list', { cursor });
          roles = roles.concat(page.roles ?? []);
          cursor = page.next_cursor;
        }
        roleCache = new Map(roles.map((r) => [r.id, r]));
        return roles;
      } catch (e) {
        if (e?.kind !== 'stale_cursor' || attempt >= 2) throw e;
      }
    }
  }

  async function openTabs() {
    if (!containers) return [];
    const map = await loadContainerMap(api.storage.local);
    return rolesWithTabs(map, await api.tabs.query({}));
  }

  // The host's protocol version, asked once: isolated windows need protocol 2.
  let protocol = null;
  async function hostProtocol() {
    if (protocol === null) protocol = (await client.request('host.info'))?.protocol ?? 1;
    return protocol;
  }

  // How a click opens a console here: 'container' (Firefox), else the Chromium mode chosen
  // in the options ('isolated_window' needs a host that knows it; older hosts get 'window').
  async function openMode(settings) {
    if (containers) return 'container';
    if (settings.chromiumMode === 'multi_session') return 'multi_session';
    return (await hostProtocol()) >= 2 ? 'isolated_window' : 'window';
  }

  async function roles() {
    const settings = await loadSettings(api.storage.local);
    const [list, open, mode] = await Promise.all([listRoles(), openTabs(), openMode(settings)]);
    // Chromium: the roles whose isolated window is running (the host sees their browser).
    const running = containers ? open : list.filter((r) => r.window_open).map((r) => r.id);
    return { roles: list, open: running, containers, mode };
  }

  async function focusExisting(roleId) {
    const store = ownContainer(await loadContainerMap(api.storage.local), roleId);
    if (!store) return null;
    const tab = pickExistingTab(await api.tabs.query({ cookieStoreId: store }));
    if (!tab) return null;
    await api.tabs.update(tab.id, { active: true });
    await api.windows?.update(tab.windowId, { focused: true });
    return tab;
  }

  async function open({ role, mfaCode, background = false }) {
    if (typeof role !== 'string' || role === '') throw new RolecallError('invalid_params', 'No role was given.');
    if (mfaCode !== undefined && !MFA_CODE.test(mfaCode)) {
      throw new RolecallError('mfa_invalid', 'An MFA code is 6 digits.');
    }
    const settings = await loadSettings(api.storage.local);
    if (containers && settings.clickBehavior === 'focus' && !background) {
      const tab = await focusExisting(role);
      if (tab) return { focused: true, tabId: tab.id };
    }
    const params = { role };
    if (mfaCode !== undefined) params.mfa_code = mfaCode;
    const mode = await openMode(settings);
    if (mode === 'isolated_window') {
      // The host launches the browser on the role's data directory; no URL comes back here.
      const result = await client.request('console.open', { ...params, open_in: 'isolated_window' });
      return { launched: true, mode, wasRunning: Boolean(result.was_running) };
    }
    const result = await client.request('console.open', params);

    if (mode === 'multi_session') {
      // A plain sign-in in a new tab of this profile: with multi-session on, AWS adds a session.
      const [current] = await api.tabs.query({ active: true, lastFocusedWindow: true });
      const tab = await openSignIn((p) => api.tabs.create(p), tabCreateProps({ url: result.url, current, background }));
      return { tabId: tab.id, mode };
    }
    if (mode === 'window') {
      // A host older than protocol 2: a window of this profile (one account at a time).
      const win = await openSignIn((p) => api.windows.create(p), { url: result.url, focused: !background });
      return { window: true, windowId: win?.id, mode };
    }

    if (!roleCache.has(role)) await listRoles().catch(() => {});
    const info = roleCache.get(role) ?? { id: role, account_id: result.account_id };
    const style = containerStyle(result.container, result.account_id ?? info.account_id);
    const name = uniqueContainerName(settings.containerPattern, [...roleCache.values()], info, result.container?.name);
    const want = { name, ...style };
    const { cookieStoreId, created } = await inOrder(() =>
      resolveContainer({ identities: api.contextualIdentities, storage: api.storage.local, roleId: role, want }),
    );
    const [current] = await api.tabs.query({ active: true, lastFocusedWindow: true });
    const tab = await openSignIn((p) => api.tabs.create(p), tabCreateProps({ url: result.url, cookieStoreId, current, background }));
    return { tabId: tab.id, container: want.name, cookieStoreId, created };
  }

  async function info() {
    return { host: await client.request('host.info'), containers };
  }

  async function forget() {
    return client.request('session.forget');
  }

  const handlers = { roles, open, info, forget };

  // Runtime-message entry point. Only this extension's own pages may ask: other extensions are
  // refused by id, and anything not loaded from our own origin (there are no content scripts)
  // by URL; a message that does not say where it comes from is refused too.
  async function handle(msg, sender) {
    const ownOrigin = api.runtime.getURL?.('');
    if (!sender || sender.id !== api.runtime.id || (ownOrigin && !String(sender.url ?? '').startsWith(ownOrigin))) {
      return { ok: false, error: describeError(new RolecallError('extension_error', 'Refused a message from outside rolecall.')) };
    }
    const handler = handlers[msg?.type];
    if (!handler) return { ok: false, error: describeError(new RolecallError('extension_error', `Unknown request ${msg?.type}.`)) };
    try {
      return { ok: true, ...(await handler(msg)) };
    } catch (e) {
      return { ok: false, error: describeError(e) };
    }
  }

  return { handle, roles, open, info, forget };
}
