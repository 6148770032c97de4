"""End to end, the picker at scale (issue 14): the real extension in a real headless Firefox ESR
and the real host, over a config of 5,000 roles (written directly, as test_scale.py does: `role
add` would take minutes) plus two roles of the Acme account, one of them production with a
named link. The popup's list is virtual: only the rows in view are in the document.

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
from host import binary  # noqa: E402
from stack import AwsStack, rolecall_env, setup  # noqa: E402

DIST = REPO / "extension" / "dist"
TEAMS = 5000
TOTAL = TEAMS + 2


def team_roles(n):
    """n roles through gateway corp, as TOML: accounts 300000000000 + i, 50 groups."""
    return "".join(
        f'\n[[role]]\nid = "team-{i:04d}"\naccount_id = "{300000000000 + i:012d}"\n'
        f'role_name = "{"Admin" if i % 2 else "ReadOnly"}"\ngateway = "corp"\n'
        f'label = "Team {i} {"admin" if i % 2 else "read-only"}"\ngroup = "Unit {i % 50}"\n'
        for i in range(n)
    )


@pytest.fixture(scope="module")
def world():
    with AwsStack() as aws, tempfile.TemporaryDirectory(prefix="rolecall-e2e-") as tmp:
        env = rolecall_env(aws, tmp, "e2e")
        config_dir = env["ROLECALL_CONFIG_DIR"]
        key_id, secret = aws.gateway_keys
        steps = [
            (["gateway", "add", "corp", "--access-key-id", key_id], secret + "\n"),
            (["role", "add", "acme-prod", "--account", "111111111111", "--role-name", "Admin", "--gateway", "corp", "--label", "Acme prod", "--group", "Acme", "--risk", "production", "--link", "Buckets=/s3/buckets"], None),
            (["role", "add", "acme-dev", "--account", "222222222222", "--role-name", "Developer", "--gateway", "corp", "--label", "Acme dev", "--group", "Acme", "--color", "blue"], None),
        ]
        setup(env, steps)
        config = Path(config_dir) / "config.toml"
        config.write_text(config.read_text() + team_roles(TEAMS))
        yield {"aws": aws, "env": env, "config": config}


@pytest.fixture(scope="module")
def ff(world):
    with firefox_on_popup(world["env"], DIST / "firefox", binary()) as browser:
        yield browser


LIST_JS = """
// The matched characters are a custom highlight (CSS Custom Highlight API) over the rows' text.
const ranges = [...(CSS.highlights.get('rolecall-match') ?? [])];
const marked = (node) => ranges.filter((r) => r.startContainer === node).sort((a, b) => a.startOffset - b.startOffset).map((r) => node.data.slice(r.startOffset, r.endOffset));
const items = [...document.querySelectorAll('#roles :is(.group-title, .item)')];
const rowcount = Number(document.getElementById('roles').getAttribute('aria-rowcount'));
return { titles: items.filter((li) => li.classList.contains('group-title')).map((li) => li.textContent),
  rows: items.filter((li) => li.classList.contains('item')).map((li) => { const o = li.querySelector('.role');
    return { id: o.dataset.role, label: o.querySelector('.label').textContent, marked: marked(o.querySelector('.label').firstChild),
      selected: o.getAttribute('aria-selected') === 'true', setsize: rowcount, posinset: Number(li.getAttribute('aria-rowindex')),
      badges: [...o.querySelectorAll('.badge')].map((b) => b.textContent), extra: li.querySelector('.extra')?.textContent ?? null,
      tools: [...li.querySelectorAll('.tools .cell:not([hidden]) button')].map((b) => b.getAttribute('aria-label')) }; }),
  first: items[0]?.textContent ?? null, status: document.getElementById('status').textContent };
