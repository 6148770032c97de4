// Asks the background for the role list as soon as the popup starts, while its modules are
// still loading (a classic script runs at once; popup.js, a module, runs after all of its
// imports): with thousands of roles, the answer is then ready when popup.js wants it.
// popup.js takes the promise from window.rolecallEarly (and asks itself if it is missing), and
// the granted permissions (which cookie domains sign-out may clear) from window.rolecallGrants.
// It is the page's first script, before the stylesheets: a classic script after them would
// wait for them to load.
performance.mark('rolecall:early-start'); // for tests/bench/popup_bench.py
globalThis.rolecallGrants = (globalThis.browser ?? globalThis.chrome).permissions?.getAll?.().catch(() => null) ?? null;
globalThis.rolecallEarly = (globalThis.browser ?? globalThis.chrome).runtime
  .sendMessage({ type: 'roles', prepare: true, cached: true, text: true, head: 32, later: true }) // popup.js's HEAD; the text in a second answer
  .then((reply) => {
    performance.mark('rolecall:early-reply'); // for tests/bench/popup_bench.py
    return reply && typeof reply === 'object' ? reply : null;
  }, () => null);
