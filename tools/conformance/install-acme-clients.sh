#!/usr/bin/env bash
# Installs the independent ACME implementations the ACME conformance tests run, once, under the
# data dir (beside zlint, see install-tools.sh):
#   pebble, pebble-challtestsrv  (Go module proxy, pinned)  → $CERTCTL_DATA_DIR/tools/bin/
#   Pebble's test TLS certificate and its CA (from the module) → $CERTCTL_DATA_DIR/tools/pebble-certs/
#   lego5-client (lego v5's library, pinned in its go.mod)   → $CERTCTL_DATA_DIR/tools/bin/lego5-client
#   lego (the lego v5 command, built from its module source by lego5-cmd/build.sh) → $CERTCTL_DATA_DIR/tools/bin/lego
#   xacme-client (golang.org/x/crypto/acme, pinned in its go.mod) → $CERTCTL_DATA_DIR/tools/bin/xacme-client
#   certbot (PyPI, pinned, in a venv; Debian's 2.1 stays on the PATH) → $CERTCTL_DATA_DIR/tools/certbot-venv/bin/certbot
#   caddy (Debian's package; its systemd service stopped and disabled)     → /usr/bin/caddy
# Usage: install-acme-clients.sh [pebble] [lego5] [lego5cmd] [xacme] [certbot] [caddy]   (all when none is named)
# A second run finds them (by their version stamps) and builds nothing. Prints the bin folder.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
source "$ROOT/tools/infra/env.sh"
PEBBLE_VERSION=v2.10.3
LEGO_VERSION=v5.6.0 # pinned in lego5-client/go.mod
XCRYPTO_VERSION=v0.58.0 # pinned in xacme-client/go.mod
CERTBOT_VERSION=5.8.0
TOOLS="$CERTCTL_DATA_DIR/tools"
BIN="$TOOLS/bin"
CERTS="$TOOLS/pebble-certs"
mkdir -p "$BIN"
WANT="${*:-pebble lego5 lego5cmd xacme certbot caddy}"
wants() { case " $WANT " in *" $1 "*) return 0 ;; *) return 1 ;; esac; }

say() { printf '[conformance] %s\n' "$*" >&2; }

stamped() { [ -x "$BIN/$1" ] && [ "$(cat "$BIN/.$1-version" 2>/dev/null)" = "$2" ]; }

need_go() {
  command -v go >/dev/null || [ ! -x /usr/local/go/bin/go ] || PATH="/usr/local/go/bin:$PATH"
  if ! command -v go >/dev/null; then
    [ "$(id -u)" = 0 ] || { say "no Go toolchain: install golang-go"; exit 1; }
    say "installing golang-go"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq golang-go >/dev/null
  fi
}

# Pebble (Let's Encrypt's test CA) and its challenge test server, from one module version.
if wants pebble && { ! stamped pebble "$PEBBLE_VERSION" || ! stamped pebble-challtestsrv "$PEBBLE_VERSION" || [ ! -f "$CERTS/localhost/cert.pem" ]; }; then
  need_go
  say "building pebble and pebble-challtestsrv $PEBBLE_VERSION"
  GOTOOLCHAIN="${GOTOOLCHAIN:-auto}" GOBIN="$BIN" GOFLAGS=-mod=mod go install \
    "github.com/letsencrypt/pebble/v2/cmd/pebble@$PEBBLE_VERSION" \
    "github.com/letsencrypt/pebble/v2/cmd/pebble-challtestsrv@$PEBBLE_VERSION"
  # Pebble serves HTTPS only, with the test certificate its module ships (localhost, 127.0.0.1).
  src="$(go env GOMODCACHE)/github.com/letsencrypt/pebble/v2@$PEBBLE_VERSION/test/certs"
  rm -rf "$CERTS"
  mkdir -p "$CERTS/localhost"
  cp "$src/pebble.minica.pem" "$CERTS/"
  cp "$src/localhost/cert.pem" "$src/localhost/key.pem" "$CERTS/localhost/"
  chmod -R u+w "$CERTS"
  echo "$PEBBLE_VERSION" > "$BIN/.pebble-version"
  echo "$PEBBLE_VERSION" > "$BIN/.pebble-challtestsrv-version"
fi

# lego v5: `go install github.com/go-acme/lego/v5@v5.6.0` needs the SDKs of all its DNS providers
# and its logger, 21 of which the Go module proxy does not serve here (403). lego5-cmd/build.sh
# builds the command from its module source without them (lego5cmd); tools/conformance/lego5-client
# is a small program on lego v5's library packages, for the calls the command does not make (lego5).
# Each Go program under tools/conformance/<name> is pinned by its go.mod/go.sum and rebuilt only
# when its sources change.
build_program() { # <name> <label>
  local src="$ROOT/tools/conformance/$1" sum
  sum="$(cat "$src/go.mod" "$src/go.sum" "$src/main.go" | sha256sum | cut -c1-16)"
  if ! stamped "$1" "$sum"; then
    need_go
    say "building $1 ($2)"
    (cd "$src" && GOTOOLCHAIN="${GOTOOLCHAIN:-auto}" GOFLAGS=-mod=readonly go build -trimpath -o "$BIN/$1" .)
    echo "$sum" > "$BIN/.$1-version"
  fi
}
if wants lego5; then build_program lego5-client "lego $LEGO_VERSION"; fi
if wants lego5cmd; then
  sum="$LEGO_VERSION-$(cat "$ROOT"/tools/conformance/lego5-cmd/build.sh "$ROOT"/tools/conformance/lego5-cmd/slogor/* | sha256sum | cut -c1-16)"
  if ! stamped lego "$sum"; then
    need_go
    say "building the lego $LEGO_VERSION command (several minutes the first time)"
    bash "$ROOT/tools/conformance/lego5-cmd/build.sh" "$LEGO_VERSION" "$BIN/lego" "$TOOLS/lego5-cmd-build"
    echo "$sum" > "$BIN/.lego-version"
  fi
fi
# golang.org/x/crypto/acme: the ACME client of Go's autocert and of cert-manager's ACME issuer.
if wants xacme; then build_program xacme-client "golang.org/x/crypto $XCRYPTO_VERSION"; fi

if wants certbot; then
  VENV="$TOOLS/certbot-venv"
  if [ ! -x "$VENV/bin/certbot" ] || [ "$(cat "$VENV/.certbot-version" 2>/dev/null)" != "$CERTBOT_VERSION" ]; then
    python3 -c 'import venv, ensurepip' 2>/dev/null || { say "no Python venv: install python3-venv"; exit 1; }
    say "installing certbot $CERTBOT_VERSION"
    rm -rf "$VENV"
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install --quiet --disable-pip-version-check "certbot==$CERTBOT_VERSION"
    echo "$CERTBOT_VERSION" > "$VENV/.certbot-version"
  fi
fi

# Caddy from Debian: the tests run their own `caddy run`; the package's service must not hold the ports.
if wants caddy && ! command -v caddy >/dev/null; then
  [ "$(id -u)" = 0 ] || { say "no caddy: install Debian's caddy package"; exit 1; }
  say "installing caddy (Debian)"
  DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq caddy >/dev/null
  if [ -d /run/systemd/system ]; then systemctl disable --now caddy.service >/dev/null 2>&1 || true; fi
fi

echo "$BIN"