"""

TABS_JS = """
return (await browser.tabs.query({})).map((t) => ({ id: t.id, url: t.url, title: t.title, store: t.cookieStoreId }));
"""


def view(ff):
    return ff.js(LIST_JS)


def reopen(ff):
    ff.open("popup.html")
    return wait_for(lambda: (lambda v: v if v["rows"] and v["rows"][0]["setsize"] == TOTAL else None)(view(ff)), timeout=60, what="the popup's rows")


def query(ff, text):
    """Types into the search box as a person would."""
    ff.activate()
    ff.js("const s = document.getElementById('search'); s.focus(); s.value = ''; s.dispatchEvent(new Event('input')); return true;")
    ff.type_keys(text)


def paste(ff, text):
    ff.js(f"const s = document.getElementById('search'); s.focus(); s.value = {json.dumps(text)}; s.dispatchEvent(new Event('input')); return true;")


def top_ids(ff, n=3):
    return [r["id"] for r in view(ff)["rows"][:n]]


def logins(world, arn_part):
    return [x for x in world["aws"].stats()["logins"] if arn_part in x["arn"]]


def sts_calls(world, role_name):
    return [c for c in world["aws"].stats()["sts_calls"] if c["action"] == "AssumeRole" and (c["role_arn"] or "").endswith(f":role/{role_name}")]


def test_a_popup_over_5000_roles_shows_rows_and_filters(ff, world):
    v = reopen(ff)
    # Virtual: a screenful of rows in the document, each knowing its place among all of them.
    assert 5 <= len(v["rows"]) < 60, len(v["rows"])
    assert v["titles"][0] == "Acme" and [r["id"] for r in v["rows"][:2]] == ["acme-prod", "acme-dev"]
    assert [r["posinset"] for r in v["rows"][:3]] == [1, 2, 3]
    # Scrolled to the end, the last rows are drawn.
    ff.js("const l = document.getElementById('roles'); l.scrollTop = l.scrollHeight; return true;")
    last = wait_for(lambda: (lambda rows: rows if rows and rows[-1]["posinset"] == TOTAL else None)(view(ff)["rows"]), what="the last rows after scrolling")
    assert len(last) < 60
    ff.js("document.getElementById('roles').scrollTop = 0; return true;")

    # Search: label words, with the matched characters marked.
    query(ff, "team 4242")
    wait_for(lambda: top_ids(ff, 1) == ["team-4242"], what="team 4242 first")
    row = view(ff)["rows"][0]
    assert row["selected"] and row["marked"] == ["Team", "4242"], row
    # An account id with dashes, a pasted role ARN, a typo.
    query(ff, "3000-0000-1234")
    wait_for(lambda: top_ids(ff, 2) == ["team-1234"], what="the account id with dashes")
    # An account id that is a role's picks it (Enter opens it, below); six digits (an MFA code
    # typed into the search box) pick nothing.
    assert view(ff)["rows"][0]["selected"]
    paste(ff, "3000 0000 1234")
    wait_for(lambda: top_ids(ff, 2) == ["team-1234"] and view(ff)["rows"][0]["selected"], what="the account id with spaces, picked")
    query(ff, "300000")
    wait_for(lambda: view(ff)["rows"] and not [r for r in view(ff)["rows"] if r["selected"]], what="six digits to select nothing")
    paste(ff, "arn:aws:iam::300000000777:role/Admin")
    wait_for(lambda: top_ids(ff, 1) == ["team-0777"] and view(ff)["rows"][0]["selected"], what="the ARN's role, selected")
    query(ff, "acme prdo")
    wait_for(lambda: top_ids(ff, 1) == ["acme-prod"], what="acme prod despite the typo")
    # A pasted account id, then Enter: its role opens.
    n = len(logins(world, ":300000001234:"))
    paste(ff, "300000001234")
    wait_for(lambda: view(ff)["rows"] and view(ff)["rows"][0]["selected"], what="the pasted account's role, selected")
    ff.type_keys("\n")
    wait_for(lambda: logins(world, ":300000001234:")[n:], timeout=30, what="the pasted account's console")
    reopen(ff)
    query(ff, "no such role anywhere")
    wait_for(lambda: view(ff)["status"].startswith("No role matches"), what="no match")
    ff.type_keys("\x1b")
    wait_for(lambda: view(ff)["rows"] and view(ff)["rows"][0]["setsize"] == TOTAL, what="Escape to show every role again")


def test_a_production_role_asks_first_then_opens_in_a_red_container(ff, world):
    reopen(ff)
    row = next(r for r in view(ff)["rows"] if r["id"] == "acme-prod")
    assert "prod" in row["badges"], row
    before = len(sts_calls(world, "Admin"))
    ff.activate()
    ff.click_element('[data-role="acme-prod"]')
    wait_for(lambda: (next(r for r in view(ff)["rows"] if r["id"] == "acme-prod")["extra"] or "").startswith("Open production: Acme prod?"), what="the question")
    time.sleep(1)
    assert len(sts_calls(world, "Admin")) == before, "nothing opened on the first click"
    # The second step: Enter (the row is selected).
    ff.js("document.getElementById('search').focus(); return true;")
    ff.type_keys("\n")
    tab = wait_for(lambda: next((t for t in ff.js(TABS_JS) if "assumed-role/Admin/" in (t["title"] or "") and ":111111111111:" in t["title"]), None), timeout=30, what="the production console")
    c = ff.js(f"const c = await browser.contextualIdentities.get({json.dumps(tab['store'])}); return {{ name: c.name, color: c.color }};")
    assert c == {"name": "Acme prod", "color": "red"}, c


def test_prod_s3_lands_on_the_service_and_links_and_regions_land_where_chosen(ff, world):
    reopen(ff)
    query(ff, "acme dev s3")
    wait_for(lambda: (lambda rows: rows and rows[0]["id"] == "acme-dev" and "→ S3" in rows[0]["badges"])(view(ff)["rows"]), what="acme dev, landing on S3")
    n = len(logins(world, ":222222222222:"))
    ff.type_keys("\n")
    [login] = wait_for(lambda: logins(world, ":222222222222:")[n:], timeout=30, what="acme dev's sign-in")
    assert login["destination"].endswith("/s3/home"), login

    # The row's region picker.
    reopen(ff)
    # A row's tools show on the selected row, and on the row pointed at (then they are clicked).
    ff.point("#search")
    shown = ff.js("return [...document.querySelectorAll('#roles .item')].map((li) => [li.querySelector('.role').getAttribute('aria-selected'), li.querySelector('.tool.pin').getClientRects().length > 0])")
    assert ["true", True] in shown and ["false", False] in shown and ["false", True] not in shown, shown
    ff.click_element('button[aria-label="Choose region for Acme dev"]', hover='[data-item="acme-dev"] .role')
    wait_for(lambda: ff.js("return document.activeElement?.classList.contains('region-select') ?? false"), what="the region list to take the focus")
    ff.js("const s = document.querySelector('.region-select'); s.value = 'us-west-2'; return true;")
    n = len(logins(world, ":222222222222:"))
    ff.click_element('[data-item="acme-dev"] .panel button[type="submit"]')
    [login] = wait_for(lambda: logins(world, ":222222222222:")[n:], timeout=30, what="acme dev in us-west-2")
    assert "region=us-west-2" in login["destination"], login

    # The production role's named link, in its row's menu: confirmed, then there.
    reopen(ff)
    ff.click_element('button[aria-label="Links of Acme prod"]', hover='[data-item="acme-prod"] .role')
    ff.click_element('[data-item="acme-prod"] .links button.link')
    wait_for(lambda: (next(r for r in view(ff)["rows"] if r["id"] == "acme-prod")["extra"] or "").startswith("Open production"), what="the question")
    n = len(logins(world, ":111111111111:"))
    ff.click_element('[data-item="acme-prod"] .confirm button.danger')
    [login] = wait_for(lambda: logins(world, ":111111111111:")[n:], timeout=30, what="the link's sign-in")
    assert login["destination"].endswith("/s3/buckets"), login


def test_a_query_and_enter_typed_as_the_popup_opens_open_its_first_match(ff, world):
    """A person who opens the popup and types at once (the shortcut, then `acme dev` and Enter)
    may be faster than the listing's text, which follows the first rows: the search waits for
    it, and so does the Enter, which then opens the query's first match."""
    n = len(logins(world, ":222222222222:"))
    ff.cmd("browsingContext.navigate", {"context": ff.context, "url": ff.base + "popup.html", "wait": "interactive"})
    ff.activate()
    ff.type_keys("acme dev\n")  # the search box has the focus as the popup opens
    [login] = wait_for(lambda: logins(world, ":222222222222:")[n:], timeout=30, what="acme dev's sign-in")
    assert "assumed-role/Developer/" in login["arn"], login
    assert ff.js("return document.getElementById('search').value") == "acme dev"
    time.sleep(1)
    assert len(logins(world, ":222222222222:")) == n + 1, "one Enter, one console"


