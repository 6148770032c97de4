"""Consoles that stay signed in (issue 12), host side: credential lifetime and its fallback,
daily MFA sessions, live state in roles.list, console.prepare, settings, and the CLI.
The real binary against moto (through the STS fake) and the federation/console fake."""

import datetime as dt
import json
import os
from pathlib import Path

import pytest

from conftest import MFA_SERIAL
from test_console_open import follow_login


def ts(s):
    return dt.datetime.fromisoformat(s.replace("Z", "+00:00"))


def minutes_from_now(s):
    return (ts(s) - dt.datetime.now(dt.timezone.utc)).total_seconds() / 60


def daily_setup(rc, hours=None):
    rc.add_gateway(mfa=True)
    args = ["gateway", "set", "corp", "--mfa-mode", "daily"]
    if hours:
        args += ["--mfa-session-hours", str(hours)]
    r = rc.cli(*args)
    assert r.returncode == 0, r.stderr
    for i, account in enumerate(["111111111111", "222222222222", "333333333333"]):
        rc.add_role(f"r{i}", account, "Admin", "corp")


def test_daily_mode_one_code_opens_three_roles_with_one_hour_consoles(rc, aws):
    daily_setup(rc)
    h = rc.host()
    err = h.call("console.open", {"role": "r0"})["error"]
    assert err["data"]["kind"] == "mfa_required", err
    assert aws.stats()["sts_requests"] == {}, "no STS call before the code"

    first = h.call("console.open", {"role": "r0", "mfa_code": "123456"})["result"]
    others = [h.call("console.open", {"role": r})["result"] for r in ("r1", "r2")]

    stats = aws.stats()
    gst = [c for c in stats["sts_calls"] if c["action"] == "GetSessionToken"]
    assert len(gst) == 1, stats["sts_calls"]
    assert gst[0]["serial_number"] == MFA_SERIAL and gst[0]["token_code_given"]
    assert gst[0]["duration_seconds"] == str(12 * 3600)
    assume = [c for c in stats["sts_calls"] if c["action"] == "AssumeRole"]
    assert [c["role_arn"].split(":")[4] for c in assume] == ["111111111111", "222222222222", "333333333333"]
    for c in assume:
        assert c["serial_number"] is None and not c["token_code_given"], c
        assert c["duration_seconds"] == "3600"
    # No SessionDuration above an hour reached the sign-in endpoint, and every call was
    # accepted (the fake refuses more for chained credentials, as AWS does).
    assert len(stats["signin_calls"]) == 3
    for c in stats["signin_calls"]:
        assert c["chained"] and c["session_duration"] is not None and c["session_duration"] <= 3600, c
    assert stats["rejections"] == []
    # console_expires_at tells the truth: an hour.
    for res in [first] + others:
        assert 58 < minutes_from_now(res["console_expires_at"]) <= 60, res
    # The consoles work.
    _, identity = follow_login(others[1]["url"], aws.urls["console"])
    assert identity.startswith("arn:aws:sts::333333333333:assumed-role/Admin/")
    assert h.close() == 0

    # The MFA session outlives the host (keyring), and roles.list says it renews silently.
    h = rc.host()
    roles = {r["id"]: r for r in h.call("roles.list")["result"]["roles"]}
    assert roles["r0"]["mfa_mode"] == "daily"
    assert roles["r1"]["session"]["renewable"] == "silent"
    assert not any(r["needs_code"] for r in roles.values())
    h.call("session.forget", {"role": "r1"})
    assert h.call("console.open", {"role": "r1"})["result"]["cached"] is False
    assert [c["action"] for c in aws.stats()["sts_calls"]].count("GetSessionToken") == 1
    assert h.close() == 0


def test_daily_mode_session_length_is_the_gateways(rc, aws):
    daily_setup(rc, hours=2)
    h = rc.host()
    assert "result" in h.call("console.open", {"role": "r0", "mfa_code": "123456"})
    [gst] = [c for c in aws.stats()["sts_calls"] if c["action"] == "GetSessionToken"]
    assert gst["duration_seconds"] == "7200"
    assert h.close() == 0
    r = rc.cli("gateway", "set", "corp", "--mfa-session-hours", "37")
    assert r.returncode != 0 and "1..36" in r.stderr, r.stderr


