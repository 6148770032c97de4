"""End to end, the popup's rows at the popup's own width (issue 26: 1, 4, 8, 10): the real
extension in a real headless Firefox ESR (and Chromium where it applies) at 400 px, the real
host, moto and the federation/console fakes.

- Every kind of row keeps room for its role's name: plain, live, ending, needing a code,
  production with a live console and an open container, from a catalogue; selected (its tools
  showing) or not.
- A daily gateway that needs the day's code is named once, in a line above the list; its rows
  are marked in a neutral colour, not red. The prompt says what the code covers; once given,
  the line goes and (host protocol 7) the gateway's consoles say until when they renew by
  themselves.
- The selected row's shortcuts (Alt+P pin, Alt+R renew, Alt+S sign out), typed as a person
  types them, and the help that lists them.
- The list is a grid: no button inside a listbox or an option, the tools are cells, the
  sections and groups named rowgroups (read from Firefox's accessibility tree too).

Cases run in file order and share one browser."""

import datetime as dt
import json
import os
import re
import sys
import tempfile
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
sys.path[:0] = [str(HERE), str(REPO / "tests" / "lib")]

from drivers import Chromium, firefox_on_popup, wait_for  # noqa: E402
from host import binary, cli  # noqa: E402
from stack import AwsStack, rolecall_env, setup  # noqa: E402

DIST = REPO / "extension" / "dist"
MFA_SERIAL = "arn:aws:iam::999999999999:mfa/gateway"
WIDTH = 400
MIN_LABEL = 150
LONG = "with a label long enough to need more than the whole first line of its row"

# id, account, role name, gateway, label, group, extra options
ROLES = [
    ("plain", "111111111111", "ReadOnly", "corp", f"Plain role {LONG}", "Acme", []),
    ("short", "111111111112", "ReadOnly", "corp", "Short", "Acme", []),
    ("live", "222222222222", "Developer", "corp", f"Live role {LONG}", "Acme", []),
    ("prod", "333333333333", "Admin", "corp", f"Production role {LONG}", "Acme", ["--risk", "production", "--link", "Buckets=/s3/buckets"]),
    ("ending", "444444444444", "Admin", "secure", f"Ending role {LONG}", "Secure", []),
    ("coded", "555555555555", "Admin", "daily", f"Daily role {LONG}", "Daily", []),
    ("coded2", "555555555556", "Admin", "daily", "Daily two", "Daily", []),
    ("cmd", "777777777777", "Admin", "tool", "Command role", "Secure", []),
]

CATALOGUE = f"""\
[[role]]
id = "shared"
account_id = "666666666666"
role_name = "Developer"
gateway = "team"
label = "Catalogue role {LONG}"
group = "Platform"
"""


def rfc3339(minutes_from_now):
    t = dt.datetime.now(dt.timezone.utc) + dt.timedelta(minutes=minutes_from_now)
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


@pytest.fixture(scope="module")
def world():
    with AwsStack() as aws, tempfile.TemporaryDirectory(prefix="rolecall-e2e-") as tmp:
        env = rolecall_env(aws, tmp, "e2e")
        key_id, secret = aws.gateway_keys
        steps = [
            (["gateway", "add", "corp", "--access-key-id", key_id], secret + "\n"),
            (["gateway", "add", "secure", "--access-key-id", key_id, "--mfa-serial", MFA_SERIAL, "--mfa-mode", "per-role"], secret + "\n"),
            # A gateway whose MFA command fails: the prompt says why.
            (["gateway", "add", "tool", "--access-key-id", key_id, "--mfa-serial", MFA_SERIAL, "--mfa-mode", "per-role"], secret + "\n"),
            (["gateway", "set", "tool", "--mfa-process", "--", "/bin/false"], None),
            (["gateway", "add", "daily", "--access-key-id", key_id, "--mfa-serial", MFA_SERIAL], secret + "\n"),
            (["gateway", "set", "daily", "--mfa-mode", "daily", "--mfa-session-hours", "10"], None),
        ]
        for role_id, account, name, gateway, label, group, extra in ROLES:
            steps.append((["role", "add", role_id, "--account", account, "--role-name", name, "--gateway", gateway, "--label", label, "--group", group, *extra], None))
        catalogue = Path(tmp) / "platform.toml"
        catalogue.write_text(CATALOGUE)
        steps.append((["catalog", "add", "platform", "--file", str(catalogue), "--map", "team=corp"], None))
        setup(env, steps)
        # Consoles of the day, signed in from the terminal (the state file is the browser host's
        # too): one that lasts, one whose credentials are gone and that ends in five minutes.
        for role_id, code in (("live", None), ("ending", "123456")):
            r = cli(env, "login", role_id, *(["--mfa-code", "-"] if code else []), input=code and code + "\n")
            assert r.returncode == 0, r.stderr
        state = Path(env["ROLECALL_DATA_DIR"]) / "state.json"
        data = json.loads(state.read_text())
        data["roles"]["ending"].update(console_expires_at=rfc3339(5), credentials_expire_at=None)
        tmp_state = state.with_name(".state.json.test")
        tmp_state.write_text(json.dumps(data))
        os.replace(tmp_state, state)
        yield {"aws": aws, "env": env}


