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
    # No cargo either: that only adds the toolchain's lines, and the test does not depend on
    # where the caller's cargo is.
    for tool in ["bash", "dirname", "sort", "tr", "cut", "sha256sum", "cat"]:
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


# ---- the toolchain check (issue 27): setup.sh and tests/run stop within seconds on a Rust or
# Node.js that is missing or too old, naming what is there, what is needed and how to get it.


def needed_rust():
    import tomllib

    return tomllib.loads((REPO / "Cargo.toml").read_text())["workspace"]["package"]["rust-version"]


def fake_tools(bindir, cargo=None, rustc=None, node=None):
    """Scripts standing in for cargo, rustc and node: each prints its --version line, and
    anything else it is asked fails loudly (nothing may be built with them)."""
    bindir.mkdir(exist_ok=True)
    for name, version in (("cargo", cargo), ("rustc", rustc), ("node", node)):
        if version is None:
            continue
        script = bindir / name
        script.write_text(
            "#!/bin/sh\n"
            f'if [ "$1" = --version ]; then echo "{version}"; exit 0; fi\n'
            f'echo "fake {name} called with: $*" >&2\nexit 99\n'
        )
        script.chmod(0o755)
    return bindir


def run_check(cmd, bindir, tmp_path, with_system=True):
    import time

    path = f"{bindir}:/usr/local/bin:/usr/bin:/bin" if with_system else str(bindir)
    env = {"PATH": path, "HOME": str(tmp_path), "ROLECALL_BINDIR": str(tmp_path / "bin-out")}
    started = time.monotonic()
    r = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=60, cwd=REPO)
    return r, time.monotonic() - started


def test_setup_stops_on_old_rust_and_node_saying_what_is_there_needed_and_how_to_get_it(tmp_path):
    bindir = fake_tools(tmp_path / "fake", cargo="cargo 1.63.0", rustc="rustc 1.63.0", node="v18.19.0")
    r, took = run_check(["bash", str(REPO / "setup.sh")], bindir, tmp_path)
    assert r.returncode == 2, (r.stdout, r.stderr)
    assert took < 10
    assert "Building" not in r.stdout and " called with: " not in r.stderr, "nothing was built"
    assert not (tmp_path / "bin-out").exists()
    err = r.stderr
    need = needed_rust()
    assert f"Rust {need} or newer (rust-version in Cargo.toml)" in err
    assert f"this machine has cargo 1.63.0 ({bindir}/cargo)" in err
    assert f"this machine has rustc 1.63.0 ({bindir}/rustc)" in err
    assert "rustup (https://rustup.rs)" in err and "Debian 12's apt cargo and rustc are 1.63" in err
    assert "Node.js 20 or newer (engines in extension/package.json)" in err
    assert f"this machine has node 18.19.0 ({bindir}/node)" in err
    assert "NodeSource" in err


def test_the_test_command_stops_on_old_rust_before_building_anything(tmp_path):
    bindir = fake_tools(tmp_path / "fake", cargo="cargo 1.88.0 (1a2b3c 2025-06-01)", rustc="rustc 1.95.0", node="v20.0.0")
    r, took = run_check(["bash", str(REPO / "tests" / "run")], bindir, tmp_path)
    assert r.returncode == 2, (r.stdout, r.stderr)
    assert took < 10
    assert r.stdout == "" and " called with: " not in r.stderr, "nothing was built or run"
    assert f"needs Rust {needed_rust()} or newer" in r.stderr
    assert f"this machine has cargo 1.88.0 ({bindir}/cargo)" in r.stderr
    # The rest is new enough and not named.
    assert "rustc 1.95" not in r.stderr and "Node.js" not in r.stderr


def test_a_missing_toolchain_is_named_and_versions_at_the_minimum_pass(tmp_path):
    import shutil

    # Only bash: no cargo, rustc or node anywhere on PATH.
    bare = tmp_path / "bare"
    bare.mkdir()
    (bare / "bash").symlink_to(shutil.which("bash"))
    check = ["bash", "-c", "source tests/preflight.sh; check_toolchain; echo toolchain-ok"]
    r, _ = run_check(check, bare, tmp_path, with_system=False)
    assert r.returncode == 2, (r.stdout, r.stderr)
    assert "this machine has no cargo on PATH" in r.stderr and "no rustc on PATH" in r.stderr
    assert "this machine has no node on PATH" in r.stderr
    assert "toolchain-ok" not in r.stdout

    # Exactly the minimum versions are enough.
    need = needed_rust()
    fake_tools(bare, cargo=f"cargo {need}.0 (abc 2025-08-07)", rustc=f"rustc {need}.0", node="v20.0.0")
    r, _ = run_check(check, bare, tmp_path, with_system=False)
    assert (r.returncode, r.stdout.strip(), r.stderr) == (0, "toolchain-ok", ""), r
