#!/usr/bin/env bash
# `lpsim run` of each example (every layer checked) beside one plain FP32 forward pass of the same
# network, measured in the same script run (lpsim_bench Fp32Pass/NAME), as ratios: the figure
# holds on a shared, noisy machine. CPU = user + sys of the whole process (all threads).
# Usage: bench/speed_examples.sh [BUILD_DIR] [THREADS] [EXAMPLE ...]
#   default: build 0 (every core) resnet18 mobilenetv2 resnet50 vit_b16
set -euo pipefail
build=${1:-build}
threads=${2:-0}
shift $(( $# > 2 ? 2 : $# ))
examples=("$@")
[ ${#examples[@]} -gt 0 ] || examples=(resnet18 mobilenetv2 resnet50 vit_b16)
bin=$build/sim/lpsim
bench=$build/bench/lpsim_bench
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
printf '%-12s %9s %9s %8s %9s %9s %8s %8s\n' example run_wall run_cpu run_MB fp32_wall fp32_cpu wall_x cpu_x
for ex in "${examples[@]}"; do
  /usr/bin/time -f '%e %U %S %M' -o "$tmp/time" "$bin" run "examples/$ex.yaml" -q --threads "$threads" \
    -o "$tmp/out" > /dev/null
  rm -rf "$tmp/out"
  read -r wall user sys kb < "$tmp/time"
  # One float pass (its own process, same thread count): wall and process CPU per iteration, ms.
  LPSIM_THREADS=$threads "$bench" --benchmark_filter="^Fp32Pass/$ex/" --benchmark_format=csv \
    2> /dev/null | grep "^\"Fp32Pass/$ex" > "$tmp/fp32"
  fw=$(cut -d, -f3 "$tmp/fp32")
  fc=$(cut -d, -f4 "$tmp/fp32")
  awk -v ex="$ex" -v w="$wall" -v u="$user" -v s="$sys" -v kb="$kb" -v fw="$fw" -v fc="$fc" 'BEGIN {
    c = u + s; printf "%-12s %8.2fs %8.2fs %8.0f %8.3fs %8.3fs %7.1fx %7.1fx\n",
      ex, w, c, kb / 1024, fw / 1000, fc / 1000, w / (fw / 1000), c / (fc / 1000) }'
done
