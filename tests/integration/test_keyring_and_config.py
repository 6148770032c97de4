"""The OS keyring (a real Secret Service: gnome-keyring in the test's D-Bus session) and
the config file: round trips, and failures that lose nothing."""

import json
import os
import stat
from pathlib import Path


def test_gateway_keys_round_trip_through_the_real_keyring(rc, aws):
    rc.add_gateway("corp")
    listing = rc.cli("gateway", "list", "--json")
    assert listing.returncode == 0
    assert json.loads(listing.stdout)[0]["keys"] == "in keyring"
    # The config names the gateway but holds no key material.
    text = rc.config_text()
    assert 'name = "corp"' in text
    assert aws.gateway_keys[0] not in text and aws.gateway_keys[1] not in text
    mode = stat.S_IMODE(os.stat(rc.config_dir / "config.toml").st_mode)
    assert mode == 0o600
    # Remove: the keys leave the keyring too, and an open then says so.
    assert rc.cli("gateway", "remove", "corp").returncode == 0
    r = rc.cli("gateway", "list")
    assert "corp" not in r.stdout


def test_gateway_in_use_cannot_be_removed(rc):
    rc.add_gateway()
    rc.add_role("prod")
    r = rc.cli("gateway", "remove", "corp")
    assert r.returncode == 1 and "prod" in r.stderr
    assert 'name = "corp"' in rc.config_text()


def test_secret_is_read_from_stdin_never_from_arguments(rc, aws):
    r = rc.cli("gateway", "add", "g", "--access-key-id", aws.gateway_keys[0], input="")
    assert r.returncode == 1 and "secret access key is missing" in r.stderr
    assert not (rc.config_dir / "config.toml").exists()
    r = rc.cli("gateway", "add", "g", "--access-key-id", "ASIAIOSFODNN7EXAMPLE", input="x" * 40)
    assert r.returncode == 1 and "temporary" in r.stderr


def test_no_secret_service_is_keyring_unavailable_and_loses_nothing(rc, aws):
    rc.add_gateway()
    rc.add_role("prod")
    before = rc.config_text()
    no_bus = dict(rc.env, DBUS_SESSION_BUS_ADDRESS="unix:path=/nonexistent/bus")
    no_bus.pop("DISPLAY", None)
    h = rc.host(no_bus)
    err = h.call("console.open", {"role": "prod"})["error"]
    assert err["code"] == 1006
    assert err["data"] == {"kind": "keyring_unavailable"}
    assert "keyring" in err["message"] and "rolecall doctor" in err["message"]
    assert "cannot reach the session D-Bus" in err["message"], err["message"]
    assert h.call("roles.list")["result"]["roles"][0]["id"] == "prod"  # still serving
    assert h.close() == 0
    r = rc.cli("gateway", "add", "second", "--access-key-id", aws.gateway_keys[0], input=aws.gateway_keys[1], env=no_bus)
    assert r.returncode == 1 and "keyring" in r.stderr
    assert rc.config_text() == before


def test_an_unreachable_keyring_is_reported_before_the_mfa_prompt(rc, aws):
    """Issue 11, item 10: the keyring is checked before an MFA code is asked for."""
    rc.add_gateway(mfa=True)
    rc.add_role("prod")
    no_bus = dict(rc.env, DBUS_SESSION_BUS_ADDRESS="unix:path=/nonexistent/bus")
    no_bus.pop("DISPLAY", None)
    h = rc.host(no_bus)
    err = h.call("console.open", {"role": "prod"})["error"]
    assert (err["code"], err["data"]) == (1006, {"kind": "keyring_unavailable"})
    # With the keyring back, the same open asks for the code.
    assert rc.host().call("console.open", {"role": "prod"})["error"]["data"]["kind"] == "mfa_required"
    assert aws.stats()["sts_requests"] == {}
    assert h.close() == 0


