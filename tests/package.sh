#!/usr/bin/env bash
# The release artefacts, built once and checked (issue 16). `bash tests/run package` runs
# `all`, inside a private D-Bus session (the Firefox run needs its keyring):
#
#   bash tests/package.sh all       build once, then both parts below
#   bash tests/package.sh archive   build with packaging/release.sh (the .deb too where
#                                   dpkg-deb is), then check the archive: its checksums, its
#                                   layout, and that its binary runs (--version, host.info)
#   bash tests/package.sh deb       install the .deb with dpkg -i, check every file it placed,
#                                   run the Firefox end-to-end test against the system-wide
#                                   host with no per-user manifest (and start Chromium on its
#                                   /etc/chromium link the same way), dpkg -r, check that
#                                   nothing of it is left. Changes the machine, so it runs only
#                                   as root with dpkg, and otherwise says so and exits 77
#                                   (skipped; `all` goes on and passes). It removes the
#                                   package again even when a check fails.
#
# Needs Rust, Node.js and PYTHON with tests/requirements.txt (as tests/run does).
set -euo pipefail
cd "$(dirname "$0")/.."
REPO=$PWD
PYTHON=${PYTHON:-python3}
export PYTHON
SKIP=77
part=${1:?usage: bash tests/package.sh all|archive|deb}

step() { printf '\n--- %s\n' "$*"; }
have() { command -v "$1" >/dev/null 2>&1; }

build() {
  local args=()
  if have dpkg-deb && have dpkg-shlibdeps; then args+=(--deb); fi
  local start
  start=$(date +%s)
  bash packaging/release.sh ${args[@]+"${args[@]}"}
  echo "release artefacts built in $(($(date +%s) - start)) s"
}

check_archive() {
  step "the release archive"
  "$PYTHON" -m pytest -q -p no:cacheprovider tests/package/test_archive.py
}

# The dpkg part (a subshell: its cleanup trap); 77 when it cannot run here.
deb_part() (
    if [ "$(id -u)" -ne 0 ] || ! have dpkg || ! have dpkg-deb || ! have dpkg-shlibdeps; then
      echo "SKIPPED: the Debian package test installs the package with dpkg -i, which needs"
      echo "root, dpkg and dpkg-dev, and changes this machine. CI runs it as root; to run it here:"
      echo "  sudo bash tests/run package"
      exit $SKIP
    fi
    if dpkg-query -W -f='${Status}' rolecall 2>/dev/null | grep -q 'installed'; then
      echo "SKIPPED: a rolecall package is installed on this machine already; this test would"
      echo "replace and then remove it. Remove it first (sudo dpkg -r rolecall) to run the test."
      exit $SKIP
    fi
    step "the Debian package, as root: dpkg -i, its files, Firefox and Chromium through the system-wide manifests, dpkg -r"
    deb=$(ls target/dist/rolecall_*.deb)
    work=$(mktemp -d -t rolecall-deb.XXXXXX)
    export ROLECALL_DEB="$REPO/$deb" ROLECALL_DEB_WORK="$work"
    # Whatever happens below, the machine ends as it began: the package removed and purged,
    # and the folders it shares with the system there again (dpkg removes an empty folder no
    # package owned, such as /etc/opt, with the package that last used it).
    dpkg-deb -c "$deb" | awk '$1 ~ /^d/ { sub(/^\./, "", $6); print $6 }' | while read -r dir; do
      if [ -d "$dir" ]; then echo "$dir"; fi
    done >"$work/dirs-here"
    cleanup() {
      if dpkg-query -W -f='${Status}' rolecall 2>/dev/null | grep -q 'installed'; then
        echo "cleaning up: dpkg --purge rolecall"
        dpkg --purge rolecall >/dev/null || true
      fi
      # Parents come first in the list, as in the package.
      while read -r dir; do
        if [ ! -d "$dir" ]; then mkdir -m 755 "$dir"; fi
      done <"$work/dirs-here"
      rm -rf "$work"
    }
    trap cleanup EXIT

    step "before: nothing of the package on this machine"
    "$PYTHON" -m pytest -q -p no:cacheprovider tests/package/test_deb.py -k before
    step "dpkg -i $deb"
    start=$(date +%s)
    dpkg -i "$deb"
    echo "installed in $(($(date +%s) - start)) s"
    dpkg -L rolecall >"$work/listed"
    step "what the package placed"
    "$PYTHON" -m pytest -q -p no:cacheprovider tests/package/test_deb.py -k installed
    step "end to end, through the system-wide manifests alone: Firefox (two consoles), Chromium (its /etc link)"
    ROLECALL_BIN=/usr/bin/rolecall ROLECALL_E2E_SYSTEM_HOST=1 "$PYTHON" -m pytest -v -p no:cacheprovider tests/e2e \
      -k 'test_popup_lists_configured_roles_grouped or test_firefox_started_the_host_its_manifest_names or test_two_roles_open_side_by_side_in_two_containers or test_same_role_again_reuses_its_container or test_chromium_started_the_host_its_manifest_names'
    step "dpkg -r rolecall"
    dpkg -r rolecall
    step "after: nothing of it left"
    "$PYTHON" -m pytest -q -p no:cacheprovider tests/package/test_deb.py -k removed
)

case "$part" in
  all)
    build
    check_archive
    status=0
    # A process of its own: `set -e` holds in it (it would not in a function called with ||).
    bash tests/package.sh deb --built || status=$?
    # Skipped (not root, or a package already installed): it said why; the rest passed.
    if [ "$status" -eq $SKIP ]; then status=0; fi
    exit "$status"
    ;;

  archive)
    build
    check_archive
    ;;

  deb)
    # Built again (the release build itself is cached): the package must hold this tree.
    # (--built: by `all`, just before.)
    if [ "${2:-}" != --built ]; then build; fi
    deb_part
    ;;

  *)
    echo "usage: bash tests/package.sh all|archive|deb" >&2
    exit 2
    ;;
esac
