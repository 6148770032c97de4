"""The second outside review (issue 11), host and CLI findings: each test fails on the code
before its fix. docs/SECURITY.md lists them with what stops each one now."""

import os
import stat
import sys
import threading
import time
from pathlib import Path

import pytest

from test_isolated_window import recorded, setup as isolated_setup

# -- 1. `rolecall login --open` put the sign-in URL on a command line ------------------------

OPENER = """#!{python}
# A stand-in xdg-open: records what it was given, then starts a long-lived "browser" that
# keeps the same argument on its command line (as a browser started by xdg-open does), and
# reads the page the way a browser would, a little later.
import json, os, subprocess, sys, time
arg = sys.argv[1]
out = os.environ["OPENER_OUT"]
st = os.stat(arg) if os.path.exists(arg) else None
info = {{"argv": sys.argv[1:], "mode": st.st_mode & 0o777 if st else None}}
browser = subprocess.Popen(
    [sys.executable, "-c", "import sys, time; time.sleep(float(sys.argv[2])); open(sys.argv[1]).read(); time.sleep(30)", arg, "0.5"],
    stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    start_new_session=True,
)
info["browser_pid"] = browser.pid
if st:
    info["contents"] = open(arg).read()
with open(out, "w") as f:
    json.dump(info, f)
"""


def cmdlines_with(needle: bytes):
    hits = []
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            if needle in Path(f"/proc/{pid}/cmdline").read_bytes():
                hits.append(int(pid))
        except OSError:
            continue
    return hits


def test_login_open_puts_no_sign_in_url_on_any_command_line(rc, aws, tmp_path):
    import json

    bindir = tmp_path / "bin"
    bindir.mkdir()
    opener = bindir / "xdg-open"
    opener.write_text(OPENER.format(python=sys.executable))
    opener.chmod(0o755)
    out = tmp_path / "opener.json"
    env = dict(rc.env, PATH=f"{bindir}:{os.environ['PATH']}", OPENER_OUT=str(out))
    rc.add_gateway()
    rc.add_role("prod")

    seen = []
    done = threading.Event()

    def watch():
        while not done.is_set():
            seen.extend(cmdlines_with(b"SigninToken"))
            time.sleep(0.005)

    t = threading.Thread(target=watch, daemon=True)
    t.start()
    try:
        r = rc.cli("login", "prod", "--open", env=env)
        assert r.returncode == 0, r.stderr
        assert "Opened the console of 'prod'" in r.stdout
        info = json.loads(out.read_text())
        # The opener got a private file, not the URL; the file leads to the sign-in.
        [arg] = info["argv"]
        assert "SigninToken" not in arg and "federation" not in arg
        assert Path(arg).parent == Path(rc.env["ROLECALL_DATA_DIR"]) / "handoff"
        assert info["mode"] == 0o600
        assert "Action=login" in info["contents"] and "SigninToken=" in info["contents"]
        # Read by the "browser", then removed.
        deadline = time.monotonic() + 15
        while Path(arg).exists():
            assert time.monotonic() < deadline, "the handoff file was not removed"
            time.sleep(0.05)
        time.sleep(0.2)
    finally:
        done.set()
        t.join()
        try:
            os.kill(json.loads(out.read_text())["browser_pid"], 9)
        except (OSError, ValueError, KeyError):
            pass
    assert seen == [], f"processes with a sign-in token on their command line: {seen}"


def test_login_open_with_a_failing_opener_says_what_to_do_and_leaves_no_file(rc, aws, tmp_path):
    bindir = tmp_path / "bin"
    bindir.mkdir()
    opener = bindir / "xdg-open"
    opener.write_text("#!/bin/sh\nexit 3\n")
    opener.chmod(0o755)
    rc.add_gateway()
    rc.add_role("prod")
    r = rc.cli("login", "prod", "--open", env=dict(rc.env, PATH=f"{bindir}:{os.environ['PATH']}"))
    assert r.returncode == 1
    assert "xdg-open" in r.stderr and "without --open" in r.stderr, r.stderr
    assert list((Path(rc.env["ROLECALL_DATA_DIR"]) / "handoff").iterdir()) == []


# -- 19. login for an MFA gateway without a terminal -----------------------------------------


def test_login_without_a_terminal_says_to_pass_mfa_code(rc, aws):
    rc.add_gateway(mfa=True)
    rc.add_role("prod")
    r = rc.cli("login", "prod", input="")
    assert r.returncode == 1
    assert "no terminal" in r.stderr and "rolecall login prod --mfa-code -" in r.stderr, r.stderr
    assert aws.stats()["sts_requests"] == {}
    r = rc.cli("login", "prod", "--mfa-code", "123456")
    assert r.returncode == 0, r.stderr
    rc.outputs.pop()  # the URL itself, by request


