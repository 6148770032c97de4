"""End to end: the real extension in a real headless Firefox ESR and Chromium (where a click
launches a second Chromium on the role's own data directory, found as the browser that started
the host; its DevTools port is read from <data dir>/DevToolsActivePort),
the real `rolecall` binary as its native host, moto for STS, and the loopback fakes of the
federation endpoint and the console (tests/lib/stack.py).

The popup is opened as a tab at moz-extension://<pinned uuid>/popup.html (headless Firefox
cannot open the toolbar popup) and driven with clicks and real key presses; tabs, containers
and storage are read back through the extension APIs from that page, and what the console saw
through the console's own page and the fakes' counters.

Cases run in file order and share one browser (starting Firefox once keeps the suite fast)."""

import json
import os
import shutil
import signal
import stat
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
sys.path[:0] = [str(HERE), str(REPO / "tests" / "lib")]

from drivers import SYSTEM_HOST, Chromium, WsRpc, answered_by, firefox_on_popup, stop_hosts, wait_for  # noqa: E402
from fake_host import write_fake_host  # noqa: E402
from host import binary, cli  # noqa: E402
from stack import AwsStack, rolecall_env  # noqa: E402

DIST = REPO / "extension" / "dist"
MFA_SERIAL = "arn:aws:iam::999999999999:mfa/gateway"

# id, account, role name, gateway, options
ROLES = [
    ("a", "111111111111", "Admin", "corp", {"label": "Prod admin", "group": "Acme", "color": "pink", "icon": "briefcase", "region": "eu-west-1"}),
    ("b", "222222222222", "Developer", "corp", {"label": "Sandbox dev", "color": "blue", "icon": "fence"}),
    ("mfa", "444444444444", "MfaAdmin", "secure", {"label": "MFA admin", "group": "Acme"}),
    ("denied", "333333333333", "DeniedRole", "corp", {"label": "Denied role"}),
]


def arn_prefix(role_id):
    _, account, name, _, _ = next(r for r in ROLES if r[0] == role_id)
    return f"arn:aws:sts::{account}:assumed-role/{name}/"


@pytest.fixture(scope="module")
def world():
    """The AWS fakes plus a configured rolecall (config dir and keyring service of its own)."""
    with AwsStack() as aws, tempfile.TemporaryDirectory(prefix="rolecall-e2e-") as tmp:
        env = rolecall_env(aws, tmp, "e2e")
        config_dir = env["ROLECALL_CONFIG_DIR"]
        key_id, secret = aws.gateway_keys
        for gateway, extra in (("corp", []), ("secure", ["--mfa-serial", MFA_SERIAL, "--mfa-mode", "per-role"])):
            r = cli(env, "gateway", "add", gateway, "--access-key-id", key_id, *extra, input=secret + "\n")
            assert r.returncode == 0, r.stderr
        for role_id, account, name, gateway, opts in ROLES:
            args = ["role", "add", role_id, "--account", account, "--role-name", name, "--gateway", gateway]
            for k, v in opts.items():
                args += [f"--{k}", v]
            r = cli(env, *args)
            assert r.returncode == 0, r.stderr
        yield {"aws": aws, "env": env, "config_dir": config_dir}


@pytest.fixture(scope="module")
def ff(world):
    with firefox_on_popup(world["env"], DIST / "firefox", binary()) as browser:
        yield browser


# ---------- page helpers (all run inside the popup page, with the extension's APIs) ----------

ROWS_JS = """
const row = (o) => ({ id: o.dataset.role, label: o.querySelector('.label').textContent, meta: o.querySelector('.meta').textContent,
  dot: o.querySelector('.dot').className, open: o.dataset.open === 'true', selected: o.getAttribute('aria-selected') === 'true' });
return [...document.querySelectorAll('#roles :is(.group-title, .item)')].map((node) => node.classList.contains('group-title')
  ? { group: node.textContent } : row(node.querySelector('.role')));
"""

TABS_JS = """
const tabs = await browser.tabs.query({});
return tabs.map((t) => ({ id: t.id, url: t.url, title: t.title, store: t.cookieStoreId, active: t.active, index: t.index, status: t.status }));
"""


def rows(ff):
    return [r for r in ff.js(ROWS_JS) if "id" in r]


def wait_rows(ff, n):
    return wait_for(lambda: (lambda r: r if len(r) == n else None)(rows(ff)), what=f"{n} roles in the popup")


def console_tabs(ff, role_id=None):
    tabs = [t for t in ff.js(TABS_JS) if (t["title"] or "").startswith("Console: arn:")]
    if role_id:
        tabs = [t for t in tabs if arn_prefix(role_id) in t["title"]]
    return tabs


def wait_console_tabs(ff, role_id, n):
    return wait_for(
        lambda: (lambda t: t if len(t) == n else None)(console_tabs(ff, role_id)),
        timeout=30,
        what=f"{n} console tab(s) of role {role_id}",
    )


def click(ff, role_id, **modifiers):
    mods = json.dumps(modifiers)
    ff.js(f"document.querySelector('[data-role=\"{role_id}\"]').dispatchEvent(new MouseEvent('click', {{ bubbles: true, button: 0, ...{mods} }})); return true;")


def our_containers(ff):
    return ff.js("return (await browser.contextualIdentities.query({})).map((c) => ({ id: c.cookieStoreId, name: c.name, color: c.color, icon: c.icon }));")


