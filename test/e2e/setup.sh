#!/usr/bin/env bash
# Prepares a machine for wgkit's end-to-end tests. Idempotent: every step checks
# before it acts, so running it twice costs a few seconds.
#
#  1. apt-get installs what a fresh Debian bookworm lacks (only if missing).
#  2. Starts dockerd with its networks in 198.18.0.0/15 if no daemon answers,
#     and records the pid in test/e2e/.state/dockerd.pid so teardown.sh stops
#     only a daemon this script started.
#  3. Builds the stand-in for lscr.io/linuxserver/wireguard (image/build-image.sh).
#
# Environment:
#   WGKIT_E2E_STATE   state directory (default: test/e2e/.state)
#   WGKIT_E2E_NO_APT  set to 1 to never run apt-get (fail instead)
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
STATE="${WGKIT_E2E_STATE:-$HERE/.state}"
mkdir -p "$STATE"
log() { printf '[e2e-setup] %s\n' "$*" >&2; }

if [[ $(id -u) -ne 0 ]]; then
  log "must run as root (network namespaces, dockerd, /dev/net/tun)"; exit 1
fi

# ---------------------------------------------------------------- packages
# package name -> a command it provides (empty: check with dpkg only)
declare -A PKG_CMD=(
  [docker.io]=dockerd
  [wireguard-tools]=wg-quick
  [wireguard-go]=wireguard-go
  [iptables]=iptables
  [iproute2]=ip
  [debootstrap]=debootstrap
  [iperf3]=iperf3
  [iputils-ping]=ping
  [procps]=pkill
  [ca-certificates]=
)
missing=()
for pkg in "${!PKG_CMD[@]}"; do
  cmd="${PKG_CMD[$pkg]}"
  if [[ -n $cmd ]] && PATH="$PATH:/usr/sbin:/sbin" command -v "$cmd" >/dev/null 2>&1; then continue; fi
  if dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed'; then continue; fi
  missing+=("$pkg")
done
if ((${#missing[@]})); then
  if [[ ${WGKIT_E2E_NO_APT:-0} == 1 ]]; then log "missing packages: ${missing[*]} (WGKIT_E2E_NO_APT=1)"; exit 1; fi
  log "installing: ${missing[*]}"
  t0=$SECONDS
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  log "apt-get install took $((SECONDS - t0)) s"
fi
# `docker` the client may come from /usr/local/bin (present on the dev VMs) or docker.io.
command -v docker >/dev/null || { log "no docker client on PATH"; exit 1; }
[[ -c /dev/net/tun ]] || { log "/dev/net/tun missing: wireguard-go cannot run"; exit 1; }

# ---------------------------------------------------------------- dockerd
if docker info >/dev/null 2>&1; then
  log "docker daemon already answers; not starting one"
else
  log "starting dockerd (networks in 198.18.0.0/15)"
  # setsid: the daemon must not die with the mocha process that ran us. Every inherited file
  # descriptor above 2 is closed first: run under `flock /tmp/wgkit-e2e.lock`, the daemon (and
  # its containerd) would otherwise keep the lock's descriptor and hold the lock for ever.
  (
    for fd in /proc/$BASHPID/fd/*; do fd=${fd##*/}; ((fd > 2)) && eval "exec $fd>&-"; done
    exec setsid dockerd --bip 198.18.0.1/24 \
      --default-address-pool base=198.18.0.0/15,size=24 \
      --pidfile "$STATE/dockerd.daemon.pid" \
      >"$STATE/dockerd.log" 2>&1 </dev/null
  ) &
  launched=$!
  for _ in $(seq 1 120); do
    docker info >/dev/null 2>&1 && break
    if ! kill -0 "$launched" 2>/dev/null; then
      log "dockerd exited; last log lines:"; tail -n 20 "$STATE/dockerd.log" >&2
      exit 1
    fi
    sleep 0.5
  done
  docker info >/dev/null 2>&1 || { log "dockerd did not answer within 60 s"; tail -n 20 "$STATE/dockerd.log" >&2; exit 1; }
  # dockerd writes its own pid (setsid may or may not have forked); record that one.
  cp "$STATE/dockerd.daemon.pid" "$STATE/dockerd.pid"
  log "dockerd up (pid $(cat "$STATE/dockerd.pid"))"
fi

# ---------------------------------------------------------------- image
"$HERE/image/build-image.sh"
