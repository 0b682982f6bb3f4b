#!/usr/bin/env bash
# Times `lpsim lp quantize` on 10 million values (issue #2: "in a few seconds").
# Usage: bench/lp_quantize_10m.sh [BUILD_DIR]   (prints seconds for input parse+quantize+print)
set -euo pipefail
build=${1:-build}
bin=$build/sim/lpsim
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# Deterministic input: 10M Gaussian-ish values (sum of uniforms), written once, not timed.
awk 'BEGIN { srand(1); for (i = 0; i < 10000000; i++) printf "%.9g\n", (rand()+rand()+rand()-1.5)*0.1 }' \
  > "$tmp/values.txt"
echo "input: $(wc -c < "$tmp/values.txt") bytes, 10000000 values"
for fmt in lp:8,2,3,0 lp:4,1,3,2 posit:8,2; do
  start=$(date +%s.%N)
  "$bin" lp quantize --format "$fmt" < "$tmp/values.txt" > "$tmp/out.txt"
  end=$(date +%s.%N)
  lines=$(wc -l < "$tmp/out.txt")
  printf '%-12s %8.2f s  (%s lines)\n' "$fmt" "$(awk -v a="$start" -v b="$end" 'BEGIN { print b - a }')" "$lines"
done
