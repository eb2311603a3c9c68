#!/usr/bin/env bash
# Installs Prometheus and promtool for the observability checks, once, under the data dir.
# The binaries come from Debian's `prometheus` package, unpacked (not installed) so no
# system service is started: <data dir>/tools/prometheus/usr/bin/{prometheus,promtool}.
# Prints the bin directory. A second run downloads nothing.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../infra/env.sh"
dest="$CERTCTL_DATA_DIR/tools/prometheus"
bin="$dest/usr/bin"
if [ -x "$bin/promtool" ] && [ -x "$bin/prometheus" ]; then echo "$bin"; exit 0; fi
mkdir -p "$dest/debs"
cd "$dest/debs"
if ! apt-get download prometheus >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ]; then
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null
    apt-get download prometheus >/dev/null
  else
    echo "cannot download the prometheus package: run 'sudo apt-get update' once" >&2
    exit 1
  fi
fi
dpkg-deb -x prometheus_*.deb "$dest"
rm -f prometheus_*.deb
"$bin/promtool" --version >/dev/null
echo "$bin"