def test_daily_mode_wrong_code_and_forget_ask_for_a_code_again(rc, aws):
    daily_setup(rc)
    h = rc.host()
    err = h.call("console.open", {"role": "r0", "mfa_code": "000000"})["error"]
    assert err["data"]["kind"] == "mfa_invalid", err
    assert aws.stats()["sts_requests"] == {"GetSessionToken": 1}
    assert h.call("console.open", {"role": "r0"})["error"]["data"]["kind"] == "mfa_required"
    assert "result" in h.call("console.open", {"role": "r0", "mfa_code": "123456"})
    assert "result" in h.call("console.open", {"role": "r1"})
    # Forgetting the gateway drops its MFA session too.
    assert h.call("session.forget", {"gateway": "corp"})["result"]["forgotten"] >= 1
    assert h.call("console.open", {"role": "r2"})["error"]["data"]["kind"] == "mfa_required"
    roles = {r["id"]: r for r in h.call("roles.list")["result"]["roles"]}
    assert all(r["session"] is None for r in roles.values()), roles
    assert h.close() == 0


def test_a_role_whose_maximum_is_an_hour_falls_back_once_and_is_remembered(rc, aws):
    rc.add_gateway()
    rc.add_role("small", "111111111111", "Small")
    rc.add_role("big", "222222222222", "Big")
    aws.set_max_session_duration("arn:aws:iam::111111111111:role/Small", 3600)
    h = rc.host()
    res = h.call("console.open", {"role": "small"})["result"]
    assert 55 < (ts(res["credentials_expire_at"]) - dt.datetime.now(dt.timezone.utc)).total_seconds() / 60 <= 60
    assert "result" in h.call("console.open", {"role": "big"})
    asked = [(c["role_arn"].split("/")[-1], c["duration_seconds"]) for c in aws.stats()["sts_calls"]]
    assert asked == [("Small", "43200"), ("Small", "3600"), ("Big", "43200")], asked
    assert h.close() == 0

    # A new host (state file) asks 3600 straight away.
    rc.cli("session", "forget")
    aws.reset()
    h = rc.host()
    assert "result" in h.call("console.open", {"role": "small"})
    assert [c["duration_seconds"] for c in aws.stats()["sts_calls"]] == ["3600"]
    state = json.loads((Path(rc.env["ROLECALL_DATA_DIR"]) / "state.json").read_text())
    assert state["roles"]["small"]["max_duration_seconds"] == 3600
    assert h.close() == 0


def test_an_explicit_duration_wins_and_is_not_second_guessed(rc, aws):
    rc.add_gateway()
    rc.add_role("small", "111111111111", "Small", "corp", "--duration-seconds", "7200")
    aws.set_max_session_duration("arn:aws:iam::111111111111:role/Small", 3600)
    h = rc.host()
    err = h.call("console.open", {"role": "small"})["error"]
    assert err["data"] == {"kind": "upstream_error", "service": "sts", "aws_code": "ValidationError"}, err
    assert "MaxSessionDuration" in err["message"]
    assert [c["duration_seconds"] for c in aws.stats()["sts_calls"]] == ["7200"]
    assert h.close() == 0


def test_roles_list_session_before_open_after_open_across_restart_and_after_forget(rc, aws):
    rc.add_gateway(mfa=True)
    rc.add_role("prod")
    rc.add_role("dev", "222222222222")
    h = rc.host()
    roles = {r["id"]: r for r in h.call("roles.list")["result"]["roles"]}
    assert roles["prod"]["session"] is None and roles["prod"]["mfa_mode"] == "per_role"
    assert roles["prod"]["needs_code"] is True
    opened = h.call("console.open", {"role": "prod", "mfa_code": "123456"})["result"]
    roles = {r["id"]: r for r in h.call("roles.list")["result"]["roles"]}
    s = roles["prod"]["session"]
    assert s == {
        "console_expires_at": opened["console_expires_at"],
        "credentials_expire_at": opened["credentials_expire_at"],
        "renewable": "silent",
    }, (s, opened)
    assert roles["dev"]["session"] is None
    assert roles["prod"]["needs_code"] is False and roles["dev"]["needs_code"] is True
    assert h.close() == 0

    h = rc.host()  # a new host reads the state file
    s2 = {r["id"]: r for r in h.call("roles.list")["result"]["roles"]}["prod"]["session"]
    assert s2 == s
    assert h.call("session.forget", {"role": "prod"})["result"]["forgotten"] == 1
    roles = {r["id"]: r for r in h.call("roles.list")["result"]["roles"]}
    assert roles["prod"]["session"] is None and roles["prod"]["needs_code"] is True
    assert h.call("console.open", {"role": "prod"})["error"]["data"]["kind"] == "mfa_required"
    assert h.close() == 0


