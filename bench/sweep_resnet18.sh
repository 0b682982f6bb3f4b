#!/usr/bin/env bash
# Times a 1,000-point `lpsim sweep` of ResNet-18 (examples/resnet18.yaml, 224x224) in analytic
# fidelity (target: <= 60 s on the 2-core machine), beside the same study's cost in tile
# fidelity, extrapolated from a few tile points of the same study (the whole study in tile
# fidelity would take hours; the per-point cost is steady, so the extrapolation is stated as one).
# Usage: bench/sweep_resnet18.sh [BUILD_DIR] [JOBS] [TILE_POINTS]
#   BUILD_DIR default build, JOBS default all cores, TILE_POINTS default 4.
set -euo pipefail
build=${1:-build}
jobs=${2:-$(nproc)}
tile_points=${3:-4}
repo=$(cd "$(dirname "$0")/.." && pwd)
bin=$(cd "$build" && pwd)/sim/lpsim
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# 10 x 10 array shapes x 10 weight-buffer sizes = 1,000 points (ws dataflow).
cat > "$tmp/study.yaml" <<YAML
base: $repo/examples/resnet18.yaml
axes:
  accelerator.fidelity: [analytic]
  accelerator.rows: [8, 12, 16, 24, 32, 48, 64, 96, 128, 256]
  accelerator.cols: [8, 12, 16, 24, 32, 48, 64, 96, 128, 256]
  accelerator.buffers.weight_kb: [32, 64, 96, 128, 160, 192, 256, 384, 512, 1024]
  accelerator.buffers.output_kb: [1024]
YAML
TIMEFORMAT=%R
secs=$( { time "$bin" sweep "$tmp/study.yaml" --jobs "$jobs" --quiet --out "$tmp/analytic" > "$tmp/analytic.log"; } 2>&1 )
points=$(( $(wc -l < "$tmp/analytic/results.csv") - 1 ))
ok=$(grep -c ',ok,' "$tmp/analytic/results.csv" || true)
printf 'analytic: %d points (%d ok) with --jobs %d in %s s (%.1f points/s)\n' \
  "$points" "$ok" "$jobs" "$secs" "$(echo "$points / $secs" | bc -l)"

# The first TILE_POINTS points of the same study in tile fidelity (values computed and
# checked), same --jobs; then the 1,000 points' cost at that rate.
sed -e 's/accelerator.fidelity: \[analytic\]/accelerator.fidelity: [tile]/' \
    -e "s/accelerator.rows: .*/accelerator.rows: [32]/" \
    -e "s/accelerator.cols: .*/accelerator.cols: [32, 64]/" \
    -e "s/accelerator.buffers.weight_kb: .*/accelerator.buffers.weight_kb: [$(seq -s, 128 128 $((128 * (tile_points + 1) / 2)) | sed 's/,$//')]/" \
    "$tmp/study.yaml" > "$tmp/tile.yaml"
tsecs=$( { time "$bin" sweep "$tmp/tile.yaml" --jobs "$jobs" --quiet --out "$tmp/tile" > "$tmp/tile.log"; } 2>&1 )
tpoints=$(( $(wc -l < "$tmp/tile/results.csv") - 1 ))
printf 'tile:     %d points with --jobs %d in %s s (%.2f s per point per job); 1,000 points: about %.0f s (extrapolated)\n' \
  "$tpoints" "$jobs" "$tsecs" "$(echo "$tsecs * $jobs / $tpoints" | bc -l)" "$(echo "$tsecs / $tpoints * 1000" | bc -l)"
# The tile points' numbers equal the analytic ones of the same configurations.
for row in $(tail -n +2 "$tmp/tile/results.csv" | cut -d, -f2-5); do
  a=$(grep "^analytic,$row,ok," "$tmp/analytic/results.csv" | cut -d, -f6-13)
  t=$(grep "^tile,$row,ok," "$tmp/tile/results.csv" | cut -d, -f6-13)
  [ "$a" = "$t" ] || { echo "analytic and tile differ at $row: $a vs $t"; exit 1; }
done
echo "tile rows equal the analytic rows of the same configurations"
