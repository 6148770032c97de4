"""`./setup.sh`'s printed next steps work as printed (issue 11, item 18): with the full path
when the install folder is not on PATH, and then the line that puts it there."""

import os
import re
import shlex
import subprocess
from pathlib import Path

from host import binary

REPO = Path(__file__).resolve().parents[2]


def next_steps(env):
    r = subprocess.run(
        ["bash", str(REPO / "setup.sh"), "--next-steps"], capture_output=True, text=True, env=env, timeout=30
    )
    assert r.returncode == 0, r.stderr
    return r.stdout


def test_off_path_the_steps_name_the_binary_in_full_and_say_how_to_fix_path_last(rc, tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    bindir = home / ".local" / "bin"
    bindir.mkdir(parents=True)
    (bindir / "rolecall").symlink_to(binary())
    path = "/usr/local/bin:/usr/bin:/bin"
    env = dict(rc.env, HOME=str(home), ROLECALL_BINDIR=str(bindir), PATH=path, SHELL="/bin/bash")
    out = next_steps(env)

    commands = re.findall(rf"{re.escape(str(bindir))}/rolecall [^\n]*", out)
    assert len(commands) == 6, out
    # Each command as printed reaches rolecall (the ones that change nothing are run).
    for line in commands:
        if " doctor" in line or "--dry-run" in line:
            r = subprocess.run(shlex.split(line), capture_output=True, text=True, env=env, timeout=60)
            assert r.returncode in (0, 1), (line, r.stderr)
            assert "rolecall" in r.stdout + r.stderr
    assert not re.search(r"^\s+rolecall ", out, re.M), "a bare 'rolecall' would not be found"

    # Last: the line for the shell's start-up file, in full; it works when pasted.
    last = [l for l in out.splitlines() if l.strip()][-1].strip()
    assert last.startswith("echo 'export PATH=") and last.endswith(str(home / ".bashrc")), last
    subprocess.run(["bash", "-c", last], check=True, env=env)
    r = subprocess.run(
        ["bash", "-c", f"source {home / '.bashrc'}; command -v rolecall"], capture_output=True, text=True, env=env
    )
    assert r.stdout.strip() == str(bindir / "rolecall"), r


def test_on_path_the_steps_are_plain_and_no_path_note(rc, tmp_path):
    bindir = tmp_path / "bin"
    bindir.mkdir()
    env = dict(rc.env, ROLECALL_BINDIR=str(bindir), PATH=f"{bindir}:{os.environ['PATH']}")
    out = next_steps(env)
    assert "       rolecall import aws-config --dry-run" in out
    assert "not on your PATH" not in out and str(bindir) not in out


def test_the_test_command_names_missing_packages_in_seconds(tmp_path):
    """Issue 11, item 17: on a machine without the browsers, keyring or Node.js, `bash
    tests/run` stops before building anything, with the exact apt-get line."""
    import shutil
    import sys
    import time

    bindir = tmp_path / "bin"
    bindir.mkdir()
    for tool in ["bash", "dirname", "sort", "tr", "cut", "sha256sum", "cat", "cargo"]:
        (bindir / tool).symlink_to(shutil.which(tool))
    (bindir / "python3").symlink_to(sys.executable)
    env = {"PATH": str(bindir), "HOME": str(tmp_path)}
    started = time.monotonic()
    r = subprocess.run(["bash", str(REPO / "tests" / "run")], capture_output=True, text=True, env=env, timeout=60)
    assert r.returncode == 2, (r.stdout, r.stderr)
    assert time.monotonic() - started < 10
    assert r.stdout == "", "nothing was built or run"
    line = next(l for l in r.stderr.splitlines() if "apt-get install" in l)
    for pkg in ["firefox-esr", "chromium", "gnome-keyring", "dbus-daemon", "nodejs", "npm"]:
        assert pkg in line.split(), (pkg, line)
    assert "sudo bash .ci/run" in r.stderr