def test_ended_credentials_make_the_next_console_need_a_code(rc, aws):
    rc.add_gateway(mfa=True)
    rc.add_role("prod")
    h = rc.host()
    h.call("console.open", {"role": "prod", "mfa_code": "123456"})
    assert h.close() == 0
    # As if the credentials had ended: the state file is what roles.list reads.
    path = Path(rc.env["ROLECALL_DATA_DIR"]) / "state.json"
    state = json.loads(path.read_text())
    state["roles"]["prod"]["credentials_expire_at"] = "2000-01-01T00:00:00Z"
    path.write_text(json.dumps(state))
    h = rc.host()
    s = h.call("roles.list")["result"]["roles"][0]["session"]
    assert s["renewable"] == "mfa" and s["credentials_expire_at"] is None, s
    assert h.close() == 0


def test_prepare_then_open_makes_no_upstream_call(rc, aws):
    rc.add_gateway()
    rc.add_role("prod")
    rc.add_role("dev", "222222222222")
    h = rc.host()
    r = h.call("console.prepare", {"roles": ["prod", "dev", "nope"]})
    assert r["result"] == {"prepared": ["dev", "prod"]}, r
    before = aws.stats()
    assert before["signin_requests"] == {"getSigninToken": 2}
    # A click on a prepared role: no STS, no federation call; any page of its console.
    res = h.call("console.open", {"role": "prod", "destination": "/s3/home"})["result"]
    after = aws.stats()
    assert after["sts_requests"] == before["sts_requests"]
    assert after["signin_requests"] == before["signin_requests"]
    assert res["prepared"] is True and res["cached"] is True
    assert 719 < minutes_from_now(res["console_expires_at"]) <= 720
    location, identity = follow_login(res["url"], aws.urls["console"])
    assert location.endswith("/s3/home") and identity.startswith("arn:aws:sts::111111111111:assumed-role/")
    # A token is used once: the next open mints again (cached credentials, one call).
    again = h.call("console.open", {"role": "prod"})["result"]
    assert again["prepared"] is False and again["cached"] is True
    assert aws.stats()["signin_requests"]["getSigninToken"] == 3
    # Preparing again reuses a still-fresh token: no new call.
    assert h.call("console.prepare", {"roles": ["dev"]})["result"] == {"prepared": ["dev"]}
    assert aws.stats()["signin_requests"]["getSigninToken"] == 3
    assert h.close() == 0


def test_prepare_skips_roles_that_need_a_code_and_forget_drops_tokens(rc, aws):
    rc.add_gateway(mfa=True)
    rc.add_gateway("open", region="us-east-1")
    rc.add_role("prod")
    rc.add_role("dev", "222222222222", "Admin", "open")
    h = rc.host()
    assert h.call("console.prepare", {"roles": ["prod", "dev"]})["result"] == {"prepared": ["dev"]}
    assert aws.stats()["sts_requests"] == {"AssumeRole": 1}, "prod needs a code: nothing asked"
    h.call("session.forget", {"role": "dev"})
    res = h.call("console.open", {"role": "dev"})["result"]
    assert res["prepared"] is False and res["cached"] is False
    assert h.close() == 0


def test_prepare_takes_at_most_ten_valid_ids(rc, aws):
    rc.add_gateway()
    h = rc.host()
    err = h.call("console.prepare", {"roles": [f"r{i}" for i in range(11)]})["error"]
    assert err["data"]["kind"] == "invalid_params" and "at most 10" in err["message"]
    err = h.call("console.prepare", {"roles": ["ok", "bad/../id"]})["error"]
    assert err["data"]["kind"] == "invalid_params"
    err = h.call("console.prepare", {})["error"]
    assert "'roles'" in err["message"]
    assert h.close() == 0


