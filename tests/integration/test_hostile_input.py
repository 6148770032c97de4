"""Hostile input over the host's pipes (issue 6): every case gets its specific error reply,
or a clean exit where the stream cannot be resynchronised, and the host keeps serving the
next good request wherever it can. The real binary, started as Firefox starts it."""

import struct
import subprocess
import time

import pytest

from host import ADDON_ID, Host, binary, frame

# The host refuses a frame before allocating its declared size. Under this address-space
# limit an attempt to allocate 4 GiB would abort the process instead of answering.
ADDRESS_SPACE_LIMIT = 1024 * 1024 * 1024


def limited_host(rc):
    h = Host(rc.env, args=["prlimit", f"--as={ADDRESS_SPACE_LIMIT}", binary(), "/tmp/x.json", ADDON_ID])
    rc.hosts.append(h)
    return h


def still_serving(h):
    r = h.call("host.info")
    assert r["result"]["name"] == "rolecall", r


def test_a_declared_length_of_4_gib_is_refused_without_allocating_it(rc):
    h = limited_host(rc)
    h.send_raw(struct.pack("=I", 0xFFFFFFFF))
    r = h.recv()
    assert r["error"]["data"] == {"kind": "frame_too_large", "limit": 1048576}
    assert "4294967295 bytes" in r["error"]["message"]
    # The stream cannot be resynchronised after a refused length: a clean exit, status 1.
    assert h.proc.wait(timeout=10) == 1
    assert "refusing a 4294967295-byte frame" in h.stderr


def test_a_header_cut_short_ends_the_host_cleanly(rc):
    h = rc.host()
    h.send_raw(b"\x10\x00")
    h.proc.stdin.close()
    assert h.proc.wait(timeout=10) == 1
    assert h.proc.stdout.read() == b""
    assert "panicked" not in h.stderr


def test_a_body_shorter_than_declared_ends_the_host_cleanly(rc):
    h = rc.host()
    still_serving(h)
    h.send_raw(struct.pack("=I", 50) + b'{"jsonrpc":"2.0"')
    h.proc.stdin.close()
    assert h.proc.wait(timeout=10) == 1
    assert h.proc.stdout.read() == b""
    assert "inside a frame" in h.stderr and "panicked" not in h.stderr


@pytest.mark.parametrize(
    "body, code, kind, words",
    [
        (b"", -32700, "parse_error", "not valid JSON"),
        (b"\xc3\x28", -32700, "parse_error", "UTF-8"),
        (b'"\xed\xa0\x80"', -32700, "parse_error", "UTF-8"),  # a lone surrogate
        (b"42", -32600, "invalid_request", "JSON object"),
        (b'"host.info"', -32600, "invalid_request", "JSON object"),
        (b"null", -32600, "invalid_request", "JSON object"),
        (b'[{"jsonrpc":"2.0","id":1,"method":"host.info"}]', -32600, "invalid_request", "Batch"),
        (b"[]", -32600, "invalid_request", "Batch"),
        (b'{"jsonrpc":"1.0","id":1,"method":"host.info"}', -32600, "invalid_request", '"2.0"'),
        (b'{"jsonrpc":"2.0","id":{"a":1},"method":"host.info"}', -32600, "invalid_request", "id"),
        (b'{"jsonrpc":"2.0","id":1,"method":7}', -32600, "invalid_request", "method"),
        (b'{"jsonrpc":"2.0","id":1,"method":"host.info","params":[1]}', -32602, "invalid_params", "by name"),
        (b'{"jsonrpc":"2.0","id":1,"method":"../../etc/passwd"}', -32601, "unknown_method", "method"),
        (b"{" * 5000, -32700, "parse_error", "not valid JSON"),  # nesting past serde's limit
    ],
)
def test_malformed_envelopes_get_specific_errors(rc, body, code, kind, words):
    h = rc.host()
    h.send_raw(frame(body))
    r = h.recv()
    assert r["error"]["code"] == code, r
    assert r["error"]["data"]["kind"] == kind
    assert words in r["error"]["message"], r["error"]["message"]
    still_serving(h)
    assert h.close() == 0


