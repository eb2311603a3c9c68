#!/usr/bin/env bash
# CPU per request of each process of a running `npm start` stack during one load test run:
# utime+stime deltas (/proc/<pid>/stat) of the seven services (<data dir>/services.pids, in
# the order gateway, inventory, issuance, acme, revocation, scheduler, notifications), NATS
# (<data dir>/nats/nats.pid) and PostgreSQL (the postmaster and its children), divided by the
# measured requests of the results file the run wrote. Linux only.
#   bash loadtest/service-cpu.sh --scenario certificates-list --duration 15     (run.mjs options)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
data="${CERTCTL_DATA_DIR:-.local}"
names=(gateway inventory issuance acme revocation scheduler notifications)
mapfile -t pids < "$data/services.pids"
nats=$(cat "$data/nats/nats.pid" 2>/dev/null || true)
pgmaster=$(head -1 "$data/pg/postmaster.pid" 2>/dev/null || true)
ticks() { awk '{print $14+$15}' "/proc/$1/stat" 2>/dev/null || echo 0; }
pgticks() {
  local s=0 t
  [ -n "$pgmaster" ] || { echo 0; return; }
  for p in $pgmaster $(ps -o pid= --ppid "$pgmaster"); do t=$(ticks "$p"); s=$((s + t)); done
  echo $s
}
snapshot() { for p in "${pids[@]}"; do ticks "$p"; done; ticks "${nats:-0}"; pgticks; }
load0=$(cut -d' ' -f1-3 /proc/loadavg)
mapfile -t before < <(snapshot)
marker=$(mktemp)
node loadtest/run.mjs "$@" || status=$?
mapfile -t after < <(snapshot)
result=$(find loadtest/results -name '*.json' -newer "$marker" | sort | tail -1)
rm -f "$marker"
hz=$(getconf CLK_TCK)
echo "load average before: $load0, after: $(cut -d' ' -f1-3 /proc/loadavg)"
[ -n "$result" ] || { echo "no results file written" >&2; exit 1; }
requests=$(node -e 'console.log(JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).results.requests)' "$result")
echo "$result: $requests requests; CPU ms per request (warm-up included):"
labels=("${names[@]:0:${#pids[@]}}" nats postgresql)
for i in "${!labels[@]}"; do
  awk -v n="${labels[$i]}" -v d=$((after[i] - before[i])) -v hz="$hz" -v r="$requests" 'BEGIN { printf "  %-13s %8.3f\n", n, d * 1000 / hz / (r > 0 ? r : 1) }'
done
exit "${status:-0}"
