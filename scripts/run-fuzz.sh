#!/usr/bin/env bash
# `make fuzz`: builds the libFuzzer targets (tests/fuzz, clang, ASan + UBSan) in build-fuzz and
# runs each for FUZZ_SECONDS seconds, one after the other. The committed seed corpus
# tests/fuzz/corpus/<target>/ is only read: new inputs go to build-fuzz/fuzz-corpus/<target>/,
# which later runs start from. Exits 1 when any target found a crash, an uncaught exception, a
# sanitizer report, a timeout (> 10 s for one input) or a memory blow-up (> 2 GB); the input is
# saved under build-fuzz/fuzz-artifacts/<target>/ (replay it: build-fuzz/tests/fuzz/fuzz_<target>
# FILE). See docs/reliability.md, "Fuzzing".
#   scripts/run-fuzz.sh [SECONDS]        env: FUZZ_TARGETS="npy onnx" to run some, JOBS
set -euo pipefail
cd "$(dirname "$0")/.."

SECONDS_PER_TARGET=${1:-${FUZZ_SECONDS:-30}}
BUILD=${FUZZ_BUILD_DIR:-build-fuzz}
JOBS=${JOBS:-$(nproc)}
# Longest input per target: a little over the largest seed of its corpus.
declare -A MAX_LEN=(
  [workload]=4096 [set_override]=1024 [format]=128 [topology]=4096
  [scalesim_cfg]=2048 [onnx]=16384 [npy]=2048 [energy]=8192
)
TARGETS=${FUZZ_TARGETS:-"workload set_override format topology scalesim_cfg onnx npy energy"}

CC=clang CXX=clang++ cmake -S . -B "$BUILD" -DLPSIM_FUZZ=ON >/dev/null
cmake --build "$BUILD" -j "$JOBS"

mkdir -p "$BUILD/fuzz-tmp" "$BUILD/fuzz-logs"
export TMPDIR="$PWD/$BUILD/fuzz-tmp"  # the targets' scratch files
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1}

failed=()
for t in $TARGETS; do
  [[ -n "${MAX_LEN[$t]:-}" ]] || { echo "fuzz: unknown target '$t'" >&2; exit 2; }
  corpus="$BUILD/fuzz-corpus/$t"
  artifacts="$BUILD/fuzz-artifacts/$t/"
  log="$BUILD/fuzz-logs/$t.log"
  mkdir -p "$corpus" "$artifacts"
  dict=()
  [[ -f "tests/fuzz/dict/$t.dict" ]] && dict=(-dict="tests/fuzz/dict/$t.dict")
  status=0
  "$BUILD/tests/fuzz/fuzz_$t" "$corpus" "tests/fuzz/corpus/$t" "${dict[@]}" \
    -max_total_time="$SECONDS_PER_TARGET" -rss_limit_mb=2048 -timeout=10 \
    -max_len="${MAX_LEN[$t]}" -artifact_prefix="$artifacts" -print_final_stats=1 \
    >"$log" 2>&1 || status=$?
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  last=$(grep -E '^#[0-9]+' "$log" | tail -1 | grep -oE 'cov: [0-9]+ ft: [0-9]+ corp: [0-9]+' || true)
  if [[ $status -eq 0 ]]; then
    printf 'fuzz: %-13s ok    %9s runs in %ss  %s\n' "$t" "${runs:-?}" "$SECONDS_PER_TARGET" "$last"
  else
    printf 'fuzz: %-13s FOUND (exit %d)  %s  log: %s\n' "$t" "$status" "$last" "$log"
    grep -E 'ERROR|lpsim fuzz:|SUMMARY|runtime error|Test unit written' "$log" | head -8 | sed 's/^/    /'
    failed+=("$t")
  fi
done
rm -rf "$TMPDIR"
if [[ ${#failed[@]} -gt 0 ]]; then
  echo "fuzz: findings in: ${failed[*]} (inputs under $BUILD/fuzz-artifacts/)" >&2
  exit 1
fi
