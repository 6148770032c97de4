// A value read from storage.local once and kept in memory until storage says it changed, so
// a click does not wait for a storage round trip. Without storage.onChanged (tests' fakes)
// every read goes to storage.
export function cachedRead(api, key, load) {
  const events = api.storage.onChanged;
  let kept = null;
  events?.addListener((changes, area) => {
    if (area === 'local' && key in changes) kept = null;
  });
  return () => {
    if (!events) return load(api.storage.local);
    if (kept === null) {
      const read = load(api.storage.local);
      kept = read;
      read.catch(() => {
        if (kept === read) kept = null;
      });
    }
    return kept;
  };
}
