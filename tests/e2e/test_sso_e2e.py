"""End to end, IAM Identity Center roles in the popup (issue 13): the real extension in a real
headless Firefox ESR, the real host, and the test stack's Identity Center fake
(tests/fakes/identity_center.py), whose verification page has Approve and Deny buttons (a
form POST) that the test clicks in Firefox as the user would. A gateway role sits beside the
SSO role, in a container of its own.

Cases run in file order and share one browser."""

import json
import sys
import tempfile
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
sys.path[:0] = [str(HERE), str(REPO / "tests" / "lib")]

from drivers import firefox_on_popup, wait_for  # noqa: E402
from host import binary  # noqa: E402
from stack import AwsStack, rolecall_env, setup  # noqa: E402

DIST = REPO / "extension" / "dist"
SSO_ARN = "arn:aws:sts::444444444444:assumed-role/AWSReservedSSO_AdministratorAccess_"
SSO_RO_ARN = "arn:aws:sts::444444444444:assumed-role/AWSReservedSSO_ReadOnly_"
GATEWAY_ARN = "arn:aws:sts::111111111111:assumed-role/Admin/"


@pytest.fixture(scope="module")
def world():
    with AwsStack() as aws, tempfile.TemporaryDirectory(prefix="rolecall-e2e-") as tmp:
        env = rolecall_env(aws, tmp, "e2e")
        key_id, secret = aws.gateway_keys
        steps = [
            (["gateway", "add", "corp", "--access-key-id", key_id], secret + "\n"),
            (["role", "add", "gw", "--account", "111111111111", "--role-name", "Admin", "--gateway", "corp", "--label", "Gateway admin"], None),
            (["sso", "add", "acme", "--start-url", "https://acme.awsapps.com/start", "--region", "eu-west-1"], None),
            (["role", "add", "acme-admin", "--account", "444444444444", "--role-name", "AdministratorAccess", "--sso", "acme", "--label", "Acme SSO admin"], None),
            (["role", "add", "acme-ro", "--account", "444444444444", "--role-name", "ReadOnly", "--sso", "acme", "--label", "Acme SSO read-only"], None),
        ]
        setup(env, steps)
        yield {"aws": aws, "env": env}


@pytest.fixture(scope="module")
def ff(world):
    with firefox_on_popup(world["env"], DIST / "firefox", binary()) as browser:
        yield browser


ROWS_JS = """
return [...document.querySelectorAll('#roles .item')].map((li) => {
  const o = li.querySelector('.role');
  return { id: o.dataset.role, label: o.querySelector('.label').textContent,
    pills: [...o.querySelectorAll('.badge')].map((b) => b.textContent),
    extra: li.querySelector('.extra')?.textContent ?? null, kind: li.querySelector('.error')?.dataset.kind ?? null };
});
"""

TABS_JS = """
return (await browser.tabs.query({})).map((t) => ({ id: t.id, url: t.url, title: t.title, store: t.cookieStoreId, active: t.active }));
"""


def rows(ff):
    return {r["id"]: r for r in ff.js(ROWS_JS)}


def wait_row(ff, role_id, check, what):
    return wait_for(lambda: (lambda r: r if r and check(r) else None)(rows(ff).get(role_id)), timeout=30, what=what, diagnose=lambda: rows(ff).get(role_id))


def reopen(ff):
    ff.open("popup.html")
    wait_for(lambda: len(rows(ff)) == 3, what="the roles in the popup")


def click(ff, role_id):
    ff.activate()
    ff.js(f"document.querySelector('[data-role=\"{role_id}\"]').dispatchEvent(new MouseEvent('click', {{ bubbles: true, button: 0 }})); return true;")


def verification_tabs(ff, world):
    return [t for t in ff.js(TABS_JS) if t["url"].startswith(world["aws"].urls["sso"] + "/device")]


def console_tabs(ff, arn):
    return [t for t in ff.js(TABS_JS) if arn in (t["title"] or "")]


def context_of(ff, url_prefix):
    """The BiDi browsing context of the (only) tab whose URL starts so."""
    found = [c["context"] for c in ff.cmd("browsingContext.getTree", {})["contexts"] if c["url"].startswith(url_prefix)]
    assert len(found) == 1, found
    return found[0]