def container(ff, store):
    return ff.js(f"const c = await browser.contextualIdentities.get({json.dumps(store)}); return {{ name: c.name, color: c.color, icon: c.icon }};")


def focus_popup(ff):
    """The shared popup, focused, with an empty query (a test that failed midway may have left
    one, and the next test's rows would be filtered by it)."""
    ff.activate()
    ff.js("window.focus(); const s = document.getElementById('search'); if (s.value !== '') { s.value = ''; s.dispatchEvent(new Event('input')); } return true;")


def mfa_prompt(ff):
    """Which role's MFA prompt has the focus, if any."""
    return ff.js("const a = document.activeElement; return a?.classList.contains('mfa-code') ? a.closest('[data-item]').dataset.item : null;")


def assume_role_calls(world, role_name):
    return [c for c in world["aws"].stats()["sts_calls"] if c["action"] == "AssumeRole" and (c["role_arn"] or "").endswith(f":role/{role_name}")]


# ---------- Firefox ----------


def test_popup_lists_configured_roles_grouped(ff):
    got = wait_rows(ff, 4)
    assert [r["id"] for r in got] == ["a", "mfa", "b", "denied"], "grouped: Acme first, then by account"
    groups = [r["group"] for r in ff.js(ROWS_JS) if "group" in r]
    assert groups == ["Acme", "Account 222222222222", "Account 333333333333"]
    a = got[0]
    assert a["label"] == "Prod admin"
    assert a["meta"] == "111111111111 · Admin"
    assert "c-pink" in a["dot"]
    assert "c-blue" in got[2]["dot"]
    assert ff.js("return document.activeElement.id") == "search", "the search box has focus on open"


def test_firefox_started_the_host_its_manifest_names(ff):
    """The roles above came from a host Firefox started: ROLECALL_BIN, found through the
    per-user manifest, or (ROLECALL_E2E_SYSTEM_HOST, tests/package.sh) through the Debian
    package's system-wide one alone."""
    wait_rows(ff, 4)
    assert wait_for(lambda: ff.host_pids(binary()), what=f"a host {binary()} started by Firefox")
    assert ff.manifest_path.exists() != SYSTEM_HOST


def test_search_filters_and_keyboard_opens(ff, world):
    focus_popup(ff)
    ff.js("document.getElementById('search').focus(); return true;")
    ff.type_keys("sandbox")
    wait_for(lambda: [r["id"] for r in rows(ff)] == ["b"], what="the filter to leave only role b")
    ff.type_keys("\x1b")  # Escape clears
    wait_for(lambda: len(rows(ff)) == 4, what="Escape to clear the filter")
    assert ff.js("return document.getElementById('search').value") == ""
    selected = lambda: [r["id"] for r in rows(ff) if r["selected"]]
    assert selected() == ["b"], "the selection stays on the row it was on"
    # Arrow keys move the selection in display order (a, mfa, b, denied) and wrap around.
    ff.type_keys("↓")
    assert selected() == ["denied"]
    ff.type_keys("↓")
    assert selected() == ["a"]
    ff.type_keys("↑↑")
    assert selected() == ["b"]


def test_two_roles_open_side_by_side_in_two_containers(ff, world):
    focus_popup(ff)
    click(ff, "a")
    [tab_a] = wait_console_tabs(ff, "a", 1)
    # Role b by keyboard: type to filter, Enter opens.
    focus_popup(ff)
    ff.js("const s = document.getElementById('search'); s.focus(); return true;")
    ff.type_keys("sandbox\n")
    [tab_b] = wait_console_tabs(ff, "b", 1)
    ff.js("const s = document.getElementById('search'); s.value = ''; s.dispatchEvent(new Event('input')); return true;")

    assert tab_a["store"] != tab_b["store"], "two roles, two containers"
    assert "firefox-default" not in (tab_a["store"], tab_b["store"])
    assert container(ff, tab_a["store"]) == {"name": "Prod admin", "color": "pink", "icon": "briefcase"}
    assert container(ff, tab_b["store"]) == {"name": "Sandbox dev", "color": "blue", "icon": "fence"}
    assert "region=eu-west-1" in tab_a["url"]

    # Side by side: reload both consoles; each still sees its own identity. With one shared
    # cookie jar the second sign-in would have replaced the first session cookie.
    views_before = len(world["aws"].stats()["console_views"])
    ff.js(f"await browser.tabs.reload({tab_a['id']}); await browser.tabs.reload({tab_b['id']}); return true;")
    console_url = world["env"]["ROLECALL_CONSOLE_URL"]

    def identities():
        seen = []
        for ctx in ff.cmd("browsingContext.getTree", {})["contexts"]:
            if ctx["url"].startswith(console_url):
                seen.append(ff.js("return document.getElementById('identity')?.textContent ?? ''", context=ctx["context"]))
        return sorted(seen) if len(seen) == 2 and all(seen) else None

    seen = wait_for(identities, what="both consoles to render an identity")
    assert seen[0].startswith(arn_prefix("a")) and seen[1].startswith(arn_prefix("b")), seen
    views = world["aws"].stats()["console_views"][views_before:]
    arns = {v["arn"].split("/")[1] for v in views if v["arn"]}
    assert arns == {"Admin", "Developer"}, views


