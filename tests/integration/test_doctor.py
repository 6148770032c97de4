"""`rolecall doctor`: a healthy setup passes; each broken link is named, with its fix, and
the exit status says so."""

import json
import threading
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from host import binary


@pytest.fixture
def setup(rc, tmp_path):
    """A healthy setup: manifest for Firefox in a temp HOME, a gateway with the stack's keys
    and a role, endpoints pointing at the loopback stack."""
    home = tmp_path / "home"
    (home / ".mozilla" / "firefox").mkdir(parents=True)  # Firefox has run here
    env = dict(rc.env, HOME=str(home))
    assert rc.cli("install", "--browser", "firefox", env=env).returncode == 0
    rc.add_gateway()
    rc.add_role("prod", "111111111111", "Admin", "corp", "--region", "eu-west-1")
    return home, env


def doctor(rc, env):
    return rc.cli("doctor", env=env)


def lines(r, status):
    return [l for l in r.stdout.splitlines() if l.startswith(status + " ")]


def test_a_healthy_setup_passes(rc, setup):
    home, env = setup
    r = doctor(rc, env)
    assert r.returncode == 0, r.stdout + r.stderr
    assert lines(r, "FAIL") == []
    ok = "\n".join(lines(r, "OK"))
    assert "Firefox manifest" in ok
    assert "config" in ok
    assert "keyring reachable" in ok
    assert "gateway 'corp' has keys in the keyring" in ok
    assert "gateway 'corp': AWS accepts its keys (arn:aws:iam::123456789012:user/gateway)" in ok
    assert "STS endpoint" in ok and "sign-in endpoint" in ok
    assert "clock agrees with STS" in ok
    # Browsers not set up here are mentioned, not failed.
    assert "Google Chrome" in r.stdout


def test_a_missing_manifest_is_named(rc, setup):
    home, env = setup
    (home / ".mozilla" / "native-messaging-hosts" / "dev.rolecall.host.json").unlink()
    r = doctor(rc, env)
    assert r.returncode == 1
    fail = "\n".join(lines(r, "FAIL"))
    assert "Firefox" in fail and "no rolecall manifest" in fail
    assert "fix: rolecall install --browser firefox" in r.stdout


def test_a_system_wide_manifest_counts_and_one_for_another_binary_is_named(rc, setup, tmp_path):
    home, env = setup
    (home / ".mozilla" / "native-messaging-hosts" / "dev.rolecall.host.json").unlink()
    root = tmp_path / "system-wide"
    env = dict(env, ROLECALL_SYSTEM_ROOT=str(root))
    assert rc.cli("install", "--system", "--browser", "firefox", env=env).returncode == 0
    r = doctor(rc, env)
    assert r.returncode == 0, r.stdout
    system = root / "usr/lib/mozilla/native-messaging-hosts/dev.rolecall.host.json"
    assert f"Firefox manifest {system} (system-wide)" in "\n".join(lines(r, "OK"))

    r = rc.cli("install", "--system", "--browser", "firefox", "--binary", "/opt/old/rolecall", env=env)
    assert r.returncode == 0, r.stderr
    r = doctor(rc, env)
    assert r.returncode == 1
    fail = "\n".join(lines(r, "FAIL"))
    assert f"Firefox system-wide manifest {system}: it starts /opt/old/rolecall" in fail
    assert "fix: rolecall install --user --browser firefox" in r.stdout


def test_no_manifest_anywhere_is_named(rc, setup, tmp_path):
    _, env = setup
    empty = tmp_path / "empty-home"
    empty.mkdir()
    r = doctor(rc, dict(env, HOME=str(empty)))
    assert r.returncode == 1
    assert "no browser has a rolecall manifest" in r.stdout


def test_a_manifest_naming_another_binary_is_named(rc, setup):
    home, env = setup
    path = home / ".mozilla" / "native-messaging-hosts" / "dev.rolecall.host.json"
    m = json.loads(path.read_text())
    m["path"] = "/opt/old/rolecall"
    path.write_text(json.dumps(m))
    r = doctor(rc, env)
    assert r.returncode == 1
    fail = "\n".join(lines(r, "FAIL"))
    assert "/opt/old/rolecall (no such file)" in fail
    assert str(Path(binary()).resolve()) in fail
    assert "fix: rolecall install --browser firefox" in r.stdout


def test_a_wrong_allow_list_is_named(rc, setup):
    home, env = setup
    path = home / ".mozilla" / "native-messaging-hosts" / "dev.rolecall.host.json"
    m = json.loads(path.read_text())
    m["allowed_extensions"] = ["evil@example.com"]
    path.write_text(json.dumps(m))
    r = doctor(rc, env)
    assert r.returncode == 1
    assert "allow-list" in "\n".join(lines(r, "FAIL"))


