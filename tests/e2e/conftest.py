"""On a failed end-to-end case, print the tail of the browser's log (it includes the native
host's stderr), which is where the reason usually is.

Every temporary file of the run (config folders, browser profiles, the folders Firefox,
Chromium and the host make for themselves) goes under one folder of its own (TMPDIR for
every process started, tempfile's default for the tests); when the run is over it must be
empty, else the run fails and names what was left (issue 11, item 21)."""

import os
import shutil
import tempfile
from pathlib import Path

import pytest


@pytest.fixture(scope="session", autouse=True)
def temp_root():
    root = Path(tempfile.mkdtemp(prefix="rolecall-e2e-run-"))
    saved = (os.environ.get("TMPDIR"), tempfile.tempdir)
    os.environ["TMPDIR"] = str(root)
    tempfile.tempdir = str(root)
    try:
        yield root
    finally:
        # Module fixtures (browsers, stacks, configs) have been torn down by now.
        left = sorted(p.name for p in root.iterdir())
        if saved[0] is None:
            os.environ.pop("TMPDIR", None)
        else:
            os.environ["TMPDIR"] = saved[0]
        tempfile.tempdir = saved[1]
        shutil.rmtree(root, ignore_errors=True)
        assert not left, f"the end-to-end run left these behind in its temporary folder: {left}"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.when != "call" or not report.failed:
        return
    for name in ("ff", "chromium"):
        browser = item.funcargs.get(name)
        if browser is not None:
            report.sections.append((f"{name} log (tail)", browser.log[-6000:]))
