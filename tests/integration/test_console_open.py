"""console.open end to end: real binary, real aws-sdk-sts against moto, the federation fake."""

import datetime as dt
import time
import urllib.error
import urllib.parse
import urllib.request

from conftest import MFA_SERIAL
from stack import Blackhole


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *a, **k):
        return None


def follow_login(url, console_base):
    """Does what the browser does with the URL: sign in, then load the destination with
    the session cookie. Returns the identity the console shows."""
    opener = urllib.request.build_opener(NoRedirect)
    try:
        opener.open(url)
        raise AssertionError("login did not redirect")
    except urllib.error.HTTPError as e:
        assert e.code == 302
        location = e.headers["Location"]
        cookie = e.headers["Set-Cookie"].split(";")[0]
    assert location.startswith(console_base)
    req = urllib.request.Request(location, headers={"Cookie": cookie})
    page = urllib.request.urlopen(req).read().decode()
    return location, page.split('<main id="identity">')[1].split("</main>")[0]


def query(url):
    return dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(url).query))


def test_open_returns_a_working_sign_in_url(rc, aws):
    rc.add_gateway()
    rc.add_role("prod", "111111111111", "Admin", "corp", "--label", "Production", "--risk", "production", "--region", "eu-west-1")
    h = rc.host()
    r = h.call("console.open", {"role": "prod"})
    res = r["result"]
    assert res["role"] == "prod" and res["account_id"] == "111111111111"
    assert res["container"] == {"name": "Production", "color": "red", "icon": "briefcase"}
    assert res["cached"] is False

    url = res["url"]
    assert url.startswith(aws.urls["signin"] + "?Action=login&")
    q = query(url)
    assert q["Issuer"] == "rolecall"
    assert q["Destination"] == aws.urls["console"] + "console/home?region=eu-west-1"

    stats = aws.stats()
    # The token is one the fake issued, for credentials moto issued for this role.
    token = next(t for t in stats["tokens"] if t["token"] == q["SigninToken"])
    assert token["access_key_id"] in stats["issued_access_key_ids"]
    assert token["access_key_id"].startswith("ASIA")
    assert token["arn"].startswith("arn:aws:sts::111111111111:assumed-role/Admin/")
    assert token["session_duration"] == 43200  # a 12-hour console
    [call] = stats["sts_calls"]
    assert call["action"] == "AssumeRole"
    assert call["role_arn"] == "arn:aws:iam::111111111111:role/Admin"
    assert call["duration_seconds"] == "43200"  # credentials as long as the console
    assert call["serial_number"] is None

    expires = dt.datetime.fromisoformat(res["console_expires_at"].replace("Z", "+00:00"))
    hours = (expires - dt.datetime.now(dt.timezone.utc)).total_seconds() / 3600
    assert 11.9 < hours <= 12.0

    location, identity = follow_login(url, aws.urls["console"])
    assert identity == token["arn"]
    assert h.close() == 0


def test_second_open_of_a_role_makes_no_sts_call_even_in_a_new_process(rc, aws):
    rc.add_gateway()
    rc.add_role("prod")
    h = rc.host()
    first = h.call("console.open", {"role": "prod"})["result"]
    second = h.call("console.open", {"role": "prod"})["result"]
    assert h.close() == 0
    assert (first["cached"], second["cached"]) == (False, True)
    # A fresh process finds the session in the keyring.
    h2 = rc.host()
    third = h2.call("console.open", {"role": "prod"})["result"]
    assert third["cached"] is True
    assert h2.close() == 0

    stats = aws.stats()
    assert stats["sts_requests"] == {"AssumeRole": 1}
    assert stats["signin_requests"]["getSigninToken"] == 3
    assert len({t["access_key_id"] for t in stats["tokens"]}) == 1
    # Each open minted its own sign-in token: tokens are never cached.
    assert len({query(r["url"])["SigninToken"] for r in (first, second, third)}) == 3


def test_session_forget_drops_the_cache(rc, aws):
    rc.add_gateway()
    rc.add_role("a")
    rc.add_role("b", "222222222222")
    h = rc.host()
    for role in ("a", "b"):
        assert "result" in h.call("console.open", {"role": role})
    assert h.call("session.forget", {"role": "a"})["result"] == {"forgotten": 1}
    assert h.call("session.forget", {"role": "a"})["result"] == {"forgotten": 0}
    assert h.call("console.open", {"role": "a"})["result"]["cached"] is False
    assert h.call("console.open", {"role": "b"})["result"]["cached"] is True
    assert h.call("session.forget", {"gateway": "corp"})["result"] == {"forgotten": 2}
    r = h.call("session.forget", {"role": "nope"})
    assert r["error"]["data"]["kind"] == "unknown_role"
    assert h.close() == 0
    assert aws.stats()["sts_requests"]["AssumeRole"] == 3


