#!/usr/bin/env python3
"""rolecall's click-path benchmark (issue 5), against the loopback stack the integration
tests use: moto STS behind the counting/delaying proxy, the federation fake, a real Secret
Service. Run it through `tests/bench/run` (release build, private D-Bus session with an
unlocked gnome-keyring); docs/BENCHMARKS.md has the results and how to read them.

What it measures, at each injected upstream delay (per STS or getSigninToken request):
  cold start      spawn the host as Firefox does, host.info reply (what every
                  sendNativeMessage pays); the floor is the same frame echoed by `cat`
  open, warm      console.open on one long-lived host (connectNative): first open (STS +
                  federation) and cached open (federation only)
  open, fresh     the same, each in a new host process (sendNativeMessage)
  round trips     per open, counted at the fakes
  host overhead   open latency minus the injected delay, and minus all the time the
                  upstream servers spent (injected delay + moto's/the fake's own work)
  ten at once     ten console.open frames written at once on one connection, until the
                  tenth reply, against one open
  peak RSS        ru_maxrss of each process (os.wait4)
  peers           `rolecall login` (a fresh CLI process), the IAM User Guide's boto3
                  federation sample and awsume + awsume-console-plugin, each a fresh
                  process doing the same cold open against the same endpoints

--quick is a smoke test for tests/run: a few iterations at 0 ms, no timing claims; it
asserts 2 round trips per first open and 1 per cached open (warm and fresh), ten pipelined
opens answered with distinct ids and tokens, and that the boto3 peer works.

Timings are wall-clock from this process (Python): they include spawning and pipe I/O, as a
browser's would. Nothing here is a timed assertion.
"""

import argparse
import datetime as dt
import http.client
import importlib.metadata
import importlib.util
import json
import math
import os
import platform
import re
import selectors
import statistics
import struct
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
import uuid
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
sys.path.insert(0, str(REPO / "tests" / "lib"))

from host import ADDON_ID, binary, frame  # noqa: E402
from stack import AwsStack  # noqa: E402

MANIFEST = "/tmp/dev.rolecall.host.json"  # Firefox passes the manifest's path; never read
TEN = [f"r{i}" for i in range(10)]
ACCOUNT = "1111111111{:02d}"


def now_ns():
    return time.perf_counter_ns()


def ms(ns):
    return ns / 1e6


def p95(xs):
    s = sorted(xs)
    return s[max(0, math.ceil(0.95 * len(s)) - 1)]


def summary(xs):
    return {
        "n": len(xs),
        "median": statistics.median(xs),
        "p95": p95(xs),
        "min": min(xs),
        "max": max(xs),
    }


def busy_now():
    """How busy the shared machine is: load average and other engineers' builds/browsers."""

    def count(pattern):
        r = subprocess.run(["pgrep", "-c", "-f", pattern], capture_output=True, text=True)
        return int(r.stdout.strip() or 0)

    return {
        "loadavg1": os.getloadavg()[0],
        "rustc": count("bin/rustc"),
        "browsers": count("firefox|chromium"),
    }


def vm_hwm(pid):
    """The peak RSS of a live process, MiB (VmHWM: per address space, so unlike wait4's
    ru_maxrss it does not inherit the spawning Python's size across fork + exec)."""
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None  # gone, or a zombie (its memory is already released)


class Peak:
    """The highest VmHWM seen while polling a process until it exits."""

    def __init__(self, pid):
        self.pid, self.mib = pid, 0.0

    def poll(self):
        v = vm_hwm(self.pid)
        if v is not None and v > self.mib:
            self.mib = v


