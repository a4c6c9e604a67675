#!/usr/bin/env bash
# Undoes what the e2e tests and setup.sh left behind:
#  - containers, networks and volumes labelled wgkit.e2e.harness=1 (made by the harness),
#  - network namespaces named wgke2e-* (made by harness/netns.ts),
#  - the dockerd that setup.sh started (recorded in .state/dockerd.pid) — never any other.
# Images are kept (they live in /var/lib/docker and make the next run fast).
# WGKIT_E2E_KEEP_DOCKER=1 keeps the daemon running.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
STATE="${WGKIT_E2E_STATE:-$HERE/.state}"
log() { printf '[e2e-teardown] %s\n' "$*" >&2; }

if docker info >/dev/null 2>&1; then
  ids=$(docker ps -aq --filter label=wgkit.e2e.harness=1)
  [[ -n $ids ]] && { log "removing containers: $(echo $ids)"; docker rm -fv $ids >/dev/null || true; }
  ids=$(docker network ls -q --filter label=wgkit.e2e.harness=1)
  [[ -n $ids ]] && { log "removing networks"; docker network rm $ids >/dev/null || true; }
  ids=$(docker volume ls -q --filter label=wgkit.e2e.harness=1)
  [[ -n $ids ]] && { log "removing volumes"; docker volume rm $ids >/dev/null || true; }
fi

for ns in $(ip netns list 2>/dev/null | awk '{print $1}' | grep '^wgke2e-' || true); do
  log "deleting netns $ns"; ip netns pids "$ns" 2>/dev/null | xargs -r kill 2>/dev/null || true
  ip netns del "$ns" || true
  rm -rf "/etc/netns/$ns"
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
