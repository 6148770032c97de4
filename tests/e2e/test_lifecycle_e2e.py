"""End to end, consoles that stay signed in (issue 12, items 6-10): the real extension in a
real headless Firefox ESR, the real host, moto and the federation/console fakes.

A short console (`--session-duration 900`, `renew_before_minutes = 14`) is opened first; the
cases after it run while its renewal comes due, and `test_a_short_console_renews_silently…`
waits for it. The host's state file (`ROLECALL_DATA_DIR/state.json`) is edited where a case
needs a console that is about to end, or has ended, without waiting hours: the host reads
it on each roles.list.

Cases run in file order and share one browser."""

import datetime as dt
import json
import os
import signal
import sys
import tempfile
import time
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
sys.path[:0] = [str(HERE), str(REPO / "tests" / "lib")]

from drivers import firefox_on_popup, wait_for  # noqa: E402
from host import binary, cli  # noqa: E402
from stack import AwsStack, rolecall_env  # noqa: E402
from state_file import edit_state, rfc3339  # noqa: E402

DIST = REPO / "extension" / "dist"
MFA_SERIAL = "arn:aws:iam::999999999999:mfa/gateway"
RENEW_BEFORE_MINUTES = 14

# id, account, role name, gateway, options
ROLES = [
    ("short", "111111111111", "Short", "corp", {"label": "Short console", "group": "Acme", "session-duration": "900"}),
    ("long", "222222222222", "Long", "corp", {"label": "Long console", "group": "Acme"}),
    ("d1", "333333333331", "DailyOne", "daily", {"label": "Daily one", "group": "Daily"}),
    ("d2", "333333333332", "DailyTwo", "daily", {"label": "Daily two", "group": "Daily"}),
    ("d3", "333333333333", "DailyThree", "daily", {"label": "Daily three", "group": "Daily"}),
    ("mfa", "444444444444", "MfaAdmin", "secure", {"label": "MFA admin"}),
]
ROLE_NAME = {r[0]: r[2] for r in ROLES}
# `rolecall 0.1.0 (protocol 7)`
PROTOCOL = int(cli(dict(os.environ), "--version").stdout.rsplit("protocol ", 1)[1].rstrip(")\n"))


def arn_prefix(role_id):
    _, account, name, _, _ = next(r for r in ROLES if r[0] == role_id)
    return f"arn:aws:sts::{account}:assumed-role/{name}/"


@pytest.fixture(scope="module")
def world():
    with AwsStack() as aws, tempfile.TemporaryDirectory(prefix="rolecall-e2e-") as tmp:
        env = rolecall_env(aws, tmp, "e2e")
        config_dir, data_dir = env["ROLECALL_CONFIG_DIR"], env["ROLECALL_DATA_DIR"]
        key_id, secret = aws.gateway_keys
        for gateway, extra in (("corp", []), ("daily", ["--mfa-serial", MFA_SERIAL]), ("secure", ["--mfa-serial", MFA_SERIAL, "--mfa-mode", "per-role"])):
            r = cli(env, "gateway", "add", gateway, "--access-key-id", key_id, *extra, input=secret + "\n")
            assert r.returncode == 0, r.stderr
        r = cli(env, "gateway", "set", "daily", "--mfa-mode", "daily")
        assert r.returncode == 0, r.stderr
        for role_id, account, name, gateway, opts in ROLES:
            args = ["role", "add", role_id, "--account", account, "--role-name", name, "--gateway", gateway]
            for k, v in opts.items():
                args += [f"--{k}", v]
            r = cli(env, *args)
            assert r.returncode == 0, r.stderr
        config = Path(config_dir) / "config.toml"
        config.write_text(f"[settings]\nrenew_before_minutes = {RENEW_BEFORE_MINUTES}\n\n" + config.read_text())
        yield {"aws": aws, "env": env, "state": Path(data_dir) / "state.json"}


@pytest.fixture(scope="module")
def ff(world):
    prefs = {
        # Optional host permissions (the fake's 127.0.0.1 cookies) are granted without a
        # prompt, as if the user clicked Allow.
        "extensions.webextOptionalPermissionPrompts": False,
        # Headless Firefox has no system notifications: Firefox's own alert window keeps
        # them (and notifications.getAll lists them) until they are cleared.
        "alerts.useSystemBackend": False,
        "alerts.totalOpenTime": 600_000,
    }
    with firefox_on_popup(world["env"], DIST / "firefox", binary(), prefs=prefs) as browser:
        yield browser


# ---------- page helpers (run inside an extension page, with its APIs) ----------

