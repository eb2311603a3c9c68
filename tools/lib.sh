# Shared steps of tools/start.sh and tools/test.sh. Sourced.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
source tools/infra/env.sh

step() { printf '\n\033[1m==> %s\033[0m\n' "$*" >&2; }

ensure_node_modules() {
  local stamp=node_modules/.certctl-install-stamp
  if [ ! -f "$stamp" ] || [ package-lock.json -nt "$stamp" ]; then
    step "installing npm dependencies"
    npm install --no-audit --no-fund --loglevel=error
    touch "$stamp"
  fi
}

ensure_system_tools() { # packages the tests drive: openssl, curl, and the ACME clients lego and certbot
  local missing=()
  command -v openssl >/dev/null || missing+=(openssl)
  command -v curl >/dev/null || missing+=(curl)
  command -v lego >/dev/null || missing+=(lego)
  command -v certbot >/dev/null || missing+=(certbot)
  if [ ${#missing[@]} -gt 0 ]; then
    if [ "$(id -u)" = 0 ]; then
      step "installing ${missing[*]}"
      DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
    else
      echo "missing: ${missing[*]}; install with: sudo apt-get install -y ${missing[*]}" >&2; exit 1
    fi
  fi
}

ensure_encryption_key() { # the key file sits next to, not inside, the database directory: back it up separately (docs/encryption.md)
  if [ -z "${CERTCTL_ENCRYPTION_KEY:-}" ] && [ -z "${CERTCTL_ENCRYPTION_KEYS:-}" ]; then
    local f="$CERTCTL_DATA_DIR/encryption-key"
    if [ ! -s "$f" ]; then
      mkdir -p "$CERTCTL_DATA_DIR"
      (umask 077; node -e "process.stdout.write(require('crypto').randomBytes(32).toString('base64url'))" > "$f")
      echo "[start] generated a local encryption key in $f (keep it: CA keys are encrypted with it)" >&2
    fi
    CERTCTL_ENCRYPTION_KEY="$(cat "$f")"
    export CERTCTL_ENCRYPTION_KEY
  fi
}

prepare_platform() { # install, infrastructure, client generation, migrations, build
  ensure_node_modules
  ensure_system_tools
  step "starting infrastructure (PostgreSQL, Redis, NATS)"
  bash tools/infra/up.sh
  step "generating the Prisma client"
  node tools/db/generate.mjs
  step "migrating the database"
  node tools/db/migrate.mjs
  step "building the services"
  node tools/build/build.mjs
}
