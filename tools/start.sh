#!/usr/bin/env bash
# npm start: everything from a fresh machine to seven running services.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
started=$(date +%s)
prepare_platform
ensure_encryption_key
# HTTPS next to HTTP (docs/tls.md); CERTCTL_GATEWAY_TLS_PORT= (empty) or 0 turns it off.
export CERTCTL_GATEWAY_TLS_PORT="${CERTCTL_GATEWAY_TLS_PORT-8443}"
step "seeding demo data"
node dist/tools/seed.js
step "starting the services"
exec node dist/tools/run-stack.js --since "$started"
