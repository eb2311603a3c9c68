#!/usr/bin/env bash
# npm test: from a fresh machine, everything the tests need, then every tier:
# static checks (types, lint, format) → unit → integration → end-to-end.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
t0=$(date +%s)
prepare_platform
step "type check, lint and format check"
npx tsc -p tsconfig.json --noEmit
npx tsc -p apps/web/tsconfig.json # the dashboard: browser code, its own compiler settings
NX_DAEMON=false npx nx show projects >/dev/null # project graph for @nx/enforce-module-boundaries
npx eslint . --max-warnings 0
npx prettier --check . --log-level warn
step "unit tests"
npx jest --selectProjects unit
npx vitest run --config apps/web/vite.config.mts # the dashboard's component tests (jsdom)
step "integration tests (real PostgreSQL, Redis, NATS)"
bash tools/stepca/install-step-ca.sh >/dev/null # step-ca for the stepca connector tests (integration and e2e), built once
# The stack tiers run without --forceExit: each ends on its own once its tests closed what they opened.
# Should something stay open, their global teardown's exit watchdog (libs/testing/src/exit-watchdog.ts)
# fails the step 30 s later, naming what is still open, instead of letting it wait forever.
npx jest --selectProjects integration --runInBand
step "agent target connectors (real NGINX, Apache httpd, HAProxy, Caddy, Postfix, Dovecot, keytool, OpenSSH; moto for AWS ACM)"
bash tools/agent/install-target-servers.sh
bash tools/aws/install-moto.sh >/dev/null # moto (AWS emulator) for the aws-acm target and the aws-acm-pca connector, once
npx jest --selectProjects targets --runInBand
step "end-to-end tests (the whole stack, driven from outside; the dashboard in Debian's Chromium; traces in Jaeger)"
bash tools/web/install-chromium.sh
bash tools/observability/install-jaeger.sh >/dev/null # built once per machine (a few minutes)
bash tools/testing/install-scep-client.sh # Debian's scepclient for the SCEP e2e test
npx jest --selectProjects e2e --runInBand
step "fault injection (services, NATS, Redis and PostgreSQL killed with work in flight; own infrastructure)"
CERTCTL_FAULTS_CERTIFICATES="${CERTCTL_FAULTS_CERTIFICATES:-300}" bash tools/testing/faults.sh # 300 renewals in flight per round here; 1,000 when run alone
step "deployment files (helm, compose)"
bash tools/deploy/check.sh
step "conformance (zlint, pkilint; ACME with Pebble, lego v5, x/crypto/acme, certbot, Caddy)"
bash tools/conformance/install-tools.sh >/dev/null # zlint and pkilint under the data dir, once
bash tools/conformance/install-acme-clients.sh >/dev/null # Pebble, pebble-challtestsrv, lego5-client, lego (v5 command, ~15 min cold), xacme-client, certbot, caddy, once
npx jest --selectProjects conformance --runInBand
step "observability artefacts (promtool, dashboards, k6 types)"
bash tools/observability/check.sh
step "all tests passed in $(( $(date +%s) - t0 )) s"
