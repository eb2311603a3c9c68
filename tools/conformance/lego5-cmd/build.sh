#!/usr/bin/env bash
# Builds the real `lego` v5 command from its own module source, with only what the Go module
# proxy refuses left out (docs/conformance.md, "lego v5 command"):
#   1. the module github.com/go-acme/lego/v5@<version> (its main package is the module root) is
#      copied into <work>/src;
#   2. gitlab.com/greyxor/slogor (the default log handler of cmd/logger.go) is replaced by the
#      stand-in next to this script (log/slog's TextHandler behind slogor's API);
#   3. every module lego requires is downloaded; the ones the proxy refuses are listed in
#      <work>/refused.txt, and the DNS providers whose packages import one of them (directly or
#      not) are left out;
#   4. the rest is built with lego's own provider selection ("dnslight": the build tag
#      lego_dnslight plus one lego_dns_<code> tag per provider, see lego's Makefile), so no file of
#      lego is edited. The providers built in are listed in <work>/providers.txt.
# Usage: build.sh <version> <output binary> <work dir>
set -euo pipefail
VERSION="$1"
OUT="$2"
WORK="$3"
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
MODULE=github.com/go-acme/lego/v5
# lego's Makefile builds with these (dead-code elimination of template and validation helpers).
DCE_TAGS=urfave_cli_no_template,grpcnotrace,validator_novalidatefn,ozzo_validation_no_template
export GOTOOLCHAIN="${GOTOOLCHAIN:-auto}" GOFLAGS=-mod=readonly

rm -rf "$WORK"
mkdir -p "$WORK/outside"
# `go mod download` of explicit versions runs outside any module (an empty folder).
dir="$(cd "$WORK/outside" && go mod download -json "$MODULE@$VERSION" | sed -n 's/^\t"Dir": "\(.*\)",$/\1/p')"
[ -d "$dir" ] || { echo "lego $VERSION: module not downloaded" >&2; exit 1; }
cp -r "$dir" "$WORK/src"
cp -r "$HERE/slogor" "$WORK/slogor"
chmod -R u+w "$WORK/src" "$WORK/slogor"
cd "$WORK/src"
go mod edit -replace "gitlab.com/greyxor/slogor=../slogor"

# 3. The modules the proxy refuses (slogor is replaced, so it does not count).
awk '/^require \($/ { block = 1; next } block && /^\)/ { block = 0 }
     block { print $1 "@" $2 } /^require [^(]/ { print $2 "@" $3 }' go.mod > "$WORK/requires.txt"
(cd "$WORK/outside" && xargs go mod download -json < "$WORK/requires.txt" || true) |
  sed -n 's/^\t"Error": "\([^@]*\)@.*/\1/p' | grep -vx gitlab.com/greyxor/slogor | sort -u > "$WORK/refused.txt" || true

# A provider is kept when none of its packages' imports lies in a refused module.
go list -e -f '{{.ImportPath}}{{range .Deps}} {{.}}{{end}}' ./providers/dns/... 2>/dev/null |
  awk -v refused="$WORK/refused.txt" '
    BEGIN { while ((getline m < refused) > 0) bad[m] = 1 }
    function in_refused(pkg,   p) {
      for (p = pkg; p != ""; sub(/\/?[^\/]*$/, "", p)) if (p in bad) return 1
      return 0
    }
    { ok = 1; for (i = 1; i <= NF; i++) if (in_refused($i)) { ok = 0; break } }
    ok { print $1 }' > "$WORK/buildable.txt"

# lego's own per-provider registration files: `//go:build lego_dnslight && lego_dns_<code>` and
# the provider package they import.
tags=""
: > "$WORK/providers.txt"
: > "$WORK/left-out.txt"
for file in providers/dns/internal/dnslight/zz_gen_*.go; do
  tag="$(sed -n 's/^\/\/go:build lego_dnslight && \(lego_dns_[a-z0-9_]*\)$/\1/p' "$file")"
  [ -n "$tag" ] || continue # zz_gen_noop.go: the package clause alone
  pkg="$(grep -o "\"$MODULE/providers/dns/[a-z0-9_]*\"" "$file" | tr -d '"')"
  if grep -qx "$pkg" "$WORK/buildable.txt"; then
    tags="$tags,$tag"
    echo "${tag#lego_dns_}" >> "$WORK/providers.txt"
  else
    echo "${pkg##*/}" >> "$WORK/left-out.txt"
  fi
done
for code in exec httpreq manual dnsupdate; do
  grep -qx "$code" "$WORK/providers.txt" || { echo "lego: provider $code cannot be built" >&2; exit 1; }
done

go build -trimpath -tags "$DCE_TAGS,lego_dnslight$tags" -ldflags "-s -w -X main.version=$VERSION" -o "$OUT" .
echo "lego $VERSION: $(wc -l < "$WORK/providers.txt") DNS providers built in, $(wc -l < "$WORK/left-out.txt") left out ($(paste -sd ' ' "$WORK/left-out.txt")); refused modules: $(paste -sd ' ' "$WORK/refused.txt")" >&2
