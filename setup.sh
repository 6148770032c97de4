#!/usr/bin/env bash
# Set rolecall up for this user: build the release binary, put it on PATH, register it with
# the browsers, build the extension packages, and say what to do next.
# `bash setup.sh --next-steps` prints only the last part.
set -euo pipefail
cd "$(dirname "$0")"

bindir="${ROLECALL_BINDIR:-$HOME/.local/bin}"

# The next steps, written so that each command works when pasted as printed: with the full
# path when $bindir is not on PATH, and then, last, the line that puts it there.
next_steps() {
  local rc=rolecall on_path=true
  case ":$PATH:" in
    *":$bindir:"*) ;;
    *) rc="$bindir/rolecall"; on_path=false ;;
  esac
  cat <<NEXT

Next:
  1. If your roles are in ~/.aws/config already, import them (and move the gateway keys
     out of ~/.aws/credentials into the OS keyring); look first with --dry-run:
       $rc import aws-config --dry-run
       $rc import aws-config --move-keys
     Otherwise store your gateway IAM user's keys (the secret is prompted for) and add roles:
       $rc gateway add corp --access-key-id AKIA… [--mfa-serial arn:aws:iam::…:mfa/you]
       $rc role add prod-admin --account 111111111111 --role-name Admin --gateway corp
  2. Load the extension (see docs/INSTALL.md, "Load the extension") and click a role.
  Check every link at any time:    $rc doctor
  Try it from the terminal first:  $rc login prod-admin
NEXT
  if ! $on_path; then
    local profile="$HOME/.profile"
    case "${SHELL:-}" in
      */zsh) profile="$HOME/.zshrc" ;;
      */bash) profile="$HOME/.bashrc" ;;
    esac
    cat <<PATHNOTE

$bindir is not on your PATH, so the commands above name it in full. To type just
"rolecall", add it to your shell's start-up file and open a new terminal:
  echo 'export PATH="$bindir:\$PATH"' >> $profile
PATHNOTE
  fi
}

if [ "${1:-}" = --next-steps ]; then
  next_steps
  exit 0
fi

# Rust and Node.js new enough (Cargo.toml's rust-version, extension/package.json's engines),
# checked before anything is built: when one is missing or too old, this stops within
# seconds and says how to get it.
# shellcheck source=tests/preflight.sh
source tests/preflight.sh
check_toolchain

echo "Building rolecall (release)…"
cargo build --release --locked -p rolecall
mkdir -p "$bindir"
install -m 0755 target/release/rolecall "$bindir/rolecall"
echo "Installed $bindir/rolecall"

# Registers with every browser set up for this user; with none yet (a fresh machine) it
# says so and succeeds: run `rolecall install --browser NAME` once a browser is there.
"$bindir/rolecall" install --browser all

node extension/build.mjs

next_steps
