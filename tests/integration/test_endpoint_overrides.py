"""Endpoint overrides (issue 25, point 2): the calls they redirect carry secrets (the
gateway-signed AssumeRole with its MFA code, the Identity Center bearer and refresh tokens
and client secret, the temporary credentials of a sign-in), so only the service-specific
variables count, never the generic AWS_ENDPOINT_URL; AWS_IGNORE_CONFIGURED_ENDPOINT_URLS
turns them all off; plain http is refused unless to loopback, before any connection; doctor
and host.info list those in force. Against the real host and CLI.

Where a call goes is seen, not guessed: a `Recorder` on loopback notes every connection made
to it. Pointed at by AWS_ENDPOINT_URL it must see none; as HTTPS_PROXY it sees the CONNECT of
a call that went to AWS's own endpoint (and refuses it, so nothing leaves this machine)."""

import socket
import threading

import pytest

from test_sso import sign_in

SPECIFIC = (
    "AWS_ENDPOINT_URL_STS",
    "AWS_ENDPOINT_URL_SSO_OIDC",
    "AWS_ENDPOINT_URL_SSO",
    "AWS_ENDPOINT_URL_ORGANIZATIONS",
    "ROLECALL_SIGNIN_URL",
    "ROLECALL_CONSOLE_URL",
)
# Every connection not to this machine goes through the proxy (the stack stays direct).
LOCAL = "127.0.0.1,localhost,::1"


