#!/bin/bash
# PID 1 of wgkit's stand-in for lscr.io/linuxserver/wireguard (client mode only).
# Written for wgkit's tests from the contract notes ("Start-up, step by step");
# no code was taken from the image. The real image runs these steps under
# s6-overlay; this shell runs the same steps, from the same paths, in the same
# order (see README.md next to this file):
#   1. init-wireguard-module/run   the module gate (sleeps forever on failure)
#   2. init-wireguard-confs/run    confs step (legacy move, USE_COREDNS, chown)
#   3. svc-coredns/run             DNS on :53 unless USE_COREDNS is false (longrun)
#   4. svc-wireguard/up            tunnels (one-shot); its `down` runs on a graceful stop
# SIGTERM/SIGINT/SIGQUIT (docker stop): runs svc-wireguard/down when step 4 ran,
# stops DNS, exits 0. SIGKILL runs nothing, as with the real image.
set -u
S6=/etc/s6-overlay/s6-rc.d
CHILD=""
DNS_PID=""
TUNNELS_STARTED=0
log() { echo "[wgkit-standin] $*"; }

on_signal() {
  trap - TERM INT QUIT
  log "stop requested"
  [[ -n $CHILD ]] && kill "$CHILD" 2>/dev/null
  ((TUNNELS_STARTED)) && "$S6/svc-wireguard/down"
  [[ -n $DNS_PID ]] && kill "$DNS_PID" 2>/dev/null
  exit 0
}
trap on_signal TERM INT QUIT

# One step as a child, so a stop request interrupts even a step that sleeps forever.
step() {
  "$@" &
  CHILD=$!
  wait "$CHILD"
  local rc=$?
  CHILD=""
  return $rc
}

# Leftovers in the writable layer from a previous run (docker restart after a kill).
rm -f /var/run/wireguard/*.sock 2>/dev/null
rm -rf /run/resolvconf /run/wgkit-standin 2>/dev/null

step "$S6/init-wireguard-module/run" || { log "module gate failed ($?)"; exit 1; }
step "$S6/init-wireguard-confs/run" || { rc=$?; log "confs step failed ($rc)"; exit "$rc"; }
"$S6/svc-coredns/run" &
DNS_PID=$!
TUNNELS_STARTED=1
step "$S6/svc-wireguard/up" || log "tunnels step failed; the container keeps running without them"

while :; do
  sleep infinity &
  CHILD=$!
  wait "$CHILD"
done