@pytest.fixture(scope="module")
def ff(world):
    prefs = {"extensions.webextOptionalPermissionPrompts": False}
    with firefox_on_popup(world["env"], DIST / "firefox", binary(), prefs=prefs) as browser:
        browser.cmd("browsingContext.setViewport", {"context": browser.context, "viewport": {"width": WIDTH, "height": 600}})
        yield browser


# The label of every drawn row: its box's width, and whether the whole label shows.
LABELS_JS = """
return Object.fromEntries([...document.querySelectorAll('#roles .item')].map((row) => {
  const label = row.querySelector('.label');
  return [row.dataset.item, { width: label.getBoundingClientRect().width, whole: label.scrollWidth <= label.clientWidth,
    text: label.textContent, selected: row.classList.contains('current'),
    badges: [...row.querySelectorAll('.badge')].map((b) => b.textContent),
    tools: [...row.querySelectorAll('.tools .cell:not([hidden]) button')].filter((b) => b.getClientRects().length).map((b) => b.dataset.tool) }];
}));
"""


def labels(ff):
    return ff.js(LABELS_JS)


def reopen(ff, n=len(ROLES) + 1):
    ff.open("popup.html")
    return wait_for(lambda: (lambda v: v if len(v) == n else None)(labels(ff)), what=f"{n} rows")


def select(ff, role_id):
    """Moves the selection to a role with the arrow keys, the focus in the search box."""
    ff.activate()
    ff.js("document.getElementById('search').focus(); return true;")
    for _ in range(2 * len(ROLES) + 2):
        if ff.js("return document.querySelector('#roles [aria-selected=\"true\"]')?.dataset.role ?? null") == role_id:
            return
        ff.type_keys("↓")
    raise AssertionError(f"could not select {role_id}")


def alt(ff, letter):
    """Alt+letter, pressed as a person does."""
    alt_key = "\ue00a"
    ff.cmd("input.performActions", {"context": ff.context, "actions": [{"type": "key", "id": "keyboard", "actions": [
        {"type": "keyDown", "value": alt_key}, {"type": "keyDown", "value": letter}, {"type": "keyUp", "value": letter}, {"type": "keyUp", "value": alt_key}]}]})
    ff.cmd("input.releaseActions", {"context": ff.context})


def message(ff):
    return ff.js("return document.getElementById('message').textContent")


def host_protocol(world):
    """The host's protocol (`rolecall 0.1.0 (protocol 7)`): since 7 it says when a daily
    gateway's MFA session ends."""
    return int(re.search(r"\(protocol (\d+)\)", cli(world["env"], "--version").stdout).group(1))


def room(row):
    return row["width"] >= MIN_LABEL or row["whole"]


