#!/usr/bin/env bash
# Times `lpsim scalesim` on tests/data/scalesim/Resnet18.csv (32x32 array, scale.cfg) for os, ws and is,
# with InterfaceBandwidth CALC and USER (scale.cfg's Bandwidth 10).
# Baseline: SCALE-Sim v2 itself takes 191-356 s per dataflow on this machine (the issue's figure).
# Usage: bench/scalesim_resnet18.sh [BUILD_DIR] [DATA_DIR]   (prints wall and CPU seconds per run,
# with --threads 1 and with every core (layers are modelled in parallel); DATA_DIR holds
# Resnet18.csv and scale.cfg, default tests/data/scalesim of this repository)
set -euo pipefail
build=${1:-build}
data=${2:-$(cd "$(dirname "$0")/.." && pwd)/tests/data/scalesim}
bin=$build/sim/lpsim
topo=$data/Resnet18.csv
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for mode in CALC USER; do
for df in os ws is; do
  # scale.cfg with only the Dataflow (and InterfaceBandwidth) changed (written once, not timed).
  run=resnet18_32x32_${df}_$mode
  sed -e "s/^Dataflow *:.*/Dataflow : $df/" -e "s/^run_name *=.*/run_name = $run/" \
    -e "s/^InterfaceBandwidth *:.*/InterfaceBandwidth: $mode/" "$data/scale.cfg" > "$tmp/$run.cfg"
  # Wall seconds, and CPU seconds (user + sys): on a shared machine the wall time includes
  # waiting for a core.
  TIMEFORMAT='%R %U %S'
  line="$df $mode"
  for threads in 1 0; do
    rm -rf "$tmp/runs"
    read -r secs usr sys < <( { time "$bin" scalesim --threads $threads -t "$topo" -c "$tmp/$run.cfg" -p "$tmp/runs" > "$tmp/log_$run"; } 2>&1 )
    cpu=$(awk -v u="$usr" -v s="$sys" 'BEGIN { printf "%.3f", u + s }')
    [ $threads = 1 ] && label="1 thread" || label="all cores"
    line="$line  $label: $(printf '%6s s wall %6s s cpu' "$secs" "$cpu")"
  done
  total=$(awk -F', ' 'NR > 1 { s += $2 } END { print s }' "$tmp/runs/$run/COMPUTE_REPORT.csv")
  stall=$(awk -F', ' 'NR > 1 { s += $3 } END { print s }' "$tmp/runs/$run/COMPUTE_REPORT.csv")
  printf '%s  (21 layers, %s cycles, %s stall cycles; SCALE-Sim v2: 191-356 s)\n' "$line" "$total" "$stall"
done
done