def test_a_pinned_role_is_first_on_reopening(ff, world):
    v = reopen(ff)
    assert v["titles"][0] == "Recent", "the roles opened above"
    team = "team-2500"
    query(ff, "team 2500 read")
    wait_for(lambda: top_ids(ff, 1) == [team], what="team 2500")
    ff.click_element('button[aria-label="Pin Team 2500 read-only"]')
    wait_for(lambda: ff.js("return (await browser.storage.sync.get('pins')).pins ?? []") == [team], what="the pin to be stored (storage.sync)")
    v = reopen(ff)
    assert v["titles"][0] == "Favourites" and v["rows"][0]["id"] == team, v["titles"][:2]
    assert "Unpin Team 2500 read-only" in v["rows"][0]["tools"]
    # Recent follows: the roles opened, most often and lately first, not repeated in their group.
    assert v["titles"][1] == "Recent"
    recent = [r["id"] for r in v["rows"][1:3]]
    assert set(recent) == {"acme-prod", "acme-dev"}, recent
    assert [r["id"] for r in v["rows"]].count("acme-dev") == 1
    # Enter on the empty query opens the first row: the favourite.
    stored = json.dumps([ff.js("return await browser.storage.sync.get()"), ff.js("return await browser.storage.local.get()")])
    assert "SigninToken" not in stored and "federation" not in stored
    # Favourites are synced; what was opened and when (frecency) stays on this machine.
    assert list(ff.js("return await browser.storage.sync.get()")) == ["pins"]
    assert "acme-prod" in ff.js("return (await browser.storage.local.get('frecency')).frecency ?? {}")


