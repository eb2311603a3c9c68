#!/usr/bin/env bash
# Debian's Chromium for the dashboard's browser tests (apps/platform-e2e/src/dashboard.e2e-spec.ts,
# driven by playwright-core: Playwright's own browser download does not work here). Once.
set -euo pipefail
if [ -x /usr/bin/chromium ]; then exit 0; fi
echo "[web] installing chromium from Debian"
SUDO=""
if [ "$(id -u)" != "0" ]; then SUDO="sudo"; fi
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null
/usr/bin/chromium --version
