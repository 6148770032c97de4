"""IAM Identity Center roles (issue 13): the device flow through the real aws-sdk-ssooidc
client, tokens in the keyring across processes, refresh, a refused token, GetRoleCredentials
through the real aws-sdk-sso client, sync with pagination and throttling, the CLI. Against
the Identity Center fake (tests/fakes/identity_center.py), whose role credentials are real
moto credentials the sign-in fake accepts."""

import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from host import binary
from test_console_open import follow_login

SSO_ARN = "arn:aws:sts::444444444444:assumed-role/AWSReservedSSO_AdministratorAccess_"


def setup(rc):
    rc.add_sso()
    rc.add_sso_role("sso-admin")


def sign_in(h, aws, deny=False):
    """sso.login, the user's approval at the fake, sso.wait: returns sso.wait's reply."""
    login = h.call("sso.login", {"sso": "acme"})["result"]
    assert aws.sso("approve", {"user_code": login["user_code"], "deny": deny})["ok"]
    return h.call("sso.wait", {"sso": "acme"})


def test_a_click_needs_a_sign_in_then_opens_the_role_through_the_portal(rc, aws):
    setup(rc)
    h = rc.host()
    role = h.call("roles.list")["result"]["roles"][0]
    assert (role["source"], role["source_name"], role["sso"], role["gateway"]) == ("sso", "acme", "acme", None)
    assert role["needs_login"] is True and role["needs_code"] is False
    err = h.call("console.open", {"role": "sso-admin"})["error"]
    assert err["data"] == {"kind": "sso_login_required", "sso": "acme"}, err

    login = h.call("sso.login", {"sso": "acme"})["result"]
    assert login["verification_uri_complete"] == f"{aws.urls['sso']}/device?user_code={login['user_code']}"
    assert 9 <= (time_of(login["expires_at"]) - time.time()) / 60 <= 10
    # The host polls; until the user approves, CreateToken answers authorization_pending.
    waiter = Waiter(h)
    time.sleep(2.5)
    [device] = aws.stats()["sso"]["devices"]
    assert device["status"] == "pending" and len(device["polls"]) >= 2
    assert not waiter.done.is_set()
    assert aws.sso("approve", {"user_code": login["user_code"]})["ok"]
    reply = waiter.result()
    assert reply["result"]["authorized"] is True, reply
    assert time_of(reply["result"]["expires_at"]) > time.time() + 3000

    res = h.call("console.open", {"role": "sso-admin"})["result"]
    assert res["cached"] is False and res["account_id"] == "444444444444"
    # No SessionDuration: the console lasts as long as the permission set's credentials.
    assert res["console_expires_at"] == res["credentials_expire_at"]
    _, identity = follow_login(res["url"], aws.urls["console"])
    assert identity.startswith(SSO_ARN), identity
    calls = aws.stats()["sso"]["calls"]
    assert calls["RegisterClient"] == 1 and calls["GetRoleCredentials"] == 1
    assert [c["session_duration"] for c in aws.stats()["signin_calls"]] == [None]
    role = h.call("roles.list")["result"]["roles"][0]
    assert role["needs_login"] is False and role["session"]["renewable"] == "silent"
    assert h.close() == 0


class Waiter:
    """sso.wait on its own thread (the host answers it when the flow ends)."""

    def __init__(self, h):
        self.done = threading.Event()
        self.reply = None
        self.h = h
        self.id = h.request("sso.wait", {"sso": "acme"})
        threading.Thread(target=self._recv, daemon=True).start()

    def _recv(self):
        self.reply = self.h.recv()
        self.done.set()

    def result(self, timeout=30):
        assert self.done.wait(timeout), "sso.wait did not answer"
        assert self.reply["id"] == self.id
        return self.reply


def time_of(rfc3339):
    import datetime as dt

    return dt.datetime.fromisoformat(rfc3339.replace("Z", "+00:00")).timestamp()


