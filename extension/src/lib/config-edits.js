// The options page's edits of the config (host protocol 7), as the background asks them:
// config.read, role.update, gateway.update and settings.update. The host checks every field
// (the CLI's rules) and saves under the config's update lock; this only passes them on,
// refuses a host too old for them, and once an edit changed the config has the caller
// refresh what it keeps (the listing the popup gets, the host's settings).
import { FEATURE_PROTOCOL } from './compat.js';
import { RolecallError } from './errors.js';

const isObject = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);

// `protocol()`: the host's protocol (host.info). `changed(method)`: an edit was saved.
export function createConfigEdits({ client, protocol, changed }) {
  async function needsEditing() {
    const p = await protocol();
    if (p < FEATURE_PROTOCOL.editing) {
      throw new RolecallError('extension_error', `This rolecall host speaks protocol ${p}; editing the config here needs protocol ${FEATURE_PROTOCOL.editing}: upgrade the host.`);
    }
  }

  // `changes`: the fields to change, as the page has them; the id it names wins over any in
  // `changes` (the page edits the role or gateway it asked for, nothing else).
  async function edit(method, changes, target) {
    if (!isObject(changes)) throw new RolecallError('invalid_params', 'Nothing to change was given.');
    await needsEditing();
    const result = await client.request(method, { ...changes, ...target });
    if (result?.changed) await changed(method).catch(() => {});
    return result;
  }

  function id(value, what) {
    if (typeof value !== 'string' || value === '') throw new RolecallError('invalid_params', `No ${what} was given.`);
    return value;
  }

  return {
    // The editable view: gateways, sources, settings, choices, and `roles` (ids) when asked.
    async config({ roles } = {}) {
      await needsEditing();
      const ids = Array.isArray(roles) ? roles.filter((r) => typeof r === 'string') : [];
      return { config: await client.request('config.read', ids.length ? { roles: ids } : undefined) };
    },
    editRole: ({ role, changes }) => edit('role.update', changes, { role: id(role, 'role') }),
    editGateway: ({ gateway, changes }) => edit('gateway.update', changes, { gateway: id(gateway, 'gateway') }),
    editSettings: ({ changes }) => edit('settings.update', changes, {}),
  };
}
