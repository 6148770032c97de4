"""The native-messaging protocol, spoken to the real binary."""

import re
import struct
import time

import pytest
from host import Host, binary, frame


def test_host_info_answers_version_and_protocol(rc):
    h = rc.host()
    r = h.call("host.info")
    assert r["jsonrpc"] == "2.0"
    info = r["result"]
    assert info["name"] == "rolecall"
    assert isinstance(info["protocol"], int) and info["protocol"] >= 1
    assert info["version"].count(".") == 2
    assert info["config_path"] == str(rc.config_dir / "config.toml")
    assert h.close() == 0


def test_version_names_the_release_and_the_protocol_host_info_reports(rc):
    r = rc.cli("--version")
    assert r.returncode == 0, r.stderr
    m = re.fullmatch(r"rolecall (\d+\.\d+\.\d+) \(protocol (\d+)\)\n", r.stdout)
    assert m, r.stdout
    info = rc.host().call("host.info")["result"]
    assert (m.group(1), int(m.group(2))) == (info["version"], info["protocol"])


def test_eof_before_any_request_is_a_clean_exit(rc):
    assert rc.host().close() == 0


def test_one_request_per_process_like_sendNativeMessage(rc):
    h = rc.host()
    h.request("host.info", id="only")
    h.proc.stdin.close()  # the browser may close right after sending
    assert h.recv()["id"] == "only"
    assert h.proc.wait(timeout=10) == 0


def test_malformed_frames_get_errors_and_the_host_keeps_serving(rc):
    h = rc.host()
    h.send_raw(frame(b"{not json"))
    r = h.recv()
    assert r["id"] is None and r["error"]["code"] == -32700
    assert r["error"]["data"]["kind"] == "parse_error"

    h.send_raw(frame(b"\xff\xfe\x00"))
    r = h.recv()
    assert r["error"]["code"] == -32700 and "UTF-8" in r["error"]["message"]

    h.send({"id": 5, "method": "host.info"})
    r = h.recv()
    assert (r["id"], r["error"]["code"], r["error"]["data"]["kind"]) == (5, -32600, "invalid_request")

    h.send([{"jsonrpc": "2.0", "id": 6, "method": "host.info"}])
    assert h.recv()["error"]["code"] == -32600

    h.request("vault.dump", id=7)
    r = h.recv()
    assert (r["id"], r["error"]["code"]) == (7, -32601)
    assert r["error"]["data"] == {"kind": "unknown_method", "method": "vault.dump"}

    h.send({"jsonrpc": "2.0", "id": 8, "method": "console.open", "params": {"role": 5}})
    r = h.recv()
    assert (r["id"], r["error"]["code"], r["error"]["data"]["kind"]) == (8, -32602, "invalid_params")

    h.send({"jsonrpc": "2.0", "id": 9, "method": "console.open", "params": {"role": "x", "arn": "y"}})
    r = h.recv()
    assert r["error"]["code"] == -32602 and "arn" in r["error"]["message"]

    # A notification gets no reply; the next request does.
    h.send({"jsonrpc": "2.0", "method": "host.info"})
    r = h.call("host.info")
    assert r["result"]["name"] == "rolecall"
    assert h.close() == 0


def test_an_oversized_frame_is_refused_without_reading_it(rc):
    h = rc.host()
    h.send_raw(struct.pack("=I", 1024 * 1024 + 1))
    r = h.recv()
    assert r["error"]["code"] == -32700
    assert r["error"]["data"] == {"kind": "frame_too_large", "limit": 1048576}
    assert h.proc.wait(timeout=10) == 1


def test_a_truncated_frame_ends_the_host_with_an_error(rc):
    h = rc.host()
    h.send_raw(struct.pack("=I", 100) + b'{"jsonrpc"')
    h.proc.stdin.close()
    assert h.proc.wait(timeout=10) == 1
    assert "inside a frame" in h.stderr


def test_a_foreign_extension_is_refused(rc):
    h = Host(rc.env, args=[binary(), "/tmp/x.json", "evil@example.com"])
    rc.hosts.append(h)
    assert h.proc.wait(timeout=10) != 0
    assert h.proc.stdout.read() == b""
    h = Host(rc.env, args=[binary(), "chrome-extension://abcdefghijklmnopabcdefghijklmnop/"])
    rc.hosts.append(h)
    assert h.proc.wait(timeout=10) != 0


def test_chromium_style_start_is_served(rc):
    h = Host(rc.env, args=[binary(), "chrome-extension://oljmfdijhnpmpkckkddnkphelbdifbmp/"])
    rc.hosts.append(h)
    assert h.call("host.info")["result"]["protocol"] >= 1
    assert h.close() == 0


def test_stdout_carries_only_frames_even_with_debug_logs(rc):
    rc.add_gateway()
    rc.add_role("prod")
    h = rc.host()
    for method in ["host.info", "roles.list", "nope"]:
        h.request(method)
    h.request("console.open", {"role": "prod"})
    h.proc.stdin.close()
    out = h.proc.stdout.read()
    # Walk the frames: the stream must be exactly four frames and nothing else.
    n = 0
    while out:
        (size,) = struct.unpack("=I", out[:4])
        body = out[4 : 4 + size]
        assert len(body) == size
        out = out[4 + size :]
        n += 1
    assert n == 4
    assert h.proc.wait(timeout=10) == 0
    assert "debug" in h.stderr  # logs went to stderr


def test_requests_on_one_connection_run_concurrently(rc, tmp_path):
    """A console.open stuck on an unresponsive STS must not hold up roles.list."""
    from stack import Blackhole

    rc.add_gateway()
    rc.add_role("slow")
    (rc.config_dir / "config.toml").write_text(
        "[settings]\ntimeout_seconds = 3\n\n" + rc.config_text()
    )
    with Blackhole() as hole:
        env = dict(rc.env, AWS_ENDPOINT_URL_STS=hole.url)
        h = rc.host(env)
        h.request("console.open", {"role": "slow"}, id="open")
        t0 = time.monotonic()
        h.request("roles.list", id="list")
        first = h.recv()
        assert first["id"] == "list", first
        assert time.monotonic() - t0 < 2.5
        second = h.recv()
        assert second["id"] == "open"
        assert second["error"]["data"]["kind"] == "upstream_unavailable"
        assert second["error"]["data"]["service"] == "sts"
        assert h.close() == 0


def test_fd_1_points_at_stderr_so_stray_prints_cannot_corrupt_frames(rc):
    """Frames go to a private duplicate of the stdout pipe; fd 1 itself is stderr's pipe, so a
    stray print in any library would land in the log, not in the browser's frame stream."""
    import os

    h = rc.host()
    assert h.call("host.info")["result"]["name"] == "rolecall"
    fds = f"/proc/{h.proc.pid}/fd"
    if os.geteuid() != 0:
        # The host is not dumpable (cli/hardening.rs): only root may look into its /proc.
        with pytest.raises(PermissionError):
            os.listdir(fds)
        h.close()
        pytest.skip("the host's descriptors are readable by root only (PR_SET_DUMPABLE=0)")
    links = {fd: os.readlink(f"{fds}/{fd}") for fd in os.listdir(fds)}
    assert links["1"] == links["2"], links
    stdout_pipe = f"pipe:[{os.fstat(h.proc.stdout.fileno()).st_ino}]"
    assert links["1"] != stdout_pipe
    assert stdout_pipe in links.values()  # the duplicate the frames travel on
    listed = h.call("roles.list")["result"]
    assert (listed["roles"], listed["next_cursor"]) == ([], None) and listed["etag"].endswith(".0")
    assert h.close() == 0
