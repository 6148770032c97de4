#!/usr/bin/env python3
"""THIRD-PARTY-LICENSES.md for the release artefacts: every crate compiled into the
`rolecall` binary for a target (normal dependencies only, resolved by `cargo metadata` with
the lockfile), with its version, licence and source, and the C code built into it
(libdbus, vendored by libdbus-sys). The extension ships no third-party code (its npm
packages are build and test tools only).

    python3 packaging/third_party.py [--target x86_64-unknown-linux-gnu] > THIRD-PARTY-LICENSES.md
"""

import argparse
import json
import subprocess
import sys


def host_target():
    out = subprocess.run(["rustc", "-vV"], capture_output=True, text=True, check=True).stdout
    return next(l.split(": ", 1)[1] for l in out.splitlines() if l.startswith("host: "))


def crates(target):
    meta = json.loads(
        subprocess.run(
            ["cargo", "metadata", "--locked", "--format-version", "1", "--filter-platform", target],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    )
    packages = {p["id"]: p for p in meta["packages"]}
    nodes = {n["id"]: n for n in meta["resolve"]["nodes"]}
    root = next(p["id"] for p in meta["packages"] if p["name"] == "rolecall")
    # Walk normal (not dev, not build) dependencies from the binary's package.
    seen, todo = set(), [root]
    while todo:
        pid = todo.pop()
        if pid in seen:
            continue
        seen.add(pid)
        for dep in nodes[pid]["deps"]:
            if any(k["kind"] is None for k in dep["dep_kinds"]):
                todo.append(dep["pkg"])
    seen.discard(root)
    return sorted((packages[p] for p in seen), key=lambda p: (p["name"], p["version"]))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--target", default=None)
    args = ap.parse_args()
    target = args.target or host_target()
    rows = crates(target)
    out = [
        "# Third-party software in rolecall",
        "",
        f"The `rolecall` binary for `{target}` is built from these crates (crates.io, unless said",
        "otherwise), each under the licence it names; their licence texts are in their sources",
        "(the crate's repository, or `cargo vendor`). rolecall itself is MIT OR Apache-2.0",
        "(LICENSE-MIT, LICENSE-APACHE).",
        "",
        "| crate | version | licence | source |",
        "|---|---|---|---|",
    ]
    missing = []
    for p in rows:
        lic = p.get("license") or ("see " + p["license_file"] if p.get("license_file") else "")
        if not lic:
            missing.append(p["name"])
        src = p.get("repository") or "crates.io"
        if p.get("source") is None:
            src = "carried in this repository (third_party/), " + src
        out.append(f"| {p['name']} | {p['version']} | {lic} | {src} |")
    if any(p["name"] == "libdbus-sys" for p in rows):
        out += [
            "",
            "## C code built in",
            "",
            "libdbus-sys (feature `vendored`) compiles the reference D-Bus library, libdbus",
            "(https://gitlab.freedesktop.org/dbus/dbus), into the binary: Academic Free License",
            "2.1 OR GPL-2.0-or-later; rolecall uses it under the AFL-2.1.",
        ]
    if missing:
        print(f"crates without a licence: {', '.join(missing)}", file=sys.stderr)
        sys.exit(1)
    print("\n".join(out))


if __name__ == "__main__":
    main()