class Proc:
    """A process spoken to with native-messaging frames. `finish` closes stdin (as the
    browser does) and polls its VmHWM until it exits, for its peak RSS."""

    def __init__(self, argv, env, log):
        self.started = now_ns()
        self.p = subprocess.Popen(
            argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log, env=env
        )

    def send(self, *messages):
        self.p.stdin.write(b"".join(frame(m) for m in messages))
        self.p.stdin.flush()

    def recv(self):
        header = self.p.stdout.read(4)
        if len(header) < 4:
            raise EOFError("the host closed stdout; see its log")
        (n,) = struct.unpack("=I", header)
        return json.loads(self.p.stdout.read(n))

    def call(self, id, method, params=None):
        msg = {"jsonrpc": "2.0", "id": id, "method": method}
        if params is not None:
            msg["params"] = params
        self.send(msg)
        reply = self.recv()
        assert reply.get("id") == id, reply
        return reply

    def finish(self, timeout=30):
        """Returns (exit code, peak RSS in MiB, ms from start to exit)."""
        peak = Peak(self.p.pid)
        peak.poll()
        self.p.stdin.close()
        deadline = time.monotonic() + timeout
        while True:
            peak.poll()
            pid, status, _ = os.wait4(self.p.pid, os.WNOHANG)
            if pid:
                break
            if time.monotonic() > deadline:
                self.p.kill()
                raise TimeoutError(f"{self.p.args[0]} did not exit in {timeout} s")
            time.sleep(0.0002)
        ended = now_ns()
        self.p.returncode = os.waitstatus_to_exitcode(status)
        self.p.stdout.close()
        return self.p.returncode, peak.mib, ms(ended - self.started)


def run_process_rss(argv, env, timeout=60, first_line=None):
    """A fresh process to completion, its VmHWM polled every millisecond:
    (ms, stdout, stderr, exit code, peak RSS MiB). `first_line`, a list, gets the ms at
    which the first full line reached stdout (when a user sees the URL)."""
    t0 = now_ns()
    p = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    peak = Peak(p.pid)
    out, err = b"", b""
    sel = selectors.DefaultSelector()
    sel.register(p.stdout, selectors.EVENT_READ)
    sel.register(p.stderr, selectors.EVENT_READ)
    deadline = time.monotonic() + timeout
    open_streams = 2
    while open_streams:
        if time.monotonic() > deadline:
            p.kill()
            raise TimeoutError(f"{argv[0]} ran over {timeout} s")
        peak.poll()
        for key, _ in sel.select(timeout=0.001):
            chunk = os.read(key.fileobj.fileno(), 65536)
            if not chunk:
                sel.unregister(key.fileobj)
                open_streams -= 1
            elif key.fileobj is p.stdout:
                out += chunk
                if first_line is not None and not first_line and b"\n" in out:
                    first_line.append(ms(now_ns() - t0))
            else:
                err += chunk
    while True:
        peak.poll()
        pid, status, _ = os.wait4(p.pid, os.WNOHANG)
        if pid:
            break
        time.sleep(0.0002)
    t1 = now_ns()
    p.returncode = os.waitstatus_to_exitcode(status)
    p.stdout.close()
    p.stderr.close()
    return ms(t1 - t0), out.decode(), err.decode(), p.returncode, peak.mib