def test_options_page_lists_sources_and_roles_and_turns_confirmation_off(ff, world):
    ff.open("options.html")
    # The overview's columns (the last one holds the gateway's editors: test_settings_e2e.py).
    sources = wait_for(lambda: ff.js("return [...document.querySelectorAll('#sources tbody tr')].map((tr) => [...tr.cells].slice(0, 6).map((c) => c.textContent))"), what="the sources table")
    # Three consoles: acme-prod, acme-dev and the pasted account's team-1234.
    assert sources == [["corp", "gateway", "none", str(TOTAL), "3", "ready"]], sources
    count = ff.js("return document.getElementById('roles-count').textContent")
    assert count == f"200 of {TOTAL} roles shown: filter to find the others.", count
    assert ff.js("return document.querySelectorAll('#roles-table tbody tr').length") == 200
    assert ff.js("return document.getElementById('first-run').hidden"), "no first-run guidance with roles"
    ff.js("const f = document.getElementById('roles-filter'); f.value = 'acme'; f.dispatchEvent(new Event('input')); return true;")
    rows = wait_for(lambda: (lambda r: r if len(r) == 2 else None)(ff.js("return [...document.querySelectorAll('#roles-table tbody tr')].map((tr) => ({ role: tr.dataset.role, cells: [...tr.cells].slice(0, 8).map((c) => c.textContent) }))")), what="the filtered roles")
    prod = next(r for r in rows if r["role"] == "acme-prod")["cells"]
    assert prod[1:] == ["111111111111", "Admin", "Acme", "corp (gateway)", "production", "none", prod[7]] and prod[7].endswith("left"), prod
    # The naming pattern says when names are shared (each then gets its id).
    ff.js("const p = document.getElementById('pattern'); p.value = '{group}'; p.dispatchEvent(new Event('input')); return true;")
    assert ff.js("return document.getElementById('pattern-shared').textContent").startswith(f"{TOTAL} of {TOTAL} roles share a name")
    ff.js("const p = document.getElementById('pattern'); p.value = '{label}'; p.dispatchEvent(new Event('input')); return true;")

    # Confirmation off: a production role opens on the first click.
    assert ff.js("return document.getElementById('confirm-production').checked")
    ff.js("document.getElementById('confirm-production').scrollIntoView({ block: 'center' }); return true;")
    ff.click_element("#confirm-production")
    wait_for(lambda: ff.js("return (await browser.storage.local.get('settings')).settings?.confirmProduction") is False, what="the setting to be saved")
    try:
        reopen(ff)
        n = len(logins(world, ":111111111111:"))
        ff.activate()
        ff.click_element('[data-role="acme-prod"]')
        wait_for(lambda: logins(world, ":111111111111:")[n:], timeout=30, what="the production role to open at once")
    finally:
        ff.js("const s = (await browser.storage.local.get('settings')).settings; s.confirmProduction = true; await browser.storage.local.set({ settings: s }); return true;")


