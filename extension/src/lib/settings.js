import { DEFAULT_PATTERN, isValidPattern } from './naming.js';

// What a click on a role does when that role already has a tab: `new` always opens a new
// console tab (the way the peers behave, and a fresh sign-in each time); `focus` switches to
// the role's existing tab instead.
export const CLICK_BEHAVIORS = ['new', 'focus'];
// Chromium-based browsers (no containers): `isolated_window` has the host launch the browser on
// a data directory of the role's own (its own cookies); `multi_session` opens plain sign-ins in
// tabs of this profile and relies on the console's multi-session mode (opt-in, 5 sessions).
export const CHROMIUM_MODES = ['isolated_window', 'multi_session'];
// confirmProduction: a production role (roles.list `risk`) opens on a second Enter or click.
export const DEFAULT_SETTINGS = Object.freeze({ clickBehavior: 'new', containerPattern: DEFAULT_PATTERN, chromiumMode: 'isolated_window', confirmProduction: true });
export const SETTINGS_KEY = 'settings';

export function normalizeSettings(raw) {
  const s = raw && typeof raw === 'object' ? raw : {};
  return {
    clickBehavior: CLICK_BEHAVIORS.includes(s.clickBehavior) ? s.clickBehavior : DEFAULT_SETTINGS.clickBehavior,
    containerPattern: isValidPattern(s.containerPattern) ? s.containerPattern : DEFAULT_SETTINGS.containerPattern,
    chromiumMode: CHROMIUM_MODES.includes(s.chromiumMode) ? s.chromiumMode : DEFAULT_SETTINGS.chromiumMode,
    confirmProduction: typeof s.confirmProduction === 'boolean' ? s.confirmProduction : DEFAULT_SETTINGS.confirmProduction,
  };
}

export async function loadSettings(storage) {
  const got = await storage.get(SETTINGS_KEY);
  return normalizeSettings(got?.[SETTINGS_KEY]);
}

export async function saveSettings(storage, settings) {
  const s = normalizeSettings(settings);
  await storage.set({ [SETTINGS_KEY]: s });
  return s;
}
