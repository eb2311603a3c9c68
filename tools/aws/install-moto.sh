#!/usr/bin/env bash
# moto in server mode, the local stand-in for the AWS APIs the platform calls (AWS Private CA
# for the aws-acm-pca issuer connector, AWS Certificate Manager for the agent's aws-acm target),
# installed once from PyPI (pinned) in a venv under the data dir:
#   → $CERTCTL_DATA_DIR/tools/moto-venv/bin/moto_server
# A second run finds it and installs nothing. Prints nothing but the path on success.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
source "$ROOT/tools/infra/env.sh"
MOTO_VERSION=5.2.6
VENV="$CERTCTL_DATA_DIR/tools/moto-venv"

say() { printf '[moto] %s\n' "$*" >&2; }

if [ ! -x "$VENV/bin/moto_server" ] || [ "$(cat "$VENV/.moto-version" 2>/dev/null)" != "$MOTO_VERSION" ]; then
  if ! python3 -c 'import venv, ensurepip' 2>/dev/null; then
    [ "$(id -u)" = 0 ] || { say "no Python venv: install python3-venv"; exit 1; }
    say "installing python3-venv"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3 python3-venv >/dev/null
  fi
  say "installing moto[server] $MOTO_VERSION"
  rm -rf "$VENV"
  mkdir -p "$(dirname "$VENV")"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check "moto[server]==$MOTO_VERSION"
  echo "$MOTO_VERSION" > "$VENV/.moto-version"
fi

echo "$VENV/bin/moto_server"