def test_same_role_again_reuses_its_container(ff, world):
    before = our_containers(ff)
    [tab_a] = console_tabs(ff, "a")
    focus_popup(ff)
    click(ff, "a")
    tabs = wait_console_tabs(ff, "a", 2)
    assert {t["store"] for t in tabs} == {tab_a["store"]}, "same container for the same role"
    assert our_containers(ff) == before, "no second container"
    # The new tab opened next to the popup's tab and took focus.
    new = next(t for t in tabs if t["id"] != tab_a["id"])
    assert new["active"]
    popup_index = next(t["index"] for t in ff.js(TABS_JS) if t["url"].endswith("/popup.html"))
    assert new["index"] == popup_index + 1
    # The popup marks roles whose container has a tab (also after reopening it).
    ff.open("popup.html")
    got = {r["id"]: r["open"] for r in wait_rows(ff, 4)}
    assert got == {"a": True, "b": True, "mfa": False, "denied": False}


def test_sign_in_url_is_not_stored(ff, world):
    stored = json.dumps(ff.js("return await browser.storage.local.get();"))
    assert "SigninToken" not in stored and "federation" not in stored and "Action=login" not in stored
    assert "containers" in stored  # what is stored: role → container id
    # Nor any secret the opens above involved (issue 6): the gateway's secret key, the
    # temporary credentials STS issued, the sign-in tokens the federation endpoint issued.
    stats = world["aws"].stats()
    secrets = [world["aws"].gateway_keys[1], *stats["issued_secrets"], *(t["token"] for t in stats["tokens"])]
    assert len(secrets) >= 5, "the opens above ran"
    assert not [s for s in secrets if s in stored]


def test_background_click_keeps_focus(ff):
    focus_popup(ff)
    click(ff, "b", ctrlKey=True)
    tabs = wait_console_tabs(ff, "b", 2)
    assert not any(t["active"] for t in tabs), "Ctrl-click opens the console in the background"
    assert next(t for t in ff.js(TABS_JS) if t["url"].endswith("/popup.html"))["active"]


def test_arrow_keys_and_enter_work_with_focus_in_the_list(ff, world):
    """Issue 11, item 11: the list itself takes the focus (Tab from the search box, or a click)
    and answers arrow keys and Enter, not only the search box."""
    focus_popup(ff)
    ff.js("document.getElementById('search').focus(); return true;")
    ff.type_keys("\t\t\t")  # past the help and options buttons
    assert ff.js("return document.activeElement.id") == "roles"
    order = [r["id"] for r in rows(ff)]
    start = next(r["id"] for r in rows(ff) if r["selected"])
    ff.type_keys("↓")
    assert [r["id"] for r in rows(ff) if r["selected"]] == [order[(order.index(start) + 1) % len(order)]]
    while next(r["id"] for r in rows(ff) if r["selected"]) != "b":
        ff.type_keys("↑")
    assert ff.js("return document.getElementById('roles').getAttribute('aria-activedescendant') === document.querySelector('[aria-selected=\"true\"]').id")
    before = {t["id"] for t in console_tabs(ff, "b")}
    ff.type_keys("\n")
    wait_for(lambda: [t for t in console_tabs(ff, "b") if t["id"] not in before], timeout=30, what="Enter in the list to open role b")


def test_focus_mode_switches_to_the_existing_tab(ff, world):
    ff.js("await browser.storage.local.set({ settings: { clickBehavior: 'focus', containerPattern: '{label}' } }); return true;")
    try:
        focus_popup(ff)
        n_tabs = len(ff.js(TABS_JS))
        calls = len(assume_role_calls(world, "Developer"))
        click(ff, "b")
        wait_for(lambda: any(t["active"] for t in console_tabs(ff, "b")), what="role b's tab to be focused")
        assert len(ff.js(TABS_JS)) == n_tabs, "no new tab"
        assert len(assume_role_calls(world, "Developer")) == calls, "no new sign-in"
    finally:
        ff.js("await browser.storage.local.remove('settings'); return true;")


def test_deleted_container_is_recreated(ff):
    [old] = [c for c in our_containers(ff) if c["name"] == "Sandbox dev"]
    # As a user does it: close the container's tabs, then delete the container.
    ff.js(f"await browser.tabs.remove((await browser.tabs.query({{ cookieStoreId: {json.dumps(old['id'])} }})).map((t) => t.id)); await browser.contextualIdentities.remove({json.dumps(old['id'])}); return true;")
    wait_for(lambda: not console_tabs(ff, "b"), what="the container's tabs to close")
    focus_popup(ff)
    click(ff, "b")
    [tab] = wait_console_tabs(ff, "b", 1)
    assert tab["store"] != old["id"]
    assert container(ff, tab["store"]) == {"name": "Sandbox dev", "color": "blue", "icon": "fence"}
    assert len([c for c in our_containers(ff) if c["name"] == "Sandbox dev"]) == 1