def test_gateway_and_sso_roles_side_by_side_in_the_popup(ff):
    reopen(ff)
    got = rows(ff)
    assert got["acme-admin"]["label"] == "Acme SSO admin"
    assert "needs sign-in" in got["acme-admin"]["pills"], got
    assert "needs sign-in" not in got["gw"]["pills"] and "needs code" not in got["gw"]["pills"], got


def test_an_sso_click_opens_the_verification_page_and_approving_it_opens_the_console(ff, world):
    """Issue 26, point 9: two roles of one source clicked, and one of them again, make one
    sign-in and one verification tab, which closes once the sign-in is approved."""
    reopen(ff)
    click(ff, "acme-admin")
    click(ff, "acme-ro")
    [page] = wait_for(lambda: verification_tabs(ff, world), what="the verification page's tab")
    assert page["store"] == "firefox-default", "a normal tab, not the role's container"
    row = wait_row(ff, "acme-admin", lambda r: (r["extra"] or "").startswith("Approve code"), "the code in the popup's row")
    assert wait_row(ff, "acme-ro", lambda r: (r["extra"] or "").startswith("Approve code"), "the code on the other row")["extra"] == row["extra"]
    click(ff, "acme-admin")  # again: the same tab comes forward
    wait_for(lambda: next((t["active"] for t in ff.js(TABS_JS) if t["id"] == page["id"]), False), what="the verification tab to come forward")
    assert [t["id"] for t in verification_tabs(ff, world)] == [page["id"]], "one verification tab"
    assert len(world["aws"].stats()["sso"]["devices"]) == 1, "one sign-in"
    ctx = context_of(ff, page["url"])
    wait_for(lambda: ff.js("return document.readyState === 'complete' && document.getElementById('code')?.textContent", context=ctx), what="the verification page")
    code = ff.js("return document.getElementById('code').textContent", context=ctx)
    assert row["extra"] == f"Approve code {code} in the tab that opened.", row
    assert not console_tabs(ff, SSO_ARN), "no console before the approval"
    # Nothing of the sign-in is stored (the code included).
    stored = json.dumps([ff.js("return await browser.storage.local.get()"), ff.js("return await browser.storage.session.get()")])
    assert code not in stored

    # The user approves in that tab: a real click on the fake's Approve button (a form POST).
    # The tab has done its work: it closes, and both roles' consoles open.
    ff.click_element("#approve", context=ctx)
    [tab] = wait_for(lambda: console_tabs(ff, SSO_ARN), timeout=30, what="the SSO role's console")
    wait_for(lambda: console_tabs(ff, SSO_RO_ARN), timeout=30, what="the other SSO role's console")
    wait_for(lambda: not verification_tabs(ff, world), what="the verification tab to close")
    assert not [t for t in ff.js(TABS_JS) if t["url"].startswith(world["aws"].urls["sso"])], "no page of the sign-in left"
    assert tab["store"] not in ("firefox-default", page["store"])
    name = ff.js(f"return (await browser.contextualIdentities.get({json.dumps(tab['store'])})).name")
    assert name == "Acme SSO admin", "the role's own container"
    # The popup, open all along, is back to normal: no code, and the sign-in pill gone.
    wait_row(ff, "acme-admin", lambda r: r["extra"] is None and "needs sign-in" not in r["pills"], "the row to leave the sign-in")
    wait_row(ff, "acme-ro", lambda r: r["extra"] is None and "needs sign-in" not in r["pills"], "the other row to leave the sign-in")
    for t in console_tabs(ff, SSO_RO_ARN):  # the next case compares two consoles
        ff.js(f"await browser.tabs.remove({t['id']}); return true;")


