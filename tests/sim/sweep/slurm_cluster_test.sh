#!/usr/bin/env bash
# The generated Slurm job array, submitted for real: a one-node Slurm cluster on localhost
# (munged + slurmctld + slurmd, each started here with a generated slurm.conf and munge key in
# a temporary directory, on free ports), `lpsim sweep --plan`, `sbatch slurm-array.sh`, wait,
# `lpsim sweep merge`, and the merged results.csv must equal a local run's byte for byte.
# Skipped (exit 77) with a clear message only when the daemons cannot start here; every daemon
# is stopped on every exit path (trap).
#
# Usage: slurm_cluster_test.sh LPSIM_BINARY
set -u
LPSIM=$(readlink -f "$1")
SKIP=77

say() { echo "slurm-test: $*"; }
skip() { say "SKIPPED: $*"; exit $SKIP; }
fail() { say "FAILED: $*"; for f in "$T"/*.log; do [ -f "$f" ] && { echo "--- $f"; tail -n 30 "$f"; }; done; exit 1; }

for tool in munged slurmctld slurmd sbatch squeue scontrol sinfo; do
  command -v "$tool" >/dev/null 2>&1 || skip "'$tool' is not installed (Debian: slurm-wlm munge; scripts/install-deps.sh installs them)"
done
if [ "$(id -u)" -ne 0 ]; then
  skip "slurmd must run as root to start jobs (this test runs as uid $(id -u))"
fi

T=$(mktemp -d /tmp/lpsim-slurm.XXXXXX)
PIDS=()
cleanup() {
  # Stop every daemon we started (by pid, never by name), then remove the directory.
  for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null; done
  for _ in $(seq 1 50); do
    alive=0
    for pid in "${PIDS[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
    [ $alive = 0 ] && break
    sleep 0.1
  done
  for pid in "${PIDS[@]}"; do kill -KILL "$pid" 2>/dev/null; done
  # Job steps slurmd started for us (slurmstepd) die with their jobs; be sure.
  for f in "$T"/slurmd.pid "$T"/slurmctld.pid "$T"/munged.pid; do
    [ -f "$f" ] && kill -KILL "$(cat "$f")" 2>/dev/null
  done
  [ -n "${WATCHDOG:-}" ] && kill "$WATCHDOG" 2>/dev/null
  rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
# A watchdog stops the daemons even if this script is killed with SIGKILL (a ctest timeout).
SELF=$$
( while kill -0 "$SELF" 2>/dev/null; do sleep 1; done
  for f in "$T"/slurmd.pid "$T"/slurmctld.pid "$T"/munged.pid; do
    [ -f "$f" ] && kill -KILL "$(cat "$f")" 2>/dev/null
  done
  rm -rf "$T" ) >/dev/null 2>&1 &
WATCHDOG=$!

# Two free TCP ports for slurmctld and slurmd.
read -r CTLD_PORT SLURMD_PORT < <(python3 -c '
import socket
s=[socket.socket() for _ in range(2)]
for x in s: x.bind(("127.0.0.1",0))
print(*[x.getsockname()[1] for x in s])')
NODE=$(hostname -s)
CPUS=$(nproc)
mkdir -p "$T/state" "$T/spool" "$T/munge" "$T/work"
chmod 700 "$T/munge"

# munge: a fresh key and its own socket.
dd if=/dev/urandom of="$T/munge/munge.key" bs=1024 count=1 status=none
chmod 400 "$T/munge/munge.key"
munged --force --key-file="$T/munge/munge.key" --socket="$T/munge/munge.sock" \
  --pid-file="$T/munged.pid" --log-file="$T/munged.log" --seed-file="$T/munge/seed" \
  >"$T/munged.out" 2>&1 || skip "munged cannot start: $(tail -n 3 "$T/munged.out" "$T/munged.log" 2>/dev/null | tr '\n' ' ')"
for _ in $(seq 1 50); do [ -f "$T/munged.pid" ] && break; sleep 0.1; done
[ -f "$T/munged.pid" ] || skip "munged did not start"
PIDS+=("$(cat "$T/munged.pid")")

cat >"$T/slurm.conf" <<CONF
ClusterName=lpsimtest
SlurmctldHost=$NODE(127.0.0.1)
SlurmctldPort=$CTLD_PORT
SlurmdPort=$SLURMD_PORT
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$T/munge/munge.sock
CredType=cred/munge
StateSaveLocation=$T/state
SlurmdSpoolDir=$T/spool
SlurmctldPidFile=$T/slurmctld.pid
SlurmdPidFile=$T/slurmd.pid
SlurmctldLogFile=$T/slurmctld.log
SlurmdLogFile=$T/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
MpiDefault=none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
JobCompType=jobcomp/none
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
SlurmctldTimeout=30
SlurmdTimeout=30
MinJobAge=600
NodeName=$NODE NodeAddr=127.0.0.1 CPUs=$CPUS State=UNKNOWN
PartitionName=lpsim Nodes=$NODE Default=YES MaxTime=INFINITE State=UP
CONF
export SLURM_CONF="$T/slurm.conf"

slurmctld -i -f "$SLURM_CONF" >"$T/slurmctld.out" 2>&1 || skip "slurmctld cannot start: $(tail -n 3 "$T/slurmctld.out" "$T/slurmctld.log" 2>/dev/null | tr '\n' ' ')"
for _ in $(seq 1 50); do [ -f "$T/slurmctld.pid" ] && break; sleep 0.1; done
[ -f "$T/slurmctld.pid" ] || skip "slurmctld did not start: $(tail -n 5 "$T/slurmctld.log" 2>/dev/null | tr '\n' ' ')"
PIDS+=("$(cat "$T/slurmctld.pid")")
slurmd -f "$SLURM_CONF" -N "$NODE" >"$T/slurmd.out" 2>&1 || skip "slurmd cannot start: $(tail -n 3 "$T/slurmd.out" "$T/slurmd.log" 2>/dev/null | tr '\n' ' ')"
for _ in $(seq 1 50); do [ -f "$T/slurmd.pid" ] && break; sleep 0.1; done
[ -f "$T/slurmd.pid" ] || skip "slurmd did not start: $(tail -n 5 "$T/slurmd.log" 2>/dev/null | tr '\n' ' ')"
PIDS+=("$(cat "$T/slurmd.pid")")

# The node must come up (idle) before jobs can run.
up=0
for _ in $(seq 1 150); do
  state=$(sinfo -h -N -o '%T' 2>/dev/null | head -n 1)
  case "$state" in idle*|mixed*|allocated*) up=1; break ;; esac
  sleep 0.2
done
[ $up = 1 ] || skip "the Slurm node did not come up (state '${state:-none}'): $(tail -n 5 "$T/slurmd.log" 2>/dev/null | tr '\n' ' ')"
say "one-node cluster up: $NODE, $CPUS CPUs, slurmctld :$CTLD_PORT, slurmd :$SLURMD_PORT"

# The study: the reduced ResNet-18 over 12 configurations, in 3 shards.
cd "$T/work"
cat >base.yaml <<'YAML'
model: resnet18
zoo: {input_size: 32, width_divisor: 8, max_blocks: 1, num_classes: 10}
accelerator: {rows: 8, cols: 8}
YAML
cat >study.yaml <<'YAML'
base: base.yaml
axes:
  accelerator.rows: [4, 8, 16, 32]
  accelerator.dataflow: [ws, os, is]
YAML
"$LPSIM" sweep study.yaml -q --out local >/dev/null || fail "local sweep"
"$LPSIM" sweep study.yaml --plan plan --shards 3 >/dev/null || fail "--plan"
job=$(sbatch --parsable plan/slurm-array.sh 2>"$T/sbatch.err") || fail "sbatch: $(cat "$T/sbatch.err")"
job=${job%%;*}
say "submitted job array $job (3 tasks)"
done=0
for _ in $(seq 1 600); do
  if [ -z "$(squeue -h -j "$job" 2>/dev/null)" ]; then done=1; break; fi
  sleep 0.2
done
[ $done = 1 ] || fail "the array job $job did not finish in 120 s: $(squeue -j "$job" 2>&1 | tr '\n' ' ')"
for i in 0 1 2; do
  [ -f "plan-shards/$i/results.csv" ] || fail "shard $i wrote no results: $(cat lpsim-sweep-study-"${job}"_"$i".log 2>/dev/null | tr '\n' ' ')"
done
states=$(scontrol show job "$job" 2>/dev/null | grep -o 'JobState=[A-Z]*' | sort -u | tr '\n' ' ')
case "$states" in *FAILED*|*CANCELLED*|*TIMEOUT*) fail "job states: $states" ;; esac
"$LPSIM" sweep merge plan-shards/* --out plan-results >merge.out 2>&1 || fail "merge: $(cat merge.out)"
cmp -s plan-results/results.csv local/results.csv || fail "merged results differ from the local run: $(diff plan-results/results.csv local/results.csv | head -5)"
say "3 array tasks ran; merged results.csv equals the local run's (12 points)"
exit 0