def test_every_row_keeps_room_for_its_name(ff, world):
    # The production role with a live console in an open container: opened from the popup
    # (in the background, so the popup stays), asked first.
    reopen(ff)
    ff.activate()
    ff.js("document.querySelector('[data-role=\"prod\"]').dispatchEvent(new MouseEvent('click', { bubbles: true, ctrlKey: true })); return true;")
    ff.js("document.querySelector('[data-role=\"prod\"]').dispatchEvent(new MouseEvent('click', { bubbles: true, ctrlKey: true })); return true;")
    rows = wait_for(lambda: (lambda v: v if any(b.endswith("left") for b in v["prod"]["badges"]) and "open" in v["prod"]["badges"] else None)(labels(ff)), timeout=30, what="the production role's live console")
    # Every kind of row is here, each as the user sees it.
    kinds = {
        "plain": lambda r: r["badges"] == [],
        "short": lambda r: r["text"] == "Short",
        "live": lambda r: any(b.endswith("left") for b in r["badges"]),
        "ending": lambda r: any(b.endswith("left") for b in r["badges"]) and "needs code" in r["badges"],
        "coded": lambda r: r["badges"] == ["needs code"],
        "prod": lambda r: "prod" in r["badges"] and "open" in r["badges"],
        "shared": lambda r: "platform" in r["badges"],
    }
    for role_id, is_kind in kinds.items():
        assert is_kind(rows[role_id]), (role_id, rows[role_id])
    assert ff.js("return document.querySelector('[data-time-for=\"ending\"]').dataset.state") == "ending"
    ff.point("#search")  # the pointer off the list
    for role_id in kinds:
        select(ff, role_id)
        rows = labels(ff)
        assert rows[role_id]["selected"], role_id
        for other, row in rows.items():
            assert room(row), (f"{other} with {role_id} selected", row)
        # The selected row's tools show; a live row's include Renew and Sign out.
        tools = rows[role_id]["tools"]
        assert tools[:2] == ["pin", "region"], (role_id, tools)
        assert ("renew" in tools and "signOut" in tools) == (role_id in ("live", "ending", "prod")), (role_id, tools)
    assert labels(ff)["short"]["whole"]
    assert labels(ff)["plain"]["width"] >= MIN_LABEL and not labels(ff)["plain"]["whole"], "the long labels are cut, with room to spare"


def test_a_gateway_that_needs_the_days_code_is_named_once_and_its_rows_are_not_red(ff, world):
    reopen(ff)
    codes = ff.js("return [...document.querySelectorAll('#codes p')].map((p) => p.textContent)")
    assert len(codes) == 1 and re.fullmatch(r"Gateway daily needs a code: it covers all its 2 roles until \d{1,2}:\d\d(\s[AP]M)?\.", codes[0]), codes
    # The per-row mark is neutral (the second line's colour); red stays for what went wrong.
    colours = ff.js("""const row = document.querySelector('[data-item="coded"]');
      const ending = document.querySelector('[data-time-for="ending"]');
      return { code: getComputedStyle(row.querySelector('.badge.code')).color, meta: getComputedStyle(row.querySelector('.meta')).color,
        error: getComputedStyle(document.documentElement).getPropertyValue('--error-fg').trim(), ending: getComputedStyle(ending).color };""")
    assert colours["code"] == colours["meta"], colours
    assert colours["ending"] != colours["meta"], "the console that ends soon and needs a code stands out"

    # The prompt says what the code covers: every role of the gateway, for its 10 hours.
    ff.activate()
    ff.js("document.querySelector('[data-role=\"coded\"]').dispatchEvent(new MouseEvent('click', { bubbles: true, ctrlKey: true })); return true;")
    covers = wait_for(lambda: ff.js("return document.querySelector('form.mfa .covers')?.textContent ?? null"), what="the MFA prompt")
    m = re.fullmatch(r"One code covers every role of gateway daily until (\d{1,2}):(\d\d)(?:\s([AP]M))?\.", covers)
    assert m, covers
    # The gateway's 10 hours (mfa_required says them; a host before protocol 7 does not: 12).
    hours = 10 if host_protocol(world) >= 7 else 12
    shown = (int(m[1]) % 12 + (12 if m[3] == "PM" else 0) if m[3] else int(m[1])) * 60 + int(m[2])
    want = dt.datetime.now() + dt.timedelta(hours=hours)
    assert (shown - (want.hour * 60 + want.minute)) % 1440 in (0, 1, 1439), (covers, want)
    assert ff.js("return document.getElementById('mfa-code').getAttribute('aria-describedby')") == "mfa-covers mfa-hint"
    ff.type_keys("123456\n")
    # Given, the line goes; the gateway's consoles renew by themselves until the session ends.
    wait_for(lambda: ff.js("return document.getElementById('codes').hidden"), timeout=30, what="the gateway line to go")
    pill = wait_for(lambda: ff.js("return document.querySelector('[data-time-for=\"coded\"]')?.textContent ?? null"), timeout=30, what="the daily role's console")
    if host_protocol(world) >= 7:
        # The day's session is 10 hours: the row says when it ends, not the console's hour.
        assert re.fullmatch(r"until \d{1,2}:\d\d(\s[AP]M)?", pill), pill
    else:
        assert pill in ("59m left", "1h 0m left"), f"a host that does not say when the day's session ends: {pill}"
    assert "needs code" not in labels(ff)["coded2"]["badges"]


