#!/usr/bin/env bash
# `npm run toolchain`: builds (or finds already built) the whole real Pulumi toolchain wgkit runs on:
# the CLI, the Node.js/Python/Go/YAML language hosts and the docker, random and command resource
# plugins, at the versions the npm SDKs in package-lock.json ask for (test/toolchain checks that).
#
# SOURCES. The CLI (pkg/v3) and the YAML host (pulumi-yaml) are Go modules the proxy serves; their
# main modules are toolchain/cli and toolchain/yaml. The provider plugins and the other language
# hosts are not served: they are built from the release-tag archives in ../shared/upstream
# ($WGKIT_UPSTREAM), each checked against its SHA256SUMS before it is opened. Their dependencies come
# from the Go module proxy by exact version. Nothing is downloaded from a release site.
#
# INVARIANTS.
#  - A piece is used only when its piece.json exists; it is written last (temp + rename), after the
#    binary is built, moved into place and hashed. The assembled toolchain is used only when its
#    manifest.json exists and lists every piece below with the sha256 of the file in place; it too
#    is written last. So a build killed at any moment leaves the previous complete toolchain or
#    nothing usable, never a half-built one taken as built.
#  - Keys: a piece's key covers its version, the sha256 of its sources (archives, or go.mod+go.sum),
#    the Go version and the text of its build function; the toolchain's key covers every piece key,
#    the digest of SHA256SUMS and this script's wrapper. Any change builds anew; nothing else does.
#  - Pulumi finds these and only these: resource plugins are installed with `pulumi plugin install
#    resource <name> <version> --file <binary>` into the toolchain's own PULUMI_HOME (<key>/home);
#    language hosts and the pulumi-resource-pulumi-* launchers sit beside the real CLI binary
#    (<key>/libexec), never in bin/ (on PATH), so no "using … from $PATH" warning is possible.
#    bin/pulumi is a wrapper: offline switches and PULUMI_HOME, each only when the caller set none.
#
# LAYOUT (outside the clone, shared by every clone on the machine):
#   $WGKIT_TOOLCHAIN_HOME (default ${XDG_CACHE_HOME:-$HOME/.cache}/wgkit/toolchain)
#     go/mod, go/build          the Go module cache and build cache
#     pieces/<name>-<ver>-<h>/  one built piece: its binary (or launcher script) and piece.json
#     <key>/libexec/            pulumi, pulumi-language-{nodejs,python,go,yaml}, pulumi-resource-pulumi-*
#     <key>/bin/pulumi          the wrapper (the only thing to put on PATH)
#     <key>/home/plugins/       resource-{docker,random,command}-v<ver>, installed by the CLI itself
#     <key>/manifest.json       every piece with version, source, sha256, bytes, build seconds
#     current -> <key>          the toolchain the last successful run produced or reused
#     .lock                     flock: a second run waits for the first, then reuses its result
#
# FAILURE MODES.
#  - An archive missing from ../shared/upstream, or one whose sha256 differs from SHA256SUMS: the
#    command stops, naming the archive, before anything is built.
#  - A download the network dropped is tried again twice (the proxy unreachable for a moment).
#  - A piece that does not build: the command stops with Go's own error; no manifest is written, so
#    `current` keeps pointing at the last complete toolchain (or nothing).
#  - Two runs at once: the second waits on the lock, then finds the manifest and reuses it.
#  - A corrupt or edited binary: its sha256 no longer matches, so its piece is rebuilt.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/.." && pwd)"

PULUMI_VERSION="3.248.0"   # = @pulumi/pulumi (the newest that runs on Node 20); CLI and the three hosts
YAML_VERSION="1.32.0"      # pulumi-language-yaml: the newest the proxy serves that builds with pkg/v3 it serves
DOCKER_VERSION="5.0.0"     # = @pulumi/docker
RANDOM_VERSION="4.19.1"    # = @pulumi/random
COMMAND_VERSION="1.2.1"    # = @pulumi/command
BRIDGE_FOR_DOCKER="v3.133.0"  # pulumi-docker 5.0.0 asks v3.126.0, which the proxy does not serve