def test_unknown_fields_are_ignored_in_the_envelope_and_refused_in_params(rc):
    h = rc.host()
    h.send({"jsonrpc": "2.0", "id": 1, "method": "host.info", "extra": {"x": 1}})
    assert h.recv()["result"]["name"] == "rolecall"
    for method, params in [
        ("host.info", {"verbose": True}),
        ("roles.list", {"all": 1}),
        ("console.open", {"role": "prod", "role_arn": "arn:aws:iam::1:role/x"}),
        ("session.forget", {"role": "prod", "everything": True}),
    ]:
        r = h.call(method, params)
        assert r["error"]["code"] == -32602, (method, r)
        assert r["error"]["data"]["kind"] == "invalid_params"
    assert h.close() == 0


WRONG_TYPES = [5, 1.5, True, None, [], {}, ["prod"], {"role": "prod"}]


@pytest.mark.parametrize(
    "method, param, good",
    [
        ("console.open", "role", "prod"),
        ("console.open", "region", "us-east-1"),
        ("console.open", "destination", "/s3/home"),
        ("console.open", "mfa_code", "123456"),
        ("session.forget", "role", "prod"),
        ("session.forget", "gateway", "corp"),
    ],
)
def test_wrong_types_for_every_param_are_invalid_params(rc, method, param, good):
    rc.add_gateway()
    rc.add_role("prod")
    h = rc.host()
    for wrong in WRONG_TYPES:
        params = {"role": "prod"} if method == "console.open" else {}
        params[param] = wrong
        r = h.call(method, params)
        if wrong is None and (method, param) != ("console.open", "role"):
            # null is "not given" for an optional param: a valid request.
            assert "result" in r, (param, r)
            continue
        assert "error" in r, (param, wrong, r)
        assert r["error"]["code"] == -32602, (param, wrong, r)
        assert r["error"]["data"]["kind"] == "invalid_params"
        assert method in r["error"]["message"] or "ids are" in r["error"]["message"]
    still_serving(h)
    assert h.close() == 0


@pytest.mark.parametrize(
    "role",
    [
        "../../../etc/passwd",
        "prod/../admin",
        "C:\\Windows\\system32",
        "prod\n[[role]]",
        "prod\x00",
        "\x1b[31mred\x1b[0m",
        "\u202eevil",
        "x" * 10_000,
        "",
    ],
)
def test_role_ids_no_config_could_hold_are_refused_without_echo(rc, role):
    rc.add_gateway()
    rc.add_role("prod")
    before = rc.config_text()
    h = rc.host()
    for method in ["console.open", "session.forget"]:
        r = h.call(method, {"role": role})
        assert r["error"]["data"]["kind"] == "invalid_params", r
        assert "ids are 1 to 64" in r["error"]["message"]
        if role:
            assert role not in r["error"]["message"]
    still_serving(h)
    assert h.close() == 0
    # Nothing was written anywhere because of it; no control character reached the log.
    assert rc.config_text() == before
    assert {p.name for p in rc.config_dir.iterdir()} <= {"config.toml", ".config.toml.lock"}
    assert "\x1b" not in h.stderr and "\u202e" not in h.stderr and "\x00" not in h.stderr


CONSOLE = "https://console.aws.amazon.com"


