"""End to end, settings in the browser (issue 26, point 3): the options page edits the config
through the real host (protocol 7) in a real headless Firefox ESR, with real pointer clicks and
key presses: a role's label (which the popup then shows), a gateway's MFA mode and daily-code
hours, the extension's settings in [settings], the host's refusal beside the field it names
(a label too long, red for a role that is not production, a link off the console, hours out
of range), a catalogue role read-only, an Identity Center source's Sign in (the test stack's
Identity Center fake, approved in its page), Copy on the Get-started commands, and an older
host: the fields read-only with a note.

Cases run in file order and share one browser."""

import json
import sys
import tempfile
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
sys.path[:0] = [str(HERE), str(REPO / "tests" / "lib")]

from drivers import SYSTEM_HOST, answered_by, firefox_on_popup, stop_hosts, wait_for  # noqa: E402
from fake_host import write_fake_host  # noqa: E402
from host import binary, cli  # noqa: E402
from stack import AwsStack, rolecall_env, setup  # noqa: E402

DIST = REPO / "extension" / "dist"
MFA_SERIAL = "arn:aws:iam::999999999999:mfa/gateway"
SHARED = """\
[[role]]
id = "shared"
account_id = "333333333333"
role_name = "ReadOnly"
gateway = "team"
label = "Shared read-only"
"""


@pytest.fixture(scope="module")
def world():
    with AwsStack() as aws, tempfile.TemporaryDirectory(prefix="rolecall-e2e-") as tmp:
        env = rolecall_env(aws, tmp, "e2e")
        key_id, secret = aws.gateway_keys
        catalogue = Path(tmp) / "platform.toml"
        catalogue.write_text(SHARED)
        setup(
            env,
            [
                (["gateway", "add", "corp", "--access-key-id", key_id, "--mfa-serial", MFA_SERIAL, "--mfa-mode", "per-role"], secret + "\n"),
                (["role", "add", "a", "--account", "111111111111", "--role-name", "Admin", "--gateway", "corp", "--label", "Prod admin", "--group", "Acme"], None),
                (["role", "add", "b", "--account", "222222222222", "--role-name", "Developer", "--gateway", "corp", "--label", "Sandbox dev"], None),
                (["sso", "add", "acme", "--start-url", "https://acme.awsapps.com/start", "--region", "eu-west-1"], None),
                (["role", "add", "acme-admin", "--account", "444444444444", "--role-name", "AdministratorAccess", "--sso", "acme", "--label", "Acme SSO admin"], None),
                (["catalog", "add", "platform", "--file", str(catalogue), "--map", "team=corp"], None),
            ],
        )
        yield {"aws": aws, "env": env, "config": Path(env["ROLECALL_CONFIG_DIR"]) / "config.toml"}


@pytest.fixture(scope="module")
def ff(world):
    with firefox_on_popup(world["env"], DIST / "firefox", binary()) as browser:
        yield browser


BACKSPACES = "\ue010" + "\ue003" * 40  # End, then Backspace: clears a short field


def click(ff, selector, context=None):
    """A real pointer click, after scrolling the element into view (the options page is long)."""
    ff.js(f"document.querySelector({json.dumps(selector)}).scrollIntoView({{ block: 'center' }}); return true;", context=context)
    ff.click_element(selector, context=context)


def open_options(ff):
    ff.open("options.html")
    # Headless Firefox never gives the page the system focus (document.hasFocus() stays
    # false), so a field losing the focus fires no `change`: the number fields are committed
    # with Enter, which fires it as it does for a user.
    ff.activate()
    wait_for(lambda: ff.js("return Boolean(document.querySelector('button[data-edit=\"a\"]'))"), what="the roles' Edit buttons")


def open_editor(ff, role_id):
    click(ff, f'button[data-edit="{role_id}"]')
    wait_for(lambda: ff.js(f"return Boolean(document.querySelector('form.role-editor[data-role=\"{role_id}\"] #edit-label'))"), what=f"the editor of role {role_id}")


