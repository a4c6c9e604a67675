#!/bin/bash
# PID 1 of wgkit's stand-in for lscr.io/linuxserver/wireguard, CLIENT MODE only.
# Written for wgkit's tests; behaviour modelled on the contract described in
# /work/shared/notes/linuxserver-image-contract.md (see README.md next to this file).
#
#  * Brings up every /config/wg_confs/*.conf that contains [Interface], in C-locale
#    alphabetical order, with wg-quick; if one fails, takes the ones it raised down
#    again and deletes the default route (as the real image does).
#  * Keeps running with no confs at all (a deployment may `docker exec` later:
#    /etc/wireguard is a symlink to /config/wg_confs, so `wg-quick up wg0` works).
#  * USE_COREDNS=true: a DNS server on :53 (dnsmasq, not CoreDNS). It answers
#    wgkit.test with the address of the first tunnel interface (wg0 when there is no
#    conf yet), <iface>.wgkit.test for every conf, and forwards the rest to the
#    servers in /etc/resolv.conf.
#  * No kernel WireGuard and no usable /dev/net/tun (+NET_ADMIN): logs one line and
#    sleeps forever, like the real image (the container looks healthy but has no tunnel).
#  * PEERS set (server mode) is NOT reproduced: logs and exits 2.
#  * SIGTERM/SIGINT: takes every tunnel down and exits 0 at once.
set -u
export LC_ALL=C
CONF_DIR=/config/wg_confs
CHILD=""
DNS_PID=""
log() { echo "[wgkit-standin] $*"; }

take_all_down() {
  local ifc
  for ifc in $(wg show interfaces 2>/dev/null); do
    if [[ -f $CONF_DIR/$ifc.conf ]]; then
      wg-quick down "$CONF_DIR/$ifc.conf" >/dev/null 2>&1 || ip link del dev "$ifc" 2>/dev/null
    else
      ip link del dev "$ifc" 2>/dev/null
    fi
  done
}

on_signal() {
  log "signal received: taking tunnels down and exiting"
  trap - TERM INT QUIT
  take_all_down
  [[ -n $DNS_PID ]] && kill "$DNS_PID" 2>/dev/null
  [[ -n $CHILD ]] && kill "$CHILD" 2>/dev/null
  exit 0
}
trap on_signal TERM INT QUIT

sleep_forever() {
  while :; do
    sleep infinity &
    CHILD=$!
    wait "$CHILD"   # returns early when a trapped signal arrives
  done
}

# Leftovers in the container's writable layer from a previous run (docker restart):
# stale wireguard-go UAPI sockets and openresolv state.
rm -f /var/run/wireguard/*.sock 2>/dev/null
rm -rf /run/resolvconf 2>/dev/null
mkdir -p "$CONF_DIR"

if [[ -n ${PEERS:-} ]]; then
  log "PEERS=$PEERS asks for server mode, which this stand-in does not reproduce (client mode only)"
  exit 2
fi

# Can this container create a WireGuard interface at all?
if ip link add dev wgstandintest type wireguard 2>/dev/null; then
  ip link del dev wgstandintest
  log "kernel WireGuard available"
elif [[ -c /dev/net/tun ]] && ip tuntap add dev wgstandintest mode tun 2>/dev/null; then
  ip link del dev wgstandintest
  export WG_QUICK_USERSPACE_IMPLEMENTATION="${WG_QUICK_USERSPACE_IMPLEMENTATION:-wireguard-go}"
  log "no kernel WireGuard; using userspace $WG_QUICK_USERSPACE_IMPLEMENTATION via /dev/net/tun"
else
  log "**** WireGuard module not available (no kernel wireguard, no usable /dev/net/tun with NET_ADMIN); sleeping forever ****"
  sleep_forever
fi

shopt -s nullglob
confs=()
for f in "$CONF_DIR"/*.conf; do
  if grep -q '^[[:space:]]*\[Interface\]' "$f"; then confs+=("$f"); else log "ignoring $f (no [Interface] section)"; fi
done

if [[ ${USE_COREDNS:-false} == true ]]; then
  first=wg0
  args=()
  if ((${#confs[@]})); then first=$(basename "${confs[0]}" .conf); fi
  args+=("--interface-name=wgkit.test,$first/4")
  for f in "${confs[@]}"; do
    ifc=$(basename "$f" .conf)
    args+=("--interface-name=$ifc.wgkit.test,$ifc/4")
  done
  dnsmasq --keep-in-foreground --bind-dynamic --port=53 --user=root --group=root \
    --pid-file= --log-facility=- --local=/wgkit.test/ --dns-loop-detect \
    --resolv-file=/etc/resolv.conf "${args[@]}" &
  DNS_PID=$!
  log "DNS (dnsmasq) on :53, pid $DNS_PID; wgkit.test -> address of $first"
fi

if ((${#confs[@]} == 0)); then
  # As the real image's client mode does: no tunnel conf at start means no default route.
  log "**** no valid tunnel confs found in $CONF_DIR; deleting the default route ****"
  ip route del default 2>/dev/null || true
  ip -6 route del default 2>/dev/null || true
else
  raised=()
  for f in "${confs[@]}"; do
    log "wg-quick up $f"
    if wg-quick up "$f"; then
      raised+=("$f")
    else
      log "**** wg-quick up $f failed: taking all tunnels down and deleting the default route ****"
      for ((i = ${#raised[@]} - 1; i >= 0; i--)); do wg-quick down "${raised[$i]}" || true; done
      ip route del default 2>/dev/null
      ip -6 route del default 2>/dev/null
      break
    fi
  done
  [[ ${#raised[@]} -eq ${#confs[@]} ]] && log "all tunnels up: $(wg show interfaces)"
fi

sleep_forever
