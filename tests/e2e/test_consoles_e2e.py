"""End to end, consoles across a working day (issue 26): the real extension in a real headless
Firefox ESR, the real host, moto and the federation/console fakes.

* "Sign out of all" ends every console, every time (point 2): three consoles are opened from
  the popup and the popup signs out of all at once, twenty times in one browser session;
  each time every one of the three tabs reloads on the sign-in page. The iterations take
  turns at the two races that left a console signed in: a silent renewal that comes due as
  the user signs out (the alarm fires with the click; the renewal minted a console after the
  cookies were cleared), and tabs still signing in (the sign-in page's answer, held by the
  fake, sets the cookie after the cookies were cleared).
* After a sign-out, a tab left in the role's container is not an "open" console.
* A role marked production after its container exists turns the container red at the next
  listing (point 6).

Cases run in file order and share one browser."""

import json
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
from stack import AwsStack, rolecall_env, setup  # noqa: E402
from state_file import edit_state, rfc3339  # noqa: E402

DIST = REPO / "extension" / "dist"
ROLES = [("r1", "111111111111", "One"), ("r2", "222222222222", "Two"), ("r3", "333333333333", "Three")]
IDS = [r[0] for r in ROLES]
ITERATIONS = 20


@pytest.fixture(scope="module")
def world():
    with AwsStack() as aws, tempfile.TemporaryDirectory(prefix="rolecall-e2e-") as tmp:
        env = rolecall_env(aws, tmp, "e2e")
        key_id, secret = aws.gateway_keys
        steps = [(["gateway", "add", "corp", "--access-key-id", key_id], secret + "\n")]
        for role_id, account, name in ROLES:
            steps.append((["role", "add", role_id, "--account", account, "--role-name", name, "--gateway", "corp", "--label", f"Role {name}"], None))
        setup(env, steps)
        yield {"aws": aws, "env": env, "state": Path(env["ROLECALL_DATA_DIR"]) / "state.json"}


@pytest.fixture(scope="module")
def ff(world):
    # The fake's 127.0.0.1 cookies need an optional host permission: granted without a prompt.
    prefs = {"extensions.webextOptionalPermissionPrompts": False}
    with firefox_on_popup(world["env"], DIST / "firefox", binary(), prefs=prefs) as browser:
        yield browser


TABS_JS = """
return (await browser.tabs.query({})).map((t) => ({ id: t.id, url: t.url, title: t.title, store: t.cookieStoreId, status: t.status }));
"""

ROWS_JS = """
return Object.fromEntries([...document.querySelectorAll('#roles [data-role]')].map((o) => [o.dataset.role,
  { open: o.dataset.open === 'true', time: o.querySelector('.badge.time')?.textContent ?? null }]));
"""


def container_tabs(ff):
    return [t for t in ff.js(TABS_JS) if t["store"] != "firefox-default"]


def message(ff):
    return ff.js("return document.getElementById('message').textContent")


def rows(ff):
    return ff.js(ROWS_JS)


def reopen(ff):
    ff.open("popup.html")
    wait_for(lambda: len(rows(ff)) == len(ROLES), what="the roles in the popup")


def click_roles(ff, ids):
    """Background clicks (Ctrl), so the popup stays."""
    ff.activate()
    ff.js(
        "for (const id of %s) document.querySelector(`[data-role=\"${id}\"]`).dispatchEvent(new MouseEvent('click', { bubbles: true, button: 0, ctrlKey: true })); return true;"
        % json.dumps(ids)
    )


def footer_shown(ff):
    """Whether "Sign out of all" is on screen (not merely in the document)."""
    return ff.js("const f = document.getElementById('footer'); return !f.hidden && getComputedStyle(f).display !== 'none' && Boolean(document.getElementById('sign-out-all')?.offsetParent);")


def sign_out_all(ff, before_confirm=None):
    ff.js("document.getElementById('message').textContent = ''; return true;")
    wait_for(lambda: footer_shown(ff), what="Sign out of all to show")
    ff.click_element("#sign-out-all")
    if before_confirm:
        before_confirm()
    ff.click_element("#sign-out-all-confirm")
    wait_for(lambda: message(ff).startswith("Signed out of every role."), what="the sign-out of all", diagnose=lambda: message(ff))


def close_container_tabs(ff):
    ff.js("for (const t of await browser.tabs.query({})) if (t.cookieStoreId !== 'firefox-default') await browser.tabs.remove(t.id); return true;")


def titles_after_reload(ff, world, ids):
    """Once the tabs have finished loading, reloads them as the user would; their titles then."""
    wait_for(lambda: all(t["status"] == "complete" for t in container_tabs(ff)), what="the tabs to finish loading")
    views = len(world["aws"].stats()["console_views"])
    ff.js("for (const id of %s) await browser.tabs.reload(id, { bypassCache: true }); return true;" % json.dumps(ids))
    wait_for(lambda: len(world["aws"].stats()["console_views"]) >= views + len(ids), what="the console to see every reload")
    done = wait_for(
        lambda: (lambda got: got if len(got) == len(ids) and all(t["status"] == "complete" for t in got) else None)([t for t in container_tabs(ff) if t["id"] in ids]),
        what="the reloads to finish",
    )
    return {t["id"]: t["title"] for t in done}