home="${WGKIT_TOOLCHAIN_HOME:-${XDG_CACHE_HOME:-$HOME/.cache}/wgkit/toolchain}"
mkdir -p "$home/go/mod" "$home/go/build" "$home/pieces"

say() { printf 'toolchain: %s\n' "$*"; }
die() { printf 'toolchain: error: %s\n' "$*" >&2; exit 1; }

# ../shared/upstream beside the clone (or beside any parent of it, for worktrees and CI clones), else
# the folder the last toolchain on this machine was built from (its manifest records it).
find_upstream() {
  if [ -n "${WGKIT_UPSTREAM:-}" ]; then printf '%s\n' "$WGKIT_UPSTREAM"; return; fi
  local d="$repo"
  while [ "$d" != "/" ]; do
    d="$(dirname "$d")"
    [ -f "$d/shared/upstream/SHA256SUMS" ] && { printf '%s\n' "$d/shared/upstream"; return; }
  done
  # A clone elsewhere on a machine that built the toolchain before: the sources that build used.
  local recorded
  recorded="$(node -e 'try{process.stdout.write(require(process.argv[1]).upstream||"")}catch{}' "$home/current/manifest.json" 2>/dev/null || true)"
  if [ -n "$recorded" ] && [ -f "$recorded/SHA256SUMS" ]; then printf '%s\n' "$recorded"; return; fi
  printf '%s\n' "$(dirname "$repo")/shared/upstream"
}
upstream="$(find_upstream)"
[ -f "$upstream/SHA256SUMS" ] || die "no SHA256SUMS in $upstream: the upstream sources (../shared/upstream beside the clone) are missing; set WGKIT_UPSTREAM to their folder"

command -v go >/dev/null || die "Go is not installed (the machines have Go 1.26.8)"
export GOMODCACHE="$home/go/mod" GOCACHE="$home/go/build" CGO_ENABLED=0 GOTOOLCHAIN=local
export GOPROXY="${GOPROXY:-https://proxy.golang.org}"
go_version="$(go env GOVERSION)"

exec 9>"$home/.lock"
if ! flock -n 9; then
  say "another build holds $home/.lock; waiting for it to finish …"
  flock 9
fi