def test_a_corrupt_config_is_reported_and_never_overwritten(rc):
    rc.config_dir.mkdir(parents=True)
    path = rc.config_dir / "config.toml"
    path.write_bytes(b"[[role]]\nid = \"x\"\naccount_id = 12\n")
    h = rc.host()
    err = h.call("roles.list")["error"]
    assert err["code"] == 1010
    assert err["data"] == {"kind": "config_invalid", "path": str(path)}
    assert str(path) in err["message"]
    assert h.call("host.info")["result"]["protocol"] >= 1
    assert h.close() == 0
    r = rc.cli("role", "add", "y", "--account", "111111111111", "--role-name", "A", "--gateway", "g")
    assert r.returncode == 1 and "invalid" in r.stderr
    assert path.read_bytes() == b"[[role]]\nid = \"x\"\naccount_id = 12\n"


def test_roles_list_carries_what_the_popup_shows(rc):
    rc.add_gateway(mfa=True, region="eu-west-1")
    rc.add_role("prod", "111111111111", "Admin", "corp", "--label", "Prod", "--group", "Acme", "--icon", "fingerprint")
    rc.add_role("gov", "222222222222", "path/Ro", "corp", "--region", "us-gov-west-1", "--color", "green")
    roles = rc.host().call("roles.list")["result"]["roles"]
    assert [r["id"] for r in roles] == ["prod", "gov"]
    prod, gov = roles
    assert prod == {
        "id": "prod", "label": "Prod", "account_id": "111111111111", "role_name": "Admin",
        "gateway": "corp", "region": "eu-west-1", "partition": "aws", "group": "Acme",
        "color": prod["color"], "icon": "fingerprint", "mfa": True, "mfa_mode": "per_role", "mfa_process": False, "needs_code": True, "needs_login": False, "risk": None, "links": [], "session": None, "source": "gateway", "source_name": "corp", "sso": None, "window_open": False,
        "catalog": None, "shadows_catalog": None,
    }
    assert prod["color"] in {"blue", "turquoise", "green", "yellow", "orange", "pink", "purple"}
    assert (gov["partition"], gov["color"], gov["group"], gov["label"]) == ("aws-us-gov", "green", None, "gov")


def test_invalid_role_values_are_refused_by_the_cli(rc):
    rc.add_gateway()
    for args, why in [
        (["--account", "12"], "12 digits"),
        (["--account", "111111111111", "--color", "mauve"], "colour"),
        (["--account", "111111111111", "--region", "nowhere"], "region"),
        (["--account", "111111111111", "--session-duration", "99999"], "session_duration"),
    ]:
        r = rc.cli("role", "add", "r", "--role-name", "A", "--gateway", "corp", *args)
        assert r.returncode == 1 and why in r.stderr, (args, r.stderr)
    assert "[[role]]" not in rc.config_text()


LOCKED_KEYRING_SCRIPT = r"""
set -e
printf pw | gnome-keyring-daemon --unlock --components=secrets >/dev/null
printf '%s' "$SECRET" | "$ROLECALL_BIN" gateway add corp --access-key-id "$KEY_ID" >/dev/null
"$ROLECALL_BIN" role add prod --account 111111111111 --role-name Admin --gateway corp >/dev/null
dbus-send --session --print-reply --dest=org.freedesktop.secrets /org/freedesktop/secrets \
  org.freedesktop.Secret.Service.Lock array:objpath:/org/freedesktop/secrets/collection/login >/dev/null
"$ROLECALL_BIN" login prod
"""


def test_a_locked_keyring_is_keyring_unavailable(rc, aws, tmp_path):
    """Locks the keyring in a D-Bus session of its own (so the other tests keep theirs)."""
    import subprocess

    from host import binary

    home = tmp_path / "home"
    home.mkdir()
    env = dict(
        rc.env,
        HOME=str(home),
        ROLECALL_BIN=binary(),
        KEY_ID=aws.gateway_keys[0],
        SECRET=aws.gateway_keys[1],
    )
    env.pop("DISPLAY", None)
    r = subprocess.run(
        ["dbus-run-session", "--", "sh", "-c", LOCKED_KEYRING_SCRIPT],
        env=env, capture_output=True, text=True, timeout=60,
    )
    rc.outputs.append(r.stdout + r.stderr)
    assert r.returncode == 1, r.stderr
    assert "The OS keyring is not available" in r.stderr
    assert "keyring is locked" in r.stderr, r.stderr
    assert "SigninToken" not in r.stdout
    assert aws.stats()["sts_requests"] == {}