@pytest.mark.parametrize(
    "destination",
    [
        "https://evil.example/",
        "https://console.aws.amazon.com.evil.example/",
        "https://evilconsole.aws.amazon.com/",
        "https://console.aws.amazon.com@evil.example/",
        "https://user:pw@console.aws.amazon.com/",
        "http://console.aws.amazon.com/",
        "https://console.aws.amazon.com:8443/",
        "https://console.aws.amazon.com./",
        "https://CONSOLE.AWS.AMAZON.COM.evil.example/",
        "javascript:alert(document.cookie)",
        "JavaScript:alert(1)//https://console.aws.amazon.com/",
        "data:text/html,<script>alert(1)</script>",
        "file:///etc/passwd",
        "//evil.example/",
        "/\\\\evil.example/",
        "https://evil.example%2f.console.aws.amazon.com/",
        "https://console.aws.amazon.com%0a.evil.example/",
        "https://console.amazonaws-us-gov.com/",
        "https://console.amazonaws.cn/",
        "https://signin.aws.amazon.com/oauth?redirect_uri=https://evil.example",
        "https://127.0.0.1/",
        "https://[::1]/",
        "ftp://console.aws.amazon.com/",
    ],
)
def test_destinations_off_the_partitions_console_are_refused(rc, aws, destination):
    rc.add_gateway()
    rc.add_role("prod")
    # The real AWS console scope (no ROLECALL_CONSOLE_URL override): what users get.
    env = {k: v for k, v in rc.env.items() if k != "ROLECALL_CONSOLE_URL"}
    h = rc.host(env)
    r = h.call("console.open", {"role": "prod", "destination": destination})
    assert "error" in r, (destination, r)
    assert r["error"]["data"]["kind"] == "invalid_destination", r
    assert "https://*.console.aws.amazon.com" in r["error"]["message"] or "console.aws.amazon.com" in r["error"]["message"]
    # Refused before any network call.
    assert aws.stats()["sts_requests"] == {}
    assert aws.stats()["signin_requests"] == {}
    still_serving(h)
    assert h.close() == 0


@pytest.mark.parametrize(
    "destination, expected",
    [
        ("https://CONSOLE.aws.Amazon.com/s3/home", CONSOLE + "/s3/home"),
        ("https://eu-west-1.console.aws.amazon.com/ec2/home", "https://eu-west-1.console.aws.amazon.com/ec2/home"),
        ("/s3/home%0d%0aSet-Cookie:x=y", "https://us-east-1.console.aws.amazon.com/s3/home%0d%0aSet-Cookie:x=y"),
    ],
)
def test_console_destinations_are_normalised_not_refused(rc, aws, destination, expected):
    """A host name's case is not a different host (URL parsing lowercases it) and an encoded
    newline stays encoded in the path, harmless, inside the console."""
    from urllib.parse import parse_qs, urlsplit

    rc.add_gateway()
    rc.add_role("prod")
    env = {k: v for k, v in rc.env.items() if k != "ROLECALL_CONSOLE_URL"}
    h = rc.host(env)
    r = h.call("console.open", {"role": "prod", "destination": destination})
    assert "result" in r, r
    got = parse_qs(urlsplit(r["result"]["url"]).query)["Destination"][0]
    assert got == expected
    assert h.close() == 0


def vm_rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise AssertionError("no VmRSS")


def test_ten_thousand_requests_on_one_connection_do_not_grow_memory(rc):
    rc.add_gateway()
    rc.add_role("prod")
    h = rc.host()
    pid = h.proc.pid

    def burst(n, start):
        # Pipelined, a mix of good and bad requests; every reply is read and matched.
        methods = ["host.info", "roles.list", "nope.nope"]
        out = bytearray()
        for i in range(n):
            out += frame({"jsonrpc": "2.0", "id": start + i, "method": methods[i % 3]})
        h.send_raw(bytes(out))
        seen = set()
        for _ in range(n):
            seen.add(h.recv()["id"])
        assert seen == set(range(start, start + n))

    # The first bursts set the high-water mark of replies in flight (higher on a loaded
    # machine, where the writer lags behind the handlers); a leak grows with every request
    # after that. Allocator noise is a few hundred KiB; a leak of even 100 bytes a request
    # would be ~1 MiB over the last 10,000.
    for k in range(10):
        burst(1000, k * 1000)
    warm = vm_rss_kib(pid)
    for k in range(10, 20):
        burst(1000, k * 1000)
    after = vm_rss_kib(pid)
    assert after - warm < 1024, (warm, after)
    assert h.close() == 0