def test_mfa_prompt_survives_the_popup_closing(ff, world):
    """Issue 11, item 9: switching to an authenticator app closes the popup. Reopened, it shows
    the same role's prompt with the focus in the code field, so the code cannot land in the
    search box."""
    focus_popup(ff)
    click(ff, "mfa")
    wait_for(lambda: mfa_prompt(ff) == "mfa", what="the MFA prompt to take focus")
    ff.type_keys("12")  # half a code: never stored
    pending = ff.js("return (await browser.storage.session.get()).pendingMfa")
    assert sorted(pending) == ["at", "background", "gateway", "role"], pending
    assert (pending["role"], pending["gateway"], pending["background"]) == ("mfa", "secure", False)

    ff.open("popup.html")  # the popup closes (its page is gone) and opens again
    wait_for(lambda: mfa_prompt(ff) == "mfa", what="the same role's prompt, focused, after reopening")
    assert ff.js("return document.querySelectorAll('form.mfa').length") == 1
    assert ff.js("return document.querySelector('form.mfa label').textContent") == "MFA code for gateway 'secure'"
    ff.type_keys("123")
    assert ff.js("return [document.querySelector('input.mfa-code').value, document.getElementById('search').value]") == ["123", ""]

    # Escape cancels: the prompt is gone and stays gone after another reopening.
    ff.type_keys("\x1b")
    assert ff.js("return document.activeElement.id") == "search"
    assert ff.js("return (await browser.storage.session.get()).pendingMfa ?? null") is None
    ff.open("popup.html")
    wait_rows(ff, 4)
    wait_for(lambda: ff.js("return document.activeElement.id") == "search", what="the search box to take focus")
    assert ff.js("return document.querySelectorAll('form.mfa').length") == 0
    assert assume_role_calls(world, "MfaAdmin") == [], "nothing was opened"


def test_enter_on_a_digits_only_query_opens_only_a_picked_role(ff, world):
    """Issue 11, item 9: a code typed into the search box matches account ids (role mfa's is
    444444444444); Enter must not open a role the user did not pick."""
    focus_popup(ff)
    ff.js("document.getElementById('search').focus(); return true;")
    ff.type_keys("444444\n")
    assert [r["id"] for r in rows(ff)] == ["mfa"], "the query matches role mfa's account"
    assert [r["id"] for r in rows(ff) if r["selected"]] == [], "but selects nothing"
    said = "return document.getElementById('status').textContent"
    assert "pick a role" in ff.js(said)
    # A redraw meanwhile (here: what was opened lately, stored by an earlier click, as the
    # background does after an open) keeps the reason: CI once caught it wiped.
    ff.js("const { frecency = {} } = await browser.storage.local.get('frecency'); await browser.storage.local.set({ frecency: { ...frecency } }); return true;")
    time.sleep(0.3)
    assert "pick a role" in ff.js(said)
    assert ff.js("return document.querySelectorAll('form.mfa').length") == 0, "Enter opened nothing"
    # Picked with the arrow keys, Enter opens it.
    ff.type_keys("↓\n")
    wait_for(lambda: mfa_prompt(ff) == "mfa", what="the prompt of the picked role")
    ff.type_keys("\x1b")
    ff.js("const s = document.getElementById('search'); s.focus(); s.value = ''; s.dispatchEvent(new Event('input')); return true;")
    assert assume_role_calls(world, "MfaAdmin") == []


def test_mfa_prompt_in_place_rejected_code_then_accepted(ff, world):
    focus_popup(ff)
    click(ff, "mfa")
    wait_for(lambda: ff.js("return document.activeElement?.classList.contains('mfa-code') ?? false"), what="the MFA input to take focus")
    assert ff.js("return document.querySelectorAll('form.mfa').length") == 1
    assert ff.js("const i = document.querySelector('input.mfa-code'); return [i.inputMode, i.getAttribute('autocomplete'), i.maxLength]") == ["numeric", "one-time-code", 6]
    assert ff.js("return document.querySelector('form.mfa label').textContent") == "MFA code for gateway 'secure'"
    # Issue 11, item 11: the visible label names the input, and the prompt is beside the
    # role's cell, not in it (the cell is read as the role's name and holds no controls).
    assert ff.js("return [...document.querySelector('input.mfa-code').labels].map((l) => l.textContent)") == ["MFA code for gateway 'secure'"]
    assert ff.js("return document.querySelectorAll('.role :is(form, input, button, details)').length") == 0
    # A per-role gateway's code opens this role only: the prompt says so.
    assert ff.js("return document.querySelector('form.mfa .covers').textContent") == "The code covers this role only: gateway secure asks for one per role."
    assert assume_role_calls(world, "MfaAdmin") == [], "no STS call before the code is known"

    ff.type_keys("000000\n")  # AWS (the fake) rejects this code
    hint = wait_for(lambda: ff.js("return document.querySelector('form.mfa .hint')?.textContent"), what="the rejection message")
    assert "Wait for the next code" in hint, hint
    assert ff.js("return document.querySelectorAll('form.mfa').length") == 1, "asked again in the same place, not twice"
    wait_for(lambda: ff.js("return document.activeElement?.classList.contains('mfa-code') ?? false"), what="focus back in the code input")

    ff.type_keys("123456\n")
    [tab] = wait_console_tabs(ff, "mfa", 1)
    assert ff.js("return document.querySelectorAll('form.mfa').length") == 0
    calls = assume_role_calls(world, "MfaAdmin")
    assert [c["serial_number"] for c in calls] == [MFA_SERIAL, MFA_SERIAL]
    assert all(c["token_code_given"] for c in calls)
    assert container(ff, tab["store"])["name"] == "MFA admin"