def test_slow_down_makes_the_host_poll_five_seconds_less_often(rc, aws):
    setup(rc)
    aws.sso("slow-down", {"times": 1})
    h = rc.host()
    login = h.call("sso.login", {"sso": "acme"})["result"]
    waiter = Waiter(h)
    time.sleep(1.5)  # the first poll got slow_down
    assert aws.sso("approve", {"user_code": login["user_code"]})["ok"]
    assert waiter.result(timeout=20)["result"]["authorized"] is True
    [device] = aws.stats()["sso"]["devices"]
    gaps = [b - a for a, b in zip(device["polls"], device["polls"][1:])]
    assert gaps and min(gaps) >= 5.5, gaps  # interval 1 s + 5 s (RFC 8628 3.5)
    assert h.close() == 0


def test_a_denied_or_expired_sign_in_says_so(rc, aws):
    setup(rc)
    h = rc.host()
    err = sign_in(h, aws, deny=True)["error"]
    assert err["data"] == {"kind": "sso_login_denied", "sso": "acme"}, err
    aws.sso("config", {"expires_in": 2})
    h.call("sso.login", {"sso": "acme"})
    err = h.call("sso.wait", {"sso": "acme"})["error"]
    assert err["data"] == {"kind": "sso_login_expired", "sso": "acme"}, err
    assert h.call("console.open", {"role": "sso-admin"})["error"]["data"]["kind"] == "sso_login_required"
    err = h.call("sso.wait", {"sso": "nope"})["error"]
    assert err["data"]["kind"] == "unknown_sso"
    assert h.close() == 0


def test_the_token_is_reused_by_the_next_host_from_the_keyring(rc, aws):
    setup(rc)
    rc.add_sso_role("sso-ro", "444444444444", "ReadOnly")
    h = rc.host()
    assert sign_in(h, aws)["result"]["authorized"]
    assert h.close() == 0
    h = rc.host()
    res = h.call("console.open", {"role": "sso-ro"})["result"]
    _, identity = follow_login(res["url"], aws.urls["console"])
    assert "AWSReservedSSO_ReadOnly_" in identity
    calls = aws.stats()["sso"]["calls"]
    assert calls["CreateToken"] == 1 and calls["GetRoleCredentials"] == 1
    assert h.close() == 0


def test_an_expired_token_is_refreshed_without_the_user(rc, aws):
    setup(rc)
    aws.sso("config", {"token_ttl": 60})  # inside the host's 5-minute margin: stale at once
    h = rc.host()
    assert sign_in(h, aws)["result"]["authorized"]
    assert "result" in h.call("console.open", {"role": "sso-admin"})
    assert aws.stats()["sso"]["calls"]["CreateToken"] == 2, "refreshed for the open"
    assert h.close() == 0
    # Without a refresh token the stale token means a new sign-in.
    aws.sso("config", {"refresh": False})
    h = rc.host()
    assert sign_in(h, aws)["result"]["authorized"]
    h.call("session.forget", {"role": "sso-admin"})
    err = h.call("console.open", {"role": "sso-admin"})["error"]
    assert err["data"]["kind"] == "sso_login_required", err
    assert h.close() == 0


def test_a_token_the_portal_refuses_leads_back_to_sign_in(rc, aws):
    setup(rc)
    h = rc.host()
    assert sign_in(h, aws)["result"]["authorized"]
    assert "result" in h.call("console.open", {"role": "sso-admin"})
    aws.sso("revoke")
    h.call("session.forget", {"role": "sso-admin"})  # the cached role credentials
    err = h.call("console.open", {"role": "sso-admin"})["error"]
    assert err["data"] == {"kind": "sso_login_required", "sso": "acme"}, err
    assert h.close() == 0
    h = rc.host()  # the refused token is gone from the keyring too
    assert h.call("console.open", {"role": "sso-admin"})["error"]["data"]["kind"] == "sso_login_required"
    assert aws.stats()["sso"]["calls"]["GetRoleCredentials"] == 2
    assert h.close() == 0


