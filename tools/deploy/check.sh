#!/usr/bin/env bash
# The deployment files, checked without a cluster or a container engine: installs helm,
# kubeconform, the Kubernetes schemas and docker-compose on first use (tools/deploy/install-tools.sh),
# then the `deploy` Jest project renders and validates the Helm chart (helm lint --strict,
# helm template for the default values and each example, kubeconform against the Kubernetes
# OpenAPI schemas, values.schema.json), the compose file (docker-compose config) and the Dockerfiles.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
bash tools/deploy/install-tools.sh
npx jest --selectProjects deploy
