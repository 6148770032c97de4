#!/usr/bin/env python3
"""A click in the real Firefox, prepared or not (issue 12, item 10): from the click on a role
in the popup to the console tab's navigation starting, with a delay injected on the sign-in
endpoint (200 ms by default), through the real extension and host against the loopback stack.

Prepared: the popup has just opened, so the extension's console.prepare has minted the
role's sign-in token in the host's memory; the click makes no network call before the tab
navigates. Unprepared: a second click on the same popup (the token is used up), with cached
credentials: one getSigninToken call, so the delay and the call come before the navigation.
Floor: the same click with the popup opening a tab in the role's container itself: what
Firefox alone takes, with no message to the background and no host.

The click is a real pointer click (WebDriver BiDi input); its time is Date.now() in the
popup's capturing click listener; the navigation's is the `timestamp` of BiDi's
browsingContext.navigationStarted for the new tab's sign-in URL (both milliseconds on the
same clock). Run it through `tests/bench/run` (a private D-Bus session with an unlocked
gnome-keyring); it writes target/bench/click.md.

--quick (the smoke test the bench stage of tests/run calls): two rounds, no timing claims; it checks
that a prepared click made no getSigninToken call and an unprepared one made exactly one.
"""

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
sys.path[:0] = [str(REPO / "tests" / "e2e"), str(REPO / "tests" / "lib")]

from drivers import Firefox, wait_for  # noqa: E402
from host import binary, cli  # noqa: E402
from stack import AwsStack, rolecall_env  # noqa: E402

ROLE = "bench"
ROLE_SELECTOR = f'[data-role="{ROLE}"]'