def test_missing_keys_are_named(rc, setup):
    _, env = setup
    # A gateway in the config whose keys never reached the keyring.
    path = rc.config_dir / "config.toml"
    path.write_text(path.read_text() + '\n[[gateway]]\nname = "nokeys"\n')
    r = doctor(rc, env)
    assert r.returncode == 1
    fail = "\n".join(lines(r, "FAIL"))
    assert "gateway 'nokeys' has no keys in the keyring" in fail
    assert "fix: rolecall gateway add nokeys --access-key-id <ID>" in r.stdout
    assert "gateway 'corp' has keys" in r.stdout  # the others are still checked


def test_keys_aws_refuses_are_named(rc, setup, aws):
    _, env = setup
    rc.add_gateway("stale", keys=(aws.gateway_keys[0], "not-the-secret-0123456789abcdef"))
    r = doctor(rc, env)
    assert r.returncode == 1
    fail = "\n".join(lines(r, "FAIL"))
    assert "gateway 'stale'" in fail and "does not accept the keys" in fail


def test_an_unreachable_keyring_is_named(rc, setup):
    _, env = setup
    no_bus = dict(env, DBUS_SESSION_BUS_ADDRESS="unix:path=/nonexistent")
    no_bus.pop("DISPLAY", None)
    r = doctor(rc, no_bus)
    assert r.returncode == 1
    fail = "\n".join(lines(r, "FAIL"))
    assert "keyring cannot be reached" in fail
    assert "not checked, the keyring is unreachable" in r.stdout


def test_an_unreachable_sts_is_named(rc, setup):
    _, env = setup
    r = doctor(rc, dict(env, AWS_ENDPOINT_URL_STS="http://127.0.0.1:9"))
    assert r.returncode == 1
    fail = "\n".join(lines(r, "FAIL"))
    assert "STS endpoint http://127.0.0.1:9" in fail
    assert "AWS_ENDPOINT_URL_STS" in r.stdout


class SkewedSts(BaseHTTPRequestHandler):
    """Answers like STS would to an unsigned call, but with a clock 10 minutes fast."""

    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", "0")))
        body = b"<ErrorResponse><Error><Code>MissingAuthenticationToken</Code></Error></ErrorResponse>"
        self.send_response_only(403)
        import time

        self.send_header("Date", formatdate(time.time() + 600, usegmt=True))
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *a):
        pass


def test_a_skewed_clock_is_named(rc, setup):
    _, env = setup
    server = ThreadingHTTPServer(("127.0.0.1", 0), SkewedSts)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}"
        r = doctor(rc, dict(env, AWS_ENDPOINT_URL_STS=url))
    finally:
        server.shutdown()
    assert r.returncode == 1
    fail = "\n".join(lines(r, "FAIL"))
    assert "clock is" in fail and "behind STS" in fail, r.stdout
    assert "timedatectl set-ntp true" in r.stdout


def test_network_checks_run_over_real_tls_and_trust_the_click_paths_roots(rc, setup, aws, tmp_path):
    """Issue 17: doctor built its own HTTPS client with no roots, so every HTTPS check failed
    with UnknownIssuer while `login` worked. STS (moto) and the sign-in fake behind real TLS
    endpoints of a throwaway CA: trusted through SSL_CERT_FILE every network check passes,
    the signed GetCallerIdentity included; with the system's bundle alone each fails on the
    certificate, exactly as a click would."""
    from tls import HttpsProxy

    _, env = setup
    for d in ("sts", "signin"):
        (tmp_path / d).mkdir()
    sts = HttpsProxy(aws.moto_url, tmp_path / "sts")
    signin = HttpsProxy(aws.urls["signin"].rsplit("/federation", 1)[0], tmp_path / "signin")
    try:
        tls_env = dict(
            env,
            AWS_ENDPOINT_URL_STS=sts.url,
            ROLECALL_SIGNIN_URL=signin.url + "/federation",
        )
        # One bundle trusting both throwaway CAs (SSL_CERT_FILE names one file).
        bundle = tmp_path / "both.pem"
        bundle.write_bytes(sts.paths["ca"].read_bytes() + signin.paths["ca"].read_bytes())

        r = doctor(rc, dict(tls_env, SSL_CERT_FILE=str(bundle)))
        assert r.returncode == 0, r.stdout + r.stderr
        ok = "\n".join(lines(r, "OK"))
        assert f"STS endpoint {sts.url} answers" in ok, r.stdout
        assert f"sign-in endpoint {signin.url}/federation answers" in ok, r.stdout
        assert "clock agrees with STS" in ok
        assert "gateway 'corp': AWS accepts its keys (arn:aws:iam::123456789012:user/gateway)" in ok

        r = doctor(rc, tls_env)  # the system's roots only
        assert r.returncode == 1
        fail = "\n".join(lines(r, "FAIL"))
        assert f"STS endpoint {sts.url}" in fail and "UnknownIssuer" in fail, r.stdout
        assert f"sign-in endpoint {signin.url}/federation" in fail, r.stdout
        assert "gateway 'corp'" in fail and "certificate" in fail.lower(), r.stdout
        # The same endpoints fail the same way for a click: doctor tells the truth.
        h = rc.host(tls_env)
        err = h.call("console.open", {"role": "prod"})["error"]
        assert err["data"]["kind"] == "upstream_unavailable", err
        assert h.close() == 0
    finally:
        sts.close()
        signin.close()