def type_into(ff, selector, text, clear=True):
    click(ff, selector)
    ff.type_keys((BACKSPACES if clear else "") + text)


def field_error(ff, scope, field):
    return ff.js(f"const p = document.querySelector({json.dumps(scope)} + ' .field-error[data-error-for=\"{field}\"]'); return p && !p.hidden ? p.textContent : null;")


def popup_labels(ff):
    return ff.js("return Object.fromEntries([...document.querySelectorAll('#roles .role[data-role]')].map((o) => [o.dataset.role, o.querySelector('.label').textContent]))")


def test_a_label_typed_in_the_options_page_shows_in_the_popup(ff, world):
    open_options(ff)
    open_editor(ff, "a")
    assert ff.js("return document.getElementById('edit-label').value") == "Prod admin"
    type_into(ff, "#edit-label", "Prod EU admin")
    click(ff, "form.role-editor button.save")
    wait_for(lambda: ff.js("return document.getElementById('roles-status').textContent") == "Role 'Prod EU admin' saved.", what="the save")
    # The overview shows it; the file holds it; nothing else of the role changed.
    wait_for(lambda: ff.js("return document.querySelector('tr[data-role=\"a\"] td').firstChild.textContent") == "Prod EU admin", what="the overview row")
    config = world["config"].read_text()
    assert 'label = "Prod EU admin"' in config and 'group = "Acme"' in config
    # The popup, opened now, shows the new label (the background refreshed its listing).
    ff.open("popup.html")
    labels = wait_for(lambda: (lambda l: l if l.get("a") == "Prod EU admin" else None)(popup_labels(ff)), what="the new label in the popup", diagnose=lambda: popup_labels(ff))
    assert labels["b"] == "Sandbox dev"


def test_a_bad_label_or_link_is_refused_beside_its_field_and_changes_nothing(ff, world):
    before = world["config"].read_text()
    open_options(ff)
    open_editor(ff, "a")
    type_into(ff, "#edit-label", "x" * 129)
    click(ff, "form.role-editor button.save")
    error = wait_for(lambda: field_error(ff, "form.role-editor", "label"), what="the label's refusal")
    assert "its label is 129 characters long; a label has at most 128" in error and error.endswith("Nothing was changed."), error
    assert ff.js("return document.getElementById('edit-label').getAttribute('aria-invalid')") == "true"
    assert ff.js("return document.getElementById('edit-label-error').id") == ff.js("return document.getElementById('edit-label').getAttribute('aria-describedby')")
    assert world["config"].read_text() == before
    # The label back as it was; a link off the console is refused beside that link's row.
    type_into(ff, "#edit-label", "Prod EU admin")
    click(ff, "form.role-editor button.add-link")
    type_into(ff, "form.role-editor .link-row:last-child input[name='link-name']", "Evil")
    type_into(ff, "form.role-editor .link-row:last-child input[name='link-destination']", "https://evil.example/")
    click(ff, "form.role-editor button.save")
    error = wait_for(lambda: ff.js("const p = document.querySelector('form.role-editor .link-row .field-error'); return p && !p.hidden ? p.textContent : null;"), what="the link's refusal")
    assert "link 'Evil'" in error and "is not a console page" in error, error
    assert field_error(ff, "form.role-editor", "label") is None, "the label's error is gone"
    assert ff.js("return [...document.querySelectorAll('form.role-editor .link-row input')].map((i) => i.getAttribute('aria-invalid'))") == ["true", "true"]
    assert world["config"].read_text() == before
    click(ff, "form.role-editor button.cancel")
    wait_for(lambda: ff.js("return !document.querySelector('form.role-editor')"), what="the editor to close")


def test_red_for_a_role_that_is_not_production_is_refused_beside_the_colour(ff, world):
    before = world["config"].read_text()
    open_options(ff)
    open_editor(ff, "b")
    # A real choice in the select: open it, type the colour's name, Enter.
    click(ff, "#edit-color")
    ff.type_keys("red\n")
    wait_for(lambda: ff.js("return document.getElementById('edit-color').value") == "red", what="red chosen")
    click(ff, "form.role-editor button.save")
    error = wait_for(lambda: field_error(ff, "form.role-editor", "color"), what="the colour's refusal")
    assert "red is kept for production roles, and this role is not one" in error, error
    assert ff.js("return document.getElementById('edit-color').getAttribute('aria-invalid')") == "true"
    assert world["config"].read_text() == before
    click(ff, "form.role-editor button.cancel")


