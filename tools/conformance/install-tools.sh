#!/usr/bin/env bash
# Installs the certificate linters the conformance tests run, once, under the data dir:
#   zlint   (Go module proxy, pinned)  → $CERTCTL_DATA_DIR/tools/bin/zlint
#   pkilint (PyPI, pinned, in a venv)  → $CERTCTL_DATA_DIR/tools/pkilint-venv/bin/lint_*
# A second run finds both and installs nothing. Prints nothing but the paths on success.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
source "$ROOT/tools/infra/env.sh"
ZLINT_VERSION=v3.7.3
PKILINT_VERSION=0.13.3
TOOLS="$CERTCTL_DATA_DIR/tools"
BIN="$TOOLS/bin"
VENV="$TOOLS/pkilint-venv"
mkdir -p "$BIN"

say() { printf '[conformance] %s\n' "$*" >&2; }

# zlint: a Go toolchain is needed only the first time (/usr/local/go, else Debian's golang-go).
if [ ! -x "$BIN/zlint" ] || [ "$(cat "$BIN/.zlint-version" 2>/dev/null)" != "$ZLINT_VERSION" ]; then
  command -v go >/dev/null || [ ! -x /usr/local/go/bin/go ] || PATH="/usr/local/go/bin:$PATH"
  if ! command -v go >/dev/null; then
    [ "$(id -u)" = 0 ] || { say "no Go toolchain: install golang-go"; exit 1; }
    say "installing golang-go"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq golang-go >/dev/null
  fi
  say "building zlint $ZLINT_VERSION"
  # zlint v3.7.3 needs Go 1.25: an older toolchain (1.21+) fetches it from the Go module proxy.
  GOTOOLCHAIN="${GOTOOLCHAIN:-auto}" GOBIN="$BIN" GOFLAGS=-mod=mod GOPATH="${GOPATH:-$TOOLS/gopath}" go install "github.com/zmap/zlint/v3/cmd/zlint@$ZLINT_VERSION"
  echo "$ZLINT_VERSION" > "$BIN/.zlint-version"
fi

# pkilint: Python 3.9+ with venv (Debian's python3-venv when missing).
if [ ! -x "$VENV/bin/lint_pkix_cert" ] || [ "$(cat "$VENV/.pkilint-version" 2>/dev/null)" != "$PKILINT_VERSION" ]; then
  if ! python3 -c 'import venv, ensurepip' 2>/dev/null; then
    [ "$(id -u)" = 0 ] || { say "no Python venv: install python3-venv"; exit 1; }
    say "installing python3-venv"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3 python3-venv >/dev/null
  fi
  say "installing pkilint $PKILINT_VERSION"
  rm -rf "$VENV"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check "pkilint==$PKILINT_VERSION"
  echo "$PKILINT_VERSION" > "$VENV/.pkilint-version"
fi

echo "$BIN/zlint"
echo "$VENV/bin"