def test_prepared_tokens_are_in_no_log_reply_or_file(rc, aws):
    rc.add_gateway()
    rc.add_role("prod")
    env = dict(rc.env, ROLECALL_LOG="trace")
    h = rc.host(env)
    reply = h.call("console.prepare", {"roles": ["prod"]})
    [token] = [t["token"] for t in aws.stats()["tokens"]]
    assert h.close() == 0  # exit: the prepared token is gone with the process
    assert token not in json.dumps(reply) and token not in h.stderr
    for folder in (rc.config_dir, Path(rc.env["ROLECALL_DATA_DIR"])):
        for p in folder.rglob("*"):
            if p.is_file():
                data = p.read_bytes()
                assert token.encode() not in data, p
                for secret in aws.stats()["issued_secrets"]:
                    assert secret.encode() not in data, p
    state = Path(rc.env["ROLECALL_DATA_DIR"]) / "state.json"
    assert not state.exists() or oct(state.stat().st_mode & 0o777) == "0o600"
    # A new host has no token: the open mints one.
    h = rc.host()
    assert h.call("console.open", {"role": "prod"})["result"]["prepared"] is False
    assert h.close() == 0


def test_host_info_reports_the_settings_the_extension_follows(rc, aws):
    h = rc.host()
    info = h.call("host.info")["result"]
    assert info["protocol"] == 7
    assert info["settings"] == {"renew_before_minutes": 10, "auto_renew": True, "notifications": True}
    assert "aws.amazon.com" in info["session_cookie_domains"]
    assert "127.0.0.1" in info["session_cookie_domains"]  # the test stack's overrides
    assert h.close() == 0
    rc.config_dir.mkdir(parents=True, exist_ok=True)
    (rc.config_dir / "config.toml").write_text("[settings]\nrenew_before_minutes = 14\nauto_renew = false\nnotifications = false\n")
    h = rc.host()
    assert h.call("host.info")["result"]["settings"] == {"renew_before_minutes": 14, "auto_renew": False, "notifications": False}
    assert h.close() == 0
    (rc.config_dir / "config.toml").write_text("[settings]\nrenew_before_minutes = 0\n")
    h = rc.host()
    assert h.call("host.info")["result"]["settings"]["renew_before_minutes"] == 10
    assert h.call("roles.list")["error"]["data"]["kind"] == "config_invalid"
    assert h.close() == 0


def test_cli_gateway_modes_and_session_list(rc, aws):
    daily_setup(rc, hours=8)
    r = rc.cli("gateway", "list")
    assert "(daily, 8 h)" in r.stdout, r.stdout
    listed = json.loads(rc.cli("gateway", "list", "--json").stdout)
    assert listed[0]["mfa_mode"] == "daily" and listed[0]["mfa_session_hours"] == 8
    assert "mfa_mode = \"daily\"" in rc.config_text()
    r = rc.cli("session", "list")
    assert "No consoles" in r.stdout
    r = rc.cli("login", "r0", "--mfa-code", "123456")
    assert r.returncode == 0, r.stderr
    rc.outputs.pop()
    r = rc.cli("session", "list")
    assert "r0" in r.stdout and "renews without a code" in r.stdout and "m left" in r.stdout, r.stdout
    r = rc.cli("gateway", "set", "corp", "--mfa-mode", "per-role")
    assert r.returncode == 0
    assert "daily" not in rc.cli("gateway", "list").stdout


def test_a_forget_from_the_terminal_reaches_a_running_host(rc, aws):
    """`rolecall session forget` in a terminal removes keyring entries; the browser's host
    also held them (and a prepared token) in memory. The state file's forget generation
    tells it to drop them, so the next click needs the code again."""
    rc.add_gateway(mfa=True)
    rc.add_role("prod")
    rc.add_role("dev", "222222222222")
    h = rc.host()
    assert "result" in h.call("console.open", {"role": "prod", "mfa_code": "123456"})
    assert "result" in h.call("console.open", {"role": "dev", "mfa_code": "123456"})
    assert h.call("console.prepare", {"roles": ["prod", "dev"]})["result"] == {"prepared": ["dev", "prod"]}
    r = rc.cli("session", "forget", "--role", "prod")
    assert r.returncode == 0 and "Forgot 1" in r.stdout, r.stdout
    err = h.call("console.open", {"role": "prod"})["error"]
    assert err["data"]["kind"] == "mfa_required", err
    # Another role's cached credentials are still in the keyring: read again, no code.
    res = h.call("console.open", {"role": "dev"})["result"]
    assert res["cached"] is True and res["prepared"] is False
    assert h.close() == 0


def state_path(rc):
    return Path(rc.env["ROLECALL_DATA_DIR"]) / "state.json"