def test_an_unreadable_ca_bundle_is_named_once_with_its_fix(rc, setup, tmp_path):
    _, env = setup
    r = doctor(rc, dict(env, SSL_CERT_FILE=str(tmp_path / "missing.pem")))
    assert r.returncode == 1
    fail = lines(r, "FAIL")
    tls = [l for l in fail if "cannot set up TLS" in l]
    assert len(tls) == 1, r.stdout
    assert "missing.pem" in tls[0] and "SSL_CERT_FILE" in tls[0], r.stdout
    assert "ca-certificates" in r.stdout


def test_a_click_with_an_unreadable_ca_bundle_says_why(rc, tmp_path):
    rc.add_gateway()
    rc.add_role("prod")
    h = rc.host(dict(rc.env, SSL_CERT_FILE=str(tmp_path / "missing.pem")))
    err = h.call("console.open", {"role": "prod"})["error"]
    assert err["data"] == {"kind": "tls_setup_failed"}, err
    assert "missing.pem" in err["message"] and "SSL_CERT_FILE" in err["message"], err
    # The host keeps serving.
    assert h.call("host.info")["result"]["name"] == "rolecall"
    assert h.close() == 0


def test_each_sso_source_is_checked(rc, setup, aws):
    _, env = setup
    rc.add_sso()
    r = doctor(rc, env)
    warn = "\n".join(lines(r, "WARN"))
    assert "SSO source 'acme': not signed in" in warn, r.stdout
    assert "fix: rolecall sso login acme" in r.stdout
    assert f"SSO source 'acme': portal {aws.urls['sso']} answers (HTTP 401" in r.stdout
    h = rc.host(env)
    login = h.call("sso.login", {"sso": "acme"})["result"]
    aws.sso("approve", {"user_code": login["user_code"]})
    assert h.call("sso.wait", {"sso": "acme"})["result"]["authorized"]
    assert h.close() == 0
    r = doctor(rc, env)
    assert "SSO source 'acme': signed in, token valid for" in r.stdout and "(refreshable)" in r.stdout
    r = doctor(rc, dict(env, AWS_ENDPOINT_URL_SSO="http://127.0.0.1:9"))
    assert r.returncode == 1
    assert "SSO source 'acme': portal http://127.0.0.1:9" in "\n".join(lines(r, "FAIL"))


LOCKED_KEYRING_DOCTOR = r"""
set -e
printf pw | gnome-keyring-daemon --unlock --components=secrets >/dev/null
printf '%s' "$SECRET" | "$ROLECALL_BIN" gateway add corp --access-key-id "$KEY_ID" >/dev/null
dbus-send --session --print-reply --dest=org.freedesktop.secrets /org/freedesktop/secrets \
  org.freedesktop.Secret.Service.Lock array:objpath:/org/freedesktop/secrets/collection/login >/dev/null
"$ROLECALL_BIN" doctor
"""


def test_a_locked_keyring_is_not_called_reachable_above_a_failing_key_check(rc, aws, tmp_path):
    """Issue 27: a locked keyring answers the probe (a search finds nothing either way), so
    doctor said "OS keyring reachable" right above "gateway 'corp' keys: … locked". The
    keyring's line now waits for the key reads, in a D-Bus session of its own."""
    import subprocess

    home = tmp_path / "home"
    home.mkdir()
    env = dict(rc.env, HOME=str(home), ROLECALL_BIN=binary(), KEY_ID=aws.gateway_keys[0], SECRET=aws.gateway_keys[1])
    env.pop("DISPLAY", None)
    r = subprocess.run(
        ["dbus-run-session", "--", "sh", "-c", LOCKED_KEYRING_DOCTOR], env=env, capture_output=True, text=True, timeout=60
    )
    rc.outputs.append(r.stdout + r.stderr)
    assert r.returncode == 1, r.stdout + r.stderr
    assert "keyring reachable" not in r.stdout, r.stdout
    fail = "\n".join(lines(r, "FAIL"))
    assert "answers (service" in fail and "cannot read the gateways' keys" in fail and "locked" in fail, r.stdout
    assert "config " in r.stdout and "(1 gateway, 0 roles)" in r.stdout, r.stdout
