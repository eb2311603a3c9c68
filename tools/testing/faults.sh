#!/usr/bin/env bash
# The fault-injection tier (apps/platform-e2e/src/faults, docs/reliability.md): the whole stack
# with work in flight while services, NATS, Redis and PostgreSQL are killed and started again.
# It kills its dependencies, so it runs them itself, apart from any other stack on this machine:
# under <data dir>/faults, on the usual ports plus 10 (PostgreSQL 15442, Redis 16389, NATS 14232),
# and its services on the e2e ports plus 1000. Arguments go to Jest.
# The services reach PostgreSQL, Redis and NATS through fault proxies (libs/testing/src/fault-proxy.ts)
# that slow-dependencies.faults-spec.ts slows down, stalls and resets; in pass mode they change nothing.
#   CERTCTL_FAULTS_CERTIFICATES   renewals in flight per round (default 1000)
#   CERTCTL_FAULTS_LATENCY_MS     latency each way of a slow dependency (default 50, ± 10)
#   CERTCTL_FAULT_PROXIES         1 (default): the fault proxies; 0: the services connect directly
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
base="${CERTCTL_DATA_DIR:-$PWD/.local}"
export CERTCTL_DATA_DIR="$base/faults"
export CERTCTL_PG_PORT=$(( ${CERTCTL_PG_PORT:-15432} + 10 ))
export CERTCTL_REDIS_PORT=$(( ${CERTCTL_REDIS_PORT:-16379} + 10 ))
export CERTCTL_NATS_PORT=$(( ${CERTCTL_NATS_PORT:-14222} + 10 ))
export CERTCTL_NATS_MONITOR_PORT=$(( ${CERTCTL_NATS_MONITOR_PORT:-18222} + 10 ))
export CERTCTL_E2E_PORT_OFFSET=$(( ${CERTCTL_E2E_PORT_OFFSET:-10000} + 1000 ))
unset DATABASE_URL REDIS_URL NATS_URL CERTCTL_REDIS_PASSWORD
export CERTCTL_FAULT_PROXIES="${CERTCTL_FAULT_PROXIES:-1}"
mkdir -p "$CERTCTL_DATA_DIR"
trap 'bash tools/infra/down.sh >/dev/null 2>&1 || true' EXIT
bash tools/infra/up.sh
npx jest --selectProjects faults --runInBand "$@" # no --forceExit: libs/testing/src/exit-watchdog.ts fails a run that stays open