def sts_actions(aws):
    return [c["action"] for c in aws.stats()["sts_calls"]]


def forget_setup(rc, aws):
    """A running host holding everything a forget must reach: a daily MFA session (corp,
    roles r0-r2), role credentials in memory (r0, r1, dev) and prepared tokens (r1, dev),
    having already seen one forget (so the old counter stood at 1 in its memory)."""
    daily_setup(rc)
    rc.add_gateway("plain")
    rc.add_role("dev", "444444444444", "Admin", "plain")
    h = rc.host()
    assert rc.cli("session", "forget", "--role", "r2").returncode == 0
    assert "result" in h.call("console.open", {"role": "r0", "mfa_code": "123456"})
    assert "result" in h.call("console.open", {"role": "r1"})
    assert "result" in h.call("console.open", {"role": "dev"})
    assert h.call("console.prepare", {"roles": ["r1", "dev"]})["result"] == {"prepared": ["dev", "r1"]}
    h.call("roles.list")  # the host's state writes are on disk
    return h


def plant_max_counter(rc):
    state = json.loads(state_path(rc).read_text())
    state["forget_generation"] = 2**64 - 1
    state_path(rc).write_text(json.dumps(state))


@pytest.mark.parametrize(
    "damage",
    [
        pytest.param(lambda rc, h: state_path(rc).unlink(), id="deleted"),
        pytest.param(lambda rc, h: state_path(rc).write_bytes(b"\x00{not json"), id="garbage"),
        # The host reads the planted counter first, as it would a counter that got there.
        pytest.param(
            lambda rc, h: (plant_max_counter(rc), h.call("console.open", {"role": "dev"})),
            id="counter_at_max",
        ),
    ],
)
def test_forget_reaches_host_when_state_file_deleted(rc, aws, damage):
    """Issue 25, finding 1: the host waited for the state file's forget counter to grow,
    so with the file deleted or garbage before a terminal forget (the counter started again
    at 1) or the counter at u64::MAX (it wrapped), the CLI said "Forgot" while the running
    host kept opening from prepared tokens, cached credentials and the daily MFA session it
    held in memory. A forget now writes a fresh random marker the host compares for
    inequality."""
    h = forget_setup(rc, aws)
    damage(rc, h)
    before = aws.stats()["sts_requests"]
    r = rc.cli("session", "forget")
    assert r.returncode == 0 and "Forgot" in r.stdout, r.stderr

    res = h.call("console.open", {"role": "dev"})["result"]
    assert res["cached"] is False and res["prepared"] is False, res
    after = aws.stats()["sts_requests"]
    assert after.get("AssumeRole", 0) == before.get("AssumeRole", 0) + 1, (before, after)
    # Daily MFA mode: the MFA session held in memory went too.
    for role in ("r1", "r0"):
        err = h.call("console.open", {"role": role})["error"]
        assert err["data"]["kind"] == "mfa_required", err
    assert aws.stats()["sts_requests"] == after, "no STS call before the code"
    res = h.call("console.open", {"role": "r1", "mfa_code": "123456"})["result"]
    assert res["cached"] is False
    assert aws.stats()["sts_requests"]["GetSessionToken"] == before["GetSessionToken"] + 1
    assert h.close() == 0
    state = json.loads(state_path(rc).read_text())
    assert len(state["forget_id"]) == 32, state


def test_an_unreadable_state_file_drops_what_a_running_host_holds_in_memory(rc, aws):
    """An unreadable state file (no forget needed) means: forget what is held in memory.
    The keyring still holds the sessions, so the next open reads them there; what lived only
    in memory (prepared tokens) is gone. The host's own next write repairs the file and does
    not clear its memory again."""
    h = forget_setup(rc, aws)
    state_path(rc).write_text("[1, 2")
    before = aws.stats()["sts_requests"]
    res = h.call("console.open", {"role": "dev"})["result"]
    assert res["prepared"] is False and res["cached"] is True, res
    assert aws.stats()["sts_requests"] == before, "the keyring's session, no STS call"
    h.call("roles.list")
    json.loads(state_path(rc).read_text())  # rewritten, readable
    assert h.call("console.prepare", {"roles": ["dev"]})["result"] == {"prepared": ["dev"]}
    res = h.call("console.open", {"role": "dev"})["result"]
    assert res["prepared"] is True, "the repaired file cleared nothing"
    assert h.close() == 0


