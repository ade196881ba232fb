#!/usr/bin/env bash
# Integration test of `npim sweep slurm` on a real one-node Slurm cluster started here without
# systemd: munged (unless one already answers), slurmctld -i and slurmd from a minimal slurm.conf
# with the node on 127.0.0.1. Plans a tiny study in 4 shards, submits the generated job array and
# the afterok merge job (sbatch --wait), and compares the merged report with `npim simulate` of the
# same study byte for byte (timing fields aside). Stops the daemons by the PIDs it started.
# Needs root and Debian's slurmctld, slurmd, slurm-client and munge (.ci/run installs them).
# Prints one countable line: `slurm: 1 passed, 0 failed (N s)`.
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
started=$(date +%s)
T=$(mktemp -d /tmp/npim-slurm-XXXXXX)
chmod 755 "$T"
pids=()

result() {
  local status=$1 why=${2:-}
  echo "slurm: $([ "$status" = pass ] && echo '1 passed, 0 failed' || echo '0 passed, 1 failed') ($(($(date +%s) - started)) s)${why:+: $why}"
}
cleanup() {
  for ((i = ${#pids[@]} - 1; i >= 0; i--)); do kill "${pids[i]}" 2>/dev/null; done
  for p in "${pids[@]}"; do
    for _ in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$p" 2>/dev/null
  done
  rm -rf "$T"
}
trap cleanup EXIT
die() {
  echo "slurm-test: $1" >&2
  for f in "$T"/slurmctld.log "$T"/slurmd.log "$T"/plan/logs/*.out; do
    [ -f "$f" ] && { echo "--- $f" >&2; tail -n 20 "$f" >&2; }
  done
  result fail "$1"
  exit 1
}

for cmd in munged slurmctld slurmd sbatch sinfo; do
  command -v "$cmd" >/dev/null 2>&1 || die "$cmd not found (apt-get install -y slurmctld slurmd slurm-client munge)"
done

# munge: the key Debian's package made (or a new one), and a daemon on the default socket.
if ! munge -n 2>/dev/null | unmunge >/dev/null 2>&1; then
  [ -s /etc/munge/munge.key ] || mungekey --create --keyfile=/etc/munge/munge.key >/dev/null 2>&1 ||
    dd if=/dev/urandom of=/etc/munge/munge.key bs=1024 count=1 status=none
  chown munge:munge /etc/munge/munge.key && chmod 400 /etc/munge/munge.key
  mkdir -p /run/munge /var/log/munge /var/lib/munge
  chown munge:munge /run/munge /var/log/munge /var/lib/munge
  setpriv --reuid=munge --regid=munge --clear-groups munged -F >"$T/munged.out" 2>&1 &
  pids+=($!)
  for _ in $(seq 50); do munge -n 2>/dev/null | unmunge >/dev/null 2>&1 && break; sleep 0.1; done
  munge -n 2>/dev/null | unmunge >/dev/null 2>&1 || die "munged did not start ($(cat "$T/munged.out"))"
fi

mkdir -p "$T/state" "$T/spool"
cpus=$(nproc)
[ "$cpus" -gt 2 ] && cpus=2
export SLURM_CONF="$T/slurm.conf"
cat >"$SLURM_CONF" <<EOF
ClusterName=npimtest
SlurmctldHost=localhost(127.0.0.1)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
MpiDefault=none
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
SchedulerType=sched/backfill
ReturnToService=2
StateSaveLocation=$T/state
SlurmdSpoolDir=$T/spool
SlurmctldPidFile=$T/slurmctld.pid
SlurmdPidFile=$T/slurmd.pid
SlurmctldLogFile=$T/slurmctld.log
SlurmdLogFile=$T/slurmd.log
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
JobAcctGatherType=jobacct_gather/none
NodeName=localhost NodeAddr=127.0.0.1 CPUs=$cpus State=UNKNOWN
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP
EOF
slurmctld -D -i -f "$SLURM_CONF" >"$T/slurmctld.out" 2>&1 &
pids+=($!)
slurmd -D -N localhost -f "$SLURM_CONF" >"$T/slurmd.out" 2>&1 &
pids+=($!)
for _ in $(seq 120); do
  [ "$(sinfo -h -n localhost -o %t 2>/dev/null)" = idle ] && break
  sleep 0.5
done
[ "$(sinfo -h -n localhost -o %t 2>/dev/null)" = idle ] || die "the node did not become idle: $(sinfo 2>&1 | tail -1)"
echo "slurm-test: cluster up after $(($(date +%s) - started)) s ($(sinfo -V))" >&2

npim() { node "$ROOT/bin/npim.js" --quiet "$@"; }
model="$ROOT/models/mlp-mnist"
cat >"$T/study.json" <<EOF
{ "model": "$model", "samples": 200, "dataflows": ["isaac"], "sigma": 0.025, "sigmaSweep": [0.05, 0.2],
  "draws": 2, "seed": 3 }
EOF
npim simulate --model "$model" --dataflow isaac --sigma 0.025 --sigma-sweep 0.05,0.2 --mc 2 --seed 3 --samples 200 \
  --out "$T/unsharded" >/dev/null || die "npim simulate failed"
npim sweep plan "$T/study.json" --shards 4 --out "$T/plan" >/dev/null || die "npim sweep plan failed"
npim sweep slurm "$T/plan" --partition debug --time 10 --cpus-per-task 1 >/dev/null || die "npim sweep slurm failed"
grep -q '^#SBATCH --array=0-3$' "$T/plan/array.sh" || die "array.sh has no 4-task array"

jid=$(timeout 300 sbatch --parsable --wait "$T/plan/array.sh") || die "the shard array failed (sbatch exit $?)"
jid=${jid%%;*}
timeout 120 sbatch --wait --dependency="afterok:$jid" "$T/plan/merge.sh" >/dev/null || die "the merge job failed (sbatch exit $?)"

for i in 0 1 2 3; do [ -s "$T/plan/shards/shard-$i.json" ] || die "shard $i wrote no result"; done
untimed() { sed -E 's/"(wallSeconds|hardwareSeconds)": [-+0-9.e]+/"\1": 0/' "$1"; }
for f in results.json results.md accuracy-vs-sigma.svg; do
  [ -s "$T/plan/$f" ] || die "merge wrote no $f"
  cmp -s <(untimed "$T/unsharded/$f") <(untimed "$T/plan/$f") || die "$f of the Slurm run differs from npim simulate's"
done
result pass