def test_a_catalogue_role_is_read_only(ff):
    open_options(ff)
    cell = ff.js("return document.querySelector('tr[data-role=\"shared\"] td.change').textContent")
    assert cell == "Read-only: from catalogue platform", cell
    assert not ff.js("return Boolean(document.querySelector('button[data-edit=\"shared\"]'))")


def gateway(world):
    [g] = json.loads(cli(world["env"], "gateway", "list", "--json").stdout)
    return g


def test_a_gateway_s_mfa_mode_and_hours_are_changed_in_the_sources_table(ff, world):
    open_options(ff)
    scope = '#sources tr[data-source="corp"]'
    assert ff.js(f"return document.querySelector('{scope} select[name=\"mfa_mode\"]').value") == "per_role"
    # The mode, by keyboard on the select: one step down is "daily".
    click(ff, f"{scope} select[name='mfa_mode']")
    ff.type_keys("↓\n")
    wait_for(lambda: gateway(world)["mfa_mode"] == "daily", what="the mode to be saved", diagnose=lambda: gateway(world))
    wait_for(lambda: ff.js(f"return document.querySelector('{scope}').cells[2].textContent") == "daily", what="the overview's MFA column")
    # Hours out of range: the host's sentence beside the field, nothing saved.
    type_into(ff, f"{scope} input[name='mfa_session_hours']", "37\n")
    error = wait_for(lambda: field_error(ff, scope, "mfa_session_hours"), what="the hours' refusal", diagnose=lambda: ff.js(f"return document.querySelector('{scope}').outerHTML"))
    assert "mfa_session_hours 37 is outside 1..36" in error, error
    assert gateway(world)["mfa_session_hours"] == 12
    type_into(ff, f"{scope} input[name='mfa_session_hours']", "8\n")
    wait_for(lambda: gateway(world)["mfa_session_hours"] == 8, what="the hours to be saved")
    wait_for(lambda: field_error(ff, scope, "mfa_session_hours") is None, what="the error to go")


def test_the_consoles_settings_are_kept_in_the_hosts_config(ff, world):
    open_options(ff)
    assert ff.js("return document.getElementById('notifications').checked") is True
    click(ff, "#notifications")
    wait_for(lambda: "notifications = false" in world["config"].read_text(), what="notifications off in config.toml")
    type_into(ff, "#renew-before", "0\n")
    error = wait_for(lambda: field_error(ff, "#host-settings", "renew_before_minutes"), what="the lead time's refusal")
    assert "renew_before_minutes 0 is outside 1..60" in error, error
    type_into(ff, "#renew-before", "15\n")
    wait_for(lambda: "renew_before_minutes = 15" in world["config"].read_text(), what="the lead time saved")
    # The background follows the host's settings at once.
    info = ff.js("return (await browser.runtime.sendMessage({ type: 'info' })).host.settings")
    assert info == {"renew_before_minutes": 15, "auto_renew": True, "notifications": False}
    click(ff, "#notifications")
    wait_for(lambda: "notifications" not in world["config"].read_text() or "notifications = true" in world["config"].read_text(), what="notifications on again")