def test_the_prompt_says_why_the_gateways_mfa_command_gave_no_code(ff, world):
    reopen(ff)
    ff.activate()
    ff.js("document.querySelector('[data-role=\"cmd\"]').dispatchEvent(new MouseEvent('click', { bubbles: true, ctrlKey: true })); return true;")
    why = wait_for(lambda: ff.js("return document.querySelector('form.mfa .process-error')?.textContent ?? null"), timeout=30, what="the prompt after the MFA command failed")
    assert why.startswith("The MFA command gave no code: "), why
    assert ff.js("return document.querySelector('form.mfa .covers').textContent") == "The code covers this role only: gateway tool asks for one per role."
    ff.type_keys("\x1b")
    wait_for(lambda: ff.js("return document.querySelectorAll('form.mfa').length") == 0, what="Escape to close the prompt")


def test_the_selected_rows_shortcuts_pin_renew_and_sign_out(ff, world):
    reopen(ff)
    select(ff, "plain")
    alt(ff, "r")
    assert wait_for(lambda: "has no console to renew" in message(ff) and message(ff), what="the answer to Alt+R without a console")
    assert ff.js("return document.activeElement.id") == "search"
    assert ff.js("return document.getElementById('search').value") == "", "Alt+R typed nothing"

    select(ff, "live")
    alt(ff, "p")
    wait_for(lambda: ff.js("return (await browser.storage.sync.get('pins')).pins ?? []") == ["live"], what="Alt+P to pin the role")
    assert ff.js("return document.activeElement.id") == "search", "the focus stays in the search box"
    assert ff.js("return document.querySelector('#roles [aria-selected=\"true\"]').dataset.role") == "live"

    logins = len([x for x in world["aws"].stats()["logins"] if ":222222222222:" in x["arn"]])
    alt(ff, "r")
    wait_for(lambda: message(ff).startswith("Renewed Live role"), timeout=30, what="Alt+R to renew the console")
    assert len([x for x in world["aws"].stats()["logins"] if ":222222222222:" in x["arn"]]) == logins + 1

    select(ff, "live")
    alt(ff, "s")
    wait_for(lambda: message(ff).startswith("Signed out of Live role"), timeout=30, what="Alt+S to sign out")
    wait_for(lambda: not any(b.endswith("left") for b in labels(ff)["live"]["badges"]), what="the live row to have no console")
    alt(ff, "p")  # unpinned again
    wait_for(lambda: ff.js("return (await browser.storage.sync.get('pins')).pins ?? []") == [], what="Alt+P to unpin")
    assert ff.js("return document.getElementById('search').value") == ""


def test_the_help_lists_the_shortcuts_the_tools_carry(ff, world):
    reopen(ff)
    assert ff.js("return document.getElementById('help').hidden")
    ff.click_element("#help-button")
    help_text = wait_for(lambda: ff.js("const h = document.getElementById('help'); return h.hidden ? null : h.textContent"), what="the help")
    keys = ff.js("return [...new Set([...document.querySelectorAll('#roles [aria-keyshortcuts]')].map((b) => b.getAttribute('aria-keyshortcuts')))]")
    assert sorted(keys) == ["Alt+P", "Alt+R", "Alt+S"], keys
    for key, what in (("Alt+P", "pin"), ("Alt+R", "renew"), ("Alt+S", "sign out")):
        assert re.search(rf"{re.escape(key)}\s*{what}", help_text), (key, help_text)
    assert ff.js("return document.getElementById('help-button').getAttribute('aria-expanded')") == "true"
    ff.js("document.getElementById('search').focus(); return true;")
    ff.type_keys("\x1b")
    assert ff.js("return document.getElementById('help').hidden"), "Escape closes the help"


