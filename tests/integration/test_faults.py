"""Fault injection: upstream services that hang or answer badly, a config that breaks or
changes under the host, and commands that race or die mid-write. Each must end in its
specific error, leave the host serving, and lose nothing (issue 6)."""

import json
import os
import signal
import subprocess
import time

import pytest

from host import binary

ROLE_ARN_ACCOUNT = "111111111111"


def setup_role(rc, timeout=None):
    rc.add_gateway()
    rc.add_role("prod")
    if timeout:
        text = rc.config_text()
        (rc.config_dir / "config.toml").write_text(f"[settings]\ntimeout_seconds = {timeout}\n\n{text}")


def open_ok(h):
    r = h.call("console.open", {"role": "prod"})
    assert "result" in r, r
    return r["result"]


def test_sts_that_hangs_is_upstream_unavailable_within_the_configured_timeout(rc, aws):
    setup_role(rc, timeout=2)
    h = rc.host()
    aws.fault(sts="hang")
    try:
        t0 = time.monotonic()
        err = h.call("console.open", {"role": "prod"})["error"]
        elapsed = time.monotonic() - t0
    finally:
        aws.fault()
    assert err["data"] == {"kind": "upstream_unavailable", "service": "sts"}, err
    assert "Could not reach" in err["message"]
    # timeout_seconds bounds the whole call (the SDK's retries included), with slack for CI.
    assert 1.5 < elapsed < 6, elapsed
    # The same host serves the next click once STS answers again.
    assert open_ok(h)["url"].startswith(aws.urls["signin"])
    assert h.close() == 0


@pytest.mark.parametrize(
    "fault, kind, words",
    [
        ("500", "upstream_error", "InternalFailure"),
        ("throttle", "upstream_error", "Throttling"),
        ("garbage", "upstream_error", "STS"),
    ],
)
def test_sts_errors_are_specific_and_nothing_is_cached(rc, aws, fault, kind, words):
    setup_role(rc)
    h = rc.host()
    aws.fault(sts=fault)
    try:
        err = h.call("console.open", {"role": "prod"})["error"]
    finally:
        aws.fault()
    assert err["data"]["kind"] == kind, err
    assert err["data"]["service"] == "sts"
    assert words in err["message"], err["message"]
    # Nothing half-made was cached: the next open calls STS again and works.
    before = aws.stats()["sts_requests"].get("AssumeRole", 0)
    assert open_ok(h)["cached"] is False
    assert aws.stats()["sts_requests"]["AssumeRole"] == before + 1
    assert h.close() == 0


@pytest.mark.parametrize(
    "fault, words",
    [
        ("400", "HTTP 400"),
        ("500", "HTTP 500"),
        ("not-json", "not JSON"),
        ("no-token", "SigninToken"),
    ],
)
def test_federation_errors_are_specific_and_the_session_is_kept(rc, aws, fault, words):
    setup_role(rc)
    h = rc.host()
    aws.fault(signin=fault)
    try:
        err = h.call("console.open", {"role": "prod"})["error"]
    finally:
        aws.fault()
    assert err["data"]["kind"] == "upstream_error", err
    assert err["data"]["service"] == "signin"
    assert words in err["message"], err["message"]
    # The role's session from STS was good: the retry only needs the federation call.
    assert open_ok(h)["cached"] is True
    assert aws.stats()["sts_requests"].get("AssumeRole") == 1
    assert h.close() == 0


def test_federation_that_hangs_is_upstream_unavailable(rc, aws):
    setup_role(rc, timeout=2)
    h = rc.host()
    aws.fault(signin="hang")
    try:
        t0 = time.monotonic()
        err = h.call("console.open", {"role": "prod"})["error"]
        elapsed = time.monotonic() - t0
    finally:
        aws.fault()
    assert err["data"] == {"kind": "upstream_unavailable", "service": "signin"}, err
    assert elapsed < 6, elapsed
    assert h.close() == 0


