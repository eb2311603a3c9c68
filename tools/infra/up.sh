#!/usr/bin/env bash
# Bring up PostgreSQL, Redis and NATS from the Debian packages, with data in a
# project-local folder (.local/ by default). Idempotent: servers already reachable at
# DATABASE_URL / REDIS_URL / NATS_URL are reused, running ones are left alone.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
mkdir -p "$CERTCTL_DATA_DIR"

need_packages=()
ensure_cmd() { # command package
  command -v "$1" >/dev/null 2>&1 || need_packages+=("$2")
}

pg_bin() {
  local d
  for d in /usr/lib/postgresql/*/bin; do [ -x "$d/pg_ctl" ] && { echo "$d"; return; }; done
  dirname "$(command -v pg_ctl 2>/dev/null || echo /nonexistent/pg_ctl)"
}

install_missing() {
  [ ${#need_packages[@]} -eq 0 ] && return 0
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    log "installing ${need_packages[*]} with apt-get"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null
    apt-get install -y -qq --no-install-recommends "${need_packages[@]}" >/dev/null
  else
    log "missing packages: ${need_packages[*]}"
    log "install them with: sudo apt-get install -y ${need_packages[*]}"
    exit 1
  fi
}

pg_host=$(url_host "$DATABASE_URL"); pg_port=$(url_port "$DATABASE_URL" 5432)
redis_host=$(url_host "$REDIS_URL"); redis_port=$(url_port "$REDIS_URL" 6379)
nats_host=$(url_host "$NATS_URL"); nats_port=$(url_port "$NATS_URL" 4222)

port_open "$pg_host" "$pg_port" || { [ -x "$(pg_bin)/pg_ctl" ] || need_packages+=(postgresql); }
port_open "$redis_host" "$redis_port" || ensure_cmd redis-server redis-server
port_open "$nats_host" "$nats_port" || ensure_cmd nats-server nats-server
install_missing

# ---- PostgreSQL ----
if port_open "$pg_host" "$pg_port"; then
  log "PostgreSQL already reachable at $pg_host:$pg_port"
else
  bin=$(pg_bin); pgdata="$CERTCTL_DATA_DIR/pg"
  as_pg=()
  if [ "$(id -u)" = 0 ]; then as_pg=(runuser -u postgres --); fi
  if [ ! -f "$pgdata/PG_VERSION" ]; then
    log "initialising PostgreSQL cluster in $pgdata"
    mkdir -p "$pgdata"
    [ "$(id -u)" = 0 ] && chown postgres:postgres "$pgdata" "$CERTCTL_DATA_DIR/pg"
    chmod 700 "$pgdata"
    pwfile=$(mktemp); echo certctl > "$pwfile"; chmod 644 "$pwfile"
    "${as_pg[@]}" "$bin/initdb" -D "$pgdata" -U certctl --pwfile="$pwfile" -A scram-sha-256 --auth-local=trust -E UTF8 >/dev/null
    rm -f "$pwfile"
    cat >> "$pgdata/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
unix_socket_directories = '$pgdata'
max_connections = 300
shared_buffers = 256MB
fsync = ${CERTCTL_PG_FSYNC:-on}
synchronous_commit = ${CERTCTL_PG_SYNC_COMMIT:-on}
CONF
  fi
  log "starting PostgreSQL on 127.0.0.1:$pg_port"
  "${as_pg[@]}" "$bin/pg_ctl" -D "$pgdata" -l "$pgdata/server.log" -o "-p $pg_port" -w -t 60 start >/dev/null
  "${as_pg[@]}" "$bin/psql" -h "$pgdata" -p "$pg_port" -U certctl -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname='certctl'" | grep -q 1 \
    || "${as_pg[@]}" "$bin/createdb" -h "$pgdata" -p "$pg_port" -U certctl certctl
fi

# ---- Redis ----
rdir="$CERTCTL_DATA_DIR/redis"
if port_open "$redis_host" "$redis_port"; then
  log "Redis already reachable at $redis_host:$redis_port"
  # One started here by an earlier version runs without a password: give it the one in REDIS_URL.
  if [ -n "${CERTCTL_REDIS_PASSWORD:-}" ] && [ -f "$rdir/redis.pid" ] && kill -0 "$(cat "$rdir/redis.pid")" 2>/dev/null \
    && [ "$(redis-cli -h "$redis_host" -p "$redis_port" ping 2>/dev/null)" = PONG ]; then
    log "Redis (pid $(cat "$rdir/redis.pid")) has no password: setting requirepass"
    printf '%s' "$CERTCTL_REDIS_PASSWORD" | redis-cli -h "$redis_host" -p "$redis_port" -x config set requirepass >/dev/null
  fi
else
  mkdir -p "$rdir"
  # The password goes through a 0600 file, not the command line (which other users can read).
  (umask 077; : > "$rdir/redis.conf")
  [ -n "${CERTCTL_REDIS_PASSWORD:-}" ] && printf 'requirepass %s\n' "$CERTCTL_REDIS_PASSWORD" > "$rdir/redis.conf"
  log "starting Redis on 127.0.0.1:$redis_port${CERTCTL_REDIS_PASSWORD:+ (password in $CERTCTL_DATA_DIR/redis-password)}"
  redis-server "$rdir/redis.conf" --bind 127.0.0.1 --port "$redis_port" --dir "$rdir" --daemonize yes \
    --pidfile "$rdir/redis.pid" --logfile "$rdir/redis.log" \
    --appendonly yes --appendfsync everysec --save "" --maxmemory-policy noeviction >/dev/null
fi

# ---- NATS ----
# One user per service with the subject permissions generated from the contracts
# (docs/architecture.md, "Bus credentials"): <data dir>/bus-credentials.json, <data dir>/nats/nats.conf.
ndir="$CERTCTL_DATA_DIR/nats"; mkdir -p "$ndir"
# The bus library bundles the event outbox, which needs the generated Prisma client (a fresh
# clone has none yet: generated here, offline, and left for the steps after).
node "$CERTCTL_ROOT/tools/db/generate.mjs" >/dev/null
node "$CERTCTL_ROOT/tools/build/build.mjs" tools/bus-config >/dev/null
nats_conf=$(node "$CERTCTL_ROOT/dist/tools/bus-config.js")
# JetStream stores the domain events (the CERTCTL_EVENTS stream) in $ndir/jetstream.
# The configuration it runs with is remembered (nats.conf.sha256): a later run restarts NATS when
# it changed instead of reloading it, because nats-server 2.9 drops JetStream from the global
# account on a reload of its users (clients reconnect; the stream is on disk).
start_nats() {
  sha256sum "$nats_conf" | cut -d' ' -f1 > "$ndir/nats.conf.sha256"
  setsid nohup nats-server -c "$nats_conf" -a 127.0.0.1 -p "$nats_port" -m "$CERTCTL_NATS_MONITOR_PORT" \
    -js -sd "$ndir/jetstream" -P "$ndir/nats.pid" -l "$ndir/nats.log" >>"$ndir/nats.out" 2>&1 < /dev/null &
}
stop_nats() {
  kill "$nats_pid"
  for _ in $(seq 1 50); do kill -0 "$nats_pid" 2>/dev/null || break; sleep 0.1; done
  for _ in $(seq 1 50); do port_open "$nats_host" "$nats_port" || break; sleep 0.1; done
}
nats_pid=""
[ -f "$ndir/nats.pid" ] && nats_pid=$(cat "$ndir/nats.pid") && { kill -0 "$nats_pid" 2>/dev/null || nats_pid=""; }
if port_open "$nats_host" "$nats_port"; then
  nats_cmdline=$([ -n "$nats_pid" ] && tr '\0' ' ' < "/proc/$nats_pid/cmdline" 2>/dev/null || true)
  same_conf=""
  [ -f "$ndir/nats.conf.sha256" ] && [ "$(cat "$ndir/nats.conf.sha256")" = "$(sha256sum "$nats_conf" | cut -d' ' -f1)" ] && same_conf=1
  if [ -n "$nats_pid" ] && grep -qF -- "-c $nats_conf" <<<"$nats_cmdline" && grep -qF -- " -js " <<<"$nats_cmdline" && [ -n "$same_conf" ]; then
    log "NATS already running at $nats_host:$nats_port (pid $nats_pid) with these permissions and JetStream"
  elif [ -n "$nats_pid" ]; then
    # Started here earlier with other permissions, or without users or JetStream: restart it.
    log "NATS (pid $nats_pid) runs with other permissions or without JetStream; restarting it with $nats_conf and -js"
    stop_nats
    start_nats
  else
    log "NATS already reachable at $nats_host:$nats_port, not started here: its own authorization applies"
    log "  (the generated users and permissions are in $nats_conf)"
  fi
else
  log "starting NATS on 127.0.0.1:$nats_port (monitoring $CERTCTL_NATS_MONITOR_PORT, one user per service)"
  start_nats
fi

for i in $(seq 1 100); do
  if port_open "$pg_host" "$pg_port" && port_open "$redis_host" "$redis_port" && port_open "$nats_host" "$nats_port"; then
    log "ready: DATABASE_URL=${DATABASE_URL/:certctl@/:****@} REDIS_URL=$(printf '%s' "$REDIS_URL" | sed -E 's#//[^@/]*@#//****@#') NATS_URL=$NATS_URL"
    exit 0
  fi
  # A server that died at once (seen right after a fresh package install) gets one more try.
  if [ "$i" = 25 ] && declare -F start_nats >/dev/null && ! port_open "$nats_host" "$nats_port"; then
    log "NATS is not up yet; starting it again"; start_nats
  fi
  sleep 0.2
done
log "infrastructure did not come up; see logs under $CERTCTL_DATA_DIR"
tail -n 5 "$CERTCTL_DATA_DIR"/nats/nats.out "$CERTCTL_DATA_DIR"/nats/nats.log "$CERTCTL_DATA_DIR"/redis/redis.log 2>/dev/null >&2 || true
exit 1
