#!/usr/bin/env python3
"""roles.list at scale (issue 14): a warm host (one long-lived process, as the extension's
connectNative port) lists N roles in full, page after page, as the extension does. Reports
the wall time of each whole listing (median, p95), the pages, the bytes and the largest
frame. The client reads each frame and finds `next_cursor` without decoding the rest, so
the time is the host's and the pipe's, not Python's JSON parser.

    python tests/bench/list_bench.py [--roles 10000] [--runs 20] [--bin target/release/rolecall]
    python tests/bench/list_bench.py --quick    # 2,000 roles, 2 runs, checks, no timing claims
"""

import argparse
import json
import os
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1] / "tests" / "lib"))

from host import ADDON_ID, MAX_FRAME, Host  # noqa: E402

NEXT = re.compile(rb'"next_cursor":(?:"([^"]*)"|null)')


def write_config(folder: Path, n: int):
    parts = ['[[gateway]]\nname = "corp"\nregion = "eu-west-1"\n']
    for i in range(n):
        parts.append(
            f'\n[[role]]\nid = "role-{i:05d}"\naccount_id = "{100000000000 + i:012d}"\n'
            f'role_name = "Admin"\ngateway = "corp"\nlabel = "Account {i} administrator"\n'
            f'group = "Group {i % 50}"\n'
        )
    (folder / "config.toml").write_text("".join(parts))


def list_all(h, **params):
    """One whole listing: (seconds, pages, bytes, largest frame, roles)."""
    started = time.perf_counter()
    cursor, pages, total, largest, roles = None, 0, 0, 0, 0
    while True:
        h.request("roles.list", {**params, **({"cursor": cursor} if cursor else {})} or None)
        raw = h.recv_raw()
        pages += 1
        total += len(raw)
        largest = max(largest, len(raw))
        roles += raw.count(b'"account_id":')
        m = NEXT.search(raw)
        assert m, raw[:200]
        if b'"unchanged":true' in raw:
            return time.perf_counter() - started, pages, total, largest, None
        if not m.group(1):
            break
        cursor = m.group(1).decode()
    return time.perf_counter() - started, pages, total, largest, roles


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--roles", type=int, default=10_000)
    p.add_argument("--runs", type=int, default=20)
    p.add_argument("--bin", default=os.environ.get("ROLECALL_BIN"))
    p.add_argument("--quick", action="store_true")
    args = p.parse_args()
    if args.quick:
        args.roles, args.runs = 2000, 2
    if args.bin:
        import host

        host.binary = lambda: args.bin
    with tempfile.TemporaryDirectory() as d:
        folder = Path(d)
        write_config(folder, args.roles)
        env = dict(os.environ, ROLECALL_CONFIG_DIR=str(folder), ROLECALL_DATA_DIR=str(folder / "data"))
        env.pop("ROLECALL_LOG", None)
        h = Host(env, args=[host_binary(), "/tmp/dev.rolecall.host.json", ADDON_ID])
        h.call("host.info")
        first = list_all(h)  # parses the config: not a warm listing
        report = {"roles": args.roles, "runs": args.runs, "first_listing_ms": round(first[0] * 1000, 1)}
        # The full form (protocol 5 clients), the compact one the extension asks for
        # (protocol 6), and the answer to a client that already has the listing.
        for form, params in [("full", {}), ("compact", {"compact": True})]:
            times = []
            for _ in range(args.runs):
                t, pages, total, largest, roles = list_all(h, **params)
                assert roles == args.roles, (roles, args.roles)
                assert largest < MAX_FRAME, largest
                times.append(t * 1000)
            report[form] = {**summary(times), "pages": pages, "bytes": total, "largest_frame": largest}
        etag = h.call("roles.list", {"compact": True, "limit": 1})["result"]["etag"]
        times = []
        for _ in range(args.runs):
            t, pages, total, largest, roles = list_all(h, compact=True, if_none_match=etag)
            assert roles is None and pages == 1, "an unchanged listing is one small answer"
            times.append(t * 1000)
        report["unchanged"] = {**summary(times), "bytes": total}
        assert h.close() == 0
    if args.quick:
        c = report["compact"]
        print(f"list smoke: {args.roles} roles in {c['pages']} compact pages, largest frame {c['largest_frame']} bytes; unchanged answered in {report['unchanged']['bytes']} bytes: ok")
        return
    print(json.dumps(report, indent=2))


def summary(times):
    times = sorted(times)
    p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
    return {"ms_median": round(statistics.median(times), 1), "ms_p95": round(p95, 1)}


def host_binary():
    import host

    return host.binary()


if __name__ == "__main__":
    main()
