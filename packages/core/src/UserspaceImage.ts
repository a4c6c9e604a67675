/**
 * The userspace image: what `userspace: true` runs. The pinned image has no
 * wireguard-go, and its first start-up step (the module gate) sleeps forever
 * when the kernel cannot create a `wireguard` link, whatever /dev/net/tun
 * allows. So userspace WireGuard needs an image derived from the base:
 *
 *   1. wireguard-go installed with the base's own package manager (apk on the
 *      real Alpine image, apt-get on the Debian stand-in of the e2e tests) —
 *      one recipe for both, skipped when the base already has wireguard-go;
 *   2. the module gate replaced, at the path the image runs it from, by a gate
 *      that passes when the kernel has WireGuard OR a usable /dev/net/tun with
 *      NET_ADMIN (wg-quick then falls back to wireguard-go by itself).
 *
 * Invariant: the Dockerfile is a pure function of the base reference; its
 * sha256 names the image (`wgkit/wireguard-userspace:<12 hex>`), so a new base
 * or recipe gives a new name and an unchanged one is never rebuilt.
 *
 * Failure modes: the package step needs the base's package mirror at build
 * time; without it the build fails with one `wgkit:` line naming the fix. A
 * base that is neither Alpine- nor Debian-like fails the same way. The
 * replaced gate, when neither path works, logs USERSPACE_GATE_LINE and sleeps
 * forever like the original (the install step recognises both lines).
 */
import { createHash } from "crypto";
import { checkContainerOptions, DEFAULT_IMAGE } from "./ContainerSpec";

/** Where the image runs its module gate (an s6-overlay one-shot); the stand-in uses the same path. */
export const MODULE_GATE_PATH = "/etc/s6-overlay/s6-rc.d/init-wireguard-module/run";

/** What the image's own gate logs when the kernel has no WireGuard (then it sleeps forever). */
export const MODULE_GATE_LINE = "The wireguard module is not active";

/** What wgkit's replacement gate logs when neither kernel WireGuard nor /dev/net/tun works. */
export const USERSPACE_GATE_LINE = "wgkit userspace gate: no kernel WireGuard and no usable /dev/net/tun";

/** Repository of the derived images. */
export const USERSPACE_IMAGE_REPO = "wgkit/wireguard-userspace";

/** The replacement gate (POSIX sh: busybox ash on Alpine, dash on Debian). */
export function userspaceGateScript(): string {
  return `#!/bin/sh
# wgkit's module gate for userspace WireGuard (replaces the image's own gate).
# Passes when the kernel can create a wireguard link, or when /dev/net/tun is
# usable (a tun device can be created, which needs NET_ADMIN): wg-quick then
# runs wireguard-go by itself. Otherwise logs one line and sleeps forever,
# as the image's gate does, so nothing after it starts.
mkdir -p /config/templates /config/coredns
if ip link add dev wgkitgate type wireguard 2>/dev/null; then
  ip link del dev wgkitgate
  echo "**** wgkit userspace gate: kernel WireGuard is active; tunnels use it ****"
  exit 0
fi
if [ -c /dev/net/tun ] && ip tuntap add dev wgkitgate mode tun 2>/dev/null; then
  ip link del dev wgkitgate
  echo "**** wgkit userspace gate: no kernel WireGuard; tunnels use wireguard-go through /dev/net/tun ****"
  exit 0
fi
echo "**** ${USERSPACE_GATE_LINE} with NET_ADMIN; sleeping forever ****"
while :; do sleep 3600; done
`;
}

const NO_PACKAGE = "wgkit: could not install wireguard-go into the userspace image";
const FIX = "Fix: let the machine running pulumi up reach that package mirror while it builds the image once, or load the wireguard module on the host (modprobe wireguard) and set userspace: false.";

/**
 * The Dockerfile deriving the userspace image from `baseImage` (default: the
 * pinned image). Needs no build context: the gate is written from base64.
 */
export function userspaceDockerfile(baseImage: string = DEFAULT_IMAGE): string {
  checkContainerOptions({ image: baseImage });
  const gate = Buffer.from(userspaceGateScript(), "utf8").toString("base64");
  const dir = MODULE_GATE_PATH.slice(0, MODULE_GATE_PATH.lastIndexOf("/"));
  // Each line below is one shell word list; no user string but the validated image reference is interpolated.
  return `# Rendered by @wgkit/core (UserspaceImage.ts): ${baseImage} + wireguard-go + a module gate that accepts /dev/net/tun.
FROM ${baseImage}
RUN if command -v wireguard-go >/dev/null 2>&1; then echo "wgkit: wireguard-go already present"; \\
    elif command -v apk >/dev/null 2>&1; then \\
      apk add --no-cache wireguard-go || { echo "${NO_PACKAGE}: apk add failed (the Alpine mirror in /etc/apk/repositories is unreachable from the build). ${FIX}" >&2; exit 1; }; \\
    elif command -v apt-get >/dev/null 2>&1; then \\
      { apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends wireguard-go && rm -rf /var/lib/apt/lists/*; } \\
        || { echo "${NO_PACKAGE}: apt-get failed (the Debian mirror in /etc/apt/sources.list is unreachable from the build). ${FIX}" >&2; exit 1; }; \\
    else echo "${NO_PACKAGE}: the base image has neither apk nor apt-get. Use an Alpine- or Debian-based image, or load the wireguard module on the host and set userspace: false." >&2; exit 1; fi \\
 && wireguard-go --version
RUN mkdir -p ${dir} && echo ${gate} | base64 -d > ${MODULE_GATE_PATH} && chmod 0755 ${MODULE_GATE_PATH}
LABEL org.wgkit.userspace.base="${baseImage}"
`;
}

/** The derived image's name: its repository and the first 12 hex of sha256(Dockerfile). */
export function userspaceImageName(baseImage: string = DEFAULT_IMAGE): string {
  const digest = createHash("sha256").update(userspaceDockerfile(baseImage)).digest("hex");
  return `${USERSPACE_IMAGE_REPO}:${digest.slice(0, 12)}`;
}

/**
 * The platform to build the userspace image for, as Docker names it, from Node's name for the
 * machine's architecture (the docker provider asks for one explicitly; the local engine runs on
 * this machine). Unknown architectures give undefined (the engine's default).
 */
export function dockerPlatform(arch: string): string | undefined {
  const known: Record<string, string> = { x64: "linux/amd64", arm64: "linux/arm64", arm: "linux/arm/v7", ia32: "linux/386", ppc64: "linux/ppc64le", s390x: "linux/s390x", riscv64: "linux/riscv64" };
  return Object.prototype.hasOwnProperty.call(known, arch) ? known[arch] : undefined;
}