class Setup:
    """One rolecall setup (config folder, keyring service, gateway, roles r0..r9) pointed at
    one stack, plus the files the Python peers need for the same user and roles."""

    def __init__(self, aws, tmp):
        self.aws = aws
        self.tmp = Path(tmp)
        self.log_path = self.tmp / "host.log"
        self.log = open(self.log_path, "ab")
        self.env = dict(
            os.environ,
            **aws.host_env(),
            ROLECALL_CONFIG_DIR=str(self.tmp / "config"),
            ROLECALL_KEYRING_SERVICE=f"rolecall-bench-{uuid.uuid4().hex[:8]}",
        )
        self.env.pop("ROLECALL_LOG", None)  # the default level, as a browser starts it
        key_id, secret = aws.gateway_keys
        self.cli("gateway", "add", "corp", "--access-key-id", key_id, "--region", "us-east-1",
                 input=secret + "\n")
        for i, role in enumerate(TEN):
            self.cli("role", "add", role, "--account", ACCOUNT.format(i), "--role-name", "Admin",
                     "--gateway", "corp", "--region", "us-east-1")
        self.role_arn = f"arn:aws:iam::{ACCOUNT.format(0)}:role/Admin"

        # The peers: the same IAM user's keys, the same role, the same endpoints.
        aws_dir = self.tmp / "aws"
        aws_dir.mkdir()
        (aws_dir / "credentials").write_text(
            f"[gateway]\naws_access_key_id = {key_id}\naws_secret_access_key = {secret}\n"
        )
        (aws_dir / "config").write_text(
            "[profile gateway]\nregion = us-east-1\n\n"
            f"[profile bench-r0]\nrole_arn = {self.role_arn}\nsource_profile = gateway\n"
            "region = us-east-1\n"
        )
        peer_home = self.tmp / "peer-home"
        peer_home.mkdir()
        base = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith("AWS_") and k not in ("XDG_CONFIG_HOME", "XDG_DATA_HOME")
        }
        base.update(
            HOME=str(peer_home),
            AWS_CONFIG_FILE=str(aws_dir / "config"),
            AWS_SHARED_CREDENTIALS_FILE=str(aws_dir / "credentials"),
            AWS_ENDPOINT_URL_STS=aws.urls["sts"],
            AWS_EC2_METADATA_DISABLED="true",
            FEDERATION_URL=aws.urls["signin"],
            CONSOLE_URL=aws.urls["console"],
        )
        # The documentation sample finds the IAM user's keys in the environment.
        self.sample_env = dict(
            base,
            AWS_ACCESS_KEY_ID=key_id,
            AWS_SECRET_ACCESS_KEY=secret,
            AWS_DEFAULT_REGION="us-east-1",
        )
        self.awsume_env = dict(base)

    def cli(self, *args, input=None):
        r = subprocess.run([binary(), *args], input=input, capture_output=True, text=True,
                           env=self.env, timeout=60)
        if r.returncode != 0:
            raise RuntimeError(f"rolecall {' '.join(args)}: {r.stderr}")
        return r.stdout

    def host(self):
        return Proc([binary(), MANIFEST, ADDON_ID], self.env, self.log)

    def counts(self):
        s = self.aws.stats()
        return (
            sum(s["sts_requests"].values()),
            s["signin_requests"].get("getSigninToken", 0),
            s["sts_busy_ms"] + s["signin_busy_ms"],
        )

    def close(self):
        self.log.close()


class Results:
    def __init__(self):
        self.samples = {}  # name -> [ms]
        self.trips = {}  # name -> [(sts, signin)]
        self.upstream = {}  # name -> [ms the upstream servers spent]
        self.rss = {}  # name -> [MiB]
        self.notes = []

    def add(self, name, value, trips=None, upstream=None):
        self.samples.setdefault(name, []).append(value)
        if trips is not None:
            self.trips.setdefault(name, []).append(trips)
        if upstream is not None:
            self.upstream.setdefault(name, []).append(upstream)

    def add_rss(self, name, mib):
        self.rss.setdefault(name, []).append(mib)


def timed_open(setup, host, id, role, expect_cached, since=None, before=None):
    """One console.open on `host`: latency (from `since`, else from the send), round trips
    and the upstream servers' time (counts `before`, else read now)."""
    before = before or setup.counts()
    t0 = since or now_ns()
    host.send({"jsonrpc": "2.0", "id": id, "method": "console.open", "params": {"role": role}})
    reply = host.recv()
    t1 = now_ns()
    after = setup.counts()
    assert reply.get("id") == id, reply
    assert "result" in reply, reply
    assert reply["result"]["cached"] is expect_cached, (expect_cached, reply["result"]["cached"])
    assert "SigninToken=" in reply["result"]["url"]
    trips = (after[0] - before[0], after[1] - before[1])
    return ms(t1 - t0), trips, after[2] - before[2]


def forget(host, id, params=None):
    r = host.call(id, "session.forget", params)
    assert "result" in r, r


