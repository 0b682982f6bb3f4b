#!/usr/bin/env bash
# Times `lpsim scalesim` on tests/data/scalesim/Resnet18.csv (32x32 array, scale.cfg) for os, ws and is.
# Baseline: SCALE-Sim v2 itself takes 191-356 s per dataflow on this machine (the issue's figure).
# Usage: bench/scalesim_resnet18.sh [BUILD_DIR] [DATA_DIR]   (prints wall and CPU seconds per run;
# DATA_DIR holds Resnet18.csv and scale.cfg, default tests/data/scalesim of this repository)
set -euo pipefail
build=${1:-build}
data=${2:-$(cd "$(dirname "$0")/.." && pwd)/tests/data/scalesim}
bin=$build/sim/lpsim
topo=$data/Resnet18.csv
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for df in os ws is; do
  # scale.cfg with only the Dataflow changed (written once, not timed).
  sed -e "s/^Dataflow *:.*/Dataflow : $df/" -e "s/^run_name *=.*/run_name = resnet18_32x32_$df/" \
    "$data/scale.cfg" > "$tmp/$df.cfg"
  # Wall seconds, and CPU seconds (user + sys): on a shared machine the wall time includes
  # waiting for a core.
  TIMEFORMAT='%R %U %S'
  read -r secs usr sys < <( { time "$bin" scalesim -t "$topo" -c "$tmp/$df.cfg" -p "$tmp/runs" > "$tmp/log_$df"; } 2>&1 )
  cpu=$(awk -v u="$usr" -v s="$sys" 'BEGIN { printf "%.3f", u + s }')
  total=$(awk -F', ' 'NR > 1 { s += $2 } END { print s }' "$tmp/runs/resnet18_32x32_$df/COMPUTE_REPORT.csv")
  printf '%s  %6s s wall  %6s s cpu  (21 layers, %s cycles in total; SCALE-Sim v2: 191-356 s)\n' \
    "$df" "$secs" "$cpu" "$total"
done
