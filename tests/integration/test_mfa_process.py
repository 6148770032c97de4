"""Issue 26, point 5: a gateway's `mfa_process`, a command that prints the MFA device's
current code (as `ykman oath accounts code -s NAME` does), run by the real binary when an open
needs a code and none was given. Small shell scripts stand in for ykman: one prints a code,
one garbage, one outlives its timeout, one fails; STS (moto behind the recording proxy)
says whether a code reached it. The code never reaches a log or an answer."""

import json
import os
import stat
import subprocess
import time

from conftest import MFA_SERIAL
from host import binary

CODE = "918273"  # what the script prints; never in a log, an error or an answer


def script(tmp_path, name, body):
    """An executable script that counts its runs in <name>.runs beside it."""
    path = tmp_path / f"{name}.sh"
    runs = tmp_path / f"{name}.runs"
    path.write_text(f"#!/bin/sh\necho run >> '{runs}'\n{body}\n")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return path


def runs(path):
    counter = path.with_suffix(".runs")
    return len(counter.read_text().splitlines()) if counter.exists() else 0


def set_process(rc, path, *extra, gateway="corp"):
    r = rc.cli("gateway", "set", gateway, *extra, "--mfa-process", "--", str(path))
    assert r.returncode == 0, r.stderr
    return r


def sts(aws, action="AssumeRole"):
    return [c for c in aws.stats()["sts_calls"] if c["action"] == action]


def test_the_code_comes_from_the_command_and_the_console_opens_without_a_prompt(rc, aws, tmp_path):
    ok = script(tmp_path, "ykman", f"echo '{CODE}'")
    rc.add_gateway(mfa=True)
    rc.add_role("prod")
    r = set_process(rc, ok, "--mfa-process-timeout", "10")
    assert "runs `" in r.stdout and str(ok) in r.stdout, r.stdout
    # Stored as the words of a command, never a shell line.
    assert f'mfa_process = ["{ok}"]' in rc.config_text()
    assert "mfa_process_timeout_seconds = 10" in rc.config_text()
    h = rc.host()
    listed = h.call("roles.list")["result"]["roles"][0]
    assert listed["mfa_process"] is True and listed["needs_code"] is True
    # console.prepare never runs it: a key must not blink for a role nobody clicked.
    assert h.call("console.prepare", {"roles": ["prod"]})["result"]["prepared"] == []
    assert runs(ok) == 0 and sts(aws) == []

    res = h.call("console.open", {"role": "prod"})
    assert "result" in res, res
    assert runs(ok) == 1
    [call] = sts(aws)
    assert call["serial_number"] == MFA_SERIAL and call["token_code_given"], call
    # A code the user gives wins: the command is not run for it.
    h.call("session.forget", {"role": "prod"})
    assert "result" in h.call("console.open", {"role": "prod", "mfa_code": "123456"})
    assert runs(ok) == 1 and len(sts(aws)) == 2
    assert h.close() == 0
    assert CODE not in h.stderr and "running the MFA command of gateway corp" in h.stderr


def test_daily_mode_runs_the_command_once_for_every_role(rc, aws, tmp_path):
    ok = script(tmp_path, "ykman", f"echo '{CODE}'")
    rc.add_gateway(mfa=True, mfa_mode=None)  # a new gateway with a device: daily
    assert 'mfa_mode = "daily"' in rc.config_text()
    for i, account in enumerate(["111111111111", "222222222222"]):
        rc.add_role(f"r{i}", account)
    set_process(rc, ok)
    h = rc.host()
    for role in ("r0", "r1"):
        assert "result" in h.call("console.open", {"role": role}), role
    assert runs(ok) == 1
    [gst] = sts(aws, "GetSessionToken")
    assert gst["token_code_given"] and gst["serial_number"] == MFA_SERIAL
    assert not any(c["token_code_given"] for c in sts(aws))
    listed = {r["id"]: r for r in h.call("roles.list")["result"]["roles"]}
    ends = listed["r0"]["session"]["mfa_session_expires_at"]
    assert ends > listed["r0"]["session"]["console_expires_at"], listed["r0"]["session"]
    assert h.close() == 0


def failures(tmp_path):
    """Each broken command, and what the answer must say of it."""
    return [
        ("garbage", script(tmp_path, "garbage", f"echo 'your code is {CODE}'"), "instead of the 6 digits"),
        (
            "fails",
            script(tmp_path, "fails", f"echo 'No YubiKey found\x1b[2K (code {CODE})' >&2; exit 1"),
            "exited with status 1: No YubiKey found\\u{1b}[2K (code ******)",
        ),
        ("sleeps", script(tmp_path, "sleeps", "echo 'Touch your YubiKey...' >&2; exec sleep 30"), "gave no code within 1 s"),
        ("missing", tmp_path / "no-such-ykman", "was not found"),
        ("rejected", script(tmp_path, "rejected", "echo 000000"), "AWS rejected the code it printed"),
    ]


def test_a_failing_command_falls_back_to_the_prompt_saying_why(rc, aws, tmp_path):
    rc.add_gateway(mfa=True)
    rc.add_role("prod")
    h = rc.host()
    for name, path, why in failures(tmp_path):
        set_process(rc, path, "--mfa-process-timeout", "1")
        before = len(sts(aws))
        started = time.monotonic()
        err = h.call("console.open", {"role": "prod"})["error"]
        assert time.monotonic() - started < 5, f"{name}: the open waited past the timeout"
        assert err["data"]["kind"] == "mfa_required", (name, err)
        assert err["data"]["gateway"] == "corp" and err["data"]["mfa_mode"] == "per_role"
        reason = err["data"]["mfa_process_error"]
        assert why in reason, (name, reason)
        assert why in err["message"] and err["message"].startswith("Enter the MFA code for gateway 'corp'")
        # Never the code, and nothing raw from the command's output.
        assert CODE not in json.dumps(err) and "\x1b" not in json.dumps(err), err
        if name != "missing":
            assert runs(path) == 1, name
        # Only the rejected code reached STS.
        assert len(sts(aws)) - before == (1 if name == "rejected" else 0), (name, aws.stats()["sts_calls"])
        # The prompt's code then opens the role.
        res = h.call("console.open", {"role": "prod", "mfa_code": "123456"})
        assert "result" in res, res
        h.call("session.forget", {"role": "prod"})
    assert h.close() == 0
    assert CODE not in h.stderr
    assert "the MFA command of gateway corp gave no code: it exited with status 1" in h.stderr


