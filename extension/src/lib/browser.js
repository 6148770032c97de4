// One namespace for both browsers: Firefox has the promise-based `browser`, and Chromium's
// MV3 `chrome.*` APIs return promises too, so the rest of the code never needs callbacks.
export const ext = globalThis.browser ?? globalThis.chrome;

// Containers exist only in Firefox (and only with the contextualIdentities permission).
export function hasContainers(api = ext) {
  return Boolean(api?.contextualIdentities);
}
