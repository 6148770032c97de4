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

# Registers with every browser set up for this user; with none yet (a fresh machine) it
# says so and succeeds: run `rolecall install --browser NAME` once a browser is there.
"$bindir/rolecall" install --browser all

if command -v node >/dev/null 2>&1 && [ -f extension/build.mjs ]; then
  node extension/build.mjs
fi

cat <<'NEXT'

Next:
  1. If your roles are in ~/.aws/config already, import them (and move the gateway keys
     out of ~/.aws/credentials into the OS keyring); look first with --dry-run:
       rolecall import aws-config --dry-run
       rolecall import aws-config --move-keys
     Otherwise store your gateway IAM user's keys (the secret is prompted for) and add roles:
       rolecall gateway add corp --access-key-id AKIA… [--mfa-serial arn:aws:iam::…:mfa/you]
       rolecall role add prod-admin --account 111111111111 --role-name Admin --gateway corp
  2. Load the extension (see README.md, "Load the extension") and click a role.
  Check every link at any time:    rolecall doctor
  Try it from the terminal first:  rolecall login prod-admin
NEXT
