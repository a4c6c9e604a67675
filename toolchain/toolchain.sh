#!/usr/bin/env bash
# `npm run toolchain`: builds (or finds already built) the real Pulumi toolchain from Go modules.
#
# INVARIANT. A toolchain directory is used only when its manifest.json exists; the manifest is
# written last (temp file + rename) after every binary in it has been built, moved into place
# and hashed. So a build killed at any moment leaves either the previous complete toolchain or
# nothing usable, never a half-built one taken as built.
#
# LAYOUT (outside the clone, shared by every clone on the machine, keyed by versions):
#   $WGKIT_TOOLCHAIN_HOME (default ${XDG_CACHE_HOME:-$HOME/.cache}/wgkit/toolchain)
#     go/mod, go/build        the Go module cache and build cache
#     <key>/libexec/pulumi    the CLI binary; <key> = pulumi-<version>-<go version>-<go.sum digest>
#     <key>/bin/pulumi        a wrapper that turns off update checks and plugin downloads, then
#                             runs libexec/pulumi (so the toolchain is offline on PATH too)
#     <key>/manifest.json     what was built, its sha256, size and build time (written last)
#     current -> <key>        the toolchain the last successful run produced or reused
#     unavailable.json        pieces the Go module proxy does not serve, with its exact errors
#     .lock                   flock: a second build waits for the first, then reuses its result
#
# FAILURE MODES.
#  - The proxy refuses a module: the piece is listed as unavailable (with the proxy's message) and
#    nothing is faked in its place; the command still exits 0 for the pieces it could build, and
#    exits 1 only when the CLI itself cannot be built.
#  - Two runs at once: the second waits on the lock, then finds the manifest and reuses it.
#  - A corrupt or edited binary: its sha256 no longer matches the manifest, so it is rebuilt.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"

PULUMI_VERSION="v3.248.0"   # = @pulumi/pulumi in package-lock.json (the newest that runs on Node 20)
home="${WGKIT_TOOLCHAIN_HOME:-${XDG_CACHE_HOME:-$HOME/.cache}/wgkit/toolchain}"
mkdir -p "$home/go/mod" "$home/go/build"

export GOMODCACHE="$home/go/mod" GOCACHE="$home/go/build"
export GOFLAGS="-mod=readonly -buildvcs=false" CGO_ENABLED=0 GOTOOLCHAIN=local
export GOPROXY="${GOPROXY:-https://proxy.golang.org}"

command -v go >/dev/null || { echo "toolchain: Go is not installed (the machines have Go 1.26.8)" >&2; exit 1; }
go_version="$(go env GOVERSION)"
sum_digest="$(sha256sum "$here/cli/go.sum" "$here/cli/go.mod" | sha256sum | cut -c1-12)"
key="pulumi-${PULUMI_VERSION}-${go_version}-${sum_digest}"
dir="$home/$key"

exec 9>"$home/.lock"
if ! flock -n 9; then
  echo "toolchain: another build holds $home/.lock; waiting for it to finish …"
  flock 9
fi

say() { printf 'toolchain: %s\n' "$*"; }

# Offline by default: the wrapper sets Pulumi's own switches unless the caller set them.
# With plugin acquisition off, a missing plugin fails at once with the CLI's "no resource
# plugin" error instead of a download attempt that hangs on a network these machines lack.
write_wrapper() {
  cat >"$dir/bin/pulumi.tmp" <<'WRAP'
#!/bin/sh
# wgkit toolchain wrapper (written by toolchain/toolchain.sh): no update checks, no downloads.
: "${PULUMI_SKIP_UPDATE_CHECK:=true}"
: "${PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION:=true}"
export PULUMI_SKIP_UPDATE_CHECK PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION
exec "$(dirname "$0")/../libexec/pulumi" "$@"
WRAP
  chmod 0755 "$dir/bin/pulumi.tmp"
  mv "$dir/bin/pulumi.tmp" "$dir/bin/pulumi"
}

manifest_ok() {
  [ -f "$dir/manifest.json" ] || return 1
  local want got
  want="$(node -e 'const m=require(process.argv[1]);process.stdout.write(m.pieces.pulumi.sha256)' "$dir/manifest.json" 2>/dev/null)" || return 1
  [ -x "$dir/bin/pulumi" ] && [ -x "$dir/libexec/pulumi" ] || return 1
  got="$(sha256sum "$dir/libexec/pulumi" | cut -d' ' -f1)"
  [ "$want" = "$got" ]
}

if manifest_ok; then
  say "reused pulumi ${PULUMI_VERSION} (built earlier; manifest $dir/manifest.json)"