def test_learned_limit_outside_bounds_or_from_the_future_is_ignored(rc, aws):
    """Issue 25, finding 6: the learned credential limit in the state file was used as
    found: 5 s (AWS refuses it, every open fails), 99999 s, or 3600 s learned in 2099 (then
    trusted for ever). Only 900..=43200 s learned no later than now counts; the rest is asked
    long as if nothing was learned, and pruned at the next write."""
    rc.add_gateway()
    now = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    planted = {
        "short": (5, now),
        "long": (99999, now),
        "future": (3600, "2099-01-01T00:00:00Z"),
        "word": ("lots", "soon"),
    }
    for i, role in enumerate(planted):
        rc.add_role(role, f"11111111111{i}", "Admin")
    rc.add_role("kept", "222222222222", "Admin")
    roles = {r: {"max_duration_seconds": m, "max_duration_learned_at": t} for r, (m, t) in planted.items()}
    roles["kept"] = {"max_duration_seconds": 3600, "max_duration_learned_at": now}
    state_path(rc).parent.mkdir(parents=True, exist_ok=True)
    state_path(rc).write_text(json.dumps({"roles": roles}))

    h = rc.host()
    for role in list(planted) + ["kept"]:
        res = h.call("console.open", {"role": role})
        assert "result" in res, res
    # One AssumeRole each (no refusal and fallback), the long one for every hostile value.
    asked = sorted((c["role_arn"], c["duration_seconds"]) for c in aws.stats()["sts_calls"])
    assert asked == sorted(
        [(f"arn:aws:iam::11111111111{i}:role/Admin", "43200") for i in range(len(planted))]
        + [("arn:aws:iam::222222222222:role/Admin", "3600")]
    ), asked
    assert aws.stats()["rejections"] == []
    h.call("roles.list")  # flushes the host's writes
    state = json.loads(state_path(rc).read_text())
    for role in planted:
        assert "max_duration_seconds" not in state["roles"][role], state["roles"][role]
        assert "max_duration_learned_at" not in state["roles"][role]
    assert state["roles"]["kept"]["max_duration_seconds"] == 3600
    assert h.close() == 0


def test_a_forget_that_cannot_reach_running_hosts_says_so(rc, aws):
    """A forget whose marker cannot be written (here state.json is a folder) must not say
    "Forgot": a running host would not hear of it. It names the state file and what to do;
    the keyring entries are dropped all the same, and the config is untouched."""
    rc.add_gateway()
    rc.add_role("prod")
    assert rc.cli("login", "prod").returncode == 0
    rc.outputs.pop()  # login prints the console URL
    config = rc.config_text()
    state_path(rc).unlink()
    state_path(rc).mkdir()
    r = rc.cli("session", "forget")
    assert r.returncode == 1 and "Forgot" not in r.stdout, (r.stdout, r.stderr)
    assert "state file" in r.stderr and str(state_path(rc)) in r.stderr, r.stderr
    assert "running browser host" in r.stderr and "session forget" in r.stderr, r.stderr
    assert rc.config_text() == config
    h = rc.host()
    err = h.call("session.forget")["error"]
    assert err["code"] == 1023 and err["data"] == {"kind": "state_unwritable", "path": str(state_path(rc))}, err
    assert h.call("host.info")["result"]["name"] == "rolecall", "the host keeps serving"
    state_path(rc).rmdir()
    assert h.call("console.open", {"role": "prod"})["result"]["cached"] is False
    assert h.close() == 0


def test_a_removed_role_added_again_does_not_open_from_a_running_hosts_memory(rc, aws):
    """`role remove` drops the role's cached session in the keyring and, through the forget
    marker, in a running host's memory (with its prepared token): the role added again under
    the id is assumed afresh."""
    rc.add_gateway()
    rc.add_role("prod")
    h = rc.host()
    assert "result" in h.call("console.open", {"role": "prod"})
    assert h.call("console.prepare", {"roles": ["prod"]})["result"] == {"prepared": ["prod"]}
    assert rc.cli("role", "remove", "prod").returncode == 0
    rc.add_role("prod")
    before = aws.stats()["sts_requests"].get("AssumeRole", 0)
    res = h.call("console.open", {"role": "prod"})["result"]
    assert res["cached"] is False and res["prepared"] is False, res
    assert aws.stats()["sts_requests"]["AssumeRole"] == before + 1
    assert h.close() == 0