def test_a_role_over_one_mebibyte_is_left_out_and_the_listing_answers(rc):
    rc.add_gateway()
    rc.add_role("fine")
    # One hand-edited role whose label alone is over 1 MiB used to turn roles.list into
    # response_too_large (issue 25): now it is left out and the others are listed. The guard
    # on every reply is `protocol::serve`'s unit test.
    role = (
        '\n[[role]]\nid = "r"\naccount_id = "111111111111"\nrole_name = "Admin"\n'
        f'gateway = "corp"\nlabel = "{"x" * 1_100_000}"\n'
    )
    (rc.config_dir / "config.toml").write_text(rc.config_text() + role)
    h = rc.host()
    for compact in (False, True):
        r = h.call("roles.list", {"compact": compact})
        assert [x["id"] for x in r["result"]["roles"]] == ["fine"], str(r)[:500]
    assert h.call("host.info")["result"]["name"] == "rolecall"
    assert h.close() == 0


def test_gateway_set_changes_settings_and_keeps_the_keys(rc, aws):
    rc.add_gateway()
    rc.add_role("prod")
    r = rc.cli("gateway", "set", "corp", "--mfa-serial", "arn:aws:iam::123456789012:mfa/new", "--region", "eu-west-1")
    assert r.returncode == 0, r.stderr
    [g] = json.loads(rc.cli("gateway", "list", "--json").stdout)
    assert (g["mfa_serial"], g["region"], g["keys"]) == ("arn:aws:iam::123456789012:mfa/new", "eu-west-1", "in keyring")
    h = rc.host()
    assert h.call("console.open", {"role": "prod"})["error"]["data"]["kind"] == "mfa_required"
    assert rc.cli("gateway", "set", "corp", "--no-mfa").returncode == 0
    assert "url" in h.call("console.open", {"role": "prod"})["result"]
    assert h.close() == 0
    r = rc.cli("gateway", "set", "nope", "--region", "eu-west-1")
    assert r.returncode == 1 and "No gateway 'nope'" in r.stderr
    r = rc.cli("gateway", "set", "corp", "--region", "mars-1")
    assert r.returncode == 1 and 'region = "eu-west-1"' in rc.config_text()


def daily_gateway(rc, roles=("r0", "r1")):
    rc.add_gateway(mfa=True)
    assert rc.cli("gateway", "set", "corp", "--mfa-mode", "daily").returncode == 0
    for i, role in enumerate(roles):
        rc.add_role(role, f"11111111111{i}", "Admin", "corp")


def test_gateway_removed_and_added_again_asks_for_a_code(rc, aws):
    """Issue 25, finding 4: `gateway remove` left the gateway's daily MFA session in the
    keyring and in a running host's memory (and its roles' sessions in memory), so the
    gateway added again opened its roles with no code. Removing it now forgets them all,
    the running host through the state file's forget marker."""
    daily_gateway(rc)
    h = rc.host()
    assert "result" in h.call("console.open", {"role": "r0", "mfa_code": "123456"})
    assert "result" in h.call("console.open", {"role": "r1"})
    for role in ("r0", "r1"):
        assert rc.cli("role", "remove", role).returncode == 0
    removed = rc.cli("gateway", "remove", "corp")
    assert removed.returncode == 0, removed.stderr
    state = json.loads((Path(rc.env["ROLECALL_DATA_DIR"]) / "state.json").read_text())
    assert "corp" not in state.get("gateways", {}), state

    daily_gateway(rc)
    before = aws.stats()["sts_requests"]
    for role in ("r1", "r0"):
        err = h.call("console.open", {"role": role})["error"]
        assert err["data"]["kind"] == "mfa_required", err
    assert aws.stats()["sts_requests"] == before, "no STS call before the code"
    roles = {x["id"]: x for x in h.call("roles.list")["result"]["roles"]}
    assert roles["r0"]["needs_code"] and roles["r1"]["needs_code"], roles
    assert h.close() == 0
    assert "1 cached session forgotten" in removed.stdout, removed.stdout
    # A new host finds nothing in the keyring either.
    h = rc.host()
    assert h.call("console.open", {"role": "r1"})["error"]["data"]["kind"] == "mfa_required"
    assert h.close() == 0


