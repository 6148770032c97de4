"""Issue 25, point 7: the process holds keys and tokens in memory, and an MFA code on a
command line is readable by every local user (/proc/<pid>/cmdline) and kept in shell history.

- The host (and every command) turns off core files and, on Linux, is not dumpable.
- `--mfa-code -` reads the code from one line of standard input for login,
  credential-process, export and exec; exec hands the rest of standard input to its command."""

import json
import subprocess
import sys

from host import binary


def assume_calls(aws):
    return [c for c in aws.stats()["sts_calls"] if c["action"] == "AssumeRole"]


def run(rc, args, input):
    r = subprocess.run([binary(), *args], env=rc.env, input=input, capture_output=True, text=True, timeout=60)
    rc.outputs.append(r.stderr)
    return r


def test_host_writes_no_core_file(rc):
    h = rc.host()
    assert "result" in h.call("host.info")
    limits = open(f"/proc/{h.proc.pid}/limits").read()
    core = next(line for line in limits.splitlines() if line.startswith("Max core file size"))
    assert core.split()[4:6] == ["0", "0"], core


def test_mfa_code_from_stdin_for_login(rc, aws):
    rc.add_gateway(mfa=True)
    rc.add_role("prod")
    r = run(rc, ["login", "prod", "--mfa-code", "-"], "123456\n")
    assert r.returncode == 0, r.stderr
    assert "SigninToken=" in r.stdout
    calls = assume_calls(aws)
    assert len(calls) == 1 and calls[0]["token_code_given"]


def test_mfa_code_from_stdin_for_credential_process_and_export(rc, aws):
    rc.add_gateway(mfa=True)
    rc.add_role("prod")
    r = run(rc, ["credential-process", "prod", "--mfa-code", "-"], "123456\n")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["Version"] == 1
    rc.cli("session", "forget", "--role", "prod")
    r = run(rc, ["export", "prod", "--mfa-code", "-"], "123456\n")
    assert r.returncode == 0, r.stderr
    assert "export AWS_SESSION_TOKEN=" in r.stdout
    assert len(assume_calls(aws)) == 2


def test_mfa_code_from_stdin_for_exec_leaves_the_rest_of_stdin_to_the_command(rc, aws):
    rc.add_gateway(mfa=True)
    rc.add_role("prod")
    child = "import os, sys; print(sys.stdin.read().strip()); print(bool(os.environ.get('AWS_SESSION_TOKEN')))"
    r = run(rc, ["exec", "prod", "--mfa-code", "-", "--", sys.executable, "-c", child], "123456\nfor the command\n")
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines() == ["for the command", "True"]


def test_mfa_code_from_empty_stdin_says_what_is_missing(rc, aws):
    rc.add_gateway(mfa=True)
    rc.add_role("prod")
    r = run(rc, ["login", "prod", "--mfa-code", "-"], "")
    assert r.returncode == 1 and r.stdout == ""
    assert "standard input" in r.stderr and "had none" in r.stderr, r.stderr
    r = run(rc, ["credential-process", "prod", "--mfa-code", "-"], "not a code\n")
    assert r.returncode == 1 and r.stdout == ""
    assert "6 digits" in r.stderr, r.stderr
    assert assume_calls(aws) == []
