import { containerStyle } from './colors.js';
import { loadContainerMap, resolveContainer, rolesWithTabs, serialized } from './containers.js';
import { RolecallError, describeError } from './errors.js';
import { containerName } from './naming.js';
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

  async function listRoles() {
    const { roles } = await client.request('roles.list');
    roleCache = new Map(roles.map((r) => [r.id, r]));
    return roles;
  }

  async function openTabs() {
    if (!containers) return [];
    const map = await loadContainerMap(api.storage.local);
    return rolesWithTabs(map, await api.tabs.query({}));
  }

  async function roles() {
    const [list, open] = await Promise.all([listRoles(), openTabs()]);
    return { roles: list, open, containers };
  }

  async function focusExisting(roleId) {
    const map = await loadContainerMap(api.storage.local);
    if (!map[roleId]) return null;
    const tab = pickExistingTab(await api.tabs.query({ cookieStoreId: map[roleId] }));
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
    const result = await client.request('console.open', params);

    if (!containers) {
      // Chromium: no containers yet, so a window of its own (issue: isolation comes later).
      const win = await openSignIn((p) => api.windows.create(p), { url: result.url, focused: !background });
      return { window: true, windowId: win?.id };
    }

    if (!roleCache.has(role)) await listRoles().catch(() => {});
    const info = roleCache.get(role) ?? { id: role, account_id: result.account_id };
    const style = containerStyle(result.container, result.account_id ?? info.account_id);
    const want = { name: containerName(settings.containerPattern, info, result.container?.name), ...style };
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