def test_access_denied_is_shown_as_a_sentence(ff, world):
    focus_popup(ff)
    n_tabs = len(ff.js(TABS_JS))
    click(ff, "denied")
    shown = """const e = document.querySelector('[data-item="denied"] .error');
      return e && { kind: e.dataset.kind, message: e.querySelector('.message').textContent, next: e.querySelector('.next')?.textContent,
        summary: e.querySelector('details > summary')?.textContent, open: e.querySelector('details')?.open, details: e.querySelector('.details-text')?.textContent };"""
    err = wait_for(lambda: ff.js(shown), what="the error in the popup")
    assert err["kind"] == "access_denied", err
    # Issue 11, item 10: a headline sentence first, then what to do; AWS's text folded away.
    assert err["message"] == "AWS refused to let the gateway assume this role."
    assert "trust policy" in err["next"], err
    assert (err["summary"], err["open"]) == ("Details", False)
    assert "DeniedRole" in err["details"] and "not authorized to perform: sts:AssumeRole" in err["details"], err

    # Clicking the error's text (to select it, say) starts no new open.
    calls = len(assume_role_calls(world, "DeniedRole"))
    ff.click_element('[data-item="denied"] .error .message')
    ff.js("document.querySelector('[data-item=\"denied\"] .error .next').dispatchEvent(new MouseEvent('click', { bubbles: true })); return true;")
    ff.js("await new Promise((r) => setTimeout(r, 1000)); return true;")
    assert len(assume_role_calls(world, "DeniedRole")) == calls, "no second AssumeRole"
    assert ff.js(shown) == err, "the same error, not a new attempt"

    # Details open; Copy puts the whole message on the clipboard.
    ff.click_element('[data-item="denied"] .error summary')
    wait_for(lambda: ff.js("return document.querySelector('[data-item=\"denied\"] details').open"), what="the details to open")
    ff.click_element('[data-item="denied"] .error button.copy')
    wait_for(lambda: ff.js("return document.querySelector('[data-item=\"denied\"] button.copy').textContent") == "Copied", what="Copy to succeed")

    assert len(ff.js(TABS_JS)) == n_tabs, "no tab for a failed open"
    assert not [c for c in our_containers(ff) if c["name"] == "Denied role"], "no container either"


def test_options_page_shows_the_host_and_the_naming_pattern_applies(ff, world):
    version = cli(world["env"], "--version").stdout.split()[1]  # rolecall 0.1.0 (protocol 3)
    ff.open("options.html")
    wait_for(lambda: ff.js("return document.querySelector('[data-field=\"Host version\"]')?.textContent"), what="host info")
    assert ff.js("return document.querySelector('[data-field=\"Host version\"]').textContent") == f"rolecall {version}"
    config_path = ff.js("return document.querySelector('[data-field=\"Config file\"]').textContent")
    assert config_path.startswith(world["config_dir"])
    # The endpoint overrides the host has in force (the stack's), each with its URL (issue 25).
    shown = ff.js("return [...document.querySelectorAll('#overrides li')].map((li) => li.textContent)")
    assert f"AWS_ENDPOINT_URL_STS {world['env']['AWS_ENDPOINT_URL_STS']}" in shown, shown
    assert f"ROLECALL_SIGNIN_URL {world['env']['ROLECALL_SIGNIN_URL']}" in shown, shown
    # The preview names a container as a click would: roles a, b and denied share gateway corp.
    ff.js("const p = document.getElementById('pattern'); p.value = '{gateway}'; p.dispatchEvent(new Event('input')); return true;")
    assert ff.js("return document.getElementById('preview').textContent") == "corp (a)"
    # A new naming pattern, typed into the options page, renames the role's container on its next open.
    ff.js("const p = document.getElementById('pattern'); p.value = '{account_id} {role_name}'; p.dispatchEvent(new Event('input')); return true;")
    wait_for(lambda: ff.js("return (await browser.storage.local.get('settings')).settings?.containerPattern") == "{account_id} {role_name}", what="the pattern to be saved")
    assert ff.js("return document.getElementById('preview').textContent") == "111111111111 Admin"
    try:
        ff.open("popup.html")
        wait_rows(ff, 4)
        focus_popup(ff)
        click(ff, "a")
        tabs = wait_console_tabs(ff, "a", 3)
        assert container(ff, tabs[0]["store"])["name"] == "111111111111 Admin"
    finally:
        ff.js("await browser.storage.local.remove('settings'); return true;")
        ff.open("popup.html")


def test_roles_named_alike_get_containers_of_their_own_and_the_users_is_never_taken(ff):
    """Issue 11, item 8: a role with no remembered container (first use, or after a reinstall)
    used to adopt the first container of the same name: the user's own, or another role's,
    putting two accounts in one cookie jar."""
    # Firefox ships a "Work" container in every new profile: the user's own.
    users = [c for c in our_containers(ff) if c["name"] == "Work"]
    if not users:
        ff.js("await browser.contextualIdentities.create({ name: 'Work', color: 'orange', icon: 'briefcase' }); return true;")
        users = [c for c in our_containers(ff) if c["name"] == "Work"]
    # Nothing remembered, and a pattern that names every role 'Work'.
    ff.js("await browser.storage.local.remove('containers'); await browser.storage.local.set({ settings: { clickBehavior: 'new', containerPattern: 'Work' } }); return true;")
    try:
        ff.open("popup.html")
        wait_rows(ff, 4)
        store = {}
        for role in ("a", "b"):
            before = {t["id"] for t in console_tabs(ff, role)}
            focus_popup(ff)
            click(ff, role)
            [tab] = wait_for(lambda: [t for t in console_tabs(ff, role) if t["id"] not in before], timeout=30, what=f"a new console tab of role {role}")
            store[role] = tab["store"]
        assert store["a"] != store["b"], "two roles, two containers"
        assert not {c["id"] for c in users} & set(store.values()), "the user's container was not taken"
        assert [c for c in our_containers(ff) if c["name"] == "Work"] == users, "nor changed"
        assert container(ff, store["a"]) == {"name": "Work (a)", "color": "pink", "icon": "briefcase"}
        assert container(ff, store["b"]) == {"name": "Work (b)", "color": "blue", "icon": "fence"}
    finally:
        ff.js("await browser.storage.local.remove('settings'); return true;")


