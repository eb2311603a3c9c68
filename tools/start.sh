#!/usr/bin/env bash
# npm start: everything from a fresh machine to seven running services.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
started=$(date +%s)
# One stack per data directory: a second npm start would rebuild under the running services and
# then find their ports taken.
if [ -f "$CERTCTL_DATA_DIR/run-stack.pid" ] && running=$(cat "$CERTCTL_DATA_DIR/run-stack.pid") \
  && kill -0 "$running" 2>/dev/null && grep -q run-stack "/proc/$running/cmdline" 2>/dev/null; then
  echo "[start] certctl-ts is already running from $CERTCTL_DATA_DIR (pid $running); \`npm stop\` stops it first." >&2
  exit 1
fi
prepare_platform
ensure_encryption_key
# Each service connects to NATS as its own user and gets its principal keys (docs/architecture.md).
export CERTCTL_BUS_CREDENTIALS_FILE="${CERTCTL_BUS_CREDENTIALS_FILE:-$CERTCTL_DATA_DIR/bus-credentials.json}"
# HTTPS next to HTTP (docs/tls.md); CERTCTL_GATEWAY_TLS_PORT= (empty) or 0 turns it off.
export CERTCTL_GATEWAY_TLS_PORT="${CERTCTL_GATEWAY_TLS_PORT-8443}"
step "seeding demo data"
node dist/tools/seed.js
step "starting the services"
exec node dist/tools/run-stack.js --since "$started"
