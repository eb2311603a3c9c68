#!/usr/bin/env bash
# Stop the project-local PostgreSQL, Redis and NATS started by up.sh. Servers that
# up.sh did not start (no pid file under the data folder) are left alone. Data is kept.
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"

pgdata="$CERTCTL_DATA_DIR/pg"
if [ -f "$pgdata/postmaster.pid" ]; then
  log "stopping PostgreSQL"
  bin=""; for d in /usr/lib/postgresql/*/bin; do [ -x "$d/pg_ctl" ] && bin="$d"; done
  as_pg=(); [ "$(id -u)" = 0 ] && as_pg=(runuser -u postgres --)
  "${as_pg[@]}" "${bin:-$(dirname "$(command -v pg_ctl)")}/pg_ctl" -D "$pgdata" -m fast -w stop >/dev/null || true
fi
for f in "$CERTCTL_DATA_DIR/redis/redis.pid" "$CERTCTL_DATA_DIR/nats/nats.pid"; do
  if [ -f "$f" ]; then
    pid=$(cat "$f")
    log "stopping $(basename "$f" .pid) (pid $pid)"
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    rm -f "$f"
  fi
done