@pytest.mark.skipif(SYSTEM_HOST, reason="needs the per-user manifest to move aside")
def test_missing_host_says_how_to_install(ff):
    ff.manifest_path.rename(ff.manifest_path.with_suffix(".off"))
    try:
        # Stop the running host (started by this test's Firefox) so the next request reconnects.
        for pid in ff.host_pids(binary()):
            os.kill(pid, 15)
        wait_for(lambda: not ff.host_pids(binary()), what="the host to exit")
        ff.open("popup.html")
        state = lambda: ff.js("const p = document.getElementById('problem'); return { shown: !p.hidden, problem: p.textContent, status: document.getElementById('status').textContent, rows: document.querySelectorAll('#roles .role').length };")
        problem = wait_for(lambda: (lambda s: s["shown"] and s["problem"])(state()), what="the missing-host message", diagnose=state)
        assert "not installed" in problem and "rolecall install" in problem, problem
        assert rows(ff) == []
    finally:
        ff.install_host_manifest()
    ff.js("document.getElementById('retry').click(); return true;")
    wait_rows(ff, 4)


# A host from before protocol 3: answers host.info and roles.list, and nothing else.
OLD_HOST = {
    "host.info": {"name": "rolecall", "version": "0.0.9", "protocol": 2, "platform": "linux", "config_path": "/nowhere"},
    "roles.list": {"roles": []},
}




@pytest.mark.skipif(SYSTEM_HOST, reason="needs the per-user manifest to point at another host")
def test_options_page_asks_to_upgrade_an_older_host(ff):
    old_host = write_fake_host(ff.tmp / "old-host.py", OLD_HOST)
    manifest = json.loads(ff.manifest_path.read_text())
    notice = "const n = document.getElementById('host-notice'); return n.hidden ? null : n.textContent;"
    protocol = "return document.querySelector('[data-field=\"Protocol\"]')?.textContent ?? null;"
    try:
        ff.manifest_path.write_text(json.dumps(dict(manifest, path=str(old_host))))
        # The first request after the current host went away may fail while the extension
        # reconnects (under load, the retry can meet the dying host too): reload until the old
        # host has answered, as a user would.
        text = answered_by(ff, binary(), lambda: ff.js(notice), what="the upgrade notice")
        assert text.startswith("Upgrade the rolecall host"), text
        assert "rolecall 0.0.9 speaks protocol 2; this extension needs protocol 5 or later" in text
        assert "git pull && ./setup.sh" in text and "sudo apt install ./rolecall_" in text
        assert ff.js(protocol) == "2"
        # That host lists no roles: the page leads with the import's dry run.
        first_run = wait_for(lambda: ff.js("const f = document.getElementById('first-run'); return f.hidden ? null : f.textContent"), what="the first-run guidance")
        assert first_run.index("rolecall import aws-config --dry-run") < first_run.index("rolecall role add"), first_run
    finally:
        ff.install_host_manifest()
        stop_hosts(ff, str(old_host))

    # The current host again: no notice.
    answered_by(ff, str(old_host), lambda: ff.js(protocol) not in (None, "2"), what="the current host's info")
    assert ff.js(notice) is None
    ff.open("popup.html")
    wait_rows(ff, 4)


# ---------- Chromium ----------


# The role windows the host launches run the full browser without a display
# (--ozone-platform=headless): Chromium 156 under --headless=new does not hand a second launch
# on the same data directory to the running instance (it aborts: "Failed to create a
# ProcessSingleton"), while the full browser does, as it does for users.
ROLE_BROWSER_ARGS = " ".join(
    [
        "--ozone-platform=headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--password-store=basic",
        "--remote-debugging-port=0",
    ]
)


@pytest.fixture(scope="module")
def chromium(world):
    data_dir = Path(tempfile.mkdtemp(prefix="rolecall-e2e-data-"))
    # No ROLECALL_BROWSER_EXE: the host must find the browser that started it.
    env = dict(world["env"], ROLECALL_DATA_DIR=str(data_dir), ROLECALL_BROWSER_ARGS=ROLE_BROWSER_ARGS, ROLECALL_LOG="debug")
    browser = Chromium(env, DIST / "chromium", binary())
    browser.data_dir = data_dir
    try:
        yield browser
    finally:
        browser.stop()
        stop_role_browsers(data_dir)
        shutil.rmtree(data_dir, ignore_errors=True)


