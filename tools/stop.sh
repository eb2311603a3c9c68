#!/usr/bin/env bash
# npm stop: stop the services `npm start` started from this checkout (by the PID files it
# wrote), then the local infrastructure. Never matches processes by name.
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/infra/env.sh"

# A PID from a file is only signalled while it is still the process that wrote it.
is_ours() { [ -r "/proc/$1/cmdline" ] && tr '\0' ' ' < "/proc/$1/cmdline" | grep -q "$2"; }

runner_file="$CERTCTL_DATA_DIR/run-stack.pid"
services_file="$CERTCTL_DATA_DIR/services.pids"
if [ -s "$runner_file" ]; then
  pid=$(cat "$runner_file")
  if is_ours "$pid" 'dist/tools/run-stack.js'; then
    log "stopping the services (runner pid $pid)"
    kill -TERM "$pid" 2>/dev/null
    for _ in $(seq 1 300); do is_ours "$pid" 'dist/tools/run-stack.js' || break; sleep 0.1; done
  fi
fi
if [ -s "$services_file" ]; then
  while read -r pid; do
    [ -n "$pid" ] && is_ours "$pid" "$CERTCTL_ROOT/dist/apps/" && { log "stopping service pid $pid"; kill -TERM "$pid" 2>/dev/null; }
  done < "$services_file"
fi
rm -f "$runner_file" "$services_file"
bash "$CERTCTL_ROOT/tools/infra/down.sh"
