#!/usr/bin/env bash
# Builds wgkit-standin:<recipe hash>, a local stand-in for lscr.io/linuxserver/wireguard
# (no registry is reachable from the test machines). See README.md next to this file.
#
# The tag is the first 12 hex digits of sha256 over the recipe files (this script,
# init.sh and the start-up steps in s6/), so any change to the recipe builds a new image and an unchanged recipe
# is never rebuilt. After building (or finding) it, the image is also tagged
#   lscr.io/linuxserver/wireguard:1.0.20250521
# so programs that name the real image find it locally.
#
# Environment: WGKIT_E2E_MIRROR overrides the Debian mirror (default: the machine's apt sources).
# Prints the image tag on stdout.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
log() { printf '[e2e-image] %s\n' "$*" >&2; }

RECIPE=(build-image.sh init.sh s6/init-wireguard-module.run s6/init-wireguard-confs.run s6/svc-coredns.run s6/svc-wireguard.up s6/svc-wireguard.down)
hash=$(cd "$HERE" && for f in "${RECIPE[@]}"; do printf '%s\0' "$f"; cat "$f"; done | sha256sum | cut -c1-12)
TAG="wgkit-standin:$hash"
ALIASES=(lscr.io/linuxserver/wireguard:1.0.20250521)

tag_aliases() {
  for a in "${ALIASES[@]}"; do docker tag "$TAG" "$a"; done
}

if docker image inspect "$TAG" >/dev/null 2>&1; then
  log "$TAG already present; not rebuilding"
  tag_aliases
  echo "$TAG"; exit 0
fi

# The Debian mirror this machine's apt uses (deb822 .sources or one-line format),
# picking the entry that serves the plain "bookworm" suite.
find_mirror() {
  local f
  for f in /etc/apt/sources.list.d/*.sources; do
    [[ -f $f ]] || continue
    awk 'function flush() { if (suites ~ /(^| )bookworm( |$)/ && uris != "") { split(uris, u, " "); print u[1]; found=1; exit } uris=""; suites="" }
         /^[[:space:]]*$/ { flush(); next }
         /^URIs:/   { sub(/^URIs:[[:space:]]*/, ""); uris=$0 }
         /^Suites:/ { sub(/^Suites:[[:space:]]*/, ""); suites=$0 }
         END { if (!found) flush() }' "$f"
  done
  local lists=()
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do [[ -f $f ]] && lists+=("$f"); done
  ((${#lists[@]})) || return 0
  cat "${lists[@]}" |
    awk '$1 == "deb" { i = 2; if ($2 ~ /^\[/) { while ($i !~ /\]$/) i++; i++ } if ($(i+1) == "bookworm") print $i }'
}
MIRROR="${WGKIT_E2E_MIRROR:-$(find_mirror | head -n1 || true)}"
MIRROR="${MIRROR:-http://deb.debian.org/debian}"

command -v debootstrap >/dev/null || { log "debootstrap missing (run test/e2e/setup.sh)"; exit 1; }
ROOT="$(mktemp -d /tmp/wgkit-standin.XXXXXX)"
trap 'rm -rf "$ROOT"' EXIT
# No wireguard-go: the real image has none (userspace: true derives an image that adds it).
PKGS=wireguard-tools,iptables,iproute2,iputils-ping,procps,dnsmasq-base,openresolv,netbase
log "debootstrap bookworm from $MIRROR into $ROOT"
t0=$(date +%s.%N)
debootstrap --variant=minbase --include="$PKGS" bookworm "$ROOT" "$MIRROR" >"$ROOT.log" 2>&1 || {
  log "debootstrap failed; last lines:"; tail -n 30 "$ROOT.log" >&2; rm -f "$ROOT.log"; exit 1; }
rm -f "$ROOT.log"
t1=$(date +%s.%N)

# Our entrypoint, and the layout the real image has: /etc/wireguard -> /config/wg_confs,
# so `wg-quick up wg0` inside the container finds /config/wg_confs/wg0.conf.
install -m 0755 "$HERE/init.sh" "$ROOT/init"
# The start-up steps at the paths of the image's s6-overlay services.
S6="$ROOT/etc/s6-overlay/s6-rc.d"
install -D -m 0755 "$HERE/s6/init-wireguard-module.run" "$S6/init-wireguard-module/run"
install -D -m 0755 "$HERE/s6/init-wireguard-confs.run" "$S6/init-wireguard-confs/run"
install -D -m 0755 "$HERE/s6/svc-coredns.run" "$S6/svc-coredns/run"
install -D -m 0755 "$HERE/s6/svc-wireguard.up" "$S6/svc-wireguard/up"
install -D -m 0755 "$HERE/s6/svc-wireguard.down" "$S6/svc-wireguard/down"
rm -rf "$ROOT/etc/wireguard"
ln -s /config/wg_confs "$ROOT/etc/wireguard"
mkdir -p "$ROOT/config"
rm -rf "$ROOT"/var/cache/apt/archives/*.deb "$ROOT"/var/lib/apt/lists/* "$ROOT"/var/log/*.log
echo "$TAG" >"$ROOT/etc/wgkit-standin"

tar --numeric-owner -C "$ROOT" -c . | docker import \
  -c 'ENTRYPOINT ["/init"]' \
  -c 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  -c 'EXPOSE 51820/udp' \
  -c "LABEL org.wgkit.standin=$hash" \
  -m "wgkit stand-in for lscr.io/linuxserver/wireguard (client mode)" \
  - "$TAG" >/dev/null
t2=$(date +%s.%N)
log "built $TAG: debootstrap $(awk "BEGIN{printf \"%.1f\", $t1-$t0}") s, import $(awk "BEGIN{printf \"%.1f\", $t2-$t1}") s"
tag_aliases
echo "$TAG"
