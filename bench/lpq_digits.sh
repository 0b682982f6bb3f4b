#!/usr/bin/env bash
# Times `lpsim lpq examples/digits/lpq.yaml` (the full LPQ on the digits CNN: 60 iterations, the
# accelerator run of the chosen formats on 500 images and the 10 emulated baselines; issue 10:
# <= 60 s on the 2-core machine) beside its baseline in the same run: `lpsim run` of the same
# model and images at one uniform format (the accelerator run alone). Prints wall and CPU
# seconds of each of REPS runs (default 3).
# Usage: bench/lpq_digits.sh [BUILD_DIR] [REPS]
set -euo pipefail
build=${1:-build}
reps=${2:-3}
root=$(cd "$(dirname "$0")/.." && pwd)
bin=$build/sim/lpsim
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for i in $(seq "$reps"); do
  /usr/bin/time -f '%e %U %S' -o "$tmp/t" "$bin" lpq "$root/examples/digits/lpq.yaml" -q -o "$tmp/lpq$i" > /dev/null
  read -r wall user sys < "$tmp/t"
  printf 'lpq  run %d: %6s s wall, %6.2f s CPU\n' "$i" "$wall" "$(echo "$user + $sys" | bc)"
  /usr/bin/time -f '%e %U %S' -o "$tmp/t" "$bin" run "$root/examples/digits/digits.yaml" -q -o "$tmp/run$i" > /dev/null
  read -r wall user sys < "$tmp/t"
  printf 'run  run %d: %6s s wall, %6.2f s CPU\n' "$i" "$wall" "$(echo "$user + $sys" | bc)"
done
