#!/usr/bin/env bash
# Bounded fuzzing: builds the cargo-fuzz targets in fuzz/ and runs each from its committed
# seed corpus (fuzz/corpus/<target>/) for a fixed time; any crash, panic or broken
# invariant fails. New inputs the fuzzer finds go to a scratch folder, so the committed
# corpora only change by hand. See docs/FUZZING.md.
#
#   bash tests/fuzz.sh                  # every target, FUZZ_SECONDS (default 20) each
#   FUZZ_SECONDS=600 bash tests/fuzz.sh destination aws_config
#   bash tests/fuzz.sh --install        # only install the pinned cargo-fuzz (.ci/run)
#
# Stable Rust, no sanitizer: the project forbids unsafe code, and AddressSanitizer needs a
# nightly compiler, which a fresh machine of this project's kind does not have. libFuzzer's
# coverage instrumentation works on stable.
set -euo pipefail
cd "$(dirname "$0")/.."
REPO=$PWD

CARGO_FUZZ_VERSION=0.13.2
TARGETS=(frame rpc_request destination aws_config)
SECONDS_EACH=${FUZZ_SECONDS:-20}
install_only=false
if [ "${1:-}" = --install ]; then install_only=true; shift; fi
if [ $# -gt 0 ]; then TARGETS=("$@"); fi

if ! cargo fuzz --version 2>/dev/null | grep -qF " $CARGO_FUZZ_VERSION"; then
  echo "installing cargo-fuzz $CARGO_FUZZ_VERSION"
  cargo install --quiet --locked cargo-fuzz --version "$CARGO_FUZZ_VERSION"
fi
if $install_only; then exit 0; fi

# cargo fuzz has no --locked: check fuzz/Cargo.lock is current first, so CI fuzzes exactly
# the committed dependency versions.
cargo metadata --locked --format-version 1 --manifest-path fuzz/Cargo.toml >/dev/null

start=$(date +%s)
cargo fuzz build --sanitizer none
echo "fuzz targets built in $(($(date +%s) - start)) s"

work=$(mktemp -d -t rolecall-fuzz.XXXXXX)
trap 'rm -rf "$work"' EXIT
passed=0
failed=0
for t in "${TARGETS[@]}"; do
  mkdir -p "$work/$t"
  log="$work/$t.log"
  # -timeout: one input taking 10 s is a hang; -rss_limit_mb: the frame cap is 1 MiB, so
  # anything near this is a leak or a runaway allocation.
  # A dictionary of the words the target's parser looks for, where there is one.
  dict=()
  if [ -f "fuzz/dict/$t.dict" ]; then dict=(-dict="fuzz/dict/$t.dict"); fi
  if cargo fuzz run --sanitizer none "$t" "$work/$t" "fuzz/corpus/$t" -- \
      -max_total_time="$SECONDS_EACH" -timeout=10 -rss_limit_mb=1024 \
      "${dict[@]}" -print_final_stats=1 >"$log" 2>&1; then
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
    rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
    echo "ok: $t: $runs inputs in ${SECONDS_EACH} s ($rate/s)"
    passed=$((passed + 1))
  else
    echo "FAILED: $t; the end of its log:"
    tail -n 60 "$log"
    echo "Reproduce: cargo fuzz run --sanitizer none $t fuzz/artifacts/$t/<crash file>"
    failed=$((failed + 1))
  fi
done
echo "fuzz targets: $passed passed, $failed failed ($(($(date +%s) - start)) s in all, in $REPO)"
[ "$failed" -eq 0 ]
