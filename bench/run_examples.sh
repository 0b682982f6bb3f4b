#!/usr/bin/env bash
# Times `lpsim run` on the example workloads, with the per-layer reference check (the default)
# and without it (--no-check) in the same run: median wall seconds of N repetitions.
# Usage: bench/run_examples.sh [BUILD_DIR] [N] [EXAMPLE ...]   (default: build 3 resnet18)
set -euo pipefail
build=${1:-build}
reps=${2:-3}
shift $(( $# > 2 ? 2 : $# ))
examples=("$@")
[ ${#examples[@]} -gt 0 ] || examples=(resnet18)
bin=$build/sim/lpsim
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
median() { sort -n | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
seconds() {  # wall seconds of one run
  local start end
  start=$(date +%s.%N)
  "$bin" run "$@" -q -o "$tmp/out" > /dev/null
  end=$(date +%s.%N)
  awk -v a="$start" -v b="$end" 'BEGIN { printf "%.2f\n", b - a }'
}
printf '%-14s %12s %12s\n' example checked no-check
for ex in "${examples[@]}"; do
  wl=examples/$ex.yaml
  c=$(for _ in $(seq "$reps"); do seconds "$wl"; done | median)
  n=$(for _ in $(seq "$reps"); do seconds "$wl" --no-check; done | median)
  printf '%-14s %11ss %11ss\n' "$ex" "$c" "$n"
done