def test_sign_in_to_an_identity_center_source_from_the_options_page(ff, world):
    open_options(ff)
    click(ff, 'button.sign-in[data-sso="acme"]')
    status = wait_for(lambda: (lambda t: t if t.startswith("Approve code") else None)(ff.js("return document.querySelector('[data-sso-status=\"acme\"]').textContent")), what="the code beside Sign in")
    code = status.split()[2]
    sso = world["aws"].urls["sso"]
    page = wait_for(lambda: [c for c in ff.cmd("browsingContext.getTree", {})["contexts"] if c["url"].startswith(sso + "/device") and c["url"].endswith(code)], what="the verification page")[0]
    ctx = page["context"]
    wait_for(lambda: ff.js("return document.readyState === 'complete' && Boolean(document.getElementById('approve'))", context=ctx), what="the page to load")
    click(ff, "#approve", context=ctx)
    wait_for(lambda: ff.js("return document.querySelector('[data-sso-status=\"acme\"]')?.textContent") == "Signed in.", what="the options page to say so")
    wait_for(lambda: ff.js("return document.querySelector('#sources tr[data-source=\"acme\"]').cells[5].textContent") == "signed in", what="the source's state")
    ff.js(f"await browser.tabs.remove((await browser.tabs.query({{}})).filter((t) => t.url.startsWith({json.dumps(sso)})).map((t) => t.id)); return true;")


def test_copy_on_the_get_started_commands(ff):
    open_options(ff)
    ff.js("document.getElementById('first-run').hidden = false; return true;")
    commands = ff.js("return [...document.querySelectorAll('#first-run pre code')].map((c) => c.textContent)")
    assert commands[0] == "rolecall import aws-config --dry-run" and len(commands) == 6, commands
    assert ff.js("return document.querySelectorAll('#first-run pre + button.copy').length") == 6
    click(ff, "#first-run pre + button.copy")
    wait_for(lambda: ff.js("return document.querySelector('#first-run pre + button.copy').textContent") == "Copied", what="Copied")


# A host of protocol 6: it lists roles and answers host.info, and knows no config.read.
PROTOCOL_6_HOST = {
    "host.info": {"name": "rolecall", "version": "0.0.9", "protocol": 6, "platform": "linux", "config_path": "/nowhere",
                  "settings": {"renew_before_minutes": 20, "auto_renew": False}, "session_cookie_domains": []},
    "roles.list": {"roles": [{"id": "old", "label": "Old host role", "account_id": "111111111111", "role_name": "Admin", "source": "gateway",
                              "source_name": "corp", "gateway": "corp", "mfa": False, "mfa_mode": "per_role"}], "next_cursor": None},
}




@pytest.mark.skipif(SYSTEM_HOST, reason="needs the per-user manifest to point at another host")
def test_an_older_host_shows_the_settings_read_only_with_a_note(ff):
    old_host = write_fake_host(ff.tmp / "protocol-6-host.py", PROTOCOL_6_HOST)
    manifest = json.loads(ff.manifest_path.read_text())
    try:
        ff.manifest_path.write_text(json.dumps(dict(manifest, path=str(old_host))))
        # Reload until the old host has answered (the first request may meet the dying host).
        note = answered_by(ff, binary(), lambda: ff.js("const n = document.getElementById('settings-note'); return n.hidden ? null : n.textContent"), what="the note beside the settings")
        assert "Read-only: changing these here needs rolecall host protocol 7, and this host speaks 6" in note, note
        assert "git pull && ./setup.sh" in note
        # The settings the host follows are shown, not editable; no role has an Edit button.
        state = ff.js("""return { renew: document.getElementById('renew-before').value, disabled: document.getElementById('renew-before').disabled,
            auto: document.getElementById('auto-renew').checked, edits: document.querySelectorAll('button[data-edit]').length,
            rows: document.querySelectorAll('#roles-table tbody tr').length, upgrade: !document.getElementById('host-notice').hidden }""")
        assert state == {"renew": "20", "disabled": True, "auto": False, "edits": 0, "rows": 1, "upgrade": False}, state
        assert not ff.js("return document.getElementById('roles-note').hidden")
    finally:
        ff.install_host_manifest()
        stop_hosts(ff, str(old_host))

    def current_host():
        ff.open("options.html")
        # The page asks the background after it has loaded: give its answers a moment.
        return ff.js("return await new Promise((r) => { const f = () => document.querySelector('button[data-edit]') ? r(true) : performance.now() > 3000 ? r(false) : setTimeout(f, 20); f(); })")

    wait_for(current_host, timeout=30, interval=0.5, what="the current host's editors")
