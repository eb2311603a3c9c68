#!/usr/bin/env bash
# npm start: everything from a fresh machine to seven running services.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
started=$(date +%s)
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