def test_two_roles_get_two_identities(rc, aws):
    rc.add_gateway()
    rc.add_role("a", "111111111111", "Admin")
    rc.add_role("b", "222222222222", "ReadOnly")
    h = rc.host()
    ids = []
    for role in ("a", "b"):
        url = h.call("console.open", {"role": role})["result"]["url"]
        ids.append(follow_login(url, aws.urls["console"])[1])
    assert ids[0].startswith("arn:aws:sts::111111111111:assumed-role/Admin/")
    assert ids[1].startswith("arn:aws:sts::222222222222:assumed-role/ReadOnly/")
    assert h.close() == 0


def test_mfa_required_then_given_then_rejected(rc, aws):
    rc.add_gateway(mfa=True)
    rc.add_role("prod")
    h = rc.host()
    r = h.call("console.open", {"role": "prod"})
    err = r["error"]
    assert err["code"] == 1002
    assert err["data"] == {"kind": "mfa_required", "gateway": "corp", "mfa_serial": MFA_SERIAL, "mfa_mode": "per_role"}
    assert "MFA" in err["message"]
    assert aws.stats()["sts_requests"] == {}  # asked before any STS call

    r = h.call("console.open", {"role": "prod", "mfa_code": "12345"})
    assert r["error"]["data"]["kind"] == "invalid_params"

    r = h.call("console.open", {"role": "prod", "mfa_code": "000000"})
    assert r["error"]["data"]["kind"] == "mfa_invalid"
    assert "rejected" in r["error"]["message"]

    r = h.call("console.open", {"role": "prod", "mfa_code": "123456"})
    assert "url" in r["result"]
    calls = aws.stats()["sts_calls"]
    assert calls[-1]["serial_number"] == MFA_SERIAL and calls[-1]["token_code_given"]
    # With credentials cached, the next open needs no code.
    assert h.call("console.open", {"role": "prod"})["result"]["cached"] is True
    assert h.close() == 0


def test_sts_access_denied_is_reported(rc, aws):
    rc.add_gateway()
    rc.add_role("denied", "333333333333", "DeniedRole")
    h = rc.host()
    err = h.call("console.open", {"role": "denied"})["error"]
    assert err["code"] == 1004
    assert err["data"] == {"kind": "access_denied", "role_arn": "arn:aws:iam::333333333333:role/DeniedRole"}
    assert "not authorized" in err["message"]
    # Still serving.
    assert h.call("host.info")["result"]["name"] == "rolecall"
    assert h.close() == 0


def test_wrong_gateway_keys_are_credentials_invalid(rc, aws):
    rc.add_gateway(keys=(aws.gateway_keys[0], "x" * 40))
    rc.add_role("prod")
    err = rc.host().call("console.open", {"role": "prod"})["error"]
    assert err["data"]["kind"] == "credentials_invalid"
    assert err["data"]["aws_code"] == "SignatureDoesNotMatch"
    assert "rolecall gateway add corp" in err["message"]


def test_missing_keys_are_credentials_missing(rc, aws):
    rc.add_gateway()
    # A gateway written into the config by hand, whose keys were never stored.
    (rc.config_dir / "config.toml").write_text(
        rc.config_text()
        + '\n[[gateway]]\nname = "other"\n\n[[role]]\nid = "o"\naccount_id = "111111111111"\nrole_name = "Admin"\ngateway = "other"\n'
    )
    err = rc.host().call("console.open", {"role": "o"})["error"]
    assert (err["code"], err["data"]) == (1005, {"kind": "credentials_missing", "gateway": "other"})
    assert "rolecall gateway add other" in err["message"]


def test_missing_keys_are_reported_before_the_mfa_prompt(rc, aws):
    """Issue 11, item 10: an MFA gateway without keys answers credentials_missing at once, not
    mfa_required (which would have the user read and type a code first, for nothing)."""
    rc.add_gateway()
    (rc.config_dir / "config.toml").write_text(
        rc.config_text()
        + f'\n[[gateway]]\nname = "other"\nmfa_serial = "{MFA_SERIAL}"\n\n'
        + '[[role]]\nid = "o"\naccount_id = "111111111111"\nrole_name = "Admin"\ngateway = "other"\n'
    )
    h = rc.host()
    err = h.call("console.open", {"role": "o"})["error"]
    assert (err["code"], err["data"]) == (1005, {"kind": "credentials_missing", "gateway": "other"})
    assert aws.stats()["sts_requests"] == {}
    assert h.close() == 0