ROWS_JS = """
return [...document.querySelectorAll('#roles .item')].map((li) => {
  const o = li.querySelector('.role');
  const time = o.querySelector('.badge.time');
  return { id: o.dataset.role, time: time?.textContent ?? null, state: time?.dataset.state ?? null,
    code: Boolean(o.querySelector('.badge.code')), mfa: Boolean(o.querySelector('.badge.mfa')),
    actions: [...li.querySelectorAll('.tools .cell:is(.renew, .signOut):not([hidden]) button')].map((b) => b.getAttribute('aria-label')) };
});
"""

TABS_JS = """
return (await browser.tabs.query({})).map((t) => ({ id: t.id, url: t.url, title: t.title, store: t.cookieStoreId, status: t.status }));
"""

BADGE_JS = """
return { text: await browser.action.getBadgeText({}), color: await browser.action.getBadgeBackgroundColor({}) };
"""

AMBER, RED, NORMAL = [255, 164, 54, 255], [215, 0, 34, 255], [0, 97, 224, 255]


def rows(ff):
    return {r["id"]: r for r in ff.js(ROWS_JS)}


def wait_row(ff, role_id, check, what):
    return wait_for(lambda: (lambda r: r if r and check(r) else None)(rows(ff).get(role_id)), timeout=30, what=what, diagnose=lambda: rows(ff).get(role_id))


def badge(ff):
    return ff.js(BADGE_JS)


def wait_badge(ff, text, color, what):
    return wait_for(lambda: (lambda b: b if b["text"] == text and b["color"] == color else None)(badge(ff)), timeout=30, what=what, diagnose=lambda: badge(ff))


def console_tabs(ff, role_id):
    return [t for t in ff.js(TABS_JS) if arn_prefix(role_id) in (t["title"] or "")]


def role_tabs(ff, store):
    return [t for t in ff.js(TABS_JS) if t["store"] == store]


def click_role(ff, role_id, **modifiers):
    mods = json.dumps(modifiers)
    ff.js(f"document.querySelector('[data-role=\"{role_id}\"]').dispatchEvent(new MouseEvent('click', {{ bubbles: true, button: 0, ...{mods} }})); return true;")


def focus_popup(ff):
    ff.activate()
    ff.js("window.focus(); return true;")


def reopen_popup(ff):
    ff.open("popup.html")
    wait_for(lambda: len(rows(ff)) == len(ROLES), what="the popup's rows")


def open_role(ff, role_id, code=None, background=True):
    """Opens a role from the popup (in the background by default, so the popup stays) and
    returns its console tab."""
    before = {t["id"] for t in console_tabs(ff, role_id)}
    focus_popup(ff)
    click_role(ff, role_id, ctrlKey=background)
    if code:
        wait_for(lambda: ff.js("return document.activeElement?.classList.contains('mfa-code') ?? false"), what=f"the MFA prompt of {role_id}")
        ff.type_keys(code + "\n")
    return wait_for(lambda: next((t for t in console_tabs(ff, role_id) if t["id"] not in before), None), timeout=30, what=f"a console tab of {role_id}")


def navigate(ff, tab_id, url):
    ff.js(f"await browser.tabs.update({tab_id}, {{ url: {json.dumps(url)} }}); return true;")
    wait_for(lambda: (lambda t: t["url"] == url and t["status"] == "complete" and t["title"].startswith("Console: arn:"))(tab(ff, tab_id)), what="the tab to load the console page")


def reload_tab(ff, world, tab_id):
    """Reloads a console tab as the user would and returns it once the console (the fake)
    has answered the reload and the page has loaded."""
    views = len(world["aws"].stats()["console_views"])
    ff.js(f"await browser.tabs.reload({tab_id}, {{ bypassCache: true }}); return true;")
    wait_for(lambda: len(world["aws"].stats()["console_views"]) > views, what="the console to see the reload")
    return wait_for(lambda: (lambda t: t if t["status"] == "complete" else None)(tab(ff, tab_id)), what="the reload to finish")


def tab(ff, tab_id):
    return next(t for t in ff.js(TABS_JS) if t["id"] == tab_id)


def logins(world, role_id):
    return [entry for entry in world["aws"].stats()["logins"] if entry["arn"].startswith(arn_prefix(role_id))]






# ---------- cases ----------

SHORT = {}  # the short console's tab and when it was opened, for the renewal case


