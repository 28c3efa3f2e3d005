#!/usr/bin/env bash
# SLURM smoke run: bring up a single-node SLURM on loopback, run the toy pipeline (.test) through
# `snakemake --executor slurm --workflow-profile workflow/profiles/slurm`, check that its counts and tables equal a
# local run's, and stop every daemon this script started (by pid), on failure too.
#
# Needs root and Debian (installs slurm-wlm and munge with apt-get if missing) and the `slurm` extra
# (pip install -e ".[slurm]"). Usage, from the repository root: bash tests/cluster/slurm_smoke.sh
# Accounting (slurmdbd) is not set up: the executor is told to poll job states with squeue, and MinJobAge keeps
# finished jobs visible to squeue long enough for that.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
start=$SECONDS

if ! command -v slurmctld >/dev/null || ! command -v munged >/dev/null; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends slurm-wlm munge >/dev/null
fi

state=$(mktemp -d /tmp/relu1d-slurm.XXXXXX)
work=$(mktemp -d /tmp/relu1d-slurm-run.XXXXXX)
links=()
cleanup() {
  local rc=$?
  for pidfile in "$state"/slurmd.pid "$state"/slurmctld.pid "$state"/munged.pid; do
    if [[ -s $pidfile ]]; then kill "$(cat "$pidfile")" 2>/dev/null || true; fi
  done
  for link in "${links[@]}"; do rm -f "$link"; done
  sleep 1
  if [[ -n ${RELU1D_SLURM_KEEP:-} ]]; then echo "slurm_smoke: kept $state $work"; else rm -rf "$state" "$work"; fi
  echo "slurm_smoke: $([[ $rc == 0 ]] && echo ok || echo "FAILED ($rc)") after $((SECONDS - start)) s"
  exit "$rc"
}
trap cleanup EXIT INT TERM

host=$(hostname -s)
cpus=$(nproc)
mkdir -p "$state"/{state,spool,munge}
# munge: a private key and socket in the scratch folder, so the system's munge (if any) is untouched.
dd if=/dev/urandom bs=1 count=1024 of="$state/munge/munge.key" status=none
chmod 700 "$state/munge"
chmod 400 "$state/munge/munge.key"
socket="$state/munge/munge.socket"
munged --key-file="$state/munge/munge.key" --socket="$socket" --pid-file="$state/munged.pid" \
  --log-file="$state/munged.log" --seed-file="$state/munge/seed" --force
export MUNGE_SOCKET=$socket  # read by no client: slurm.conf names the socket for the auth plugin

cat >"$state/slurm.conf" <<EOF
ClusterName=relu1d
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=16817
SlurmdPort=16818
AuthType=auth/munge
AuthInfo=socket=$socket
CredType=cred/munge
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
MinJobAge=3600
StateSaveLocation=$state/state
SlurmdSpoolDir=$state/spool
SlurmctldPidFile=$state/slurmctld.pid
SlurmdPidFile=$state/slurmd.pid
SlurmctldLogFile=$state/ctld.log
SlurmdLogFile=$state/d.log
SlurmUser=root
ReturnToService=2
NodeName=$host NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=16000 State=UNKNOWN
PartitionName=main Nodes=$host Default=YES MaxTime=INFINITE State=UP
EOF
printf 'CgroupPlugin=cgroup/v1\nIgnoreSystemd=yes\n' >"$state/cgroup.conf"
export SLURM_CONF=$state/slurm.conf
# Inside a batch job srun finds its configuration at the default path only (SLURM_CONF is not passed on): link
# ours there for the run, unless the machine already has one, and remove the links on exit.
mkdir -p /etc/slurm
for f in slurm.conf cgroup.conf; do
  if [[ -e /etc/slurm/$f ]]; then echo "slurm_smoke: /etc/slurm/$f exists; not touching it" >&2; exit 1; fi
  ln -s "$state/$f" "/etc/slurm/$f"
  links+=("/etc/slurm/$f")
done
slurmctld -f "$SLURM_CONF"
slurmd -f "$SLURM_CONF"
for _ in $(seq 60); do
  if sinfo -h -o %T 2>/dev/null | grep -q idle; then break; fi
  sleep 1
done
sinfo -h -o %T | grep -q idle || { echo "slurm_smoke: node never became idle" >&2; tail -20 "$state"/*.log >&2; exit 1; }
echo "slurm_smoke: $(sinfo -V), node $host with $cpus CPUs idle after $((SECONDS - start)) s"

# The toy pipeline twice, in copies of .test: through SLURM, then locally.
for run in local slurm; do
  mkdir -p "$work/$run"
  cp "$root/.test/config.yaml" "$work/$run/"
done
t0=$SECONDS
snakemake --snakefile "$root/Snakefile" --directory "$work/slurm" --workflow-profile "$root/workflow/profiles/slurm" \
  --slurm-status-command squeue --jobs 4 --set-threads count="$cpus" performance="$cpus" >"$work/slurm.log" 2>&1 || {
  tail -40 "$work/slurm.log" >&2
  exit 1
}
echo "slurm_smoke: pipeline through SLURM in $((SECONDS - t0)) s, $(squeue -h -t all | wc -l) SLURM jobs"
snakemake --snakefile "$root/Snakefile" --directory "$work/local" --cores 2 --quiet >"$work/local.log" 2>&1

# Same numbers: every count table byte-identical, every statistics table identical.
bad=0
while IFS= read -r f; do
  if ! cmp -s "$work/local/$f" "$work/slurm/$f"; then
    echo "slurm_smoke: differs from the local run: $f" >&2
    bad=1
  fi
done < <(cd "$work/local" && find results/counts results/knots results/stats -type f | sort)
[[ $(cd "$work/slurm" && find results/counts -type f | wc -l) -gt 0 ]] || { echo "slurm_smoke: no counts" >&2; exit 1; }
test -s "$work/slurm/results/paper/relu1d-replication.pdf"
exit "$bad"