def p95(xs):
    s = sorted(xs)
    return s[max(0, -(-95 * len(s) // 100) - 1)]


class Bench:
    def __init__(self, aws, tmp):
        self.aws = aws
        tmp = Path(tmp)
        self.env = rolecall_env(aws, tmp, "click-bench")
        key_id, secret = aws.gateway_keys
        r = cli(self.env, "gateway", "add", "corp", "--access-key-id", key_id, input=secret + "\n")
        assert r.returncode == 0, r.stderr
        r = cli(self.env, "role", "add", ROLE, "--account", "111111111111", "--role-name", "Admin", "--gateway", "corp", "--label", "Bench")
        assert r.returncode == 0, r.stderr
        self.ff = Firefox(self.env, REPO / "extension" / "dist" / "firefox", binary())
        self.ff.cmd("session.subscribe", {"events": ["browsingContext.navigationStarted"]})

    def close(self):
        self.ff.stop()

    def signin_calls(self):
        return len(self.aws.stats()["signin_calls"])

    def tokens(self):
        return len(self.aws.stats()["tokens"])

    def open_popup(self):
        self.ff.open("popup.html")
        wait_for(lambda: self.ff.js(f"return Boolean(document.querySelector('{ROLE_SELECTOR}'))"), what="the popup's row")
        self.ff.js("window.__clicks = []; document.addEventListener('click', () => window.__clicks.push(Date.now()), true); return true;")

    def click(self, target="/federation"):
        """A real click on the role; returns ms from the click to the new tab's navigation to
        a URL containing `target` (the sign-in URL)."""
        ff = self.ff
        ff.activate()
        # The popup settles first: after an open it asks for the roles again and redraws.
        wait_for(lambda: ff.js("return !document.querySelector('[aria-busy=\"true\"]')"), what="the popup to settle")
        time.sleep(0.5)
        ff.rpc.events.clear()
        ff.click_element(ROLE_SELECTOR)

        def navigation():
            ff.js("return 1")  # reads the events that came meanwhile
            for e in ff.rpc.events:
                p = e.get("params", {})
                if e.get("method") == "browsingContext.navigationStarted" and target in p.get("url", ""):
                    return p
            return None

        nav = wait_for(navigation, timeout=30, interval=0.02, what="the console tab's navigation")
        clicked = ff.js("return window.__clicks.at(-1)")
        return nav["timestamp"] - clicked, nav["context"]

    def close_tab(self, context, views):
        # Once the console has served the page: closing a tab mid-login makes the fakes log
        # broken pipes.
        wait_for(lambda: len(self.aws.stats()["console_views"]) > views, timeout=30, what="the console page")
        self.ff.cmd("browsingContext.close", {"context": context})

    def views(self):
        return len(self.aws.stats()["console_views"])

    def round(self):
        """One prepared and one unprepared click; returns (ms, ms) and the sign-in calls each made."""
        before = self.tokens()
        self.open_popup()  # prepares the role: one getSigninToken, slowed by the delay
        wait_for(lambda: self.tokens() > before, timeout=30, interval=0.02, what="console.prepare's token")
        time.sleep(0.1)  # the host has the token once the reply crossed the loopback
        calls, views = self.signin_calls(), self.views()
        prepared, tab = self.click()
        prepared_calls = self.signin_calls() - calls
        self.close_tab(tab, views)
        calls, views = self.signin_calls(), self.views()
        unprepared, tab = self.click()
        unprepared_calls = self.signin_calls() - calls
        self.close_tab(tab, views)
        return (prepared, unprepared, self.floor()), (prepared_calls, unprepared_calls)

    def floor(self):
        """What Firefox alone takes: the same click, but the popup opens a console page in the
        role's container itself (tabs.create in the click handler), with no message to the
        background and no host."""
        url = self.aws.urls["console"] + "floor"
        store = self.ff.js("return (await browser.storage.local.get('containers')).containers.bench")
        self.ff.js(f"""window.__floor = (e) => {{ e.stopImmediatePropagation();
          browser.tabs.create({{ url: {json.dumps(url)}, cookieStoreId: {json.dumps(store)}, active: true }}); }};
          document.addEventListener('click', window.__floor, true); return true;""")
        views = self.views()
        ms, tab = self.click(target="/floor")
        self.ff.js("document.removeEventListener('click', window.__floor, true); return true;")
        self.close_tab(tab, views)
        return ms


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("-n", type=int, default=20, help="rounds (one prepared and one unprepared click each; default 20)")
    p.add_argument("--signin-delay", type=int, default=200, help="ms injected on each getSigninToken (default 200)")
    p.add_argument("--quick", action="store_true", help="smoke test: two rounds, counts only, no timing")
    p.add_argument("--out", default=str(REPO / "target" / "bench" / "click.md"))
    args = p.parse_args()
    if not os.environ.get("DBUS_SESSION_BUS_ADDRESS"):
        sys.exit("no D-Bus session: run this through tests/bench/run")
    rounds = 2 if args.quick else args.n
    load_before = os.getloadavg()[0]
    with AwsStack() as aws, tempfile.TemporaryDirectory(prefix="rolecall-click-bench-") as tmp:
        bench = Bench(aws, tmp)
        try:
            # A first open gives the role cached credentials and makes it recent: from then on
            # the popup prepares it and an unprepared click needs only getSigninToken.
            bench.open_popup()
            views = bench.views()
            _, tab = bench.click()
            bench.close_tab(tab, views)
            aws.delay(signin=args.signin_delay)
            samples = {"prepared": [], "unprepared": [], "floor": []}
            calls = []
            for _ in range(rounds):
                (a, b, f), c = bench.round()
                samples["prepared"].append(a)
                samples["unprepared"].append(b)
                samples["floor"].append(f)
                calls.append(c)
        finally:
            bench.close()
    wrong = [c for c in calls if c != (0, 1)]
    if args.quick:
        print(f"click bench smoke: {len(calls)} rounds; sign-in calls per click (prepared, unprepared): {calls}")
        if wrong:
            print("FAILED: a prepared click must make no getSigninToken call, an unprepared one exactly one")
            return 1
        return 0
    load_after = os.getloadavg()[0]
    lines = [
        f"Click to the console tab's navigation, real Firefox ESR, {args.signin_delay} ms injected per getSigninToken, {rounds} rounds (ms);",
        f"host {binary()}; 1-minute load average {load_before:.1f} before, {load_after:.1f} after ({os.cpu_count()} CPUs):",
        "",
        "| click | n | median | p95 | min | max | sign-in calls between click and navigation |",
        "|---|---:|---:|---:|---:|---:|---|",
    ]
    for kind, want in (("prepared", 0), ("unprepared", 1), ("floor", None)):
        xs = samples[kind]
        if want is None:
            name, got = "floor: the popup's own tabs.create, no background, no host", "none"
        else:
            name = kind
            got = f"{', '.join(map(str, sorted({c[0 if kind == 'prepared' else 1] for c in calls})))} (want {want})"
        lines.append(f"| {name} | {len(xs)} | {statistics.median(xs):.0f} | {p95(xs):.0f} | {min(xs):.0f} | {max(xs):.0f} | {got} |")
    text = "\n".join(lines)
    print(text)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text + "\n")
    out.with_suffix(".json").write_text(json.dumps({"signin_delay_ms": args.signin_delay, "samples": samples, "calls": calls}))
    return 1 if wrong else 0


if __name__ == "__main__":
    sys.exit(main())
