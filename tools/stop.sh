#!/usr/bin/env bash
# npm stop: stop running services started from this checkout, then the local infrastructure.
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
pkill -TERM -f "$ROOT/dist/apps/" 2>/dev/null && sleep 1
bash "$ROOT/tools/infra/down.sh"