def bench_cold_start(setup, res, n):
    for _ in range(n):
        h = setup.host()
        h.send({"jsonrpc": "2.0", "id": 1, "method": "host.info"})
        r = h.recv()
        t = ms(now_ns() - h.started)
        assert r["result"]["name"] == "rolecall", r
        code, rss, _ = h.finish()
        assert code == 0, code
        res.add("cold start: host.info reply", t)
        res.add_rss("host: host.info only", rss)
        # The floor: the same spawn and frame round trip through `cat`.
        c = Proc(["cat"], setup.env, subprocess.DEVNULL)
        c.send({"jsonrpc": "2.0", "id": 1, "method": "host.info"})
        c.recv()
        res.add("cold start floor: `cat` echoing the frame", ms(now_ns() - c.started))
        c.finish()


def bench_warm(setup, res, n, host):
    ids = iter(range(1000, 10**9))
    for _ in range(n):
        forget(host, next(ids), {"role": "r0"})
        t, trips, up = timed_open(setup, host, next(ids), "r0", False)
        res.add("open, warm host: first", t, trips, up)
        t, trips, up = timed_open(setup, host, next(ids), "r0", True)
        res.add("open, warm host: cached", t, trips, up)


def bench_fresh(setup, res, n):
    for _ in range(n):
        setup.cli("session", "forget", "--role", "r0")
        for name, cached in (("first", False), ("cached", True)):
            before = setup.counts()
            h = setup.host()
            # Timed from the spawn: what a sendNativeMessage waits for.
            t, trips, up = timed_open(setup, h, 1, "r0", cached, since=h.started, before=before)
            code, rss, lifetime = h.finish()
            assert code == 0, code
            res.add(f"open, fresh process: {name}", t, trips, up)
            res.add(f"fresh process, {name} open: spawn to exit", lifetime)
            res.add_rss(f"host: fresh process, {name} open", rss)


def bench_ten(setup, res, n, host):
    ids = iter(range(10**6, 10**9))
    for _ in range(n):
        for kind, cached in (("first", False), ("cached", True)):
            if not cached:
                forget(host, next(ids))
            t, trips, up = timed_open(setup, host, next(ids), "r0", cached)
            res.add(f"one open ({kind}), same host", t, trips, up)
            if not cached:
                forget(host, next(ids))
            before = setup.counts()
            batch = {next(ids): role for role in TEN}
            t0 = now_ns()
            host.send(*[
                {"jsonrpc": "2.0", "id": i, "method": "console.open", "params": {"role": r}}
                for i, r in batch.items()
            ])
            replies = [host.recv() for _ in batch]
            t1 = now_ns()
            after = setup.counts()
            got = {r["id"] for r in replies}
            assert got == set(batch), (sorted(got), sorted(batch))
            for r in replies:
                assert "result" in r, r
                assert r["result"]["role"] == batch[r["id"]], r
                assert r["result"]["cached"] is cached, r["result"]["cached"]
            tokens = {urllib.parse.parse_qs(urllib.parse.urlsplit(r["result"]["url"]).query)
                      ["SigninToken"][0] for r in replies}
            assert len(tokens) == 10, "ten opens must mint ten sign-in tokens"
            res.add(f"ten opens at once ({kind}), one connection", ms(t1 - t0),
                    (after[0] - before[0], after[1] - before[1]), after[2] - before[2])


def upstream_chain(setup, role_arn, i, pre):
    """What one first open asks of the upstream, and nothing else: a pre-signed AssumeRole
    POST, then getSigninToken, over plain http.client."""
    sts = urllib.parse.urlsplit(setup.aws.urls["sts"])
    conn = http.client.HTTPConnection(sts.hostname, sts.port, timeout=30)
    url, headers, body = pre
    conn.request("POST", "/", body=body, headers=headers)
    text = conn.getresponse().read().decode()
    conn.close()
    grab = lambda tag: re.search(f"<{tag}>([^<]*)</{tag}>", text).group(1)  # noqa: E731
    session = json.dumps({"sessionId": grab("AccessKeyId"), "sessionKey": grab("SecretAccessKey"),
                          "sessionToken": grab("SessionToken")})
    q = urllib.parse.urlencode({"Action": "getSigninToken", "SessionDuration": "43200",
                                "Session": session})
    with urllib.request.urlopen(setup.aws.urls["signin"] + "?" + q, timeout=30) as r:
        assert "SigninToken" in json.loads(r.read())


