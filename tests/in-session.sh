#!/usr/bin/env bash
# Runs one command in a keyring session of its own, for tests/run (each stage runs in one):
#
#   dbus-run-session -- bash tests/in-session.sh COMMAND [ARGS…]
#
# The private D-Bus session comes from dbus-run-session; here a fresh HOME (removed again
# afterwards) and a fresh login keyring in it (gnome-keyring, unlocked with a throwaway
# password), so no test can see or change the user's real keyring, browsers or config.
set -euo pipefail

# rustup and cargo find their homes through HOME unless told: keep them.
export RUSTUP_HOME="${RUSTUP_HOME:-$HOME/.rustup}" CARGO_HOME="${CARGO_HOME:-$HOME/.cargo}"
HOME=$(mktemp -d -t rolecall-home.XXXXXX)
export HOME
trap 'rm -rf "$HOME"' EXIT
eval "$(printf 'test-pw' | gnome-keyring-daemon --unlock --components=secrets)"
export GNOME_KEYRING_CONTROL

"$@"