def test_rows_show_time_left_and_needs_code_and_the_badge_counts(ff, world):
    reopen_popup(ff)
    before = rows(ff)
    # No console yet: no time; `needs code` only where the next open asks for one, and no
    # constant MFA pill any more.
    assert {k: (r["time"], r["code"], r["mfa"], r["actions"]) for k, r in before.items()} == {
        "short": (None, False, False, []),
        "long": (None, False, False, []),
        "d1": (None, True, False, []),
        "d2": (None, True, False, []),
        "d3": (None, True, False, []),
        "mfa": (None, True, False, []),
    }
    assert badge(ff)["text"] == ""

    SHORT["opened_at"] = time.monotonic()
    SHORT["tab"] = open_role(ff, "short")
    # The row updates while the popup is open (a background open keeps it open).
    row = wait_row(ff, "short", lambda r: r["time"] is not None, "short's time left")
    assert row["time"] in ("14m left", "15m left"), row
    assert row["state"] == "live"
    assert row["actions"] == ["Renew Short console", "Sign out Short console"]
    open_role(ff, "long")
    row = wait_row(ff, "long", lambda r: r["time"] is not None, "long's time left")
    assert row["time"] == "11h 59m left", row
    wait_badge(ff, "2", NORMAL, "the badge to count two live consoles")
    # The destination of the renewal to come: where the user is now in short's container.
    SHORT["url"] = world["env"]["ROLECALL_CONSOLE_URL"] + "s3/buckets?region=eu-west-1"
    navigate(ff, SHORT["tab"]["id"], SHORT["url"])


def test_daily_mode_one_code_opens_three_roles(ff, world):
    open_role(ff, "d1", code="123456")
    for role_id in ("d2", "d3"):
        wait_row(ff, role_id, lambda r: not r["code"], f"{role_id} not to need a code any more")
        open_role(ff, role_id)  # no prompt: the daily MFA session opens it
    calls = world["aws"].stats()["sts_calls"]
    assert [c["action"] for c in calls].count("GetSessionToken") == 1
    daily = [c for c in calls if c["action"] == "AssumeRole" and c["role_arn"].split("/")[-1].startswith("Daily")]
    assert len(daily) == 3 and not any(c["token_code_given"] for c in daily), daily
    for role_id in ("d1", "d2", "d3"):
        row = wait_row(ff, role_id, lambda r: r["time"] is not None, f"{role_id}'s time left")
        # An hour's console, renewed with no code while the day's MFA session lasts: the row
        # says until when, not the hour (a host of protocol 7 says when the session ends).
        want = ("until ",) if PROTOCOL >= 7 else ("59m left", "1h 0m left")
        assert row["time"].startswith(want) and row["state"] == "live" and not row["code"], row
    wait_badge(ff, "5", NORMAL, "five live consoles")


def test_a_console_that_needs_a_code_is_told_and_renewed_with_the_code(ff, world):
    """A console ending soon that needs a code: a notification (its click opens the popup in
    a window, `popup.html?renew=mfa`, as here), the MFA prompt, which survives the popup
    closing, and after the code a renewal in the role's container, not a new tab."""
    user_tab = open_role(ff, "mfa", code="123456")
    # Time passes: the credentials have gone, the console ends in 5 minutes. (The browser's
    # host is restarted too: a `session forget` from the command line cannot reach the token
    # it prepared for the role when the popup last opened, which lives in its memory.)
    r = cli(world["env"], "session", "forget", "--role", "mfa")
    assert r.returncode == 0, r.stderr
    for pid in ff.host_pids(binary()):
        os.kill(pid, signal.SIGTERM)
    wait_for(lambda: not ff.host_pids(binary()), what="the host to exit")
    edit_state(world, "mfa", console_expires_at=rfc3339(5), credentials_expire_at=None)
    reopen_popup(ff)
    row = wait_row(ff, "mfa", lambda r: r["state"] == "ending", "mfa's row to say it ends soon")
    assert row["code"] and row["time"] in ("4m left", "5m left"), row
    wait_badge(ff, "6", AMBER, "the badge to turn amber")
    notes = wait_for(lambda: ff.js("return await browser.notifications.getAll()"), what="a notification")
    # Issue 26, point 9: it names the role, says a code is needed, and counts the row's minutes.
    [note] = notes.values()
    assert note["title"] == "MFA code to renew MFA admin", note
    left = note["message"].split(": ", 1)[1].split(" on its console.")[0]
    assert note["message"] == f"MFA admin: {left} on its console. Renewing it needs an MFA code: click to enter it.", note
    assert left in ("4m left", "5m left") and left in (row["time"], rows(ff)["mfa"]["time"]), (note, row)

    # The notification's click: the popup in a window of its own, which asks for the code.
    window = ff.cmd("browsingContext.create", {"type": "tab"})["context"]
    ff.open("popup.html?renew=mfa", context=window)
    wait_for(lambda: ff.js("return document.querySelector('form.mfa label')?.textContent", context=window) == "MFA code for gateway 'secure' to renew the console", what="the renewal prompt")
    # The user goes to fetch the code: the popup closes. Reopened, the same prompt is back.
    ff.cmd("browsingContext.close", {"context": window})
    reopen_popup(ff)
    wait_for(lambda: ff.js("const a = document.activeElement; return a?.classList.contains('mfa-code') && a.closest('[data-item]').dataset.item") == "mfa", what="the renewal prompt, focused, after reopening")
    assert ff.js("return document.querySelector('form.mfa label').textContent") == "MFA code for gateway 'secure' to renew the console"
    tabs_before = len(ff.js(TABS_JS))
    ff.type_keys("123456\n")
    wait_for(lambda: "Renewed MFA admin" in ff.js("return document.getElementById('message').textContent"), timeout=30, what="the renewal to finish")
    [login] = logins(world, "mfa")[-1:]
    assert login["replaced"], "a new sign-in in the same cookie jar"
    assert login["destination"] == user_tab["url"]
    assert len(ff.js(TABS_JS)) == tabs_before, "the renewal tab is gone; no tab was added"
    assert tab(ff, user_tab["id"])["url"] == user_tab["url"]
    assert ff.js("return await browser.notifications.getAll()") == {}
    row = wait_row(ff, "mfa", lambda r: r["state"] == "live", "mfa's row to show the new console")
    assert row["time"].startswith("11h"), row
    wait_badge(ff, "6", NORMAL, "the badge back to normal")


