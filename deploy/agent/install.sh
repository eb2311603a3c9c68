#!/usr/bin/env bash
# Installs the certctl agent on this host (run as root; docs/agent.md, "Installing the agent"):
#   - the system user and group certctl-agent
#   - /etc/certctl-agent (0750) with agent.env from the template: written once, never overwritten
#   - /var/lib/certctl-agent and its keys directory (0700, owned by certctl-agent)
#   - the one-file bundle in /usr/local/lib/certctl-agent/ and the /usr/local/bin/certctl-agent launcher
#   - the systemd unit; daemon-reload and enable only when systemd is running (start it yourself
#     once agent.env is filled in)
# Idempotent: a second run changes nothing and says so.
#
# Usage: deploy/agent/install.sh [--bundle FILE] [--prefix DIR]
#   --bundle FILE  the agent bundle (default: dist/certctl-agent.js of this checkout, built if missing)
#   --prefix DIR   install under DIR instead of / (for tests and image builds): no user is
#                  created, nothing is chowned, systemd is not touched
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
PREFIX=""
BUNDLE=""
while [ $# -gt 0 ]; do
  case "$1" in
    --prefix) PREFIX="${2:?--prefix needs a directory}"; shift 2 ;;
    --bundle) BUNDLE="${2:?--bundle needs a file}"; shift 2 ;;
    -h|--help) sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "install.sh: unknown argument $1 (try --help)" >&2; exit 2 ;;
  esac
done

USER_NAME=certctl-agent
if [ -n "$PREFIX" ]; then
  mkdir -p "$PREFIX"
  PREFIX="$(cd "$PREFIX" && pwd)"
elif [ "$(id -u)" != 0 ]; then
  echo "install.sh: run as root (or with --prefix DIR to install under a directory)" >&2
  exit 1
fi
ETC="$PREFIX/etc/certctl-agent"
STATE="$PREFIX/var/lib/certctl-agent"
LIB="$PREFIX/usr/local/lib/certctl-agent"
BIN="$PREFIX/usr/local/bin/certctl-agent"
UNIT="$PREFIX/etc/systemd/system/certctl-agent.service"

if [ -z "$BUNDLE" ]; then
  BUNDLE="$ROOT/dist/certctl-agent.js"
  [ -f "$BUNDLE" ] || node "$ROOT/tools/build/build-agent.mjs" >&2
fi
[ -f "$BUNDLE" ] || { echo "install.sh: no agent bundle at $BUNDLE" >&2; exit 1; }

changes=0
note() { echo "[install] $*"; changes=$((changes + 1)); }

# A directory with its mode (and owner when installing for real).
ensure_dir() { # path mode owner
  local path="$1" mode="$2" owner="$3"
  if [ ! -d "$path" ]; then mkdir -p "$path"; note "created $path"; fi
  if [ "$(stat -c %a "$path")" != "${mode#0}" ]; then chmod "$mode" "$path"; note "mode $mode on $path"; fi
  if [ -z "$PREFIX" ] && [ "$(stat -c %U:%G "$path")" != "$owner" ]; then chown "$owner" "$path"; note "owner $owner on $path"; fi
}

# A file copied when its content differs, then given its mode.
ensure_file() { # source target mode
  local src="$1" dst="$2" mode="$3"
  if ! cmp -s "$src" "$dst"; then
    mkdir -p "$(dirname "$dst")"
    install -m "$mode" "$src" "$dst.new" && mv -f "$dst.new" "$dst"
    note "installed $dst"
  elif [ "$(stat -c %a "$dst")" != "${mode#0}" ]; then
    chmod "$mode" "$dst"; note "mode $mode on $dst"
  fi
}

if [ -z "$PREFIX" ] && ! getent passwd "$USER_NAME" >/dev/null; then
  useradd --system --user-group --home-dir /var/lib/certctl-agent --no-create-home --shell /usr/sbin/nologin "$USER_NAME"
  note "created the system user $USER_NAME"
fi

ensure_dir "$ETC" 0750 "root:$USER_NAME"
if [ ! -e "$ETC/agent.env" ]; then
  install -m 0640 "$HERE/agent.env.example" "$ETC/agent.env"
  [ -n "$PREFIX" ] || chown "root:$USER_NAME" "$ETC/agent.env"
  note "wrote the configuration template $ETC/agent.env (fill it in)"
fi
ensure_dir "$STATE" 0700 "$USER_NAME:$USER_NAME"
ensure_dir "$STATE/keys" 0700 "$USER_NAME:$USER_NAME"

ensure_file "$BUNDLE" "$LIB/certctl-agent.js" 0755
[ ! -f "$BUNDLE.map" ] || ensure_file "$BUNDLE.map" "$LIB/certctl-agent.js.map" 0644
launcher="$(mktemp)"
trap 'rm -f "$launcher"' EXIT
printf '#!/bin/sh\n# certctl agent launcher (deploy/agent/install.sh)\nexec node --enable-source-maps /usr/local/lib/certctl-agent/certctl-agent.js "$@"\n' >"$launcher"
ensure_file "$launcher" "$BIN" 0755
ensure_file "$HERE/certctl-agent.service" "$UNIT" 0644

if [ -z "$PREFIX" ] && [ -d /run/systemd/system ]; then
  if [ "$changes" -gt 0 ]; then systemctl daemon-reload; fi
  if ! systemctl is-enabled --quiet certctl-agent.service 2>/dev/null; then
    systemctl enable certctl-agent.service >/dev/null 2>&1
    note "enabled certctl-agent.service (start it once $ETC/agent.env is filled in)"
  fi
elif [ -z "$PREFIX" ]; then
  echo "[install] systemd is not running here: the unit is installed but not enabled"
fi

if [ "$changes" -eq 0 ]; then
  echo "[install] already installed: nothing changed"
else
  echo "[install] done: $changes change(s)"
fi
