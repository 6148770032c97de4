"""console.open with open_in "isolated_window": the real binary launches a browser on the role's
own data directory. A recorder script stands in for the browser (ROLECALL_BROWSER_EXE): it saves
its argv, its process group and stdout, and the handoff file it was given (mode and contents),
and can pretend to be a running Chromium (the SingletonLock symlink `<host>-<pid>`)."""

import html
import json
import os
import re
import signal
import socket
import stat
import sys
import time
from pathlib import Path

from test_console_open import follow_login

RECORDER = """#!{python}
import json, os, sys, time
out = os.environ["RECORDER_OUT"]
args = sys.argv[1:]
handoff = args[-1]
st = os.stat(handoff)
if os.environ.get("RECORDER_SKIP_READ"):
    contents = None  # leave it unread: the host's cleanup then waits for it
else:
    with open(handoff) as f:
        contents = f.read()
record = {{
    "argv": args,
    "pid": os.getpid(),
    "pgid": os.getpgid(0),
    "stdout": os.readlink("/proc/self/fd/1"),
    "handoff": handoff,
    "handoff_mode": st.st_mode & 0o777,
    "handoff_dir_mode": os.stat(os.path.dirname(handoff)).st_mode & 0o777,
    "contents": contents,
    "fds": {{fd: os.readlink("/proc/self/fd/" + fd) for fd in os.listdir("/proc/self/fd")
             if os.path.exists("/proc/self/fd/" + fd)}},
}}
path = os.path.join(out, "call-%d-%d.json" % (time.time_ns(), os.getpid()))
with open(path + ".tmp", "w") as f:
    json.dump(record, f)
os.rename(path + ".tmp", path)
stay = os.environ.get("RECORDER_STAY")
if stay:
    # Behave like a running Chromium on this data directory.
    data_dir = next(a.split("=", 1)[1] for a in args if a.startswith("--user-data-dir="))
    lock = os.path.join(data_dir, "SingletonLock")
    if not os.path.islink(lock):
        os.symlink("%s-%d" % (open("/proc/sys/kernel/hostname").read().strip(), os.getpid()), lock)
    time.sleep(float(stay))
"""


def setup(rc, tmp_path, **extra_env):
    record = tmp_path / "recorded"
    record.mkdir()
    recorder = tmp_path / "fake-browser"
    recorder.write_text(RECORDER.format(python=sys.executable))
    recorder.chmod(0o755)
    data = tmp_path / "data"
    rc.env.update(
        ROLECALL_BROWSER_EXE=str(recorder),
        ROLECALL_BROWSER_ARGS="--headless=new --disable-gpu",
        ROLECALL_DATA_DIR=str(data),
        RECORDER_OUT=str(record),
        **extra_env,
    )
    rc.add_gateway()
    rc.add_role("prod", "111111111111", "Admin", "corp", "--label", "Production admin", "--risk", "production")
    rc.add_role("dev", "222222222222", "Developer", "corp", "--label", "Sandbox")
    return record, data


def recorded(record, n, timeout=15):
    deadline = time.monotonic() + timeout
    while True:
        calls = sorted(record.glob("call-*.json"))
        if len(calls) >= n:
            return [json.loads(p.read_text()) for p in calls]
        assert time.monotonic() < deadline, f"the browser was started {len(calls)} times, not {n}"
        time.sleep(0.05)


def launch(h, role):
    r = h.call("console.open", {"role": role, "open_in": "isolated_window"})
    assert "result" in r, r
    return r["result"]


def wait_gone(path, timeout=10):
    deadline = time.monotonic() + timeout
    while Path(path).exists():
        assert time.monotonic() < deadline, f"{path} was not removed"
        time.sleep(0.05)