def test_config_changed_broken_and_repaired_while_the_host_runs(rc, aws):
    setup_role(rc)
    h = rc.host()
    assert [r["id"] for r in h.call("roles.list")["result"]["roles"]] == ["prod"]
    rc.add_role("dev", "222222222222")
    assert [r["id"] for r in h.call("roles.list")["result"]["roles"]] == ["prod", "dev"]

    good = rc.config_text()
    (rc.config_dir / "config.toml").write_text(good + "\n[[role]\nbroken")
    err = h.call("roles.list")["error"]
    assert err["data"]["kind"] == "config_invalid"
    assert str(rc.config_dir / "config.toml") in err["message"]
    err = h.call("console.open", {"role": "prod"})["error"]
    assert err["data"]["kind"] == "config_invalid"
    # A CLI change refuses to build on a config it cannot read, and leaves it as it was.
    r = rc.cli("role", "add", "x", "--account", "333333333333", "--role-name", "A", "--gateway", "corp")
    assert r.returncode == 1
    assert rc.config_text().endswith("[[role]\nbroken")

    (rc.config_dir / "config.toml").write_text(good)
    assert open_ok(h)["url"]
    assert h.close() == 0


def test_an_unreadable_config_is_named_and_left_alone(rc):
    rc.config_dir.mkdir(parents=True)
    # A folder where the file should be: unreadable even for root, who ignores modes.
    (rc.config_dir / "config.toml").mkdir()
    h = rc.host()
    err = h.call("roles.list")["error"]
    assert err["data"]["kind"] == "config_invalid"
    assert "cannot read it" in err["message"]
    r = rc.cli("role", "add", "x", "--account", "333333333333", "--role-name", "A", "--gateway", "corp")
    assert r.returncode == 1 and "cannot read it" in r.stderr
    assert (rc.config_dir / "config.toml").is_dir()
    assert h.close() == 0


def test_concurrent_commands_lose_no_update(rc):
    rc.add_gateway()
    n = 16
    procs = [
        subprocess.Popen(
            [binary(), "role", "add", f"r{i}", "--account", f"{i:012d}", "--role-name", "Admin",
             "--gateway", "corp"],
            env=rc.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        for i in range(n)
    ]
    for p in procs:
        out, err = p.communicate(timeout=60)
        rc.outputs.append(out + err)
        assert p.returncode == 0, err
    roles = json.loads(rc.cli("role", "list", "--json").stdout)
    assert sorted(r["id"] for r in roles) == sorted(f"r{i}" for i in range(n))


def test_a_command_killed_mid_write_leaves_the_old_or_the_new_config(rc):
    rc.add_gateway()
    # A large config makes the write window wide enough to be hit (labels at their 128-character
    # cap, with a group and a link each).
    filler = "".join(
        f'\n[[role]]\nid = "f{i}"\naccount_id = "111111111111"\nrole_name = "Admin"\n'
        f'gateway = "corp"\nlabel = "{"x" * 128}"\ngroup = "{"g" * 64}"\n'
        f'[[role.link]]\nname = "{"n" * 64}"\ndestination = "/s3"\n'
        for i in range(800)
    )
    (rc.config_dir / "config.toml").write_text(rc.config_text() + filler)
    killed = 0
    for i in range(25):
        before = rc.config_text()
        p = subprocess.Popen(
            [binary(), "role", "add", f"k{i}", "--account", "222222222222", "--role-name", "A",
             "--gateway", "corp"],
            env=rc.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        time.sleep((i % 10) * 0.002)
        p.send_signal(signal.SIGKILL)
        if p.wait() == -signal.SIGKILL:
            killed += 1
        after = rc.config_text()
        # Either untouched or the whole new config, never a torn file.
        assert after == before or after.startswith(before.split("\n[[role]]")[0])
        listed = rc.cli("role", "list", "--json")
        assert listed.returncode == 0, listed.stderr
        ids = {r["id"] for r in json.loads(listed.stdout)}
        assert {f"f{j}" for j in range(800)} <= ids
        assert ids - {f"f{j}" for j in range(800)} <= {f"k{j}" for j in range(i + 1)}
    assert killed > 0
    # Leftover temp files of killed writers are not configs and do not break the next save.
    rc.add_role("after")
    assert "after" in rc.config_text()