GRID_JS = """
const list = document.getElementById('roles');
const search = document.getElementById('search');
const cells = [...list.querySelectorAll('[role="gridcell"]')];
// The nearest ancestor with a role that counts (none and presentation are left out of the tree).
const owner = (node) => { for (let p = node.parentElement; p; p = p.parentElement) { const r = p.getAttribute('role'); if (r && r !== 'none' && r !== 'presentation') return r; } return null; };
return {
  list: list.getAttribute('role'), rowcount: Number(list.getAttribute('aria-rowcount')),
  combobox: [search.getAttribute('role'), search.getAttribute('aria-controls'), search.getAttribute('aria-haspopup')],
  inListbox: document.querySelectorAll('[role="listbox"] :is(button, input, select), [role="option"] :is(button, input, select)').length,
  options: document.querySelectorAll('[role="listbox"], [role="option"]').length,
  looseButtons: [...list.querySelectorAll('button, input, select')].filter((b) => !b.closest('[role="gridcell"]')).length,
  rowsOutside: [...list.querySelectorAll('[role="row"]')].filter((r) => !(r.parentElement === list || r.parentElement.getAttribute('role') === 'rowgroup')).length,
  cellsOutside: cells.filter((c) => owner(c) !== 'row').length,
  groups: [...list.querySelectorAll('[role="rowgroup"]')].map((g) => g.getAttribute('aria-label')),
  titles: [...list.querySelectorAll('.group-title')].map((t) => t.textContent),
  active: [search.getAttribute('aria-activedescendant'), document.querySelector('[aria-selected="true"]')?.id, document.querySelector('[aria-selected="true"]')?.getAttribute('role')],
};
"""


def accessible(ff, role, name=None):
    """The nodes of Firefox's accessibility tree with this role (and name)."""
    value = {"role": role, **({"name": name} if name else {})}
    return ff.cmd("browsingContext.locateNodes", {"context": ff.context, "locator": {"type": "accessibility", "value": value}})["nodes"]


def test_the_list_is_a_grid_with_named_groups_and_no_button_in_a_listbox(ff, world):
    reopen(ff)
    select(ff, "prod")
    ff.click_element('button[aria-label="Links of Production role ' + LONG + '"]', hover='[data-item="prod"] .role')
    wait_for(lambda: ff.js("return Boolean(document.querySelector('[data-item=\"prod\"] .panel'))"), what="the links panel")
    g = ff.js(GRID_JS)
    assert g["list"] == "grid" and g["rowcount"] == len(ROLES) + 1, g
    assert g["combobox"] == ["combobox", "roles", "grid"], g
    assert (g["inListbox"], g["options"], g["looseButtons"], g["rowsOutside"], g["cellsOutside"]) == (0, 0, 0, 0, 0), g
    assert g["groups"] == g["titles"] and "Acme" in g["groups"], g
    assert g["active"][0] == g["active"][1] and g["active"][2] == "gridcell", g
    # The same, as Firefox's accessibility tree has it.
    assert accessible(ff, "listbox") == [] and accessible(ff, "option") == []
    assert len(accessible(ff, "grid", "Roles")) == 1
    assert len(accessible(ff, "rowgroup", "Acme")) == 1
    assert len(accessible(ff, "row")) == len(ROLES) + 1
    assert accessible(ff, "button", "Pin Production role " + LONG), "the selected row's pin, a button"
    assert accessible(ff, "button", "Buckets"), "the links panel's button"


@pytest.fixture(scope="module")
def chromium(world, ff):
    # After the Firefox cases: the state file then holds the consoles they opened.
    browser = Chromium(world["env"], DIST / "chromium", binary())
    try:
        yield browser
    finally:
        browser.stop()


def test_chromium_rows_keep_room_for_their_names_in_a_grid(chromium):
    chromium.open("popup.html")
    chromium.cmd("Emulation.setDeviceMetricsOverride", {"width": WIDTH, "height": 600, "deviceScaleFactor": 1, "mobile": False}, session=chromium.session)
    rows = wait_for(lambda: (lambda v: v if len(v) == len(ROLES) + 1 and any(b.endswith("left") for b in v["prod"]["badges"]) else None)(chromium.js(LABELS_JS)), what="the Chromium popup's rows")
    assert "window" in rows["prod"]["badges"], "isolated windows: the mode's badge too"
    chromium.js("document.getElementById('search').focus(); return true;")
    for role_id in ("prod", "ending", "shared"):
        chromium.js(f"""const s = document.getElementById('search');
          while (document.querySelector('#roles [aria-selected="true"]')?.dataset.role !== {json.dumps(role_id)})
            s.dispatchEvent(new KeyboardEvent('keydown', {{ key: 'ArrowDown', bubbles: true }}));
          return true;""")
        for other, row in chromium.js(LABELS_JS).items():
            assert room(row), (f"{other} with {role_id} selected", row)
    g = chromium.js(GRID_JS)
    assert g["list"] == "grid" and (g["inListbox"], g["options"], g["looseButtons"], g["cellsOutside"]) == (0, 0, 0, 0), g