def stop_role_browsers(data_dir, timeout=10):
    """Ends the browsers the host launched as a user quitting them would (DevTools'
    Browser.close), so they remove what they keep in TMPDIR (Chromium's singleton socket
    folder); a signal only for one that does not exit in time."""
    running = role_browser_pids(data_dir)
    pids = list(running.values())
    for role in running:
        try:
            rb = RoleBrowser(Path(data_dir) / "browser-profiles" / role)
            try:
                rb.rpc.send({"method": "Browser.close", "params": {}}, 5)
            finally:
                rb.close()
        except Exception:
            try:
                os.killpg(running[role], signal.SIGTERM)
            except ProcessLookupError:
                pass
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and any(Path(f"/proc/{pid}").exists() and not zombie(pid) for pid in pids):
        time.sleep(0.1)
    for pid in pids:
        try:
            os.killpg(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def zombie(pid):
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    except OSError:
        return True


def role_browser_pids(data_dir):
    """role id → pid of the browser running on its data directory (Chromium's SingletonLock)."""
    found = {}
    for d in (Path(data_dir) / "browser-profiles").glob("*"):
        try:
            host, pid = os.readlink(d / "SingletonLock").rsplit("-", 1)
        except OSError:
            continue
        if Path(f"/proc/{pid}").exists():
            found[d.name] = int(pid)
    return found


class RoleBrowser:
    """DevTools access to a browser the host launched (it writes its port to DevToolsActivePort)."""

    def __init__(self, profile_dir):
        port_file = Path(profile_dir) / "DevToolsActivePort"
        port = wait_for(lambda: port_file.exists() and port_file.read_text().split()[0], what=f"{port_file}")
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/version", timeout=10) as r:
            ws = json.load(r)["webSocketDebuggerUrl"]
        self.rpc = WsRpc(ws)

    def cmd(self, method, params=None, session=None):
        msg = {"method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        reply = self.rpc.send(msg, 30)
        assert "error" not in reply, reply
        return reply["result"]

    def pages(self):
        return [t for t in self.cmd("Target.getTargets")["targetInfos"] if t["type"] == "page"]

    def identity(self, target_id):
        """Reloads a console page and returns the identity it renders then."""
        session = self.cmd("Target.attachToTarget", {"targetId": target_id, "flatten": True})["sessionId"]
        self.cmd("Page.enable", session=session)
        self.cmd("Page.reload", {"ignoreCache": True}, session=session)

        def rendered():
            r = self.cmd(
                "Runtime.evaluate",
                {"expression": "document.readyState === 'complete' && document.getElementById('identity')?.textContent", "returnByValue": True},
                session=session,
            )
            return r["result"].get("value")

        return wait_for(rendered, timeout=20, what="the console page to render after a reload")

    def close(self):
        self.rpc.close()


CHROMIUM_ROWS_JS = """
return [...document.querySelectorAll('#roles .role')].map((o) => ({ id: o.dataset.role, open: o.dataset.open === 'true',
  mode: o.querySelector('.badge.mode')?.textContent ?? null, running: o.querySelector('.badge.open')?.textContent ?? null,
  time: o.querySelector('.badge.time')?.textContent ?? null,
  actions: [...o.closest('.item').querySelectorAll('.tools .cell:is(.renew, .signOut):not([hidden]) button')].map((b) => b.getAttribute('aria-label')) }));
"""


def chromium_rows(chromium, n=4):
    return wait_for(lambda: (lambda r: r if len(r) == n else None)(chromium.js(CHROMIUM_ROWS_JS)), what=f"{n} roles in the Chromium popup")


def console_pages(rb, console_url):
    return [p for p in rb.pages() if p["url"].startswith(console_url) and p["title"].startswith("Console: arn:")]


def test_chromium_started_the_host_its_manifest_names(chromium):
    """As for Firefox: with ROLECALL_E2E_SYSTEM_HOST, through the Debian package's
    /etc/chromium/native-messaging-hosts link alone."""
    chromium.open("popup.html")
    assert len(chromium_rows(chromium)) == 4
    assert wait_for(lambda: chromium.host_pids(binary()), what=f"a host {binary()} started by Chromium")
    assert chromium.manifest_path.exists() != SYSTEM_HOST


def test_chromium_click_launches_an_isolated_window_per_role(chromium, world):
    console_url = world["env"]["ROLECALL_CONSOLE_URL"]
    chromium.open("popup.html")
    got = chromium_rows(chromium)
    assert [r["id"] for r in got] == ["a", "mfa", "b", "denied"]
    assert all(r["mode"] == "window" and not r["open"] for r in got), got
    assert "window of its own" in chromium.js("return document.getElementById('notice').textContent")

    chromium.js("document.querySelector('[data-role=\"a\"]').click(); return true;")
    pids = wait_for(lambda: role_browser_pids(chromium.data_dir).get("a") and role_browser_pids(chromium.data_dir), timeout=30, what="a browser on role a's data directory")
    chromium.open("popup.html")
    chromium_rows(chromium)
    chromium.js("document.querySelector('[data-role=\"b\"]').click(); return true;")
    pids = wait_for(lambda: (lambda p: p if {"a", "b"} <= set(p) else None)(role_browser_pids(chromium.data_dir)), timeout=30, what="a browser on role b's data directory")
    assert pids["a"] != pids["b"], "two roles, two browsers"
    # Found as the host's parent process (Debian's real binary), not through the PATH table.
    parent_exe = os.readlink(f"/proc/{chromium.proc.pid}/exe")
    assert f"isolated window browser: {parent_exe} (found: Parent)" in chromium.log, chromium.log[-3000:]
    assert "SigninToken" not in chromium.log, "the host logs no sign-in URL"

    profiles = chromium.data_dir / "browser-profiles"
    for role in ("a", "b"):
        pid = pids[role]
        # The browser that started the host (Debian's real binary, not the /usr/bin wrapper),
        # on the role's own data directory, with no sign-in URL on its command line.
        assert os.readlink(f"/proc/{pid}/exe") == os.readlink(f"/proc/{chromium.proc.pid}/exe")
        # (Chromium rewrites its process title: the arguments come back joined by spaces.)
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
        assert f"--user-data-dir={profiles / role} ".encode() in cmdline.replace(b"\0", b" ")
        assert b"SigninToken" not in cmdline and b"Action=login" not in cmdline
        assert os.getpgid(pid) == pid, "started in a process group of its own"
        assert stat.S_IMODE((profiles / role).stat().st_mode) == 0o700

    label = {"a": "Prod admin", "b": "Sandbox dev"}
    theme = {"a": 0xFFFF4BDA - 2**32, "b": 0xFF37ADFF - 2**32}  # pink, blue as signed ARGB
    browsers = {}
    try:
        for role in ("a", "b"):
            rb = browsers[role] = RoleBrowser(profiles / role)
            [page] = wait_for(lambda: console_pages(rb, console_url), timeout=30, what=f"role {role}'s console")
            assert arn_prefix(role) in page["title"]
            # Chromium kept the name rolecall seeded.
            local_state = json.loads((profiles / role / "Local State").read_text())
            assert local_state["profile"]["info_cache"]["Default"]["name"] == label[role]
            prefs = json.loads((profiles / role / "Default" / "Preferences").read_text())
            assert prefs["profile"]["name"] == label[role]
            assert prefs["browser"]["theme"]["user_color"] == theme[role], "the role's colour as the theme"
        # The handoff files were read and removed.
        wait_for(lambda: not list((chromium.data_dir / "handoff").iterdir()), timeout=15, what="the handoff files to be removed")

        # Side by side: reload both consoles; each data directory keeps its own identity.
        views_before = len(world["aws"].stats()["console_views"])
        seen = {role: rb.identity(console_pages(rb, console_url)[0]["targetId"]) for role, rb in browsers.items()}
        assert seen["a"].startswith(arn_prefix("a")) and seen["b"].startswith(arn_prefix("b")), seen
        arns = {v["arn"].split("/")[1] for v in world["aws"].stats()["console_views"][views_before:] if v["arn"]}
        assert arns == {"Admin", "Developer"}

        # The popup marks both roles as running.
        # (The popup shows the listing it had at once, then the current one: wait for that.)
        chromium.open("popup.html")
        got = wait_for(lambda: (lambda g: g if g["b"]["running"] and g["b"]["time"] else None)({r["id"]: r for r in chromium_rows(chromium)}), what="the popup's current listing")
        assert (got["a"]["running"], got["b"]["running"], got["mfa"]["running"]) == ("running", "running", None), got
        # Issue 12: the time left of both consoles, their count on the badge, and Renew (a new
        # window of the role's browser) and Sign out on their rows.
        assert (got["a"]["time"], got["b"]["time"], got["mfa"]["time"]) == ("11h 59m left", "11h 59m left", None), got
        assert got["a"]["actions"] == ["Renew Prod admin", "Sign out Prod admin"], got
        wait_for(lambda: chromium.js("return await chrome.action.getBadgeText({})") == "2", what="the badge to count two live consoles")

        # Role a again: a new window of the same running browser, with its session.
        pages_before = len(console_pages(browsers["a"], console_url))
        chromium.js("document.querySelector('[data-role=\"a\"]').click(); return true;")
        pages = wait_for(lambda: (lambda p: p if len(p) == pages_before + 1 else None)(console_pages(browsers["a"], console_url)), timeout=30, what="a second console window in role a's browser")
        assert role_browser_pids(chromium.data_dir)["a"] == pids["a"], "the same browser process"
        assert all(arn_prefix("a") in p["title"] for p in pages)
    finally:
        for rb in browsers.values():
            rb.close()


def test_chromium_options_multi_session_opens_plain_tabs_in_this_profile(chromium, world):
    chromium.open("options.html")
    wait_for(lambda: chromium.js("return !document.querySelector('.chromium-only').hidden"), what="the Chromium section of the options")
    assert chromium.js("return document.querySelector('input[name=\"chromiumMode\"]:checked').value") == "isolated_window"
    link = chromium.js("return document.getElementById('opt-in').href")
    assert link == "https://us-east-1.signin.aws.amazon.com/sessions/v1/opt-in?redirect_uri=https%3A%2F%2Fconsole.aws.amazon.com%2Fconsole%2Fhome"
    assert "5 sessions per browser profile" in chromium.js("return document.getElementById('multi-session-help').textContent")
    chromium.js("const r = document.querySelector('input[value=\"multi_session\"]'); r.click(); return true;")
    wait_for(lambda: chromium.js("return (await chrome.storage.local.get('settings')).settings?.chromiumMode") == "multi_session", what="the mode to be saved")
    try:
        running = set(role_browser_pids(chromium.data_dir))
        chromium.open("popup.html")
        rows = chromium_rows(chromium)
        assert {r["mode"] for r in rows} == {"tab"}, rows
        assert "5 sessions per browser profile" in chromium.js("return document.getElementById('notice').textContent")
        chromium.js("document.querySelector('[data-role=\"b\"]').click(); return true;")
        console_url = world["env"]["ROLECALL_CONSOLE_URL"]
        page = wait_for(
            lambda: next((t for t in chromium.targets() if t["type"] == "page" and t["url"].startswith(console_url) and t["title"].startswith("Console: arn:")), None),
            timeout=30,
            what="a console tab in this Chromium profile",
        )
        assert arn_prefix("b") in page["title"]
        assert set(role_browser_pids(chromium.data_dir)) == running, "no browser launched in this mode"
    finally:
        chromium.js("await chrome.storage.local.remove('settings'); return true;")