# -- 3. Notifications ran their method --------------------------------------------------------


def test_notifications_run_nothing_and_get_no_reply(rc, aws, tmp_path):
    record, _ = isolated_setup(rc, tmp_path)
    h = rc.host()
    for _ in range(3):
        h.send({"jsonrpc": "2.0", "method": "console.open", "params": {"role": "prod", "open_in": "isolated_window"}})
    h.send({"jsonrpc": "2.0", "method": "console.open", "params": {"role": "prod"}})
    h.send({"jsonrpc": "2.0", "method": "session.forget", "params": {}})
    # The next reply is the answer to this request: nothing came for the notifications.
    r = h.call("host.info")
    assert r["result"]["name"] == "rolecall"
    time.sleep(1.0)  # time enough for a launch to have happened
    assert list(record.iterdir()) == [], "a notification launched a browser"
    stats = aws.stats()
    assert stats["sts_requests"] == {} and stats["signin_requests"] == {}, stats
    # An id-ful open still works, and launches once.
    r = h.call("console.open", {"role": "prod", "open_in": "isolated_window"})
    assert r["result"]["launched"] is True, r
    assert len(recorded(record, 1)) == 1
    assert h.close() == 0


# -- 5. A request chose an STS endpoint outside the supported partitions ---------------------


@pytest.mark.parametrize(
    "region", ["eu-isoe-west-1", "us-iso-east-1", "us-isob-east-1", "us-isof-south-1", "eusc-de-east-1"]
)
def test_regions_of_unsupported_partitions_are_invalid_params_with_no_call(rc, aws, region):
    rc.add_gateway()
    rc.add_role("prod")
    h = rc.host()
    r = h.call("console.open", {"role": "prod", "region": region})
    assert r["error"]["data"]["kind"] == "invalid_params", r
    assert "not an AWS region rolecall supports" in r["error"]["message"]
    stats = aws.stats()
    assert stats["sts_requests"] == {} and stats["signin_requests"] == {}, stats
    assert h.close() == 0


def test_the_gateway_not_the_request_chooses_the_sts_region(rc, aws):
    """AssumeRole is signed for (and, without an override, sent to) the gateway's region, or
    the partition's default when the gateway has none: never a region from the request."""
    rc.add_gateway("corp", region="eu-west-1")
    r = rc.cli("gateway", "add", "plain", "--access-key-id", aws.gateway_keys[0], input=aws.gateway_keys[1] + "\n")
    assert r.returncode == 0, r.stderr
    rc.add_role("a", "111111111111", "Admin", "corp")
    rc.add_role("b", "222222222222", "Admin", "plain", "--region", "ap-southeast-2")
    h = rc.host()
    for role in ("a", "b"):
        r = h.call("console.open", {"role": role, "region": "sa-east-1"})
        assert "result" in r, r
    regions = [c["signing_region"] for c in aws.stats()["sts_calls"]]
    assert regions == ["eu-west-1", "us-east-1"], regions
    assert h.close() == 0


# -- 6. Bad parameter names and enum values were echoed verbatim -----------------------------

HOSTILE = "\x1b[2J\x1b[31mPWNED\u202e\x07"


@pytest.mark.parametrize(
    "method, params, names",
    [
        ("console.open", {"role": "prod", HOSTILE: 1}, ["role", "open_in"]),
        ("console.open", {"role": "prod", "open_in": HOSTILE}, ["'open_in'", "isolated_window"]),
        ("console.open", {"role": "prod", "open_in": 5}, ["'open_in'"]),
        ("console.open", {"role": "prod", "region": HOSTILE}, ["region"]),
        ("console.open", {"role": "prod", "destination": HOSTILE}, ["destination"]),
        ("console.open", {"role": "prod", "mfa_code": HOSTILE}, ["6 digits"]),
        ("console.open", {"role": 7}, ["'role'"]),
        ("console.open", {}, ["'role'"]),
        ("session.forget", {HOSTILE: True}, ["role", "gateway"]),
        (HOSTILE, {}, ["Unknown method", "host.info"]),
    ],
)
def test_bad_input_is_named_in_our_words_never_echoed(rc, aws, method, params, names):
    rc.add_gateway()
    rc.add_role("prod")
    h = rc.host()
    r = h.call(method, params)
    err = r["error"]
    text = err["message"] + repr(err["data"])
    for bad in ("\x1b", "PWNED", "\u202e", "\x07", "\\x1b", "\\u202e"):
        assert bad not in text, (bad, err)
    for word in names:
        assert word in err["message"], (word, err["message"])
    assert h.call("host.info")["result"]["name"] == "rolecall"
    assert h.close() == 0
    assert "\x1b" not in h.stderr and "\u202e" not in h.stderr
