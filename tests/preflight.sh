# Sourced by tests/run and .ci/run: what the test suite needs from the machine, and the
# exact command that installs what is missing (Debian package names).

# command:Debian package that provides it
PREFLIGHT_COMMANDS=(
  python3:python3
  node:nodejs
  npm:npm
  dbus-run-session:dbus-daemon
  dbus-daemon:dbus
  gnome-keyring-daemon:gnome-keyring
  firefox-esr:firefox-esr
  chromium:chromium
  # dpkg-shlibdeps: the Debian package's Depends (packaging/release.sh --deb).
  dpkg-shlibdeps:dpkg-dev
  # groff renders `rolecall man` in its test.
  groff:groff-base
)

# Prints the Debian packages the machine lacks, one per line.
missing_packages() {
  local entry
  for entry in "${PREFLIGHT_COMMANDS[@]}"; do
    command -v "${entry%%:*}" >/dev/null 2>&1 || echo "${entry#*:}"
  done
  # venv needs ensurepip, which Debian splits off into python3-venv.
  if command -v python3 >/dev/null 2>&1 && ! python3 -c 'import ensurepip, venv' 2>/dev/null; then
    echo python3-venv
  fi
  # The CA bundle the host trusts (native-host/src/console/roots.rs).
  [ -f /etc/ssl/certs/ca-certificates.crt ] || [ -n "${SSL_CERT_FILE:-}" ] || echo ca-certificates
  return 0
}

preflight() {
  local missing
  missing=$(missing_packages | sort -u | tr '\n' ' ')
  missing=${missing% }
  if ! command -v cargo >/dev/null 2>&1; then
    echo "rolecall's tests need a Rust toolchain: install it with rustup (https://rustup.rs)." >&2
    [ -z "$missing" ] && exit 2
  fi
  [ -z "$missing" ] && return 0
  {
    echo "rolecall's tests need Debian packages this machine lacks: $missing"
    echo "Install them:"
    echo "  sudo apt-get install -y --no-install-recommends $missing"
    echo "or let CI's script install everything and run the tests:  sudo bash .ci/run"
  } >&2
  exit 2
}