def test_two_roles_two_data_dirs_same_role_same_dir(rc, aws, tmp_path):
    record, data = setup(rc, tmp_path)
    h = rc.host()
    a1 = launch(h, "prod")
    b = launch(h, "dev")
    a2 = launch(h, "prod")
    calls = recorded(record, 3)

    profiles = data / "browser-profiles"
    assert a1["profile_dir"] == a2["profile_dir"] == str(profiles / "prod")
    assert b["profile_dir"] == str(profiles / "dev")
    for res in (a1, b, a2):
        assert res["launched"] is True
        assert "url" not in res, "no sign-in URL in an isolated-window reply"
        assert res["browser"] == rc.env["ROLECALL_BROWSER_EXE"]
        assert re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$", res["console_expires_at"])
    assert (a1["role"], a1["account_id"], b["account_id"]) == ("prod", "111111111111", "222222222222")
    assert a2["cached"] is True, "the second open of a role reuses its credentials"

    dirs = []
    for call in calls:
        argv = call["argv"]
        [udd] = [a for a in argv if a.startswith("--user-data-dir=")]
        dirs.append(udd.split("=", 1)[1])
        assert argv[1:4] == ["--no-first-run", "--no-default-browser-check", "--new-window"]
        assert argv[4:6] == ["--headless=new", "--disable-gpu"], "ROLECALL_BROWSER_ARGS are passed on"
        assert Path(argv[-1]).parent == data / "handoff"
        for a in argv:
            assert "SigninToken" not in a and "Action=login" not in a and "federation" not in a
        # Detached: its own process group, and never the host's stdout (the protocol channel).
        assert call["pgid"] == call["pid"]
        assert call["stdout"] == "/dev/null"
    assert sorted(dirs) == sorted([str(profiles / "prod"), str(profiles / "dev"), str(profiles / "prod")])
    assert len({c["handoff"] for c in calls}) == 3, "a new handoff file per open"

    # The data directories are private and say which role they are.
    assert stat.S_IMODE((profiles / "prod").stat().st_mode) == 0o700
    local_state = json.loads((profiles / "prod" / "Local State").read_text())
    assert local_state["profile"]["info_cache"]["Default"]["name"] == "Production admin"
    prefs = json.loads((profiles / "prod" / "Default" / "Preferences").read_text())
    assert prefs["browser"]["theme"]["user_color"] == -40643  # red, 0xffff613d
    assert json.loads((profiles / "dev" / "Local State").read_text())["profile"]["info_cache"]["Default"]["name"] == "Sandbox"


def test_handoff_file_is_private_leads_to_the_sign_in_and_is_removed(rc, aws, tmp_path):
    record, data = setup(rc, tmp_path)
    h = rc.host()
    launch(h, "prod")
    [call] = recorded(record, 1)
    assert call["handoff_mode"] == 0o600
    assert call["handoff_dir_mode"] == 0o700
    m = re.search(r'<meta http-equiv="refresh" content="0;url=([^"]+)">', call["contents"])
    assert m, call["contents"]
    url = html.unescape(m.group(1))
    assert url.startswith(aws.urls["signin"] + "?Action=login&")
    assert "SigninToken=" in url
    # It is the working sign-in: the console then shows this role's identity.
    _, identity = follow_login(url, aws.urls["console"])
    assert identity.startswith("arn:aws:sts::111111111111:assumed-role/Admin/")
    # Read by the "browser", so removed well before the one-minute limit.
    wait_gone(call["handoff"], timeout=10)
    assert list((data / "handoff").iterdir()) == []