else
  rm -rf "$dir"
  mkdir -p "$dir/tmp"
  say "building pulumi ${PULUMI_VERSION} from github.com/pulumi/pulumi/pkg/v3 (cold: about 5 minutes on 2 cores) …"
  start=$(date +%s)
  (cd "$here/cli" && go build -trimpath -tags osusergo,grpcnotrace \
      -ldflags "-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=${PULUMI_VERSION}" \
      -o "$dir/tmp/pulumi" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi)
  secs=$(( $(date +%s) - start ))
  reported="$("$dir/tmp/pulumi" version)"
  [ "$reported" = "$PULUMI_VERSION" ] || { echo "toolchain: the built CLI reports '$reported', not $PULUMI_VERSION" >&2; exit 1; }
  mkdir -p "$dir/bin" "$dir/libexec"
  mv "$dir/tmp/pulumi" "$dir/libexec/pulumi"
  rmdir "$dir/tmp"
  write_wrapper
  node -e '
    const fs = require("fs"), crypto = require("crypto");
    const [dir, version, goVersion, secs] = process.argv.slice(1);
    const bin = dir + "/libexec/pulumi";
    const m = { key: dir.split("/").pop(), builtAt: new Date().toISOString(), goVersion,
      pieces: { pulumi: { version, module: "github.com/pulumi/pulumi/pkg/v3@" + version, path: bin,
        sha256: crypto.createHash("sha256").update(fs.readFileSync(bin)).digest("hex"),
        bytes: fs.statSync(bin).size, buildSeconds: Number(secs) } } };
    fs.writeFileSync(dir + "/manifest.json.tmp", JSON.stringify(m, null, 2) + "\n");
    fs.renameSync(dir + "/manifest.json.tmp", dir + "/manifest.json");
  ' "$dir" "$PULUMI_VERSION" "$go_version" "$secs"
  say "built pulumi ${PULUMI_VERSION} in ${secs} s"
fi
ln -sfn "$key" "$home/current.tmp" && mv -T "$home/current.tmp" "$home/current"

# The other pieces wgkit needs, at the versions its npm SDKs ask for (package-lock.json).
# None is served by the Go module proxy these machines reach (see README, "The real Pulumi
# toolchain"): ask again on every run, so the day they are served is seen at once.
probe_list=(
  "pulumi-language-nodejs|github.com/pulumi/pulumi/sdk/nodejs/cmd/pulumi-language-nodejs/v3@v3.0.0-20260624180030-dc7edd58bc13|the ${PULUMI_VERSION} commit"
  "pulumi-resource-docker|github.com/pulumi/pulumi-docker/provider/v5@v5.0.0-20260626165050-e944612c4c97|5.1.0, the newest commit before npm @pulumi/docker 5.2.0"
  "pulumi-resource-random|github.com/pulumi/pulumi-random/provider/v4@v4.0.0-20260722185042-f2d8b029d0f7|4.21.1, the newest commit before npm @pulumi/random 4.21.2"
  "pulumi-resource-command|github.com/pulumi/pulumi-command/provider@v0.0.0-20260303235922-7f3eb6f3b77c|1.2.1 = npm @pulumi/command"
)
unavailable="[]"
for entry in "${probe_list[@]}"; do
  IFS='|' read -r name modver why <<<"$entry"
  out="$(cd "$home" && go mod download -json "$modver" 2>/dev/null || true)"
  err="$(node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{try{const j=JSON.parse(s);process.stdout.write(j.Error||"")}catch{process.stdout.write("no answer from the Go module proxy")}})' <<<"$out")"
  if [ -n "$err" ]; then
    say "unavailable: $name ($why): ${err##*server response: }"
    unavailable="$(node -e 'const a=JSON.parse(process.argv[1]);a.push({piece:process.argv[2],module:process.argv[3],why:process.argv[4],error:process.argv[5]});process.stdout.write(JSON.stringify(a))' "$unavailable" "$name" "$modver" "$why" "$err")"
  else
    say "served now: $name ($modver): building it is not wired in yet — see README"
  fi
done
node -e 'const fs=require("fs");const [f,a]=process.argv.slice(1);fs.writeFileSync(f+".tmp",JSON.stringify({checkedAt:new Date().toISOString(),pieces:JSON.parse(a)},null,2)+"\n");fs.renameSync(f+".tmp",f)' "$home/unavailable.json" "$unavailable"

say "bin: $home/current/bin (pulumi $("$home/current/bin/pulumi" version))"
say "caches: $GOMODCACHE ($(du -sh "$GOMODCACHE" | cut -f1)), $GOCACHE ($(du -sh "$GOCACHE" | cut -f1))"