class Recorder:
    """A loopback listener that records the first line of each connection (`POST / HTTP/1.1`,
    `CONNECT sts.us-east-1.amazonaws.com:443 HTTP/1.1`) and answers 502."""

    def __enter__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self.lines = []
        threading.Thread(target=self._serve, daemon=True).start()
        return self

    def _serve(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with conn:
                conn.settimeout(5)
                data = b""
                try:
                    while b"\r\n" not in data and len(data) < 8192:
                        chunk = conn.recv(4096)
                        if not chunk:
                            break
                        data += chunk
                    conn.sendall(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
                except OSError:
                    pass
                self.lines.append(data.split(b"\r\n", 1)[0].decode(errors="replace"))

    def connects(self):
        return sorted({l.split()[1] for l in self.lines if l.startswith("CONNECT ")})

    def __exit__(self, *exc):
        self.sock.close()


def proxied(env, proxy):
    env = {k: v for k, v in env.items() if k.lower() not in ("http_proxy", "https_proxy", "all_proxy", "no_proxy")}
    return dict(env, HTTPS_PROXY=proxy.url, HTTP_PROXY=proxy.url, NO_PROXY=LOCAL)


def setup_roles(rc):
    rc.add_gateway()
    rc.add_role("prod")
    rc.add_sso()
    rc.add_sso_role("sso-admin")


def discover(rc, env):
    return rc.cli("role", "discover", "--gateway", "corp", "--role-name", "OrganizationAccountAccessRole", "--dry-run", env=env)


def test_the_generic_endpoint_url_is_never_contacted_while_the_service_specific_ones_work(rc, aws):
    setup_roles(rc)
    with Recorder() as generic:
        env = dict(rc.env, AWS_ENDPOINT_URL=generic.url)
        h = rc.host(env)
        assert "url" in h.call("console.open", {"role": "prod"})["result"]  # STS, sign-in
        assert sign_in(h, aws)["result"]["authorized"]  # SSO OIDC
        assert "url" in h.call("console.open", {"role": "sso-admin"})["result"]  # portal
        info = h.call("host.info")["result"]
        assert h.close() == 0
        r = discover(rc, env)  # Organizations: moto answers (whatever it says)
        assert "AWS Organizations" in r.stderr + r.stdout and "could not be reached" not in r.stderr, r.stderr
        r = rc.cli("doctor", env=env)
        assert "AWS_ENDPOINT_URL is set and ignored" in r.stdout, r.stdout
    assert generic.lines == []
    assert "AWS_ENDPOINT_URL" not in [o["variable"] for o in info["endpoint_overrides"]]


def test_a_service_without_its_own_override_goes_to_aws_not_to_the_generic_one(rc, aws):
    setup_roles(rc)
    h = rc.host()
    assert sign_in(h, aws)["result"]["authorized"]  # a token in the keyring, for the portal
    assert h.close() == 0
    with Recorder() as generic, Recorder() as proxy:
        env = {k: v for k, v in rc.env.items() if k not in SPECIFIC[:4]}
        env = proxied(dict(env, AWS_ENDPOINT_URL=generic.url), proxy)
        h = rc.host(env)
        for method, params, service in (
            ("console.open", {"role": "prod"}, "sts"),
            ("console.open", {"role": "sso-admin"}, "sso_portal"),
            ("sso.login", {"sso": "acme"}, "sso_oidc"),
        ):
            err = h.call(method, params)["error"]
            assert err["data"] == {"kind": "upstream_unavailable", "service": service}, err
        assert h.close() == 0
        assert discover(rc, env).returncode != 0
    assert generic.lines == []
    assert proxy.connects() == [
        "oidc.eu-west-1.amazonaws.com:443",
        "organizations.us-east-1.amazonaws.com:443",
        "portal.sso.eu-west-1.amazonaws.com:443",
        "sts.us-east-1.amazonaws.com:443",
    ], proxy.lines


HOSTILE = "http://collector.rolecall-test.example:8080/PWNED"


def test_a_non_loopback_http_override_is_refused_naming_the_variable_before_any_connection(rc, aws):
    setup_roles(rc)
    h = rc.host()
    assert sign_in(h, aws)["result"]["authorized"]
    assert h.close() == 0
    assume_calls = len(aws.stats()["sts_calls"])
    with Recorder() as proxy:
        for variable, method, params in (
            ("AWS_ENDPOINT_URL_STS", "console.open", {"role": "prod"}),
            ("ROLECALL_SIGNIN_URL", "console.open", {"role": "prod"}),
            ("ROLECALL_CONSOLE_URL", "console.open", {"role": "prod"}),
            ("AWS_ENDPOINT_URL_SSO_OIDC", "sso.login", {"sso": "acme"}),
            ("AWS_ENDPOINT_URL_SSO", "console.open", {"role": "sso-admin"}),
        ):
            h = rc.host(proxied(dict(rc.env, **{variable: HOSTILE}), proxy))
            err = h.call(method, params)["error"]
            assert err["data"] == {"kind": "endpoint_refused", "variable": variable}, err
            assert variable in err["message"] and "plain http" in err["message"], err
            assert "PWNED" not in err["message"] and "collector" not in err["message"], err
            assert h.call("host.info")["result"]["name"] == "rolecall"  # still serving
            assert h.close() == 0
            assert "PWNED" not in h.stderr
        r = discover(rc, proxied(dict(rc.env, AWS_ENDPOINT_URL_ORGANIZATIONS=HOSTILE), proxy))
        assert r.returncode != 0 and "AWS_ENDPOINT_URL_ORGANIZATIONS is refused" in r.stderr, r.stderr
        assert "PWNED" not in r.stderr + r.stdout
        # Credentials in the URL and URLs of other kinds: refused, never echoed.
        for value, why in (
            ("https://ana:s3cret-PWNED@127.0.0.1:9/", "user name or password"),
            ("http://ana:s3cret-PWNED@127.0.0.1:9/", "user name or password"),
            ("file:///etc/PWNED", "not an http or https URL"),
            ("127.0.0.1:9/PWNED", "not a URL"),
        ):
            h = rc.host(proxied(dict(rc.env, AWS_ENDPOINT_URL_STS=value), proxy))
            err = h.call("console.open", {"role": "prod"})["error"]
            assert err["data"]["kind"] == "endpoint_refused" and why in err["message"], err
            assert "PWNED" not in err["message"], err
            assert h.close() == 0
            assert "PWNED" not in h.stderr
    assert proxy.lines == []
    assert len(aws.stats()["sts_calls"]) == assume_calls, "no STS call was made"


@pytest.mark.parametrize("value", ["true", "TRUE"])
def test_ignore_configured_endpoint_urls_turns_every_override_off(rc, aws, value):
    setup_roles(rc)
    with Recorder() as overrides, Recorder() as proxy:
        env = dict(rc.env, **{v: overrides.url + ("/federation" if v == "ROLECALL_SIGNIN_URL" else "/") for v in SPECIFIC})
        env = proxied(dict(env, AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=value), proxy)
        h = rc.host(env)
        assert h.call("host.info")["result"]["endpoint_overrides"] == []
        err = h.call("console.open", {"role": "prod"})["error"]
        assert err["data"] == {"kind": "upstream_unavailable", "service": "sts"}, err
        err = h.call("sso.login", {"sso": "acme"})["error"]
        assert err["data"] == {"kind": "upstream_unavailable", "service": "sso_oidc"}, err
        assert h.close() == 0
        r = rc.cli("doctor", env=env)
        assert "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true: no endpoint override is in force" in r.stdout, r.stdout
        assert "endpoint override AWS_ENDPOINT_URL" not in r.stdout
        # A refused value is not even read then.
        h = rc.host(dict(env, AWS_ENDPOINT_URL_STS=HOSTILE))
        assert h.call("console.open", {"role": "prod"})["error"]["data"]["kind"] == "upstream_unavailable"
        assert h.close() == 0
    assert overrides.lines == []
    assert "sts.us-east-1.amazonaws.com:443" in proxy.connects()
    assert "oidc.eu-west-1.amazonaws.com:443" in proxy.connects()
    assert "signin.aws.amazon.com:443" in proxy.connects()  # doctor's sign-in check


def test_doctor_and_host_info_list_every_override_in_force(rc, aws):
    in_force = [{"variable": v, "url": rc.env[v]} for v in SPECIFIC if rc.env.get(v)]
    assert len(in_force) == 6
    h = rc.host()
    assert h.call("host.info")["result"]["endpoint_overrides"] == in_force
    assert h.close() == 0
    r = rc.cli("doctor")
    for o in in_force:
        assert f"--    endpoint override {o['variable']}={o['url']}\n" in r.stdout, r.stdout

    env = dict(rc.env, AWS_ENDPOINT_URL_SSO="http://portal.rolecall-test.example/PWNED")
    h = rc.host(env)
    listed = h.call("host.info")["result"]["endpoint_overrides"]
    assert h.close() == 0
    [refused] = [o for o in listed if o["variable"] == "AWS_ENDPOINT_URL_SSO"]
    assert set(refused) == {"variable", "refused"} and "plain http" in refused["refused"], refused
    assert "PWNED" not in str(listed) and "rolecall-test" not in str(listed)
    r = rc.cli("doctor", env=env)
    assert r.returncode == 1
    fail = [l for l in r.stdout.splitlines() if l.startswith("FAIL ")]
    assert any("The endpoint override AWS_ENDPOINT_URL_SSO is refused" in l for l in fail), r.stdout
    assert "PWNED" not in r.stdout
