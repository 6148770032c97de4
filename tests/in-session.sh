#!/usr/bin/env bash
# The part of tests/run that needs the private D-Bus session (see tests/run).
set -euo pipefail
cd "$(dirname "$0")/.."
REPO=$PWD

# rustup and cargo find their homes through HOME unless told: keep them.
export RUSTUP_HOME="${RUSTUP_HOME:-$HOME/.rustup}" CARGO_HOME="${CARGO_HOME:-$HOME/.cargo}"
HOME=$(mktemp -d -t rolecall-home.XXXXXX)
export HOME
trap 'rm -rf "$HOME"' EXIT
# A fresh login keyring, unlocked with a throwaway password.
eval "$(printf 'test-pw' | gnome-keyring-daemon --unlock --components=secrets)"
export GNOME_KEYRING_CONTROL

passed=0
failed=0
skipped=0
# A suite that exits 77 was skipped (it said why): counted apart, not failed.
suite() {
  local name=$1 status=0; shift
  printf '\n=== %s\n' "$name"
  "$@" || status=$?
  case $status in
    0) passed=$((passed + 1)) ;;
    77) skipped=$((skipped + 1)); echo "SKIPPED: $name" ;;
    *) failed=$((failed + 1)); echo "FAILED: $name" ;;
  esac
}

suite "rust unit tests" cargo test --locked
# The patched Secret Service client's own checks of what the service sends (third_party/).
suite "vendored dbus-secret-service checks" cargo test --locked -p dbus-secret-service --lib session::peer_checks
# Each fuzz target from its seed corpus for a bounded time (tests/fuzz.sh, docs/FUZZING.md).
suite "fuzzing (${FUZZ_SECONDS:-20} s a target)" bash tests/fuzz.sh
suite "host integration tests" "$PYTHON" -m pytest -q -p no:cacheprovider tests/integration
# Round trips per open (2 cold, 1 cached) and ten pipelined opens; no timing claims.
suite "benchmark smoke (no timing)" "$PYTHON" tests/bench/bench.py --quick
# roles.list paging end to end at 2,000 roles: every role once, every frame under 1 MiB.
suite "roles.list at scale smoke (no timing)" "$PYTHON" tests/bench/list_bench.py --quick
if [ -f tests/extension.sh ]; then
  suite "extension tests" bash tests/extension.sh
fi

# The release artefacts (issue 16): one release build for the archive and the Debian package;
# the archive unpacked and run; the package installed with dpkg, driven by Firefox through its
# system-wide manifest, and removed (as root only: it changes the machine).
suite "release archive (packaging/release.sh)" bash tests/package.sh archive
suite "Debian package: dpkg -i, files, Firefox end to end, dpkg -r (root)" bash tests/package.sh deb

echo
echo "suites: $passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