def test_a_running_browser_shows_in_roles_list(rc, aws, tmp_path):
    record, data = setup(rc, tmp_path, RECORDER_STAY="60")
    h = rc.host()
    roles = {r["id"]: r for r in h.call("roles.list")["result"]["roles"]}
    assert roles["prod"]["window_open"] is False and roles["dev"]["window_open"] is False
    launch(h, "prod")
    [call] = recorded(record, 1)
    try:
        deadline = time.monotonic() + 10
        while True:
            roles = {r["id"]: r for r in h.call("roles.list")["result"]["roles"]}
            if roles["prod"]["window_open"]:
                break
            assert time.monotonic() < deadline, "roles.list never said prod's window is open"
            time.sleep(0.1)
        assert roles["dev"]["window_open"] is False
        # The host has exited; the browser has not (it was started detached).
        assert h.close() == 0
        os.kill(call["pid"], 0)
        r = rc.cli("profiles", "list", "--json")
        assert r.returncode == 0, r.stderr
        listed = {p["role"]: p for p in json.loads(r.stdout)}
        assert listed["prod"]["running"] is True and listed["prod"]["configured"] is True
        # A running browser's directory is never pruned, even when its role is gone.
        assert rc.cli("role", "remove", "prod").returncode == 0
        r = rc.cli("profiles", "prune")
        assert "Kept prod" in r.stdout, r.stdout
        assert (data / "browser-profiles" / "prod").is_dir()
    finally:
        os.kill(call["pid"], signal.SIGKILL)
    # Killed like a crash: the lock stays behind, stale, and no longer counts.
    deadline = time.monotonic() + 10
    while True:
        r = rc.cli("profiles", "list", "--json")
        if not json.loads(r.stdout)[0]["running"]:
            break
        assert time.monotonic() < deadline
        time.sleep(0.1)
    assert os.path.islink(data / "browser-profiles" / "prod" / "SingletonLock")
    r = rc.cli("profiles", "prune")
    assert r.returncode == 0 and "role not configured" in r.stdout, r.stdout
    assert not (data / "browser-profiles" / "prod").exists()


def test_prune_older_than_removes_unused_dirs_only(rc, aws, tmp_path):
    record, data = setup(rc, tmp_path)
    h = rc.host()
    launch(h, "prod")
    launch(h, "dev")
    recorded(record, 2)
    old = time.time() - 40 * 86400
    os.utime(data / "browser-profiles" / "dev" / "Local State", (old, old))
    r = rc.cli("profiles", "prune", "--older-than", "30", "--dry-run")
    assert "Would remove" in r.stdout and "dev" in r.stdout, r.stdout
    assert (data / "browser-profiles" / "dev").exists()
    r = rc.cli("profiles", "prune", "--older-than", "30")
    assert r.returncode == 0, r.stderr
    assert not (data / "browser-profiles" / "dev").exists()
    assert (data / "browser-profiles" / "prod").exists()
    r = rc.cli("profiles", "prune", "--older-than", "nope")
    assert r.returncode == 2 and "nope" in r.stderr


def test_missing_browser_is_a_clear_error_before_any_aws_call(rc, aws, tmp_path):
    record, data = setup(rc, tmp_path)
    rc.env["ROLECALL_BROWSER_EXE"] = str(tmp_path / "no-such-browser")
    h = rc.host()
    r = h.call("console.open", {"role": "prod", "open_in": "isolated_window"})
    err = r["error"]
    assert err["code"] == 1015 and err["data"]["kind"] == "browser_not_found", err
    assert "no-such-browser" in err["message"] and "ROLECALL_BROWSER_EXE" in err["message"]
    assert aws.stats()["sts_calls"] == [], "no AWS call for a launch that cannot happen"
    # An unknown open_in is refused like any bad parameter.
    r = h.call("console.open", {"role": "prod", "open_in": "popup"})
    assert r["error"]["data"]["kind"] == "invalid_params"


def test_a_browser_that_cannot_start_is_browser_launch_failed(rc, aws, tmp_path):
    record, data = setup(rc, tmp_path)
    not_executable = tmp_path / "not-executable"
    not_executable.write_text("")
    rc.env["ROLECALL_BROWSER_EXE"] = str(not_executable)
    h = rc.host()
    r = h.call("console.open", {"role": "prod", "open_in": "isolated_window"})
    err = r["error"]
    assert err["code"] == 1016 and err["data"]["kind"] == "browser_launch_failed", err
    assert str(not_executable) in err["message"]
    # The handoff file of the failed launch is gone at once.
    assert list((data / "handoff").iterdir()) == []