def test_forgetting_the_source_drops_its_token(rc, aws):
    setup(rc)
    h = rc.host()
    assert sign_in(h, aws)["result"]["authorized"]
    assert h.call("session.forget", {"sso": "acme"})["result"]["forgotten"] == 1
    assert h.call("roles.list")["result"]["roles"][0]["needs_login"] is True
    assert h.call("console.open", {"role": "sso-admin"})["error"]["data"]["kind"] == "sso_login_required"
    err = h.call("session.forget", {"sso": "acme", "role": "sso-admin"})["error"]
    assert err["data"]["kind"] == "invalid_params"
    assert h.close() == 0


def test_gateway_and_sso_roles_side_by_side(rc, aws):
    rc.add_gateway()
    rc.add_role("prod")
    setup(rc)
    h = rc.host()
    assert sign_in(h, aws)["result"]["authorized"]
    a = h.call("console.open", {"role": "prod"})["result"]
    b = h.call("console.open", {"role": "sso-admin"})["result"]
    _, ia = follow_login(a["url"], aws.urls["console"])
    _, ib = follow_login(b["url"], aws.urls["console"])
    assert ia.startswith("arn:aws:sts::111111111111:assumed-role/Admin/")
    assert ib.startswith(SSO_ARN)
    sources = {r["id"]: r["source"] for r in h.call("roles.list")["result"]["roles"]}
    assert sources == {"prod": "gateway", "sso-admin": "sso"}
    assert h.close() == 0


ACCOUNTS = [
    {"account_id": f"7{i:011d}", "account_name": f"Team {i}", "roles": ["Admin", "ReadOnly"]} for i in range(7)
]


def test_sync_pages_through_accounts_and_roles_backs_off_when_throttled_and_is_idempotent(rc, aws):
    rc.add_sso()
    h = rc.host()
    assert sign_in(h, aws)["result"]["authorized"]
    assert h.close() == 0
    aws.sso("config", {"accounts": ACCOUNTS, "page_size": 3, "throttle_every": 4})
    r = rc.cli("sso", "sync", "acme", "--dry-run")
    assert r.returncode == 0, r.stderr
    assert "14 roles to add" in r.stdout and "Nothing was changed" in r.stdout
    assert "[[role]]" not in rc.config_text()
    r = rc.cli("sso", "sync", "acme")
    assert r.returncode == 0, r.stderr
    assert "7 accounts: 14 roles added" in r.stdout, r.stdout
    stats = aws.stats()["sso"]
    assert stats["throttled"] >= 3, stats
    assert stats["calls"]["ListAccounts"] >= 3  # three pages, plus the throttled retries
    roles = json.loads(rc.cli("role", "list", "--json").stdout)
    by_id = {r["id"]: r for r in roles}
    assert by_id["team-3-admin"]["label"] == "Team 3 · Admin"
    assert by_id["team-3-admin"]["group"] == "Team 3"
    assert by_id["team-3-readonly"]["account_id"] == "700000000003"
    # Again: nothing new; the user's label survives; a vanished account goes with --prune.
    cfg = rc.config_dir / "config.toml"
    cfg.write_text(cfg.read_text().replace('label = "Team 3 · Admin"', 'label = "Mine"'))
    aws.sso("config", {"accounts": ACCOUNTS[:6], "throttle_every": 0})
    r = rc.cli("sso", "sync", "acme")
    assert "0 roles added, 0 updated, 12 unchanged, 2 no longer listed" in r.stdout, r.stdout
    assert 'label = "Mine"' in rc.config_text()
    r = rc.cli("sso", "sync", "acme", "--prune")
    assert "removed" in r.stdout
    assert len(json.loads(rc.cli("role", "list", "--json").stdout)) == 12


