#!/usr/bin/env bash
# npm run rekey: re-seal every value encrypted at rest with the current key version (docs/encryption.md).
# Uses the same database and keys as npm start: CERTCTL_ENCRYPTION_KEYS / _KEY_VERSION from the
# environment, else the local key file.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
ensure_encryption_key
[ -f dist/tools/rekey.js ] || node tools/build/build.mjs tools/rekey
exec node dist/tools/rekey.js