def presign(setup, role_arn, i):
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    body = urllib.parse.urlencode({"Action": "AssumeRole", "Version": "2011-06-15",
                                   "RoleArn": role_arn, "RoleSessionName": f"upstream-{i}",
                                   "DurationSeconds": "3600"})
    req = AWSRequest(method="POST", url=setup.aws.urls["sts"] + "/", data=body, headers={
        "Content-Type": "application/x-www-form-urlencoded; charset=utf-8"})
    SigV4Auth(Credentials(*setup.aws.gateway_keys), "sts", "us-east-1").add_auth(req)
    return req.url, dict(req.headers.items()), body


def bench_upstream(setup, res, n):
    """The upstream's own floor for one and for ten concurrent first opens (moto serves
    requests in threads under one GIL, so ten AssumeRoles partly queue there whoever sends
    them): the reference for the host's ten-at-once time."""
    arns = [f"arn:aws:iam::{ACCOUNT.format(i)}:role/Admin" for i in range(10)]
    for _ in range(n):
        pre = presign(setup, arns[0], 0)
        t0 = now_ns()
        upstream_chain(setup, arns[0], 0, pre)
        res.add("upstream alone: one first open", ms(now_ns() - t0))
        pres = [presign(setup, a, i) for i, a in enumerate(arns)]
        threads = [threading.Thread(target=upstream_chain, args=(setup, a, i, p))
                   for i, (a, p) in enumerate(zip(arns, pres))]
        t0 = now_ns()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        res.add("upstream alone: ten first opens at once", ms(now_ns() - t0))


def bench_login(setup, res, n):
    for _ in range(n):
        setup.cli("session", "forget", "--role", "r0")
        for name in ("first", "cached"):
            before = setup.counts()
            url_at = []
            t, out, err, code, rss = run_process_rss([binary(), "login", "r0"], setup.env,
                                                     first_line=url_at)
            after = setup.counts()
            assert code == 0 and "SigninToken=" in out, err
            res.add(f"`rolecall login` process: {name}", t,
                    (after[0] - before[0], after[1] - before[1]), after[2] - before[2])
            # The URL is out before the process ends: a first login still writes the new
            # session to the keyring before it exits.
            res.add(f"`rolecall login` {name}: URL printed", url_at[0])
            res.add_rss(f"`rolecall login`, {name}", rss)


def bench_sample(setup, res, n):
    script = str(HERE / "federation_sample.py")
    for _ in range(n):
        before = setup.counts()
        t, out, err, code, rss = run_process_rss([sys.executable, script, setup.role_arn],
                                                 setup.sample_env)
        after = setup.counts()
        assert code == 0 and "SigninToken=" in out, err
        res.add("boto3 federation sample process", t,
                (after[0] - before[0], after[1] - before[1]), after[2] - before[2])
        res.add_rss("boto3 federation sample", rss)


def bench_awsume(setup, res, n):
    script = str(HERE / "awsume_local.py")
    for i in range(n + 1):
        before = setup.counts()
        t, out, err, code, rss = run_process_rss([sys.executable, script, "bench-r0", "-cl"],
                                                 setup.awsume_env)
        after = setup.counts()
        assert code == 0 and "SigninToken=" in err + out, err
        if i == 0:
            continue  # awsume writes its config folder on its first run: not timed
        res.add("awsume -cl process", t,
                (after[0] - before[0], after[1] - before[1]), after[2] - before[2])
        res.add_rss("awsume -cl", rss)


def have_awsume():
    return all(importlib.util.find_spec(m) for m in ("awsume", "console"))