def cli(rc, *args, input=None):
    """The CLI with no terminal (a pipe for stdin): as a script or the AWS CLI runs it."""
    r = subprocess.run(
        [binary(), *args], env=rc.env, capture_output=True, text=True, timeout=60, input=input or "",
        start_new_session=True,  # no controlling terminal: /dev/tty cannot be opened
    )
    rc.outputs.append(r.stderr)
    return r


def test_the_cli_sets_clears_and_uses_the_command(rc, aws, tmp_path):
    ok = script(tmp_path, "ykman", f"echo '{CODE}'")
    rc.add_gateway(mfa=True)
    rc.add_role("prod")
    # The command comes after `--`, word by word: no shell reads it.
    r = rc.cli("gateway", "set", "corp", "--mfa-process")
    assert r.returncode != 0 and "after `--`" in r.stderr, r.stderr
    r = rc.cli("gateway", "set", "corp", "--", str(ok))
    assert r.returncode != 0 and "--mfa-process" in r.stderr, r.stderr
    r = rc.cli("gateway", "set", "corp", "--mfa-process", "--mfa-process-timeout", "500", "--", str(ok))
    assert r.returncode != 0 and "1..40" in r.stderr, r.stderr
    assert "mfa_process" not in rc.config_text()
    r = rc.cli("gateway", "set", "corp", "--mfa-process", "--", str(ok), "a b", "$HOME", "*")
    assert r.returncode == 0, r.stderr
    listed = json.loads(rc.cli("gateway", "list", "--json").stdout)[0]
    assert listed["mfa_process"] == [str(ok), "a b", "$HOME", "*"]
    assert f"mfa_process: {ok} 'a b' $HOME *" in rc.cli("gateway", "list").stdout

    # login and credential-process get their code from it, with no terminal to ask on.
    r = cli(rc, "login", "prod")
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith(aws.urls["signin"])
    rc.outputs.append(r.stdout.split("SigninToken=")[0])
    assert runs(ok) == 1 and sts(aws)[-1]["token_code_given"]
    cli(rc, "session", "forget")
    r = cli(rc, "credential-process", "prod")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["Version"] == 1
    assert runs(ok) == 2 and len(sts(aws)) == 2 and sts(aws)[-1]["token_code_given"]
    assert CODE not in r.stderr

    # A failing command: the CLI says why, then what it needs (no terminal to ask on).
    bad = script(tmp_path, "fails", "echo 'No YubiKey found' >&2; exit 1")
    assert rc.cli("gateway", "set", "corp", "--mfa-process", "--", str(bad)).returncode == 0
    cli(rc, "session", "forget")
    r = cli(rc, "export", "prod")
    assert r.returncode == 1 and r.stdout == ""
    assert "its MFA command gave no code" not in r.stdout
    assert "the MFA command of gateway 'corp' gave no code: it exited with status 1: No YubiKey found" in r.stderr, r.stderr
    # --mfa-code still wins, and --no-mfa-process clears the command.
    r = cli(rc, "export", "prod", "--mfa-code", "-", input="123456\n")
    assert r.returncode == 0, r.stderr
    assert runs(bad) == 1
    r = rc.cli("gateway", "set", "corp", "--no-mfa-process")
    assert r.returncode == 0 and "mfa_process" not in rc.config_text()


def test_doctor_checks_the_command_and_runs_it_only_when_asked(rc, aws, tmp_path):
    ok = script(tmp_path, "ykman", f"echo '{CODE}'")
    rc.add_gateway(mfa=True)
    rc.add_role("prod")
    set_process(rc, ok)
    r = rc.cli("doctor")
    line = next(l for l in r.stdout.splitlines() if "MFA command" in l)
    assert line.startswith("OK") and "not run" in line and str(ok) in line, line
    assert runs(ok) == 0
    r = rc.cli("doctor", "--run-mfa-process")
    line = next(l for l in r.stdout.splitlines() if "MFA command" in l)
    assert line.startswith("OK") and "gave a 6-digit code" in line, line
    assert runs(ok) == 1 and CODE not in r.stdout + r.stderr
    os.chmod(ok, 0o644)
    r = rc.cli("doctor")
    line = next(l for l in r.stdout.splitlines() if "MFA command" in l)
    assert line.startswith("FAIL") and "not an executable file" in line, line
    assert r.returncode == 1


def test_the_protocol_cannot_name_a_command(rc, aws, tmp_path):
    """Only the CLI and the config file set mfa_process: no method takes one (a compromised
    extension must not make the host run a program)."""
    rc.add_gateway(mfa=True)
    rc.add_role("prod")
    h = rc.host()
    for method, params in (
        ("console.open", {"role": "prod", "mfa_process": ["/bin/sh", "-c", "touch /tmp/pwned"]}),
        ("console.prepare", {"roles": ["prod"], "mfa_process": ["/bin/true"]}),
    ):
        err = h.call(method, params)["error"]
        assert err["data"]["kind"] == "invalid_params", err
    assert "mfa_process" not in rc.config_text()
    assert h.close() == 0
