# Shared defaults for the local infrastructure scripts. Sourced, not executed.
# Every value can be overridden from the environment.
CERTCTL_ROOT="${CERTCTL_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
# Local data (PostgreSQL, Redis, NATS, logs, generated keys). Exported so the node tools
# (seed, run-stack, tests) use the same folder; a relative path is taken from the repo root.
CERTCTL_DATA_DIR="${CERTCTL_DATA_DIR:-$CERTCTL_ROOT/.local}"
[[ "$CERTCTL_DATA_DIR" = /* ]] || CERTCTL_DATA_DIR="$CERTCTL_ROOT/$CERTCTL_DATA_DIR"
export CERTCTL_DATA_DIR
CERTCTL_PG_PORT="${CERTCTL_PG_PORT:-55432}"
CERTCTL_REDIS_PORT="${CERTCTL_REDIS_PORT:-56379}"
CERTCTL_NATS_PORT="${CERTCTL_NATS_PORT:-54222}"
CERTCTL_NATS_MONITOR_PORT="${CERTCTL_NATS_MONITOR_PORT:-58222}"
export DATABASE_URL="${DATABASE_URL:-postgresql://certctl:certctl@127.0.0.1:${CERTCTL_PG_PORT}/certctl}"
export REDIS_URL="${REDIS_URL:-redis://127.0.0.1:${CERTCTL_REDIS_PORT}}"
export NATS_URL="${NATS_URL:-nats://127.0.0.1:${CERTCTL_NATS_PORT}}"

log() { printf '[infra] %s\n' "$*" >&2; }

# host and port out of a URL such as postgresql://u:p@host:port/db
url_host() { local rest="${1#*://}"; rest="${rest#*@}"; rest="${rest%%/*}"; echo "${rest%%:*}"; }
url_port() { local rest="${1#*://}"; rest="${rest#*@}"; rest="${rest%%/*}"; [[ "$rest" == *:* ]] && echo "${rest##*:}" || echo "$2"; }

port_open() { (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; }