def run_delay(delay_ms, args, out):
    res = Results()
    busy = []
    with AwsStack(delay_ms=delay_ms, python=sys.executable) as aws, \
            tempfile.TemporaryDirectory(prefix="rolecall-bench-") as tmp:
        setup = Setup(aws, tmp)
        try:
            steps = [
                ("cold", lambda: bench_cold_start(setup, res, args.cold)),
            ]
            warm = {}

            def warm_host():
                warm["h"] = setup.host()
                assert warm["h"].call(1, "host.info")["result"]["name"] == "rolecall"

            steps += [
                ("warm", lambda: (warm_host(), bench_warm(setup, res, args.n, warm["h"]))),
                ("ten", lambda: bench_ten(setup, res, args.ten, warm["h"])),
                ("upstream", lambda: bench_upstream(setup, res, args.ten)),
                ("fresh", lambda: bench_fresh(setup, res, args.n)),
                ("login", lambda: bench_login(setup, res, args.n)),
                ("sample", lambda: bench_sample(setup, res, args.peers)),
            ]
            if args.awsume:
                steps.append(("awsume", lambda: bench_awsume(setup, res, args.peers)))
            if args.skip:
                skip = set(args.skip.split(","))
                steps = [(n, f) for n, f in steps if n not in skip]
            for name, step in steps:
                busy.append(busy_now())
                print(f"[{delay_ms} ms] {name} …", file=sys.stderr, flush=True)
                step()
            if "h" in warm:
                code, rss, _ = warm["h"].finish()
                assert code == 0, code
                res.add_rss("host: warm, after all the opens above", rss)
            busy.append(busy_now())
            log = setup.log_path.read_text(errors="replace").strip()
            if log:
                res.notes.append(f"host stderr at {delay_ms} ms:\n{log[-2000:]}")
        finally:
            setup.close()
    return res, busy


def versions():
    def pkg(name):
        try:
            return importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            return None

    def cmd(*argv):
        try:
            return subprocess.run(argv, capture_output=True, text=True).stdout.strip()
        except OSError:
            return None

    cpu = next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo")
                if line.startswith("model name")), platform.processor())
    mem_kib = next(int(line.split()[1]) for line in open("/proc/meminfo")
                   if line.startswith("MemTotal"))
    return {
        "date": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "nproc": os.cpu_count(),
        "cpu": cpu,
        "memory_gib": round(mem_kib / 1024 / 1024, 1),
        "kernel": platform.release(),
        "rolecall": cmd(binary(), "--version"),
        "binary": binary(),
        "binary_bytes": os.path.getsize(binary()),
        "rustc": cmd("rustc", "--version"),
        "python": platform.python_version(),
        "moto": pkg("moto"),
        "boto3": pkg("boto3"),
        "botocore": pkg("botocore"),
        "awsume": pkg("awsume"),
        "awsume-console-plugin": pkg("awsume-console-plugin"),
        "gnome-keyring": next(iter((cmd("gnome-keyring-daemon", "--version") or "").splitlines()), None),
    }


def fmt(x):
    return f"{x:.1f}" if x < 100 else f"{x:.0f}"


