#!/usr/bin/env bash
# The extension's whole test run: build, unit tests, web-ext lint, then end to end in headless
# Firefox ESR and Chromium with the real host. Called by tests/run from the repo root inside a
# D-Bus session with an unlocked gnome-keyring; needs ROLECALL_BIN (the built host) and PYTHON
# (with tests/requirements.txt installed). Installs the pinned npm tools itself when missing.
set -euo pipefail
cd "$(dirname "$0")/.."
: "${ROLECALL_BIN:?set ROLECALL_BIN to the built rolecall binary}"
PYTHON=${PYTHON:-python3}
export ROLECALL_BIN PYTHON

step() { printf '\n--- %s\n' "$*"; }

if [ ! -x extension/node_modules/.bin/web-ext ]; then
  step "npm ci (extension)"
  (cd extension && npm ci --no-audit --no-fund)
fi

step "build the extension"
node extension/build.mjs

step "unit tests (node --test)"
node --test extension/test/

step "web-ext lint (dist/firefox)"
# --warnings-as-errors: a warning we could fix fails the run too.
(cd extension && node_modules/.bin/web-ext lint --source-dir dist/firefox --warnings-as-errors --no-input)

step "end-to-end: Firefox ESR + Chromium, real host, loopback AWS fakes"
"$PYTHON" -m pytest -v -p no:cacheprovider tests/e2e

step "click benchmark smoke (real Firefox; sign-in calls per click, no timing)"
"$PYTHON" tests/bench/click_bench.py --quick

step "popup benchmark smoke (real Firefox, 2,000 roles; rows virtual, searches right, no timing)"
"$PYTHON" tests/bench/popup_bench.py --quick