def test_unknown_role_and_refused_destinations(rc, aws):
    rc.add_gateway()
    rc.add_role("prod")
    h = rc.host()
    err = h.call("console.open", {"role": "ghost"})["error"]
    assert (err["code"], err["data"]) == (1001, {"kind": "unknown_role", "role": "ghost"})
    for bad in ["https://evil.example/", "https://console.aws.amazon.com/", "//evil.example/x", "ec2"]:
        err = h.call("console.open", {"role": "prod", "destination": bad})["error"]
        assert err["data"]["kind"] == "invalid_destination", bad
        assert err["data"]["destination"] == bad
    err = h.call("console.open", {"role": "prod", "region": "evil.com/x"})["error"]
    assert err["data"]["kind"] == "invalid_params"
    err = h.call("console.open", {"role": "prod", "region": "cn-north-1"})["error"]
    assert "partition" in err["message"]
    assert aws.stats()["sts_requests"] == {}  # all refused before any network call
    ok = h.call("console.open", {"role": "prod", "destination": "/ec2/home?region=us-east-1#Instances:", "region": "eu-central-1"})
    assert query(ok["result"]["url"])["Destination"] == aws.urls["console"] + "ec2/home?region=us-east-1#Instances:"
    assert h.close() == 0


def test_unreachable_sign_in_endpoint_is_answered_in_bounded_time(rc, aws):
    rc.add_gateway()
    rc.add_role("prod")
    (rc.config_dir / "config.toml").write_text("[settings]\ntimeout_seconds = 2\n\n" + rc.config_text())
    with Blackhole() as hole:
        h = rc.host(dict(rc.env, ROLECALL_SIGNIN_URL=hole.url + "/federation"))
        t0 = time.monotonic()
        err = h.call("console.open", {"role": "prod"})["error"]
        elapsed = time.monotonic() - t0
    assert err["data"] == {"kind": "upstream_unavailable", "service": "signin"}
    assert "Could not reach" in err["message"]
    assert elapsed < 6, elapsed
    assert h.close() == 0


def test_closed_sts_port_is_upstream_unavailable(rc, aws):
    from stack import free_port

    rc.add_gateway()
    rc.add_role("prod")
    h = rc.host(dict(rc.env, AWS_ENDPOINT_URL_STS=f"http://127.0.0.1:{free_port()}"))
    err = h.call("console.open", {"role": "prod"})["error"]
    assert err["data"]["kind"] == "upstream_unavailable" and err["data"]["service"] == "sts"
    assert h.close() == 0


def test_cli_login_prints_the_url(rc, aws):
    rc.add_gateway()
    rc.add_role("prod")
    r = rc.cli("login", "prod", "--destination", "/s3/home")
    assert r.returncode == 0, r.stderr
    url = r.stdout.strip()
    assert query(url)["Destination"] == aws.urls["console"] + "s3/home"
    rc.outputs.pop()  # this output is the URL itself, by request
    r = rc.cli("login", "ghost")
    assert r.returncode == 1 and "No role 'ghost'" in r.stderr


def test_cli_login_leaves_its_session_for_the_next_login(rc, aws):
    rc.add_gateway()
    rc.add_role("prod")
    for _ in range(2):
        r = rc.cli("login", "prod")
        assert r.returncode == 0, r.stderr
        rc.outputs.pop()  # the URL itself, by request
    # The first process wrote its credentials to the keyring before exiting.
    assert aws.stats()["sts_requests"] == {"AssumeRole": 1}


def test_the_sign_in_call_runs_over_real_tls_and_trusts_only_configured_roots(rc, aws, tmp_path):
    """A real TLS endpoint (a throwaway CA) in front of the federation fake. Trusted through
    SSL_CERT_FILE the open works; with the system's bundle alone the certificate is refused
    and the error says the endpoint could not be reached safely."""
    from urllib.parse import urlsplit

    from tls import HttpsProxy

    rc.add_gateway()
    rc.add_role("prod")
    proxy = HttpsProxy(aws.urls["signin"].rsplit("/federation", 1)[0], tmp_path)
    try:
        env = dict(rc.env, ROLECALL_SIGNIN_URL=proxy.url + "/federation")
        h = rc.host(dict(env, SSL_CERT_FILE=str(proxy.paths["ca"])))
        r = h.call("console.open", {"role": "prod"})
        assert "result" in r, r
        assert urlsplit(r["result"]["url"]).netloc == urlsplit(proxy.url).netloc
        assert h.close() == 0

        h = rc.host(env)  # the system's roots only: our test CA is not among them
        err = h.call("console.open", {"role": "prod"})["error"]
        assert err["data"] == {"kind": "upstream_unavailable", "service": "signin"}, err
        assert "certificate" in err["message"].lower(), err["message"]
        assert h.close() == 0
    finally:
        proxy.close()