def test_sign_out_of_all_is_hidden_without_a_console(ff):
    reopen(ff)
    assert not footer_shown(ff), "nothing to sign out of: no button"
    assert ff.js("return getComputedStyle(document.getElementById('footer')).display") == "none"


def test_sign_out_of_all_ends_every_console_every_time(ff, world):
    reopen(ff)
    started = time.monotonic()
    failures = []
    for i in range(ITERATIONS):
        race = ("loaded", "renewal", "signing-in")[i % 3]
        before = {t["id"] for t in container_tabs(ff)}
        if race == "signing-in":
            world["aws"].delay(login=1500)  # the sign-in page answers the tabs late
        click_roles(ff, IDS)
        tabs = wait_for(lambda: (lambda t: t if len(t) == 3 else None)([t for t in container_tabs(ff) if t["id"] not in before]), what="three console tabs")
        ids = [t["id"] for t in tabs]
        trigger = None
        if race != "signing-in":
            wait_for(lambda: all(t["title"].startswith("Console: ") for t in container_tabs(ff) if t["id"] in ids), what="the consoles to load")
        if race == "renewal":
            # The consoles end in five minutes: a silent renewal is due, and the alarm that
            # runs it fires as the user confirms the sign-out.
            for role_id in IDS:
                edit_state(world, role_id, console_expires_at=rfc3339(5))

            def trigger():
                ff.js("await browser.alarms.create('rolecall-consoles', { when: Date.now() }); return true;")

        sign_out_all(ff, before_confirm=trigger)
        world["aws"].delay(login=0)
        titles = titles_after_reload(ff, world, ids)
        signed_in = sorted(t for t in titles.values() if t != "Sign in")
        if signed_in:
            failures.append((i, race, signed_in))
        # No row says open, though the tabs are still there.
        assert not [k for k, r in rows(ff).items() if r["open"] or r["time"]], rows(ff)
        close_container_tabs(ff)
    assert not failures, f"consoles still signed in after Sign out of all: {failures}"
    print(f"{ITERATIONS} rounds in {time.monotonic() - started:.0f} s")  # 25-45 s here


def test_a_signed_out_roles_tab_is_not_open_and_a_new_open_signs_it_in(ff, world):
    reopen(ff)
    click_roles(ff, ["r1"])
    [tab] = wait_for(lambda: [t for t in container_tabs(ff) if t["title"].startswith("Console: ")], timeout=30, what="r1's console")
    wait_for(lambda: rows(ff)["r1"]["open"], what="r1's row to say open")
    ff.activate()
    ff.click_element('button[aria-label="Sign out Role One"]', hover='[data-item="r1"] .role')  # the row's tools show under the pointer
    wait_for(lambda: "Signed out of Role One." in message(ff), what="the sign-out")
    # Its tab is still there, on a console that has ended: the row no longer says open.
    assert [t["id"] for t in container_tabs(ff)] == [tab["id"]]
    wait_for(lambda: not rows(ff)["r1"]["open"], what="r1's row not to say open")
    reopen(ff)
    assert not rows(ff)["r1"]["open"]
    assert titles_after_reload(ff, world, [tab["id"]]) == {tab["id"]: "Sign in"}
    # Opened again: a new console in the same container, open again.
    click_roles(ff, ["r1"])
    wait_for(lambda: len([t for t in container_tabs(ff) if t["title"].startswith("Console: ")]) == 1, timeout=30, what="r1's new console")
    wait_for(lambda: rows(ff)["r1"]["open"], what="r1's row to say open again")
    assert titles_after_reload(ff, world, [tab["id"]]) != {tab["id"]: "Sign in"}, "the old tab shares the new session"
    close_container_tabs(ff)


def test_a_role_marked_production_turns_its_container_red_at_the_next_listing(ff, world):
    reopen(ff)
    # r3's own colour (the host's, from its account id) is turquoise.
    click_roles(ff, ["r3"])
    [tab] = wait_for(lambda: [t for t in container_tabs(ff) if t["title"].startswith("Console: ")], timeout=30, what="r3's console")
    color = lambda: ff.js(f"return (await browser.contextualIdentities.get({json.dumps(tab['store'])})).color")
    assert color() != "red"
    r = cli(world["env"], "role", "set", "r3", "--risk", "production")
    assert r.returncode == 0, r.stderr
    reopen(ff)  # the popup lists the roles anew
    wait_for(lambda: color() == "red", what="r3's container to turn red")
    assert [t["id"] for t in container_tabs(ff)] == [tab["id"]], "the same container, its tab left as it was"
    close_container_tabs(ff)