def report(all_results, info, args):
    lines = []
    w = lines.append
    w("## Machine and versions\n")
    for k, v in info.items():
        w(f"- {k}: {v}")
    for delay_ms, (res, busy) in all_results.items():
        w(f"\n## {delay_ms} ms injected per upstream request\n")
        w("| measurement | n | median ms | p95 ms | round trips (STS + sign-in) |")
        w("|---|---:|---:|---:|---|")
        for name, xs in res.samples.items():
            s = summary(xs)
            trips = res.trips.get(name)
            if trips:
                seen = sorted(set(trips))
                t = ", ".join(f"{a} + {b}" for a, b in seen)
                if len(seen) > 1:
                    t += " (varied)"
            else:
                t = ""
            w(f"| {name} | {s['n']} | {fmt(s['median'])} | {fmt(s['p95'])} | {t} |")

        w("\n**Host overhead per open** (latency minus the injected delay × round trips; and "
          "minus all the time the upstream servers spent, moto's own work included)\n")
        w("| open | median − injected | p95 − injected | median − upstream time | "
          "p95 − upstream time |")
        w("|---|---:|---:|---:|---:|")
        for name in res.samples:
            if not (name.startswith("open,") or name.startswith("`rolecall login`")):
                continue
            if name not in res.upstream:
                continue
            xs, trips, up = res.samples[name], res.trips[name], res.upstream[name]
            inj = [x - delay_ms * (a + b) for x, (a, b) in zip(xs, trips)]
            ups = [x - u for x, u in zip(xs, up)]
            w(f"| {name} | {fmt(statistics.median(inj))} | {fmt(p95(inj))} | "
              f"{fmt(statistics.median(ups))} | {fmt(p95(ups))} |")

        med = {k: statistics.median(v) for k, v in res.samples.items()}
        w("\n**Ratios** (of medians)\n")

        def ratio(a, b, label):
            if a in med and b in med:
                w(f"- {label}: {med[a] / med[b]:.2f}×")

        ratio("ten opens at once (first), one connection", "one open (first), same host",
              "ten first opens at once / one first open")
        ratio("ten opens at once (cached), one connection", "one open (cached), same host",
              "ten cached opens at once / one cached open")
        ratio("upstream alone: ten first opens at once", "upstream alone: one first open",
              "upstream alone (no host): ten first opens at once / one")
        ratio("ten opens at once (first), one connection",
              "upstream alone: ten first opens at once",
              "host's ten first opens at once / the upstream's own ten-at-once floor")
        for peer in ("boto3 federation sample process", "awsume -cl process"):
            ratio(peer, "`rolecall login` process: first", f"{peer} / `rolecall login` first")
            ratio(peer, "open, fresh process: first", f"{peer} / host fresh-process first open")
            ratio(peer, "open, warm host: cached", f"{peer} / warm-host cached open")

        w("\n**Peak RSS** (VmHWM polled until exit, MiB)\n")
        w("| process | n | median | max |")
        w("|---|---:|---:|---:|")
        for name, xs in res.rss.items():
            w(f"| {name} | {len(xs)} | {statistics.median(xs):.1f} | {max(xs):.1f} |")

        w("\n**Machine load during the run** (1-min load average; rustc and browser processes "
          "of other engineers)\n")
        w(f"- load average: {min(b['loadavg1'] for b in busy):.2f} – "
          f"{max(b['loadavg1'] for b in busy):.2f}; rustc processes seen: "
          f"{max(b['rustc'] for b in busy)}; browser processes seen: "
          f"{max(b['browsers'] for b in busy)}")
        for note in res.notes:
            w(f"\n```\n{note}\n```")
    return "\n".join(lines)


def quick(args):
    """Smoke mode: no timing claims, only that the bench runs and the counts hold."""
    with AwsStack(delay_ms=0, python=sys.executable) as aws, \
            tempfile.TemporaryDirectory(prefix="rolecall-bench-") as tmp:
        setup = Setup(aws, tmp)
        res = Results()
        try:
            bench_cold_start(setup, res, 2)
            h = setup.host()
            bench_warm(setup, res, 2, h)
            bench_ten(setup, res, 2, h)
            assert h.finish()[0] == 0
            bench_fresh(setup, res, 2)
            bench_login(setup, res, 1)
            bench_sample(setup, res, 1)
            if have_awsume():
                bench_awsume(setup, res, 1)
        finally:
            setup.close()
    expected = {
        "open, warm host: first": (1, 1),
        "open, warm host: cached": (0, 1),
        "open, fresh process: first": (1, 1),
        "open, fresh process: cached": (0, 1),
        "one open (first), same host": (1, 1),
        "one open (cached), same host": (0, 1),
        "ten opens at once (first), one connection": (10, 10),
        "ten opens at once (cached), one connection": (0, 10),
        "`rolecall login` process: first": (1, 1),
        "`rolecall login` process: cached": (0, 1),
        "boto3 federation sample process": (1, 1),
        "awsume -cl process": (1, 1),
    }
    failures = []
    for name, want in expected.items():
        for got in res.trips.get(name, []):
            if got != want:
                failures.append(f"{name}: {got[0]} STS + {got[1]} sign-in requests, want "
                                f"{want[0]} + {want[1]}")
    for name in expected:
        if name not in res.trips and not (name.startswith("awsume") and not have_awsume()):
            failures.append(f"{name}: not measured")
    assert all(res.rss.values()), "no peak RSS read"
    for f in failures:
        print("FAILED:", f)
    checks = sum(len(v) for v in res.trips.values())
    print(f"bench smoke: round trips checked on {checks} opens; ten pipelined opens answered "
          f"with distinct ids and tokens{'; awsume skipped (not installed)' if not have_awsume() else ''}")
    print(f"{checks - len(failures)} passed, {len(failures)} failed")
    return 1 if failures else 0


