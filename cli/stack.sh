#!/usr/bin/env bash
# `npm run up | down | pulumi`: the default stack's main command (cli/stack.ts does the work).
#
# INVARIANT. One writer: wgkit's own lock ($state/run.lock, a kernel flock) is taken here, first —
# before the build, the machine setup and the toolchain, which all run before Pulumi takes its own
# lock — and held by this shell until the command ends. Only this shell holds the descriptor (its
# children get it closed), so the kernel drops the lock when this shell dies, `kill -9` included,
# even if a plugin Pulumi started outlives it: it can never be left behind.
#
# FAILURE MODES.
#  - Another run holds the lock: refused at once (exit 1), naming the lock; nothing is touched.
#  - The build fails: tsc's errors, exit 1; the lock is released.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
state="${WGKIT_STATE_DIR:-$repo/.wgkit-state}"
mkdir -p "$state"
chmod 0700 "$state"
exec 9>>"$state/run.lock"
if ! flock -n 9; then
  holder="$(cat "$state/run.pid" 2>/dev/null || true)"
  echo "wgkit: another run holds the default stack (lock $state/run.lock${holder:+, held by pid $holder}); nothing was changed — wait for it to finish" >&2
  exit 1
fi
echo "$$" >"$state/run.pid"
(cd "$repo" && npx --no-install tsc -b cli/tsconfig.json) 9>&-
node "$repo/build/cli/stack.js" "$@" 9>&-
