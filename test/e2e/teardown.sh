#!/usr/bin/env bash
# Undoes what the e2e tests and setup.sh left behind, and only what belongs to a run that is over
# (several engineers share this Docker daemon and run the suite at once):
#  - containers, networks and volumes labelled wgkit.e2e.owner=<pid> whose pid is not running
#    (every object an e2e stack declares carries it; see harness/realStack.ts),
#  - network namespaces wgke2e-* recorded in /run/wgkit-e2e/netns/<name> as a dead pid's,
#  - the dockerd that setup.sh started (recorded in .state/dockerd.pid) — never any other.
# Images are kept (they live in /var/lib/docker and make the next run fast).
# WGKIT_E2E_KEEP_DOCKER=1 keeps the daemon running.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
STATE="${WGKIT_E2E_STATE:-$HERE/.state}"
log() { printf '[e2e-teardown] %s\n' "$*" >&2; }
dead() { [[ $1 =~ ^[0-9]+$ ]] && ! kill -0 "$1" 2>/dev/null; }

if docker info >/dev/null 2>&1; then
  for kind in container network volume; do
    case $kind in
      container) list=(docker ps -aq --filter label=wgkit.e2e.owner); rm=(docker rm -fv); labels=.Config.Labels;;
      network) list=(docker network ls -q --filter label=wgkit.e2e.owner); rm=(docker network rm); labels=.Labels;;
      volume) list=(docker volume ls -q --filter label=wgkit.e2e.owner); rm=(docker volume rm); labels=.Labels;;
    esac
    for id in $("${list[@]}"); do
      owner=$(docker "$kind" inspect -f "{{index $labels \"wgkit.e2e.owner\"}}" "$id" 2>/dev/null || true)
      if dead "$owner"; then log "removing $kind $id (its run, pid $owner, is over)"; "${rm[@]}" "$id" >/dev/null || true; fi
    done
  done
fi

for ns in $(ip netns list 2>/dev/null | awk '{print $1}' | grep '^wgke2e-' || true); do
  owner=$(cat "/run/wgkit-e2e/netns/$ns" 2>/dev/null || true)
  dead "$owner" || continue
  log "deleting netns $ns (its run, pid $owner, is over)"; ip netns pids "$ns" 2>/dev/null | xargs -r kill 2>/dev/null || true
  ip netns del "$ns" || true
  rm -rf "/etc/netns/$ns" "/run/wgkit-e2e/netns/$ns"
done

if [[ ${WGKIT_E2E_KEEP_DOCKER:-0} == 1 ]]; then exit 0; fi
if [[ -f $STATE/dockerd.pid ]]; then
  pid=$(cat "$STATE/dockerd.pid")
  if [[ -r /proc/$pid/comm && $(cat "/proc/$pid/comm") == dockerd ]]; then
    log "stopping dockerd pid $pid (started by setup.sh)"
    kill -TERM "$pid"
    for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    if kill -0 "$pid" 2>/dev/null; then log "dockerd $pid still running after 30 s"; exit 1; fi
  else
    log "recorded pid $pid is not a running dockerd; nothing to stop"
  fi
  rm -f "$STATE/dockerd.pid"
else
  log "no dockerd recorded as started by setup.sh; leaving any daemon alone"
fi
