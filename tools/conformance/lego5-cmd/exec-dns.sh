#!/bin/sh
# The program behind lego's `exec` DNS provider (EXEC_PATH) in acme-lego5-cmd.conformance-spec.ts:
# lego runs `exec-dns.sh present|cleanup <fqdn> <value>`; the record goes to the e2e stack's
# challenge test server (its management API in CHALLENGE_API), the DNS the platform's validator
# asks. Each call is appended to EXEC_LOG.
set -eu
echo "$1 $2" >> "$EXEC_LOG"
case "$1" in
  present) curl -fsS -X POST "$CHALLENGE_API/set-txt" -d "{\"host\":\"$2\",\"value\":\"$3\"}" >/dev/null ;;
  cleanup) curl -fsS -X POST "$CHALLENGE_API/clear-txt" -d "{\"host\":\"$2\"}" >/dev/null ;;
  *)
    echo "exec-dns.sh: unknown operation $1" >&2
    exit 2
    ;;
esac
