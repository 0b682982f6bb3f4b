#!/usr/bin/env bash
# Records the golden outputs that tests/sim/cli/test_golden_outputs.cpp compares byte for byte:
# for each tests/data/golden/<case>/workload.yaml, the summary.json, layers.csv and tiles.csv of
# `lpsim run`; and SCALE-Sim reports of the ResNet-18 and MobileNet topologies in both timings.
# Run it only when a change is meant to alter results, and say so in the commit.
# Usage: scripts/record-golden.sh [BUILD_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
LPSIM="${1:-build}/sim/lpsim"
G=tests/data/golden
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for dir in "$G"/*/; do
  c=$(basename "$dir")
  [ -f "$dir/workload.yaml" ] || continue
  "$LPSIM" run "$dir/workload.yaml" -q -o "$tmp/$c" >/dev/null
  for f in summary.json layers.csv tiles.csv; do cp "$tmp/$c/$f" "$dir/$f"; done
  echo "recorded $c"
done
S=tests/data/scalesim
for topo in Resnet18 mobilenet; do
  for df in os ws is; do
    for timing in scalesim native; do
      name="scalesim_${topo}_${df}_${timing}"
      sed -e "s/^run_name.*/run_name = $name/" -e "s/^Dataflow.*/Dataflow : $df/" "$S/scale.cfg" >"$tmp/$name.cfg"
      "$LPSIM" scalesim -t "$S/$topo.csv" -c "$tmp/$name.cfg" -p "$tmp/ss" --timing "$timing" >/dev/null
      mkdir -p "$G/$name"
      cp "$tmp/ss/$name/"*_REPORT.csv "$G/$name/"
      echo "recorded $name"
    done
  done
done
