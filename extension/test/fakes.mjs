// Test doubles for the browser APIs the background uses.

export function fakePort() {
  const onMessage = [];
  const onDisconnect = [];
  return {
    sent: [],
    dead: false,
    error: null,
    postMessage(msg) {
      if (this.dead) throw new Error('Attempt to postMessage on disconnected port');
      this.sent.push(structuredClone(msg));
    },
    onMessage: { addListener: (f) => onMessage.push(f) },
    onDisconnect: { addListener: (f) => onDisconnect.push(f) },
    reply(msg) {
      for (const f of onMessage) f(msg);
    },
    drop(message) {
      this.dead = true;
      this.error = message ? { message } : null;
      for (const f of onDisconnect) f(this);
    },
    disconnect() {
      this.dead = true;
    },
  };
}

export function fakeTimers() {
  let next = 1;
  const timers = new Map();
  return {
    setTimeout(fn, ms) {
      const id = next++;
      timers.set(id, { fn, ms });
      return id;
    },
    clearTimeout(id) {
      timers.delete(id);
    },
    pending: () => [...timers.values()].map((t) => t.ms),
    fire() {
      const all = [...timers.values()];
      timers.clear();
      for (const t of all) t.fn();
    },
  };
}

export function fakeStorage(initial = {}) {
  const data = structuredClone(initial);
  return {
    data,
    async get(key) {
      const keys = key === null || key === undefined ? Object.keys(data) : Array.isArray(key) ? key : [key];
      return Object.fromEntries(keys.filter((k) => k in data).map((k) => [k, structuredClone(data[k])]));
    },
    async set(obj) {
      Object.assign(data, structuredClone(obj));
    },
    async remove(key) {
      delete data[key];
    },
  };
}

// contextualIdentities with Firefox's behaviour: get() of a removed id rejects.
export function fakeIdentities({ refuse = [] } = {}) {
  const all = new Map();
  let n = 0;
  const calls = { create: 0, update: 0 };
  return {
    all,
    calls,
    async get(id) {
      if (!all.has(id)) throw new Error(`Invalid contextual identity: ${id}`);
      return { ...all.get(id) };
    },
    async query({ name } = {}) {
      return [...all.values()].filter((c) => name === undefined || c.name === name).map((c) => ({ ...c }));
    },
    async create({ name, color, icon }) {
      if (refuse.includes(color)) throw new Error(`Invalid color value: ${color}`);
      calls.create++;
      const c = { cookieStoreId: `firefox-container-${++n}`, name, color, icon };
      all.set(c.cookieStoreId, c);
      return { ...c };
    },
    async update(id, changes) {
      if (!all.has(id)) throw new Error('gone');
      if (refuse.includes(changes.color)) throw new Error(`Invalid color value: ${changes.color}`);
      calls.update++;
      Object.assign(all.get(id), changes);
      return { ...all.get(id) };
    },
    async remove(id) {
      all.delete(id);
    },
  };
}

// An event as the browser APIs have them.
export function fakeEvent() {
  const listeners = new Set();
  return {
    listeners,
    addListener: (f) => listeners.add(f),
    removeListener: (f) => listeners.delete(f),
    fire: (...args) => [...listeners].forEach((f) => f(...args)),
  };
}

// tabs with the events the lifecycle code listens to. `onCreate(tab, tabs)` plays the page
// load (it may fire onUpdated); by default a created tab just exists.
export function fakeTabs(initial = [], { onCreate } = {}) {
  const all = initial.map((t) => ({ status: 'complete', ...t }));
  let next = 100;
  const log = { created: [], removed: [], reloaded: [], updated: [] };
  const api = {
    all,
    log,
    onUpdated: fakeEvent(),
    onRemoved: fakeEvent(),
    onCreated: fakeEvent(),
    async query(q = {}) {
      return all.filter((t) => (q.cookieStoreId === undefined || t.cookieStoreId === q.cookieStoreId) && (q.active === undefined || t.active === q.active)).map((t) => ({ ...t }));
    },
    async get(id) {
      const t = all.find((x) => x.id === id);
      if (!t) throw new Error(`Invalid tab ID: ${id}`);
      return { ...t };
    },
    async create(props) {
      const tab = { id: next++, status: 'loading', ...props };
      all.push(tab);
      log.created.push({ ...props });
      if (onCreate) queueMicrotask(() => onCreate(tab, api));
      return { ...tab };
    },
    async remove(id) {
      const i = all.findIndex((t) => t.id === id);
      if (i >= 0) all.splice(i, 1);
      log.removed.push(id);
      api.onRemoved.fire(id, {});
    },
    async reload(id) {
      log.reloaded.push(id);
    },
    async update(id, props) {
      log.updated.push({ id, ...props });
      for (const t of all) if (t.id === id) Object.assign(t, props);
    },
    // Moves a tab on (a redirect, a load) and tells the listeners, as Firefox does.
    set(tab, changes) {
      Object.assign(tab, changes);
      api.onUpdated.fire(tab.id, changes, { ...tab });
    },
  };
  return api;
}