def test_role_ids_that_are_not_folder_names_launch_nothing(rc, aws, tmp_path):
    record, data = setup(rc, tmp_path)
    # The config allows dots in ids, so ".." is a valid role id; it must not become a path.
    rc.add_role("..", "333333333333", "Admin", "corp")
    h = rc.host()
    roles = {r["id"]: r for r in h.call("roles.list")["result"]["roles"]}
    assert roles[".."]["window_open"] is False
    r = h.call("console.open", {"role": "..", "open_in": "isolated_window"})
    err = r["error"]
    assert err["code"] == 1016 and err["data"]["kind"] == "browser_launch_failed", err
    assert "rolecall role remove .." in err["message"]
    assert list(record.iterdir()) == [], "no browser started"
    assert aws.stats()["sts_calls"] == [], "no AWS call"
    # No profile or handoff folder: only what the set-up wrote (the config; the state file's
    # forget marker, which `gateway add` writes).
    assert sorted(p.name for p in tmp_path.iterdir()) == ["config", "data", "fake-browser", "recorded"]
    assert sorted(p.name for p in data.iterdir()) == [".state.json.lock", "state.json"]


def test_doctor_says_which_browser_isolated_windows_use(rc, aws, tmp_path):
    record, data = setup(rc, tmp_path)
    r = rc.cli("doctor")
    assert f"OK    isolated windows: browser {rc.env['ROLECALL_BROWSER_EXE']} (from ROLECALL_BROWSER_EXE)" in r.stdout, r.stdout
    launch(rc.host(), "prod")
    recorded(record, 1)
    r = rc.cli("doctor")
    assert f"1 role browser data directories in {data / 'browser-profiles'} (0 with a running browser)" in r.stdout, r.stdout
    rc.env["ROLECALL_BROWSER_EXE"] = str(tmp_path / "gone")
    r = rc.cli("doctor")
    assert r.returncode == 1
    assert re.search(r"^FAIL  The browser .*/gone named by ROLECALL_BROWSER_EXE does not exist", r.stdout, re.M), r.stdout


def test_hostile_role_ids_are_refused_unechoed_before_anything_happens(rc, aws, tmp_path):
    record, data = setup(rc, tmp_path)
    h = rc.host()
    for hostile in ["../../etc", "a/b", "x" * 65, "<script>", ""]:
        r = h.call("console.open", {"role": hostile, "open_in": "isolated_window"})
        err = r["error"]
        assert err["data"]["kind"] == "invalid_params", err
        if hostile:
            assert hostile not in json.dumps(r), "the id is not echoed"
    assert list(record.iterdir()) == [] and sorted(p.name for p in data.iterdir()) == [".state.json.lock", "state.json"]


def pipes_of(pid):
    """The pipe inodes a process holds open ('pipe:[123]')."""
    out = set()
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            target = os.readlink(f"/proc/{pid}/fd/{fd}")
        except OSError:
            continue
        if target.startswith("pipe:"):
            out.add(target)
    return out


def test_launched_processes_hold_no_descriptor_of_the_hosts_pipes(rc, aws, tmp_path):
    """Issue 11, finding 2: the host's private copy of stdout was made with dup (no
    close-on-exec), so the launched browser and the handoff cleanup inherited a writable copy
    of the channel to the extension. Neither may hold any of the host's pipes now."""
    record, _ = setup(rc, tmp_path, RECORDER_STAY="20", RECORDER_SKIP_READ="1")
    h = rc.host()
    host_pipes = pipes_of(h.proc.pid)
    # stdin, the frames copy of stdout, stderr: all pipes from this test.
    assert len(host_pipes) >= 3, host_pipes
    launch(h, "prod")
    [call] = recorded(record, 1)
    browser_fds = set(call["fds"].values())
    assert not (browser_fds & host_pipes), (call["fds"], host_pipes)
    # The detached `rolecall handoff-cleanup` waits for the unread file: it holds none either.
    cleanups = []
    for pid in os.listdir("/proc"):
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if b"handoff-cleanup" in cmdline and call["handoff"].encode() in cmdline:
            cleanups.append(int(pid))
    assert len(cleanups) == 1, cleanups
    try:
        assert not (pipes_of(cleanups[0]) & host_pipes)
    finally:
        os.kill(cleanups[0], signal.SIGTERM)
    assert call["stdout"] == "/dev/null"
    assert h.call("host.info")["result"]["name"] == "rolecall"
    assert h.close() == 0
