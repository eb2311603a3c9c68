# Shared defaults for the local infrastructure scripts. Sourced, not executed.
# Every value can be overridden from the environment.
CERTCTL_ROOT="${CERTCTL_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
# Local data (PostgreSQL, Redis, NATS, logs, generated keys). Exported so the node tools
# (seed, run-stack, tests) use the same folder; a relative path is taken from the repo root.
CERTCTL_DATA_DIR="${CERTCTL_DATA_DIR:-$CERTCTL_ROOT/.local}"
[[ "$CERTCTL_DATA_DIR" = /* ]] || CERTCTL_DATA_DIR="$CERTCTL_ROOT/$CERTCTL_DATA_DIR"
export CERTCTL_DATA_DIR
CERTCTL_PG_PORT="${CERTCTL_PG_PORT:-15432}"
CERTCTL_REDIS_PORT="${CERTCTL_REDIS_PORT:-16379}"
CERTCTL_NATS_PORT="${CERTCTL_NATS_PORT:-14222}"
CERTCTL_NATS_MONITOR_PORT="${CERTCTL_NATS_MONITOR_PORT:-18222}"
export DATABASE_URL="${DATABASE_URL:-postgresql://certctl:certctl@127.0.0.1:${CERTCTL_PG_PORT}/certctl}"
# The local Redis runs with a password kept in <data dir>/redis-password (0600, generated once);
# a REDIS_URL you set is used as it is.
if [ -z "${REDIS_URL:-}" ]; then
  if [ ! -s "$CERTCTL_DATA_DIR/redis-password" ]; then
    mkdir -p "$CERTCTL_DATA_DIR"
    (umask 077; head -c 24 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n' > "$CERTCTL_DATA_DIR/redis-password")
  fi
  CERTCTL_REDIS_PASSWORD="$(cat "$CERTCTL_DATA_DIR/redis-password")"
  REDIS_URL="redis://:${CERTCTL_REDIS_PASSWORD}@127.0.0.1:${CERTCTL_REDIS_PORT}"
elif [ -z "${CERTCTL_REDIS_PASSWORD:-}" ] && [[ "$REDIS_URL" =~ ^rediss?://[^:/@]*:([^@/]+)@ ]]; then
  CERTCTL_REDIS_PASSWORD="${BASH_REMATCH[1]}" # a Redis started here gets the password of the URL
fi
export REDIS_URL CERTCTL_REDIS_PASSWORD="${CERTCTL_REDIS_PASSWORD:-}"
export NATS_URL="${NATS_URL:-nats://127.0.0.1:${CERTCTL_NATS_PORT}}"

log() { printf '[infra] %s\n' "$*" >&2; }

# host and port out of a URL such as postgresql://u:p@host:port/db
url_host() { local rest="${1#*://}"; rest="${rest#*@}"; rest="${rest%%/*}"; echo "${rest%%:*}"; }
url_port() { local rest="${1#*://}"; rest="${rest#*@}"; rest="${rest%%/*}"; [[ "$rest" == *:* ]] && echo "${rest##*:}" || echo "$2"; }

port_open() { (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; }