def test_cli_sign_in_prints_the_page_and_code_and_waits(rc, aws):
    rc.add_sso()
    proc = subprocess.Popen(
        [binary(), "sso", "login", "acme"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=rc.env
    )
    line = proc.stdout.readline()
    assert line.startswith(f"Open {aws.urls['sso']}/device?user_code=") and "approve the code" in line, line
    code = line.split("approve the code ")[1].split(" ")[0]
    assert aws.sso("approve", {"user_code": code})["ok"]
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    assert "Signed in to 'acme'" in out
    rc.outputs.append(line + out + err)
    r = rc.cli("sso", "list")
    assert "signed in" in r.stdout


def test_cli_sign_in_open_hands_the_page_over_without_a_command_line(rc, aws, tmp_path):
    rc.add_sso()
    bindir = tmp_path / "bin"
    bindir.mkdir()
    (bindir / "xdg-open").write_text(
        f"#!{sys.executable}\nimport sys, os\nopen(os.environ['OPENER_OUT'], 'w').write(sys.argv[1] + '\\n' + open(sys.argv[1]).read())\n"
    )
    (bindir / "xdg-open").chmod(0o755)
    out_file = tmp_path / "opened"
    env = dict(rc.env, PATH=f"{bindir}:{os.environ['PATH']}", OPENER_OUT=str(out_file))
    proc = subprocess.Popen(
        [binary(), "sso", "login", "acme", "--open"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env
    )
    deadline = time.time() + 15
    while not out_file.exists():
        assert time.time() < deadline, "the opener was not called"
        time.sleep(0.05)
    path, page = out_file.read_text().split("\n", 1)
    assert "user_code" not in path and Path(path).parent.name == "handoff"
    code = page.split("user_code=")[1][:9]
    assert aws.sso("approve", {"user_code": code})["ok"]
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    rc.outputs.append(out + err)


def test_sso_sources_are_validated_and_in_use_ones_are_kept(rc, aws):
    r = rc.cli("sso", "add", "bad", "--start-url", "ftp://x", "--region", "eu-west-1")
    assert r.returncode != 0 and "https URL" in r.stderr
    r = rc.cli("sso", "add", "bad", "--start-url", "https://x.awsapps.com/start", "--region", "eu-isoe-west-1")
    assert r.returncode != 0 and "not an AWS region" in r.stderr
    setup(rc)
    r = rc.cli("sso", "remove", "acme")
    assert r.returncode != 0 and "sso-admin" in r.stderr
    r = rc.cli("role", "add", "both", "--account", "444444444444", "--role-name", "X", "--gateway", "g", "--sso", "acme")
    assert r.returncode != 0
    assert rc.cli("role", "remove", "sso-admin").returncode == 0
    assert rc.cli("sso", "remove", "acme").returncode == 0
    assert "[[sso]]" not in rc.config_text()


# ---------------------------------------------------------------- issue 25, point 5

# Pages an Identity Center (or whatever answers at its endpoint) might name; only AWS's own
# pages, the start URL's host, or loopback while the OIDC endpoint is loopback are opened.
HOSTILE_PAGES = [
    "https://evil.example/device?user_code={user_code}&PWNED",
    "https://device.sso.eu-west-1.amazonaws.com.evil.example/?user_code={user_code}&PWNED",
    "http://device.sso.eu-west-1.amazonaws.com/?user_code={user_code}&PWNED",
    "https://ana:PWNED@device.sso.eu-west-1.amazonaws.com/",
    "javascript:alert('PWNED')",
    "file:///etc/PWNED",
    "https://device.sso.eu-west-1.amazonaws.com/\u001b]8;;https://evil.example\u0007PWNED",
    "https://device.sso.eu-west-1.amazonaws.com/\u202ePWNED",
]


def no_raw_page(text):
    assert "PWNED" not in text and "\u001b" not in text and "\u202e" not in text, text


def test_a_hostile_verification_page_is_refused_by_the_host_and_nothing_polls(rc, aws):
    setup(rc)
    h = rc.host()
    for page in HOSTILE_PAGES:
        aws.sso("answer", {"verification_uri_complete": page})
        err = h.call("sso.login", {"sso": "acme"})["error"]
        assert err["data"] == {"kind": "verification_refused", "sso": "acme"}, (page, err)
        assert "not an https page of AWS" in err["message"] or "control characters" in err["message"] or "user name" in err["message"], err
        no_raw_page(err["message"])
    # The field the SDK falls back on is checked the same way.
    aws.sso("answer", {"verification_uri_complete": None, "verification_uri": HOSTILE_PAGES[0]})
    assert h.call("sso.login", {"sso": "acme"})["error"]["data"]["kind"] == "verification_refused"
    # A user code a terminal would obey is refused too.
    aws.sso("answer", {"user_code": "AB\u001b[2JPWNED", "verification_uri_complete": aws.urls["sso"] + "/device"})
    err = h.call("sso.login", {"sso": "acme"})["error"]
    assert err["data"]["kind"] == "verification_refused" and "user code" in err["message"], err
    no_raw_page(err["message"])
    # No sign-in was left in progress: nothing polls, nothing to wait for.
    assert h.call("sso.wait", {"sso": "acme"})["error"]["data"]["kind"] == "invalid_params"
    time.sleep(1.5)
    assert "CreateToken" not in aws.stats()["sso"]["calls"]
    assert h.close() == 0
    no_raw_page(h.stderr)


def test_aws_pages_pass_and_loopback_ones_only_with_a_loopback_oidc_endpoint(rc, aws):
    setup(rc)
    h = rc.host()
    for page in (
        "https://device.sso.eu-west-1.amazonaws.com/?user_code={user_code}",
        "https://d-9067c1b1f2.awsapps.com/start/#/device?user_code={user_code}",
        "https://acme.awsapps.com/start/#/device",
    ):
        aws.sso("answer", {"verification_uri_complete": page})
        login = h.call("sso.login", {"sso": "acme"})["result"]
        assert login["verification_uri_complete"] == page.replace("{user_code}", login["user_code"])
        assert login["start_url"] == "https://acme.awsapps.com/start"
    # The fake's own loopback page: the OIDC endpoint is loopback (the stack's override);
    # and without verificationUriComplete, verificationUri.
    aws.sso("answer", {"verification_uri_complete": None})
    login = h.call("sso.login", {"sso": "acme"})["result"]
    assert login["verification_uri_complete"] == aws.urls["sso"] + "/device"
    aws.sso("answer", {})
    login = h.call("sso.login", {"sso": "acme"})["result"]
    assert login["verification_uri_complete"].startswith(aws.urls["sso"] + "/device?")
    assert aws.sso("approve", {"user_code": login["user_code"]})["ok"]
    assert h.call("sso.wait", {"sso": "acme"})["result"]["authorized"]
    assert h.close() == 0


def test_cli_sign_in_refuses_a_hostile_page_and_opens_nothing(rc, aws, tmp_path):
    rc.add_sso()
    aws.sso("answer", {"verification_uri_complete": HOSTILE_PAGES[0]})
    r = rc.cli("sso", "login", "acme")
    assert r.returncode != 0, r.stdout
    assert "is refused" in r.stderr and "Nothing was opened or shown" in r.stderr, r.stderr
    assert "Open " not in r.stdout
    no_raw_page(r.stdout + r.stderr)
    bindir = tmp_path / "bin"
    bindir.mkdir()
    opened = tmp_path / "opened"
    (bindir / "xdg-open").write_text(f"#!/bin/sh\ntouch {opened}\n")
    (bindir / "xdg-open").chmod(0o755)
    aws.sso("answer", {"verification_uri_complete": HOSTILE_PAGES[6]})
    r = rc.cli("sso", "login", "acme", "--open", env=dict(rc.env, PATH=f"{bindir}:{os.environ['PATH']}"))
    assert r.returncode != 0 and "is refused" in r.stderr, r.stderr
    no_raw_page(r.stdout + r.stderr)
    time.sleep(0.5)
    assert not opened.exists(), "the opener ran"
    handoff = list(Path(rc.env["ROLECALL_DATA_DIR"]).rglob("handoff/*"))
    assert handoff == [], handoff