def test_gateway_added_again_with_other_keys_does_not_use_cached_sessions(rc, aws):
    """Issue 25, finding 4: `gateway add` with new keys over an existing name kept the
    sessions the old keys had made (keyring, a running host's memory, prepared tokens) and the
    daily MFA session. The new keys now start afresh; the same keys again keep them."""
    iam = aws.admin("iam")
    new = iam.create_access_key(UserName="gateway")["AccessKey"]
    try:
        new_keys = (new["AccessKeyId"], new["SecretAccessKey"])
        aws._control("users", {new_keys[0]: new_keys[1]})  # for the fake's MFA sessions
        daily_gateway(rc, roles=("prod", "r0"))
        h = rc.host()
        assert "result" in h.call("console.open", {"role": "prod", "mfa_code": "123456"})
        assert h.call("console.prepare", {"roles": ["prod"]})["result"] == {"prepared": ["prod"]}
        # The same keys again: nothing is forgotten.
        rc.add_gateway(mfa=True, mfa_mode=None)  # the same gateway: it keeps its mode
        assert h.call("console.open", {"role": "prod"})["result"]["prepared"] is True
        assert h.call("console.open", {"role": "r0"})["result"]["cached"] is False  # no code

        r = rc.cli(
            "gateway", "add", "corp", "--access-key-id", new_keys[0], input=new_keys[1] + "\n"
        )
        assert r.returncode == 0, r.stderr
        for role in ("prod", "r0"):
            err = h.call("console.open", {"role": role})["error"]
            assert err["data"]["kind"] == "mfa_required", err
        calls = len(aws.stats()["sts_calls"])
        res = h.call("console.open", {"role": "prod", "mfa_code": "123456"})["result"]
        assert res["cached"] is False and res["prepared"] is False
        fresh = aws.stats()["sts_calls"][calls:]
        assert [c["action"] for c in fresh] == ["GetSessionToken", "AssumeRole"], fresh
        assert fresh[0]["access_key_id"] == new_keys[0], "the new keys asked for the MFA session"
        assert h.close() == 0
        assert "3 cached sessions forgotten" in r.stdout, r.stdout  # 2 roles + MFA
    finally:
        iam.delete_access_key(UserName="gateway", AccessKeyId=new["AccessKeyId"])


def test_gateway_added_again_with_other_keys_calls_sts_for_its_roles(rc, aws):
    """Issue 25, finding 4, without MFA: cached role sessions of the old keys are not used,
    in a running host or a new one; STS is called with the new keys."""
    iam = aws.admin("iam")
    new = iam.create_access_key(UserName="gateway")["AccessKey"]
    try:
        rc.add_gateway()
        rc.add_role("prod")
        rc.add_role("dev", "222222222222")
        h = rc.host()
        for role in ("prod", "dev"):
            assert h.call("console.open", {"role": role})["result"]["cached"] is False
        assert h.call("console.open", {"role": "prod"})["result"]["cached"] is True
        rc.add_gateway(keys=(new["AccessKeyId"], new["SecretAccessKey"]))
        calls = len(aws.stats()["sts_calls"])
        assert h.call("console.open", {"role": "prod"})["result"]["cached"] is False
        h2 = rc.host()
        assert h2.call("console.open", {"role": "dev"})["result"]["cached"] is False
        fresh = aws.stats()["sts_calls"][calls:]
        assert [(c["action"], c["access_key_id"]) for c in fresh] == [
            ("AssumeRole", new["AccessKeyId"])
        ] * 2, fresh
        assert h.close() == 0 and h2.close() == 0
    finally:
        iam.delete_access_key(UserName="gateway", AccessKeyId=new["AccessKeyId"])
