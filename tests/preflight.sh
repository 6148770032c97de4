# Sourced by tests/run, .ci/run and setup.sh: what the machine must have, checked in a few
# seconds before anything is built, with the command that gets what is missing.
# Pure bash (no sed, no sort -V): it must work on a machine that lacks most tools.

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

# The first "X.Y" or "X.Y.Z" in $1, into VERSION_FOUND (empty when there is none).
first_version() {
  VERSION_FOUND=""
  if [[ $1 =~ ([0-9]+)\.([0-9]+)(\.([0-9]+))? ]]; then VERSION_FOUND=${BASH_REMATCH[0]}; fi
}

# Whether version $1 is at least $2 (both X.Y or X.Y.Z; missing parts count as 0).
version_at_least() {
  local -a have need
  IFS=. read -r -a have <<<"$1"
  IFS=. read -r -a need <<<"$2"
  local i h n
  for i in 0 1 2; do
    h=$((10#${have[i]:-0})) n=$((10#${need[i]:-0}))
    if [ "$h" -gt "$n" ]; then return 0; fi
    if [ "$h" -lt "$n" ]; then return 1; fi
  done
  return 0
}

# The oldest Rust the project builds with: `rust-version` in the workspace's Cargo.toml, the
# one place it is written.
rust_version_needed() {
  local line
  while IFS= read -r line; do
    if [[ $line =~ ^rust-version[[:space:]]*=[[:space:]]*\"([0-9.]+)\" ]]; then
      echo "${BASH_REMATCH[1]}"
      return 0
    fi
  done <"${PREFLIGHT_ROOT:-.}/Cargo.toml"
  echo "preflight: no rust-version in Cargo.toml" >&2
  return 1
}

# The oldest Node.js the extension's build and tests run on: "engines" in
# extension/package.json ({ "node": ">=20" }).
node_version_needed() {
  local text
  text=$(<"${PREFLIGHT_ROOT:-.}/extension/package.json")
  if [[ $text =~ \"node\"[[:space:]]*:[[:space:]]*\"\>=[[:space:]]*([0-9.]+)\" ]]; then
    echo "${BASH_REMATCH[1]}"
  else
    echo "preflight: no engines.node in extension/package.json" >&2
    return 1
  fi
}

# Prints what is wrong with the Rust toolchain and Node.js (nothing when both are new
# enough), each problem with the version found, the one needed and how to get it.
# --tests: also the rustfmt and clippy components, which only the test run uses.
toolchain_problems() {
  local tests=false
  if [ "${1:-}" = --tests ]; then tests=true; fi
  local rust_need node_need tool out
  rust_need=$(rust_version_needed) || return 0
  node_need=$(node_version_needed) || return 0
  local rust_fix="  Install Rust with rustup (https://rustup.rs), which puts cargo and rustc in ~/.cargo/bin;
  with rustup there already: rustup update stable && rustup default stable.
  (Debian 12's apt cargo and rustc are 1.63, too old for rolecall.)"
  local rust_bad=""
  for tool in cargo rustc; do
    if ! command -v "$tool" >/dev/null 2>&1; then
      rust_bad+="rolecall needs Rust $rust_need or newer (rust-version in Cargo.toml); this machine has no $tool on PATH."$'\n'
      continue
    fi
    if ! out=$("$tool" --version 2>&1); then
      rust_bad+="rolecall needs Rust $rust_need or newer (rust-version in Cargo.toml); $(command -v "$tool") --version fails: ${out%%$'\n'*}"$'\n'
      continue
    fi
    first_version "$out"
    if [ -z "$VERSION_FOUND" ] || ! version_at_least "$VERSION_FOUND" "$rust_need"; then
      rust_bad+="rolecall needs Rust $rust_need or newer (rust-version in Cargo.toml); this machine has $tool ${VERSION_FOUND:-of unknown version} ($(command -v "$tool"))."$'\n'
    fi
  done
  if [ -n "$rust_bad" ]; then
    printf '%s%s\n' "$rust_bad" "$rust_fix"
  elif $tests; then
    for tool in fmt clippy; do
      if ! cargo "$tool" --version >/dev/null 2>&1; then
        echo "The tests need cargo $tool, which this Rust toolchain lacks."
        echo "  Add it: rustup component add $([ "$tool" = fmt ] && echo rustfmt || echo clippy)"
      fi
    done
  fi

  local node_fix="  Install Node.js $node_need or newer from NodeSource (https://github.com/nodesource/distributions)
  or with nvm; Debian 12's apt nodejs is 18, too old."
  local node_has=""
  if ! command -v node >/dev/null 2>&1; then
    node_has="no node on PATH"
  elif ! out=$(node --version 2>&1); then
    node_has="a node whose --version fails ($(command -v node): ${out%%$'\n'*})"
  else
    first_version "$out"
    if [ -z "$VERSION_FOUND" ] || ! version_at_least "$VERSION_FOUND" "$node_need"; then
      node_has="node ${VERSION_FOUND:-of unknown version} ($(command -v node))"
    fi
  fi
  if [ -n "$node_has" ]; then
    echo "rolecall's extension build needs Node.js $node_need or newer (engines in extension/package.json); this machine has $node_has."
    echo "$node_fix"
  fi
  return 0
}

# For setup.sh: stop when Rust or Node.js is missing or too old.
check_toolchain() {
  local problems
  problems=$(toolchain_problems)
  [ -z "$problems" ] && return 0
  echo "$problems" >&2
  exit 2
}

# For tests/run: the toolchain and the Debian packages, all problems at once.
preflight() {
  local missing problems
  missing=$(missing_packages | sort -u | tr '\n' ' ')
  missing=${missing% }
  problems=$(toolchain_problems --tests)
  [ -z "$missing" ] && [ -z "$problems" ] && return 0
  {
    if [ -n "$problems" ]; then echo "$problems"; fi
    if [ -n "$missing" ]; then
      echo "rolecall's tests need Debian packages this machine lacks: $missing"
      echo "Install them:"
      echo "  sudo apt-get install -y --no-install-recommends $missing"
      echo "or let CI's script install everything and run the tests:  sudo bash .ci/run"
    fi
  } >&2
  exit 2
}
