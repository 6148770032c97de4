#!/usr/bin/env python3
"""Makes docs/popup.png, the README's picture of the popup: the real extension in the real
headless Firefox ESR at the popup's width (400 px), the real host against the loopback stack,
on a realistic day: a few groups, a favourite, a live console with its time left, a
production role, and the line that says which gateway needs the day's code.

    bash tests/run --session .venv/bin/python tests/e2e/popup_screenshot.py [--out docs/popup.png]

(tests/run's keyring session: a private D-Bus and an unlocked throwaway keyring, where the
gateways' keys go; it builds the host and the extension first)."""

import argparse
import base64
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
sys.path[:0] = [str(HERE), str(REPO / "tests" / "lib")]

from drivers import firefox_on_popup, wait_for  # noqa: E402
from host import binary, cli  # noqa: E402
from stack import AwsStack, rolecall_env, setup  # noqa: E402

MFA_SERIAL = "arn:aws:iam::999999999999:mfa/ana"
WIDTH = 400

# id, account, role name, gateway, label, group, extra options
ROLES = [
    ("acme-prod", "111111111111", "Admin", "corp", "Acme production admin", "Acme", ["--risk", "production"]),
    ("acme-dev", "222222222222", "Developer", "corp", "Acme development", "Acme", []),
    ("acme-ro", "111111111111", "ReadOnly", "corp", "Acme production read-only", "Acme", ["--risk", "production"]),
    ("data-analyst", "333333333333", "Analyst", "corp", "Data lake analyst", "Data platform", []),
    ("data-eng", "333333333334", "DataEngineer", "corp", "Data lake engineering", "Data platform", []),
    ("billing", "444444444444", "BillingReadOnly", "corp", "Billing read-only", "Finance", []),
    ("sandbox", "555555555555", "Developer", "lab", "Sandbox developer", "Sandbox", []),
    ("sandbox-admin", "555555555555", "Admin", "lab", "Sandbox admin", "Sandbox", []),
]


def shoot(out):
    with AwsStack() as aws, tempfile.TemporaryDirectory(prefix="rolecall-shot-") as tmp:
        env = rolecall_env(aws, tmp, "shot")
        key_id, secret = aws.gateway_keys
        steps = [
            (["gateway", "add", "corp", "--access-key-id", key_id, "--mfa-serial", MFA_SERIAL], secret + "\n"),
            (["gateway", "set", "corp", "--mfa-mode", "daily"], None),
            (["gateway", "add", "lab", "--access-key-id", key_id], secret + "\n"),
        ]
        for role_id, account, name, gateway, label, group, extra in ROLES:
            steps.append((["role", "add", role_id, "--account", account, "--role-name", name, "--gateway", gateway, "--label", label, "--group", group, *extra], None))
        setup(env, steps)
        # A console of the day: the sandbox, signed in from the terminal (the host's state file
        # is shared with the browser's host).
        r = cli(env, "login", "sandbox")
        assert r.returncode == 0, r.stderr
        with firefox_on_popup(env, REPO / "extension" / "dist" / "firefox", binary()) as ff:
            ff.cmd("browsingContext.setViewport", {"context": ff.context, "viewport": {"width": WIDTH, "height": 600}})
            ff.js("await browser.storage.sync.set({ pins: ['sandbox'] }); return true;")
            ff.open("popup.html")
            wait_for(lambda: ff.js("return document.querySelector('[data-time-for]')?.textContent ?? null"), what="the live console's time left")
            wait_for(lambda: not ff.js("return document.getElementById('codes').hidden"), what="the gateway line")
            # The live console's row selected (the first: a favourite), its tools showing
            # (Renew and Sign out among them); the pointer away from the list.
            ff.js("document.getElementById('search').focus(); return true;")
            for _ in range(40):
                if ff.js("return document.querySelector('[aria-selected=\"true\"]')?.dataset.role") == "sandbox":
                    break
                ff.type_keys("↓")
            height = ff.js("return Math.ceil(document.body.getBoundingClientRect().height)")
            shot = ff.cmd("browsingContext.captureScreenshot", {"context": ff.context, "clip": {"type": "box", "x": 0, "y": 0, "width": WIDTH, "height": height}})
    png = base64.b64decode(shot["data"])
    Path(out).write_bytes(png)
    return len(png), height


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--out", default=str(REPO / "docs" / "popup.png"))
    args = p.parse_args()
    size, height = shoot(args.out)
    print(f"{args.out}: {WIDTH}×{height} px, {size:,} bytes")
    return 0 if size < 150_000 else 1


if __name__ == "__main__":
    sys.exit(main())
