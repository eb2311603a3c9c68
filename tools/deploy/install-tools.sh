#!/usr/bin/env bash
# Tools for the deployment-file checks (tools/deploy/check.sh), installed once under
# $CERTCTL_DATA_DIR/tools: helm and kubeconform built from the Go module proxy at pinned
# versions, the Kubernetes OpenAPI spec from the k8s.io/kubernetes module (converted to JSON
# schemas by tools/deploy/openapi-to-jsonschema.mjs), docker-compose from Debian.
# A second run finds everything in place and does nothing.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
source "$ROOT/tools/infra/env.sh"

HELM_VERSION=v4.3.2
KUBECONFORM_VERSION=v0.7.0
KUBERNETES_VERSION=v1.36.3 # the Kubernetes release whose API the manifests are checked against

TOOLS="$CERTCTL_DATA_DIR/tools"
BIN="$TOOLS/bin"
SCHEMAS="$TOOLS/k8s-schemas/$KUBERNETES_VERSION"
mkdir -p "$BIN"
export GOBIN="$BIN" GOMODCACHE="$TOOLS/gomod" GOFLAGS=-modcacherw GOTOOLCHAIN=local

say() { printf '[deploy-tools] %s\n' "$*" >&2; }

if ! command -v go >/dev/null; then
  if [ -x /usr/local/go/bin/go ]; then PATH="/usr/local/go/bin:$PATH"; else say "needs the Go toolchain (go) to build helm and kubeconform"; exit 1; fi
fi

# (go install leaves helm's own version string at its default, so a stamp file records it.)
if [ ! -x "$BIN/helm" ] || [ "$(cat "$BIN/helm.version" 2>/dev/null || true)" != "$HELM_VERSION" ]; then
  say "building helm $HELM_VERSION"
  go install "helm.sh/helm/v4/cmd/helm@$HELM_VERSION"
  echo "$HELM_VERSION" > "$BIN/helm.version"
fi

if [ ! -x "$BIN/kubeconform" ] || [ "$(cat "$BIN/kubeconform.version" 2>/dev/null || true)" != "$KUBECONFORM_VERSION" ]; then
  say "building kubeconform $KUBECONFORM_VERSION"
  go install "github.com/yannh/kubeconform/cmd/kubeconform@$KUBECONFORM_VERSION"
  echo "$KUBECONFORM_VERSION" > "$BIN/kubeconform.version"
fi

if [ ! -f "$SCHEMAS/.complete" ]; then
  say "Kubernetes $KUBERNETES_VERSION OpenAPI spec → JSON schemas"
  dir="$(cd "$TOOLS" && go mod download -json "k8s.io/kubernetes@$KUBERNETES_VERSION" | node -e "let s='';process.stdin.on('data',(d)=>(s+=d)).on('end',()=>{const m=JSON.parse(s);if(m.Error){console.error(m.Error);process.exit(1)}console.log(m.Dir)})")"
  rm -rf "$SCHEMAS" && mkdir -p "$SCHEMAS"
  node "$ROOT/tools/deploy/openapi-to-jsonschema.mjs" "$dir/api/openapi-spec/swagger.json" "$SCHEMAS"
  touch "$SCHEMAS/.complete"
fi

# Where the tests find them (tools/deploy/deploy-tools.ts).
printf 'HELM=%s\nKUBECONFORM=%s\nK8S_SCHEMAS=%s\nKUBERNETES_VERSION=%s\n' "$BIN/helm" "$BIN/kubeconform" "$SCHEMAS" "$KUBERNETES_VERSION" > "$TOOLS/deploy-tools.env.tmp"
mv "$TOOLS/deploy-tools.env.tmp" "$TOOLS/deploy-tools.env"

if ! command -v docker-compose >/dev/null; then
  if [ "$(id -u)" = 0 ]; then
    say "installing docker-compose (Debian)"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends docker-compose >/dev/null
  else
    say "missing docker-compose; install with: sudo apt-get install -y docker-compose"; exit 1
  fi
fi
