#!/usr/bin/env bash
# The servers the agent's target connectors are tested against, from Debian's packages,
# installed only when missing. Their own services are never started or enabled: each test
# runs its server on high loopback ports with a configuration in a temporary directory.
# Usage: install-target-servers.sh            (prints what it installed; idempotent)
set -euo pipefail
say() { echo "[target-servers] $*"; }

# command that proves the package is there → Debian package
declare -A WANT=(
  [/usr/sbin/nginx]=nginx
  [/usr/sbin/apache2]=apache2
  [/usr/sbin/haproxy]=haproxy
  [/usr/bin/caddy]=caddy
  [/usr/sbin/postfix]=postfix
  [/usr/sbin/dovecot]=dovecot-imapd
  [/usr/bin/keytool]=openjdk-17-jre-headless
  [/usr/sbin/sshd]=openssh-server
  [/usr/bin/sftp]=openssh-client
)
missing=()
for bin in "${!WANT[@]}"; do [ -x "$bin" ] || missing+=("${WANT[$bin]}"); done
[ ${#missing[@]} -eq 0 ] && exit 0
[ "$(id -u)" = 0 ] || { say "missing ${missing[*]}: install them with apt-get (root needed)"; exit 1; }

say "installing ${missing[*]} (Debian)"
# Package scripts must not start the services on this machine's ports 25, 80, 143, 443...
policy=/usr/sbin/policy-rc.d
restore_policy=""
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod 755 "$policy" && restore_policy=yes
fi
trap '[ -n "$restore_policy" ] && rm -f "$policy"' EXIT
echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
apt-get update -qq >/dev/null
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
if [ -d /run/systemd/system ]; then
  for unit in nginx apache2 haproxy caddy postfix dovecot ssh; do systemctl disable --now "$unit" >/dev/null 2>&1 || true; done
fi
say "installed ${missing[*]}"