def popup_rows(ff):
    """The popup opened anew and its rows once drawn (None while the extension is starting).
    A navigation to the page of an extension that has just restarted now and then never
    completes (Firefox ESR, about one run in three, before and after the popup's split into
    modules): it is given a few seconds, then tried again."""
    try:
        ff.cmd("browsingContext.navigate", {"context": ff.context, "url": ff.base + "popup.html", "wait": "complete"}, timeout=5)
    except Exception:
        return None
    deadline = time.monotonic() + 3
    while time.monotonic() < deadline:
        v = view(ff)
        if v["rows"]:
            return v
        time.sleep(0.05)
    return None


def test_after_a_restart_the_kept_first_screen_shows_before_the_host_answers_and_a_search_waits(world):
    """The extension restarted (as after a browser start or an update) with the host slow to
    start: the popup draws the first screen kept from the last listing at once, says a search is
    loading rather than searching 32 roles, and searches every role once the listing is in.
    The host is held by a gate (a file the wrapper waits for), not by time."""
    with tempfile.TemporaryDirectory(prefix="rolecall-gate-") as d:
        gate = Path(d) / "open"
        gate.touch()
        wrapper = Path(d) / "gated-host"
        wrapper.write_text(f'#!/bin/sh\nwhile [ ! -e "{gate}" ]; do sleep 0.05; done\nexec "{binary()}" "$@"\n')
        wrapper.chmod(0o755)
        with firefox_on_popup(world["env"], DIST / "firefox", str(wrapper)) as ff:
            before = reopen(ff)
            kept = wait_for(lambda: ff.js("return (await browser.storage.local.get('firstScreen')).firstScreen ?? null"), what="the first screen to be kept")
            assert kept["n"] == 32 and kept["value"]["roles"] == TOTAL
            assert "SigninToken" not in json.dumps(kept) and "federation" not in json.dumps(kept)
            # Restart the extension (its host with it) while the gate is shut. Another tab keeps
            # the window (and Firefox) open while the extension's pages close.
            gate.unlink()
            other = ff.cmd("browsingContext.create", {"type": "tab"})["context"]
            first = ff.context
            ff.js("setTimeout(() => browser.runtime.reload(), 10); return true;")
            ff.context = other
            # The reload closes the extension's pages: the popup's tab going is the sign it is done.
            wait_for(lambda: first not in [c["context"] for c in ff.cmd("browsingContext.getTree", {})["contexts"]], timeout=30, what="the extension to restart")
            after = wait_for(lambda: popup_rows(ff), timeout=30, what="the kept first screen's rows after the restart")
            assert [r["id"] for r in after["rows"]] == [r["id"] for r in before["rows"]][: len(after["rows"])]
            assert after["titles"][:1] == before["titles"][:1] and after["rows"][0]["setsize"] == TOTAL
            # Six digits (an MFA code typed into the wrong box) and Enter, before the listing:
            # the Enter waits with the search, then opens nothing and says why, as it does once
            # the roles are in (CI once caught it saying nothing: the wait dropped the reason).
            n = len(logins(world, ":222222222222:"))
            ff.activate()
            ff.type_keys("222222\n")
            v = wait_for(lambda: (lambda v: v if v["status"] == "Loading roles…" else None)(view(ff)), what="a search to wait for the roles")
            assert v["rows"] == [], "no search over the first screen alone"
            gate.touch()
            said = wait_for(lambda: (lambda t: t if t not in ("", "Loading roles…") else None)(view(ff)["status"]), timeout=60, what="the status once listed")
            assert "pick a role with ↓ or ↑" in said, said
            assert "acme-dev" in top_ids(ff, 5), "the digits searched every role"
            time.sleep(0.5)
            assert len(logins(world, ":222222222222:")) == n, "Enter opened nothing"
            paste(ff, "team 4321")
            wait_for(lambda: top_ids(ff, 1) == ["team-4321"], timeout=60, what="the search over every role once listed")
            assert view(ff)["status"] == ""
