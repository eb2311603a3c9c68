#!/usr/bin/env bash
# Builds Jaeger's all-in-one program (an OTLP receiver with in-memory storage and the query
# API) once, from the Go module proxy at a pinned version, into <data dir>/tools/bin/jaeger.
# Jaeger's own go.mod has replace directives, so `go install pkg@version` refuses it: it is
# built as a tool of a small local module instead. Prints the binary's path. A second run
# finds it and builds nothing.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
source "$ROOT/tools/infra/env.sh"

JAEGER_VERSION=v1.75.0
TOOLS="$CERTCTL_DATA_DIR/tools"
BIN="$TOOLS/bin"
out="$BIN/jaeger"
if [ -x "$out" ] && [ "$(cat "$out.version" 2>/dev/null || true)" = "$JAEGER_VERSION" ]; then echo "$out"; exit 0; fi

if ! command -v go >/dev/null; then
  if [ -x /usr/local/go/bin/go ]; then PATH="/usr/local/go/bin:$PATH"; else echo "install-jaeger: needs the Go toolchain (go)" >&2; exit 1; fi
fi
mkdir -p "$BIN"
module="$TOOLS/jaeger-build"
rm -rf "$module"
mkdir -p "$module"
cd "$module"
export GOMODCACHE="$TOOLS/gomod" GOFLAGS=-modcacherw GOTOOLCHAIN="${GOTOOLCHAIN:-local}"
echo "[jaeger] building jaeger $JAEGER_VERSION (a few minutes, once per machine)" >&2
go mod init certctl.local/jaeger-build >/dev/null 2>&1
go get -tool "github.com/jaegertracing/jaeger/cmd/jaeger@$JAEGER_VERSION" >/dev/null 2>&1
go build -o "$out.tmp" github.com/jaegertracing/jaeger/cmd/jaeger
mv "$out.tmp" "$out"
echo "$JAEGER_VERSION" > "$out.version"
cd / && rm -rf "$module"
echo "$out"