def test_a_short_console_renews_silently_in_its_container(ff, world):
    """Issue 12, item 8: renew_before_minutes = 14 on a 15-minute console is due a minute in;
    a console minted less than two minutes ago is never renewed, so it happens two minutes
    after the open."""
    reopen_popup(ff)
    user = SHORT["tab"]
    before = logins(world, "short")
    assert len(before) == 1
    left = 150 - (time.monotonic() - SHORT["opened_at"])
    new = wait_for(lambda: logins(world, "short")[1:], timeout=max(left, 30), what="the short console's renewal")
    [renewal] = new
    assert renewal["replaced"], "a new sign-in in the same container (its cookie replaced)"
    assert renewal["destination"] == SHORT["url"], "landing where the user last was"
    # The renewal tab closed once the console loaded; the user's tab is where it was.
    wait_for(lambda: len(role_tabs(ff, user["store"])) == 1, what="the renewal tab to close")
    assert tab(ff, user["id"])["url"] == SHORT["url"]
    assert len(logins(world, "short")) == 2, "renewed once"
    # The user's tab carries on with the new session.
    views = len(world["aws"].stats()["console_views"])
    assert reload_tab(ff, world, user["id"])["title"].startswith("Console: " + arn_prefix("short"))
    used = [v for v in world["aws"].stats()["console_views"][views:] if v["path"] == "/s3/buckets?region=eu-west-1"]
    assert used and used[-1]["session"] == renewal["session"], used
    # The popup, open all along, shows the new console.
    wait_row(ff, "short", lambda r: r["time"] in ("14m left", "15m left"), "short's row to show the renewed console")


def test_renew_on_demand_brings_back_a_tab_on_the_sign_in_page(ff, world):
    user = SHORT["tab"]
    assert world["aws"].end_sessions(arn=logins(world, "short")[-1]["arn"]) == 1  # AWS ends it
    assert reload_tab(ff, world, user["id"])["title"] == "Sign in"
    count = len(logins(world, "short"))
    focus_popup(ff)
    ff.click_element('button[aria-label="Renew Short console"]', hover='[data-item="short"] .role')
    wait_for(lambda: len(logins(world, "short")) == count + 1, timeout=30, what="the renewal's sign-in")
    # The extension reloads the user's tab once, with its own URL: the console is back.
    back = wait_for(lambda: (lambda t: t if t["title"].startswith("Console: ") else None)(tab(ff, user["id"])), timeout=30, what="the tab to show the console again")
    assert back["url"] == SHORT["url"]
    assert len(role_tabs(ff, user["store"])) == 1


