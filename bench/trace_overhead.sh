#!/usr/bin/env bash
# Cost of the run outputs on the ResNet-18 example (examples/resnet18.yaml, 32x32, tile fidelity):
# wall seconds (median of N runs, modes interleaved round-robin so machine drift hits all alike) of
#   baseline  an lpsim built before the outputs existed (optional 2nd argument), same workload
#   plain     this lpsim, default outputs (summary.json, layers.csv, tiles.csv, trace.json,
#             report.html, effective.yaml, energy.yaml)
#   vcd       this lpsim with --vcd (block-level waveform.vcd as well)
# and the output sizes. --no-check: the reference checks run on the other core and only add noise.
# Usage: bench/trace_overhead.sh [BUILD_DIR] [BASELINE_LPSIM] [RUNS]
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-build}
base=${2:-}
runs=${3:-3}
bin=$build/sim/lpsim
wl=$here/examples/resnet18.yaml
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
modes=(plain vcd)
[ -n "$base" ] && modes=(baseline plain vcd)

one() {  # mode -> wall seconds
  local mode=$1 cmd
  case $mode in
    baseline) cmd=("$base" run "$wl" -q --no-check -o "$tmp/baseline") ;;
    plain) cmd=("$bin" run "$wl" -q --no-check -o "$tmp/plain") ;;
    vcd) cmd=("$bin" run "$wl" -q --no-check --vcd -o "$tmp/vcd") ;;
  esac
  local t0 t1
  t0=$(date +%s.%N)
  "${cmd[@]}" > /dev/null
  t1=$(date +%s.%N)
  echo "$t1 - $t0" | bc -l
}

declare -A times
for ((i = 0; i < runs; i++)); do
  for m in "${modes[@]}"; do times[$m]+="$(one "$m") "; done
done
median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
declare -A med
for m in "${modes[@]}"; do med[$m]=$(echo "${times[$m]}" | median); done
ref=${med[baseline]:-${med[plain]}}
echo "workload: examples/resnet18.yaml (--no-check), $runs runs per mode, interleaved; $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
for m in "${modes[@]}"; do
  printf '%-9s median %6.3f s  (runs: %s)  x%.3f vs %s\n' "$m" "${med[$m]}" "${times[$m]% }" \
    "$(echo "${med[$m]} / $ref" | bc -l)" "$([ -n "$base" ] && echo baseline || echo plain)"
done
printf 'vcd vs plain: x%.3f\n' "$(echo "${med[vcd]} / ${med[plain]}" | bc -l)"
echo "output sizes (bytes):"
for f in "$tmp"/vcd/*; do printf '  %-16s %10d\n' "$(basename "$f")" "$(stat -c %s "$f")"; done
