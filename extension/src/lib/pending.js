// The MFA prompt the popup is showing, kept in storage.session so it survives the popup
// closing (switching to an authenticator app closes it) and is gone when the browser quits.
// Only what is needed to show the prompt again: never the code.
export const PENDING_KEY = 'pendingMfa';
// Long enough to find the phone and read a code, short enough that an old prompt does not
// greet someone hours later.
export const PENDING_TTL_MS = 5 * 60 * 1000;

// `action` 'renew': the code is for renewing the role's console (a notification's click, the
// row's Renew), not for opening a tab; kept only then. `landing`: where the open lands, by
// name only (a service, a link's name, a region; never a URL or path).
export async function savePending(storage, { role, gateway, background, action, landing }, now = Date.now()) {
  const p = { role, gateway: gateway ?? null, background: Boolean(background), at: now };
  if (action === 'renew') p.action = 'renew';
  const named = namedLanding(landing);
  if (named) p.landing = named;
  await storage.set({ [PENDING_KEY]: p });
}

// The parts of a landing that are names: { service?, link?, region? } of short strings.
export function namedLanding(landing) {
  if (!landing || typeof landing !== 'object') return null;
  const out = {};
  for (const k of ['service', 'link', 'region']) {
    if (typeof landing[k] === 'string' && landing[k].length <= 64) out[k] = landing[k];
  }
  return Object.keys(out).length ? out : null;
}

export async function clearPending(storage) {
  await storage.remove(PENDING_KEY);
}

// The pending prompt, or null when there is none or it has expired (an expired one is removed).
export async function loadPending(storage, now = Date.now()) {
  const p = (await storage.get(PENDING_KEY))?.[PENDING_KEY];
  if (!p || typeof p.role !== 'string' || !Number.isFinite(p.at)) return null;
  if (now - p.at > PENDING_TTL_MS || now < p.at) {
    await clearPending(storage);
    return null;
  }
  return {
    role: p.role,
    gateway: typeof p.gateway === 'string' ? p.gateway : null,
    background: p.background === true,
    action: p.action === 'renew' ? 'renew' : 'open',
    landing: namedLanding(p.landing),
    at: p.at,
  };
}