def test_sso_and_gateway_consoles_in_two_containers_with_two_identities(ff, world):
    reopen(ff)
    click(ff, "gw")
    [gw] = wait_for(lambda: console_tabs(ff, GATEWAY_ARN), timeout=30, what="the gateway role's console")
    [sso] = console_tabs(ff, SSO_ARN)
    assert gw["store"] != sso["store"]
    # Side by side: reload both; each container keeps its own session.
    views = len(world["aws"].stats()["console_views"])
    ff.js(f"await browser.tabs.reload({gw['id']}); await browser.tabs.reload({sso['id']}); return true;")
    console_url = world["env"]["ROLECALL_CONSOLE_URL"]

    def identities():
        seen = []
        for c in ff.cmd("browsingContext.getTree", {})["contexts"]:
            if c["url"].startswith(console_url):
                seen.append(ff.js("return document.getElementById('identity')?.textContent ?? ''", context=c["context"]))
        return sorted(seen) if len(seen) == 2 and all(seen) else None

    seen = wait_for(identities, what="both consoles to show an identity")
    assert seen[0].startswith(GATEWAY_ARN) and seen[1].startswith(SSO_ARN), seen  # sorted: 1111… < 4444…
    arns = sorted({v["arn"].split("/")[1] for v in world["aws"].stats()["console_views"][views:] if v["arn"]})
    assert len(arns) == 2 and arns[0] == "AWSReservedSSO_AdministratorAccess_" + seen[1].split("_")[-1].split("/")[0] and arns[1] == "Admin", arns


def test_a_denied_sign_in_is_shown_as_an_error_and_opens_nothing(ff, world):
    ff.js("await browser.runtime.sendMessage({ type: 'forget' }); return true;")  # the token is gone
    reopen(ff)
    wait_row(ff, "acme-admin", lambda r: "needs sign-in" in r["pills"], "the role to need a sign-in again")
    consoles = len(console_tabs(ff, SSO_ARN))
    click(ff, "acme-admin")
    row = wait_row(ff, "acme-admin", lambda r: (r["extra"] or "").startswith("Approve code"), "a new code")
    code = row["extra"].split()[2]
    [page] = wait_for(lambda: [t for t in verification_tabs(ff, world) if t["url"].endswith(f"user_code={code}")], what="the new code's page")
    ctx = context_of(ff, page["url"])
    wait_for(lambda: ff.js("return document.readyState === 'complete' && Boolean(document.getElementById('deny'))", context=ctx), what="the verification page")
    ff.click_element("#deny", context=ctx)
    row = wait_row(ff, "acme-admin", lambda r: r["kind"] == "sso_login_denied", "the denial on the role's row")
    assert "The IAM Identity Center sign-in for 'acme' was denied." in row["extra"], row
    assert "Click the role again" in row["extra"], row
    assert len(console_tabs(ff, SSO_ARN)) == consoles, "no console opened"
    # Clicked again: a new code, shown in the tab the denied one left (still one tab).
    click(ff, "acme-admin")
    row = wait_row(ff, "acme-admin", lambda r: (r["extra"] or "").startswith("Approve code") and r["extra"].split()[2] != code, "another new code")
    new_code = row["extra"].split()[2]
    wait_for(lambda: [t["id"] for t in verification_tabs(ff, world) if t["url"].endswith(f"user_code={new_code}")] == [page["id"]], what="the new code's page in the same tab")
    assert len(verification_tabs(ff, world)) == 1
    ctx = context_of(ff, page["url"].replace(code, new_code))
    wait_for(lambda: ff.js("return document.readyState === 'complete' && Boolean(document.getElementById('deny'))", context=ctx), what="the new verification page")
    ff.click_element("#deny", context=ctx)  # no sign-in left waiting for the next case
    wait_row(ff, "acme-admin", lambda r: r["kind"] == "sso_login_denied", "the second denial")


def test_a_hostile_verification_page_is_refused_and_no_tab_opens(ff, world):
    """Issue 25, point 5: a page off AWS's sign-in domains, named by whatever answers at the
    Identity Center endpoint, is refused by the host with its reason on the role's row; no
    tab opens."""
    aws = world["aws"]
    aws.sso("answer", {"verification_uri_complete": "https://evil.example/device?user_code={user_code}"})
    try:
        reopen(ff)
        wait_row(ff, "acme-admin", lambda r: "needs sign-in" in r["pills"], "the role to need a sign-in")
        tabs = len(ff.js(TABS_JS))
        click(ff, "acme-admin")
        row = wait_row(ff, "acme-admin", lambda r: r["kind"] == "verification_refused", "the refusal on the role's row")
        assert "is refused" in row["extra"] and "Nothing was opened" in row["extra"], row
        assert "/device" not in row["extra"], row
        assert len(ff.js(TABS_JS)) == tabs, "no tab opened"
        assert not [t for t in ff.js(TABS_JS) if "evil.example" in t["url"]]
    finally:
        aws.sso("answer", {})
