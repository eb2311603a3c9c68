#!/usr/bin/env bash
# The independent SCEP client of apps/platform-e2e/src/scep.e2e-spec.ts: Debian's `scep`
# package (micromdm/scep 2.x: scepclient and scepserver), installed only when missing. Its
# server is never started: the e2e test runs scepclient against the stack's gateway.
# Usage: install-scep-client.sh            (prints what it installed; idempotent)
set -euo pipefail
say() { echo "[scep-client] $*"; }
[ -x /usr/bin/scepclient ] && exit 0
[ "$(id -u)" = 0 ] || { say "missing scepclient: install Debian's scep package with apt-get (root needed)"; exit 1; }
say "installing scep (Debian)"
apt-get update -qq >/dev/null
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends scep >/dev/null
say "installed $(scepclient -version 2>&1 | head -1)"
