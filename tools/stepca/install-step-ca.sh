#!/usr/bin/env bash
# Installs smallstep's step-ca (the CA server the `stepca` issuer connector is tested against),
# once, under the data dir:
#   step-ca (Go module proxy, pinned) → $CERTCTL_DATA_DIR/tools/bin/step-ca
# A second run finds it (by its version stamp) and builds nothing. Prints the binary's path.
# The tests make the CA itself (openssl root + intermediate, a JWK provisioner): see
# libs/testing/src/servers/stepca.ts.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
source "$ROOT/tools/infra/env.sh"
STEPCA_VERSION=v0.30.2
BIN="$CERTCTL_DATA_DIR/tools/bin"
mkdir -p "$BIN"

say() { printf '[step-ca] %s\n' "$*" >&2; }

if [ ! -x "$BIN/step-ca" ] || [ "$(cat "$BIN/.step-ca-version" 2>/dev/null)" != "$STEPCA_VERSION" ]; then
  command -v go >/dev/null || [ ! -x /usr/local/go/bin/go ] || PATH="/usr/local/go/bin:$PATH"
  if ! command -v go >/dev/null; then
    [ "$(id -u)" = 0 ] || { say "no Go toolchain: install golang-go"; exit 1; }
    say "installing golang-go"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq golang-go >/dev/null
  fi
  say "building step-ca $STEPCA_VERSION (once; a few minutes)"
  # No cgo: the PKCS#11/YubiKey KMS backends are not needed (the test CA keeps its keys in files).
  CGO_ENABLED=0 GOTOOLCHAIN="${GOTOOLCHAIN:-auto}" GOBIN="$BIN" GOFLAGS=-mod=mod \
    go install -trimpath "github.com/smallstep/certificates/cmd/step-ca@$STEPCA_VERSION"
  echo "$STEPCA_VERSION" > "$BIN/.step-ca-version"
fi

echo "$BIN/step-ca"
