#!/usr/bin/env bash
# `npm run toolchain:s3`: builds (or finds) SeaweedFS's `weed` (Apache-2.0), the S3-compatible server
# the main command's S3-backend test deploys the default stack to. Built from the Go module pinned
# in toolchain/seaweedfs (served by the Go module proxy), cached beside the Pulumi toolchain.
#
# INVARIANT (as toolchain.sh): the binary is used only when its piece.json exists, written last
# with its sha256; the key covers go.mod, go.sum and the Go version; a lock serialises builds.
# Prints the path of the binary as its last line.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
home="${WGKIT_TOOLCHAIN_HOME:-${XDG_CACHE_HOME:-$HOME/.cache}/wgkit/toolchain}"
mkdir -p "$home/go/mod" "$home/go/build" "$home/pieces"
export GOMODCACHE="$home/go/mod" GOCACHE="$home/go/build" CGO_ENABLED=0 GOTOOLCHAIN=local
export GOPROXY="${GOPROXY:-https://proxy.golang.org}"
key="weed-$( { cat "$here/seaweedfs/go.mod" "$here/seaweedfs/go.sum"; go env GOVERSION; } | sha256sum | cut -c1-12)"
dir="$home/pieces/$key"
exec 9>"$home/.lock-weed"
flock 9
if [ -f "$dir/piece.json" ] && [ "$(node -e 'process.stdout.write(require(process.argv[1]).sha256)' "$dir/piece.json")" = "$(sha256sum "$dir/weed" | cut -d' ' -f1)" ]; then
  echo "toolchain: reused weed ($dir)" >&2
else
  rm -rf "$dir"; mkdir -p "$dir"
  echo "toolchain: building SeaweedFS weed (cold: about 8 minutes on 2 cores) …" >&2
  start=$(date +%s)
  (cd "$here/seaweedfs" && GOFLAGS="-mod=readonly -buildvcs=false" go build -trimpath -ldflags "-s -w" -o "$dir/weed.tmp" github.com/seaweedfs/seaweedfs/weed)
  mv "$dir/weed.tmp" "$dir/weed"
  node -e '
    const fs = require("fs"), crypto = require("crypto");
    const [dir, secs] = process.argv.slice(1);
    const p = { name: "weed", module: "github.com/seaweedfs/seaweedfs", sha256: crypto.createHash("sha256").update(fs.readFileSync(dir + "/weed")).digest("hex"),
      bytes: fs.statSync(dir + "/weed").size, buildSeconds: Number(secs), builtAt: new Date().toISOString() };
    fs.writeFileSync(dir + "/piece.json.tmp", JSON.stringify(p, null, 2) + "\n");
    fs.renameSync(dir + "/piece.json.tmp", dir + "/piece.json");
  ' "$dir" "$(( $(date +%s) - start ))"
  echo "toolchain: built weed in $(( $(date +%s) - start )) s" >&2
fi
echo "$dir/weed"
