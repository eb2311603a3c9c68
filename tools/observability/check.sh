#!/usr/bin/env bash
# Observability artefacts, checked without a running stack: the Prometheus rules (promtool
# check + unit tests), the example Prometheus configuration, a runbook section for every
# alert, the Grafana dashboards against their generator, and the k6 scripts' types.
# Installs promtool on first use (tools/observability/install-tools.sh). The live check
# (Prometheus scraping the stack) is apps/platform-e2e/src/observability.e2e-spec.ts.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
bin="$(bash tools/observability/install-tools.sh)"
rules=deploy/prometheus/certctl-rules.yml

"$bin/promtool" check rules "$rules"
"$bin/promtool" check config deploy/prometheus/prometheus.example.yml
(cd deploy/prometheus/tests && "$bin/promtool" test rules ./*.yml)

# Every alert links a runbook section of docs/observability.md that exists.
alerts=$(grep -c '^ *- alert:' "$rules")
links=$(grep -c '^ *runbook_url: docs/observability.md#' "$rules")
if [ "$alerts" != "$links" ]; then
  echo "$rules: $alerts alerts but $links runbook_url annotations" >&2
  exit 1
fi
anchors=$(grep '^#\+ ' docs/observability.md | sed 's/^#* //' | tr 'A-Z ' 'a-z-' | tr -cd 'a-z0-9\n-')
for a in $(grep -o 'docs/observability.md#[a-z0-9-]*' "$rules" | cut -d'#' -f2 | sort -u); do
  if ! grep -qx "$a" <<<"$anchors"; then
    echo "$rules: runbook_url #$a has no section in docs/observability.md" >&2
    exit 1
  fi
done
echo "runbooks: $alerts alerts, each with its section"

node tools/observability/dashboards.mjs --check
npx tsc -p loadtest/k6/tsconfig.json
echo "k6 scripts: types checked"
