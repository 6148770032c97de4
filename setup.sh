#!/usr/bin/env bash
# Set rolecall up for this user: build the release binary, put it on PATH, register it with
# the browsers, build the extension packages, and say what to do next.
set -euo pipefail
cd "$(dirname "$0")"

bindir="${ROLECALL_BINDIR:-$HOME/.local/bin}"
echo "Building rolecall (release)…"
cargo build --release --locked -p rolecall
mkdir -p "$bindir"
install -m 0755 target/release/rolecall "$bindir/rolecall"
echo "Installed $bindir/rolecall"
case ":$PATH:" in
  *":$bindir:"*) ;;
  *) echo "Note: $bindir is not on your PATH; add it, or call $bindir/rolecall directly." ;;
esac

if "$bindir/rolecall" install --help >/dev/null 2>&1; then
  "$bindir/rolecall" install --browser all
fi

if command -v node >/dev/null 2>&1 && [ -f extension/build.mjs ]; then
  node extension/build.mjs
fi

cat <<'NEXT'

Next:
  1. Store your gateway IAM user's keys in the OS keyring (the secret is prompted for):
       rolecall gateway add corp --access-key-id AKIA… [--mfa-serial arn:aws:iam::…:mfa/you]
  2. Add the roles it can assume:
       rolecall role add prod-admin --account 111111111111 --role-name Admin --gateway corp
  3. Load the extension (see README.md, "Load the extension") and click a role.
  Try it from the terminal first:  rolecall login prod-admin
NEXT