def main():
    p = argparse.ArgumentParser(description="rolecall click-path benchmark (see docstring)")
    p.add_argument("--quick", action="store_true", help="smoke test: counts only, no timing")
    p.add_argument("--delays", default="0,50", help="injected ms per upstream request")
    p.add_argument("-n", type=int, default=30, help="opens per kind (default 30)")
    p.add_argument("--cold", type=int, default=60, help="cold starts (default 60)")
    p.add_argument("--ten", type=int, default=20, help="rounds of ten at once (default 20)")
    p.add_argument("--peers", type=int, default=20, help="runs of each Python peer (default 20)")
    p.add_argument("--no-awsume", dest="awsume", action="store_false")
    p.add_argument("--skip", default="", help="steps to leave out, comma-separated: cold, warm, "
                   "ten (needs warm), upstream, fresh, login, sample, awsume")
    p.add_argument("--out", default=str(REPO / "target" / "bench" / "results.md"),
                   help="where to write the report (also printed)")
    p.add_argument("--phase", type=int, help=argparse.SUPPRESS)  # internal: one delay
    p.add_argument("--phase-out", help=argparse.SUPPRESS)
    args = p.parse_args()
    if not os.environ.get("DBUS_SESSION_BUS_ADDRESS"):
        sys.exit("no D-Bus session: run this through tests/bench/run")
    if args.quick:
        return quick(args)
    if args.awsume and not have_awsume():
        print("awsume is not installed: pip install -r tests/bench/requirements.txt "
              "(or --no-awsume)", file=sys.stderr)
        return 2
    if args.phase is not None:
        res, busy = run_delay(args.phase, args, None)
        Path(args.phase_out).write_text(json.dumps({
            "samples": res.samples, "trips": res.trips, "upstream": res.upstream,
            "rss": res.rss, "notes": res.notes, "busy": busy}))
        return 0
    info = versions()
    results = {}
    for d in [int(x) for x in args.delays.split(",")]:
        # Each delay in a process of its own: this one's memory grows over a phase, and a
        # bigger parent spawns children more slowly, which made a second phase look slower.
        with tempfile.NamedTemporaryFile(suffix=".json") as f:
            argv = [sys.executable, __file__, "--phase", str(d), "--phase-out", f.name,
                    "-n", str(args.n), "--cold", str(args.cold), "--ten", str(args.ten),
                    "--peers", str(args.peers), "--skip", args.skip]
            argv += [] if args.awsume else ["--no-awsume"]
            subprocess.run(argv, check=True)
            raw = json.loads(Path(f.name).read_text())
        res = Results()
        res.samples, res.upstream, res.rss, res.notes = (
            raw["samples"], raw["upstream"], raw["rss"], raw["notes"])
        res.trips = {k: [tuple(t) for t in v] for k, v in raw["trips"].items()}
        results[d] = (res, raw["busy"])
    text = report(results, info, args)
    print(text)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text + "\n")
    raw = {str(d): {"samples": r.samples, "trips": r.trips, "upstream": r.upstream,
                    "rss": r.rss, "busy": b} for d, (r, b) in results.items()}
    out.with_suffix(".json").write_text(json.dumps({"info": info, "results": raw}, indent=1))
    print(f"\n(written to {out} and {out.with_suffix('.json')})", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