# --- sources -------------------------------------------------------------------------------------
# verify <archive>…: each is listed in SHA256SUMS and its sha256 matches; prints nothing on success.
verify() {
  local a want got
  for a in "$@"; do
    want="$(awk -v f="$a" '$2 == f || $2 == "*" f { print $1 }' "$upstream/SHA256SUMS")"
    [ -n "$want" ] || die "$a is not listed in $upstream/SHA256SUMS"
    [ -f "$upstream/$a" ] || die "$a is missing from $upstream (listed in SHA256SUMS)"
    got="$(sha256sum "$upstream/$a" | cut -d' ' -f1)"
    [ "$want" = "$got" ] || die "$a in $upstream does not match SHA256SUMS (sha256 $got, expected $want): altered or truncated"
  done
}
sums_digest="$(sha256sum "$upstream/SHA256SUMS" | cut -c1-16)"
# source_digest <archive>…|<file>…: what a piece is built from, as one digest.
source_digest() {
  local f
  for f in "$@"; do
    case "$f" in
      /*) sha256sum "$f" | cut -d' ' -f1 ;;
      *) awk -v f="$f" '$2 == f || $2 == "*" f { print $1 }' "$upstream/SHA256SUMS" ;;
    esac
  done | sha256sum | cut -c1-16
}
# extract <archive> <dir>: after verify.
extract() { mkdir -p "$2" && tar -xzf "$upstream/$1" -C "$2"; }

# --- build recipes: build_<piece> <workdir> <output binary> ---------------------------------------
# Each function's own text is part of its piece's key: editing a recipe rebuilds that piece only.
ldflags_sdk="-X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v${PULUMI_VERSION}"

build_pulumi() {
  (cd "$here/cli" && GOFLAGS="-mod=readonly -buildvcs=false" go build -trimpath -tags osusergo,grpcnotrace \
    -ldflags "-s -w $ldflags_sdk" -o "$2" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi)
}
build_yaml() {
  (cd "$here/yaml" && GOFLAGS="-mod=readonly -buildvcs=false" go build -trimpath \
    -ldflags "-s -w -X github.com/pulumi/pulumi-yaml/pkg/version.Version=v${YAML_VERSION}" \
    -o "$2" github.com/pulumi/pulumi-yaml/cmd/pulumi-language-yaml)
}
# The hosts' go.mod replaces pkg/sdk with the monorepo's folders; the archive holds only the hosts,
# so they take the released pkg/sdk v3.248.0 modules (the same code) from the proxy instead.
build_language_host() {  # <workdir> <out> <folder inside the archive>
  extract pulumi-language-hosts-v${PULUMI_VERSION}.tar.gz "$1"
  (cd "$1/pulumi/$3" &&
    go mod edit -dropreplace github.com/pulumi/pulumi/pkg/v3 -dropreplace github.com/pulumi/pulumi/sdk/v3 \
      -require "github.com/pulumi/pulumi/pkg/v3@v${PULUMI_VERSION}" -require "github.com/pulumi/pulumi/sdk/v3@v${PULUMI_VERSION}" &&
    GOFLAGS="-mod=mod -buildvcs=false" go build -trimpath -ldflags "-s -w $ldflags_sdk" -o "$2" .)
}
build_nodejs() { build_language_host "$1" "$2" sdk/nodejs/cmd/pulumi-language-nodejs; }
build_python() { build_language_host "$1" "$2" sdk/python/cmd/pulumi-language-python; }
build_go() { build_language_host "$1" "$2" sdk/go/pulumi-language-go; }
build_launchers() {  # the two dynamic-provider launchers (shell scripts) go beside the CLI
  extract pulumi-language-hosts-v${PULUMI_VERSION}.tar.gz "$1"
  mkdir -p "$2"
  install -m 0755 "$1/pulumi/sdk/nodejs/dist/pulumi-resource-pulumi-nodejs" "$2/"
  install -m 0755 "$1/pulumi/sdk/python/dist/pulumi-resource-pulumi-python" "$2/"
}
build_docker() {
  extract pulumi-docker-v${DOCKER_VERSION}.tar.gz "$1"
  extract terraform-provider-docker-619686ddb44a.tar.gz "$1"
  mv "$1/terraform-provider-docker" "$1/pulumi-docker/upstream"   # go.mod: replace … => ../upstream
  (cd "$1/pulumi-docker/upstream" && for p in ../patches/*.patch; do git apply -p1 "$p"; done)
  (cd "$1/pulumi-docker/provider" &&
    go mod edit -require "github.com/pulumi/pulumi-terraform-bridge/v3@${BRIDGE_FOR_DOCKER}" &&
    cd cmd/pulumi-resource-docker &&
    VERSION="${DOCKER_VERSION}" GOFLAGS="-mod=mod -buildvcs=false" go run generate.go &&
    GOFLAGS="-mod=mod -buildvcs=false" go build -trimpath \
      -ldflags "-s -w -X github.com/pulumi/pulumi-docker/provider/v5/pkg/version.Version=${DOCKER_VERSION}" -o "$2" .)
}
build_random() {
  extract pulumi-random-v${RANDOM_VERSION}.tar.gz "$1"
  (cd "$1/pulumi-random/provider/cmd/pulumi-resource-random" &&
    VERSION="${RANDOM_VERSION}" GOFLAGS="-mod=mod -buildvcs=false" go run generate.go &&
    GOFLAGS="-mod=mod -buildvcs=false" go build -trimpath \
      -ldflags "-s -w -X github.com/pulumi/pulumi-random/provider/v4/pkg/version.Version=${RANDOM_VERSION}" -o "$2" .)
}
build_command() {
  extract pulumi-command-v${COMMAND_VERSION}.tar.gz "$1"
  (cd "$1/pulumi-command/provider" && GOFLAGS="-mod=mod -buildvcs=false" go build -trimpath \
      -ldflags "-s -w -X github.com/pulumi/pulumi-command/provider/pkg/version.Version=${COMMAND_VERSION}" \
      -o "$2" ./cmd/pulumi-resource-command)
}

# name | version | file it produces (in libexec, or a resource plugin) | sources (archives or files)
PIECES=(
  "pulumi|${PULUMI_VERSION}|libexec/pulumi|$here/cli/go.mod $here/cli/go.sum"
  "nodejs|${PULUMI_VERSION}|libexec/pulumi-language-nodejs|pulumi-language-hosts-v${PULUMI_VERSION}.tar.gz"
  "python|${PULUMI_VERSION}|libexec/pulumi-language-python|pulumi-language-hosts-v${PULUMI_VERSION}.tar.gz"
  "go|${PULUMI_VERSION}|libexec/pulumi-language-go|pulumi-language-hosts-v${PULUMI_VERSION}.tar.gz"
  "yaml|${YAML_VERSION}|libexec/pulumi-language-yaml|$here/yaml/go.mod $here/yaml/go.sum"
  "launchers|${PULUMI_VERSION}|libexec|pulumi-language-hosts-v${PULUMI_VERSION}.tar.gz"
  "docker|${DOCKER_VERSION}|plugin|pulumi-docker-v${DOCKER_VERSION}.tar.gz terraform-provider-docker-619686ddb44a.tar.gz"
  "random|${RANDOM_VERSION}|plugin|pulumi-random-v${RANDOM_VERSION}.tar.gz"
  "command|${COMMAND_VERSION}|plugin|pulumi-command-v${COMMAND_VERSION}.tar.gz"
)

# Check every archive first: a missing or altered one stops the run before any build.
archives=()
for entry in "${PIECES[@]}"; do
  IFS='|' read -r _ _ _ srcs <<<"$entry"
  for s in $srcs; do case "$s" in /*) ;; *) archives+=("$s") ;; esac; done
done
verify $(printf '%s\n' "${archives[@]}" | sort -u)

piece_key() {  # <name> <version> <sources…>
  local name="$1" version="$2"; shift 2
  local h
  h="$( { source_digest "$@"; echo "$go_version"; declare -f "build_$name"; case "$name" in nodejs|python|go) declare -f build_language_host ;; esac; declare -f extract; echo "$ldflags_sdk $BRIDGE_FOR_DOCKER"; } | sha256sum | cut -c1-12)"
  printf '%s-%s-%s\n' "$name" "$version" "$h"
}
sha_of() {  # a file, or every file in a folder (sorted), as one sha256
  if [ -d "$1" ]; then (cd "$1" && find . -type f | LC_ALL=C sort | xargs sha256sum | sha256sum | cut -d' ' -f1)
  else sha256sum "$1" | cut -d' ' -f1; fi
}
piece_ok() {  # <piece dir>: piece.json present and the output's sha256 matches it
  [ -f "$1/piece.json" ] && [ -e "$1/out" ] || return 1
  [ "$(node -e 'process.stdout.write(require(process.argv[1]).sha256)' "$1/piece.json")" = "$(sha_of "$1/out")" ]
}

piece_dirs=()
keys=""
for entry in "${PIECES[@]}"; do
  IFS='|' read -r name version _ srcs <<<"$entry"
  # shellcheck disable=SC2086
  pkey="$(piece_key "$name" "$version" $srcs)"
  pdir="$home/pieces/$pkey"
  piece_dirs+=("$pdir")
  keys+="$pkey "
  if piece_ok "$pdir"; then
    say "reused $name $version ($pdir)"
    continue
  fi
  rm -rf "$pdir"
  say "building $name $version …"
  start=$(date +%s)
  # A module download the network dropped (the proxy unreachable for a moment) is tried again, twice;
  # any other failure stops at once with Go's own error.
  for attempt in 1 2 3; do
    rm -rf "$pdir/work"; mkdir -p "$pdir/work"
    if "build_$name" "$pdir/work" "$pdir/out.tmp" 2> >(tee "$pdir/build.err" >&2); then break; fi
    sleep 1  # let tee finish writing
    if [ "$attempt" -lt 3 ] && grep -qE 'dial tcp|connection reset|TLS handshake timeout|i/o timeout|no route to host|unexpected EOF|50[234] ' "$pdir/build.err"; then
      say "$name: the Go module proxy did not answer (attempt $attempt of 3); trying again in $((attempt * 15)) s"
      sleep $((attempt * 15))
      continue
    fi
    die "$name $version did not build (Go's error above); nothing of it is used"
  done
  rm -f "$pdir/build.err"
  mv "$pdir/out.tmp" "$pdir/out"
  chmod -R u+w "$pdir/work" 2>/dev/null || true; rm -rf "$pdir/work"
  secs=$(( $(date +%s) - start ))
  node -e '
    const fs = require("fs");
    const [dir, name, version, sha, secs, srcs] = process.argv.slice(1);
    const out = dir + "/out", st = fs.statSync(out);
    const bytes = st.isDirectory() ? fs.readdirSync(out).reduce((n, f) => n + fs.statSync(out + "/" + f).size, 0) : st.size;
    const p = { name, version, sources: srcs.split(" ").map((s) => s.replace(/^.*\//, "")), sha256: sha, bytes,
      buildSeconds: Number(secs), builtAt: new Date().toISOString() };
    fs.writeFileSync(dir + "/piece.json.tmp", JSON.stringify(p, null, 2) + "\n");
    fs.renameSync(dir + "/piece.json.tmp", dir + "/piece.json");
  ' "$pdir" "$name" "$version" "$(sha_of "$pdir/out")" "$secs" "$srcs"
  say "built $name $version in ${secs} s ($(du -sh "$pdir/out" | cut -f1))"
done

# --- the assembled toolchain ----------------------------------------------------------------------
write_wrapper() {
  cat <<'WRAP'
#!/bin/sh
# wgkit toolchain wrapper (written by toolchain/toolchain.sh): the real CLI in ../libexec, beside its
# language hosts; resource plugins from this toolchain's own PULUMI_HOME; no update checks, no
# downloads. Each setting applies only when the caller has not set it.
root="$(cd "$(dirname "$0")/.." && pwd)"
: "${PULUMI_HOME:=$root/home}"
: "${PULUMI_SKIP_UPDATE_CHECK:=true}"
: "${PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION:=true}"
export PULUMI_HOME PULUMI_SKIP_UPDATE_CHECK PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION
exec "$root/libexec/pulumi" "$@"
WRAP
}
key="wgkit-$( { echo "$keys"; echo "$sums_digest"; write_wrapper; } | sha256sum | cut -c1-16)"
dir="$home/$key"

manifest_ok() {
  [ -f "$dir/manifest.json" ] && [ -x "$dir/bin/pulumi" ] || return 1
  node -e '
    const fs = require("fs"), crypto = require("crypto"), path = require("path");
    const [dir, ...names] = process.argv.slice(1);
    const m = JSON.parse(fs.readFileSync(dir + "/manifest.json", "utf8"));
    for (const n of names) {
      const p = m.pieces[n];
      if (!p) { console.error("toolchain: manifest lacks " + n); process.exit(1); }
      for (const f of p.files) {
        const h = crypto.createHash("sha256").update(fs.readFileSync(path.join(dir, f.path))).digest("hex");
        if (h !== f.sha256) { console.error("toolchain: " + f.path + " differs from the manifest"); process.exit(1); }
      }
    }' "$dir" pulumi nodejs python go yaml launchers docker random command 2>/dev/null
}

if manifest_ok; then
  say "reused the toolchain $key (manifest $dir/manifest.json)"
else
  rm -rf "$dir"
  mkdir -p "$dir/bin" "$dir/libexec" "$dir/home"
  i=0
  for entry in "${PIECES[@]}"; do
    IFS='|' read -r name version place _ <<<"$entry"
    pdir="${piece_dirs[$i]}"; i=$((i + 1))
    case "$place" in
      libexec) cp -p "$pdir/out/"* "$dir/libexec/" ;;
      libexec/*) cp -p "$pdir/out" "$dir/$place" ;;
    esac
  done
  write_wrapper >"$dir/bin/pulumi"; chmod 0755 "$dir/bin/pulumi"
  reported="$("$dir/bin/pulumi" version)"
  [ "$reported" = "v${PULUMI_VERSION}" ] || die "the built CLI reports '$reported', not v${PULUMI_VERSION}"
  i=0
  for entry in "${PIECES[@]}"; do
    IFS='|' read -r name version place _ <<<"$entry"
    pdir="${piece_dirs[$i]}"; i=$((i + 1))
    [ "$place" = plugin ] || continue
    PULUMI_HOME="$dir/home" "$dir/bin/pulumi" plugin install resource "$name" "$version" --file "$pdir/out" >/dev/null
  done
  node -e '
    const fs = require("fs"), crypto = require("crypto"), path = require("path");
    const [dir, key, goVersion, sums, upstream, ...entries] = process.argv.slice(1);
    const sha = (f) => crypto.createHash("sha256").update(fs.readFileSync(f)).digest("hex");
    const pieces = {};
    for (const e of entries) {
      const [name, version, place, pdir] = e.split("|");
      const piece = JSON.parse(fs.readFileSync(pdir + "/piece.json", "utf8"));
      let paths;
      if (place === "plugin") {
        const pd = "home/plugins/resource-" + name + "-v" + version;
        paths = [pd + "/pulumi-resource-" + name];
      } else if (place === "libexec") {
        paths = fs.readdirSync(pdir + "/out").map((f) => "libexec/" + f);
      } else paths = [place];
      const files = paths.map((p) => ({ path: p, sha256: sha(path.join(dir, p)), bytes: fs.statSync(path.join(dir, p)).size }));
      pieces[name] = { version, sources: piece.sources, files, buildSeconds: piece.buildSeconds, piece: path.basename(pdir) };
    }
    const m = { key, builtAt: new Date().toISOString(), goVersion, upstream, sha256sumsDigest: sums, pieces };
    fs.writeFileSync(dir + "/manifest.json.tmp", JSON.stringify(m, null, 2) + "\n");
    fs.renameSync(dir + "/manifest.json.tmp", dir + "/manifest.json");
  ' "$dir" "$key" "$go_version" "$sums_digest" "$upstream" $(
    i=0; for entry in "${PIECES[@]}"; do IFS='|' read -r n v p _ <<<"$entry"; printf '%s|%s|%s|%s\n' "$n" "$v" "$p" "${piece_dirs[$i]}"; i=$((i + 1)); done)
  say "assembled the toolchain $key"
fi
ln -sfn "$key" "$home/current.tmp" && mv -T "$home/current.tmp" "$home/current"

say "pieces: $(node -e 'const m=require(process.argv[1]);process.stdout.write(Object.entries(m.pieces).map(([n,p])=>n+" "+p.version+" ("+(p.files.reduce((s,f)=>s+f.bytes,0)/1048576).toFixed(0)+" MB)").join(", "))' "$home/current/manifest.json")"
say "bin: $home/current/bin (pulumi $("$home/current/bin/pulumi" version))"
say "caches: $GOMODCACHE ($(du -sh "$GOMODCACHE" | cut -f1)), $GOCACHE ($(du -sh "$GOCACHE" | cut -f1))"
