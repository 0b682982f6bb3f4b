#!/usr/bin/env bash
# Installs the Debian packages lpsim needs, only those missing; safe to run repeatedly.
set -euo pipefail

PACKAGES=(
  build-essential cmake pkg-config
  libsystemc-dev
  libboost-dev
  libyaml-cpp-dev
  nlohmann-json3-dev
  libcli11-dev
  libgtest-dev libgmock-dev
  libbenchmark-dev
  libonnx-dev libprotobuf-dev protobuf-compiler
  pybind11-dev python3-dev python3-numpy python3-pytest  # the Python module (python/)
  clang libclang-rt-dev  # make fuzz: clang and its libFuzzer / sanitizer runtimes
  chromium
  parallel slurm-wlm munge  # lpsim sweep: the GNU parallel and one-node Slurm cluster tests
  gtkwave xvfb imagemagick  # waveforms: vcd2fst; the GTKWave test under xvfb-run, its screenshot (import)
)

missing=()
for p in "${PACKAGES[@]}"; do
  # dpkg -s succeeds for removed-but-configured packages too; check the status line.
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

echo "install-deps: installing ${missing[*]}" >&2
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
