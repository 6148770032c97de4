// Where a console tab goes: next to the current tab and focused, or in the background when
// the click was a middle click or came with Ctrl/Cmd (as for links).

export function wantsBackground(event) {
  return Boolean(event && (event.button === 1 || event.ctrlKey || event.metaKey));
}

export function tabCreateProps({ url, cookieStoreId, current, background }) {
  const props = { url, active: !background };
  if (cookieStoreId) props.cookieStoreId = cookieStoreId;
  if (current && Number.isInteger(current.index)) {
    props.index = current.index + 1;
    props.windowId = current.windowId;
  }
  return props;
}

// The tab to switch to for a role in "focus" mode: the most recently used one.
export function pickExistingTab(tabs) {
  let best = null;
  for (const t of tabs) {
    if (!best || (t.lastAccessed ?? 0) > (best.lastAccessed ?? 0)) best = t;
  }
  return best;
}