def test_the_time_left_counts_down_while_the_popup_is_open(ff, world):
    """The pill's text changes in place when its minute runs out: no reload, no redraw."""
    end = dt.datetime.now(dt.timezone.utc) + dt.timedelta(seconds=65)
    edit_state(world, "mfa", console_expires_at=end.strftime("%Y-%m-%dT%H:%M:%SZ"), credentials_expire_at=None)
    reopen_popup(ff)
    first = wait_row(ff, "mfa", lambda r: r["time"] in ("1m left", "<1m left"), "mfa's row to show its last minute")["time"]
    ff.js("document.querySelector('[data-time-for=\"mfa\"]').dataset.marked = 'yes'; return true;")
    wait_for(lambda: rows(ff)["mfa"]["time"] != first, timeout=70, what="the pill to count down")
    assert ff.js("return document.querySelector('[data-time-for=\"mfa\"]').dataset.marked") == "yes", "the same node, updated in place"


def test_a_console_that_ended_with_tabs_open_turns_the_badge_red(ff, world):
    edit_state(world, "mfa", console_expires_at=rfc3339(-1), credentials_expire_at=None)
    reopen_popup(ff)
    row = wait_row(ff, "mfa", lambda r: r["time"] == "expired", "mfa's row to say expired")
    assert row["state"] == "expired" and row["actions"] == ["Renew MFA admin", "Sign out MFA admin"]
    wait_badge(ff, "5", RED, "the badge to turn red (the other five are live)")


def test_sign_out_clears_the_containers_cookies_and_credentials(ff, world):
    [user] = console_tabs(ff, "long")
    [other] = console_tabs(ff, "d1")
    reopen_popup(ff)
    focus_popup(ff)
    ff.click_element('button[aria-label="Sign out Long console"]', hover='[data-item="long"] .role')
    wait_for(lambda: "Signed out of Long console." in ff.js("return document.getElementById('message').textContent"), what="the sign-out to finish")
    assert ff.js(f"return (await browser.cookies.getAll({{ storeId: {json.dumps(user['store'])} }})).length") == 0
    wait_row(ff, "long", lambda r: (r["time"], r["actions"]) == (None, []), "long's row to have no console")
    listed = cli(world["env"], "session", "list").stdout.splitlines()
    assert not [line for line in listed if line.split("\t")[0] == "long"], listed
    wait_badge(ff, "4", RED, "one live console fewer")
    # Reloading the role's tab shows the console's sign-in page, not the account; another
    # role's container is untouched.
    assert reload_tab(ff, world, user["id"])["title"] == "Sign in"
    assert reload_tab(ff, world, other["id"])["title"].startswith("Console: " + arn_prefix("d1"))
    # Its cached credentials are gone too: the next open asks STS again.
    calls = len([c for c in world["aws"].stats()["sts_calls"] if (c["role_arn"] or "").endswith(":role/Long")])
    open_role(ff, "long")
    assert len([c for c in world["aws"].stats()["sts_calls"] if (c["role_arn"] or "").endswith(":role/Long")]) == calls + 1


def test_sign_out_of_all(ff, world):
    reopen_popup(ff)
    # The popup's first screen, kept in storage.local for an opening right after a restart.
    first_screen = 'return (await browser.storage.local.get("firstScreen")).firstScreen ?? null'
    wait_for(lambda: ff.js(first_screen), what="the popup's first screen to be kept")
    focus_popup(ff)
    ff.click_element("#sign-out-all")
    ff.click_element("#sign-out-all-confirm")
    wait_for(lambda: "Signed out of every role." in ff.js("return document.getElementById('message').textContent"), what="sign-out of all")
    assert ff.js(first_screen) is None, "the kept first screen goes with the sign-out"
    wait_for(lambda: all(r["time"] is None and r["actions"] == [] for r in rows(ff).values()), what="no row to have a console", diagnose=lambda: rows(ff))
    assert ff.js("return document.getElementById('footer').hidden")
    wait_badge(ff, "", NORMAL, "no badge")
    for t in ff.js(TABS_JS):
        if t["store"] != "firefox-default":
            assert reload_tab(ff, world, t["id"])["title"] == "Sign in", t


def test_no_sign_in_url_or_secret_in_extension_storage(ff, world):
    stored = json.dumps([ff.js("return await browser.storage.local.get();"), ff.js("return await browser.storage.session.get();")])
    assert "SigninToken" not in stored and "federation" not in stored and "Action=login" not in stored
    stats = world["aws"].stats()
    secrets = [world["aws"].gateway_keys[1], *stats["issued_secrets"], *(t["token"] for t in stats["tokens"])]
    assert len(secrets) > 10
    assert not [s for s in secrets if s in stored]
    assert "recent" in stored and "renewals" in stored
