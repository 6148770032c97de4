#!/usr/bin/env bash
# Bounded fuzzing: builds the cargo-fuzz targets in fuzz/ and runs each from its committed
# seed corpus (fuzz/corpus/<target>/) for a fixed time; any crash, panic or broken
# invariant fails. New inputs the fuzzer finds go to a scratch folder, so the committed
# corpora only change by hand. See docs/FUZZING.md. `bash tests/run fuzz [--long]` runs it.
#
#   bash tests/fuzz.sh                  # every target, FUZZ_SECONDS (default 20) each, on the
#                                       # quick unoptimised build (what the default test run does)
#   bash tests/fuzz.sh --long           # the optimised build, FUZZ_SECONDS (default 300) each
#   FUZZ_SECONDS=600 bash tests/fuzz.sh --long destination aws_config
#   bash tests/fuzz.sh --install        # only install the pinned cargo-fuzz into target/tools
#   bash tests/fuzz.sh --build [--long] # only build the targets (tests/run does it early)
#
# Two builds: the default run uses `cargo fuzz build --dev` (coverage-instrumented, debug
# assertions and overflow checks on, no optimisation): about half the compile time of the
# optimised build, which a fresh clone pays in full, at a tenth or less of its inputs a
# second. That checks every seed and explores for a few seconds. --long builds with
# optimisation (cargo-fuzz's release default) for runs long enough to find new bugs.
#
# Targets run side by side, one per core (FUZZ_JOBS, default: the number of cores): libFuzzer
# uses one core a target.
#
# Stable Rust, no sanitizer: the project forbids unsafe code, and AddressSanitizer needs a
# nightly compiler, which a fresh machine of this project's kind does not have. libFuzzer's
# coverage instrumentation works on stable.
set -euo pipefail
cd "$(dirname "$0")/.."
REPO=$PWD

CARGO_FUZZ_VERSION=0.13.2
TARGETS=(frame rpc_request destination aws_config)
# Tools the tests need go under the project, never into ~/.cargo/bin.
TOOLS=$REPO/target/tools
export PATH="$TOOLS/bin:$PATH"

mode=run
long=false
while [ $# -gt 0 ]; do
  case "$1" in
    --install) mode=install ;;
    --build) mode=build ;;
    --long) long=true ;;
    -*) echo "tests/fuzz.sh: unknown option $1 (see the top of $0)" >&2; exit 2 ;;
    *) break ;;
  esac
  shift
done
if [ $# -gt 0 ]; then TARGETS=("$@"); fi
if $long; then
  SECONDS_EACH=${FUZZ_SECONDS:-300}
  build_args=()
  profile=release
  build_name="optimised"
else
  SECONDS_EACH=${FUZZ_SECONDS:-20}
  build_args=(--dev)
  profile=debug
  build_name="quick (--dev)"
fi

install() {
  if cargo fuzz --version 2>/dev/null | grep -qF " $CARGO_FUZZ_VERSION"; then return 0; fi
  # A debug build of the tool: half the compile time, and it only drives cargo.
  echo "installing cargo-fuzz $CARGO_FUZZ_VERSION into $TOOLS (cargo install --debug from crates.io; about a minute, once per checkout)"
  cargo install --quiet --locked --debug --root "$TOOLS" cargo-fuzz --version "$CARGO_FUZZ_VERSION"
}

build() {
  # cargo fuzz has no --locked: check fuzz/Cargo.lock is current first, so CI fuzzes exactly
  # the committed dependency versions.
  cargo metadata --locked --format-version 1 --manifest-path fuzz/Cargo.toml >/dev/null
  local start=$SECONDS
  echo "building the fuzz targets, $build_name: cargo fuzz build ${build_args[*]} --sanitizer none"
  cargo fuzz build "${build_args[@]}" --sanitizer none
  echo "fuzz targets built in $((SECONDS - start)) s"
}

install
if [ "$mode" = install ]; then exit 0; fi
build
if [ "$mode" = build ]; then exit 0; fi

triple=$(rustc -vV | sed -n 's/^host: //p')
bin=fuzz/target/$triple/$profile
jobs=${FUZZ_JOBS:-$(nproc 2>/dev/null || echo 1)}
work=$(mktemp -d -t rolecall-fuzz.XXXXXX)
trap 'rm -rf "$work"' EXIT

# One target: the built binary straight from its seeds (cargo fuzz run would only check the
# build again). Its status goes to $work/<target>.status.
fuzz_one() {
  local t=$1 status=0
  mkdir -p "$work/$t"
  # -timeout: one input taking 10 s is a hang; -rss_limit_mb: the frame cap is 1 MiB, so
  # anything near this is a leak or a runaway allocation. -artifact_prefix: a crash is kept
  # where cargo fuzz keeps them. A dictionary of the words the target's parser looks for,
  # where there is one.
  local dict=()
  if [ -f "fuzz/dict/$t.dict" ]; then dict=(-dict="fuzz/dict/$t.dict"); fi
  mkdir -p "fuzz/artifacts/$t"
  "$bin/$t" "$work/$t" "fuzz/corpus/$t" -max_total_time="$SECONDS_EACH" -timeout=10 \
    -rss_limit_mb=1024 -artifact_prefix="fuzz/artifacts/$t/" "${dict[@]}" -print_final_stats=1 \
    >"$work/$t.log" 2>&1 || status=$?
  echo "$status" >"$work/$t.status"
}

start=$SECONDS
echo "fuzzing ${TARGETS[*]}: $SECONDS_EACH s each, $jobs at a time, $build_name build"
running=0
for t in "${TARGETS[@]}"; do
  [ -x "$bin/$t" ] || { echo "tests/fuzz.sh: no fuzz target $t in $bin" >&2; exit 2; }
  fuzz_one "$t" &
  running=$((running + 1))
  if [ "$running" -ge "$jobs" ]; then wait -n || true; running=$((running - 1)); fi
done
wait

passed=0
failed=0
dev_flag=""
$long || dev_flag=" --dev"
for t in "${TARGETS[@]}"; do
  log="$work/$t.log"
  if [ "$(cat "$work/$t.status")" = 0 ]; then
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
    rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
    echo "ok: $t: $runs inputs in ${SECONDS_EACH} s ($rate/s)"
    passed=$((passed + 1))
  else
    echo "FAILED: $t; the end of its log:"
    tail -n 60 "$log"
    echo "Reproduce: cargo fuzz run$dev_flag --sanitizer none $t fuzz/artifacts/$t/<crash file>"
    failed=$((failed + 1))
  fi
done
echo "fuzz targets: $passed passed, $failed failed ($((SECONDS - start)) s of fuzzing, in $REPO)"
[ "$failed" -eq 0 ]
