"""On a failed end-to-end case, print the tail of the browser's log (it includes the native
host's stderr), which is where the reason usually is."""

import pytest


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
