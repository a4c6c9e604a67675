import { check } from "./WgKitError";
import { checkEach, checkId, checkInterfaceName, checkTunnelInterfaceName } from "./Validation";
import { checkHostPath, normalizeHostPath } from "./HostPath";

/** The pinned image wgkit provisions by default (client mode, no PEERS). */
export const DEFAULT_IMAGE = "lscr.io/linuxserver/wireguard:1.0.20250521";

/** Where the image reads confs in client mode. */
export const CONF_DIR = "/config/wg_confs";

/** Options shared by every container wgkit runs (server, client tunnel, site end). */
export interface ContainerOptions {
  /** PUID: owner of files in /config (default 1000, as in the seed's compose file). */
  puid?: number;
  /** PGID (default 1000). */
  pgid?: number;
  /** TZ (default Etc/UTC). */
  tz?: string;
  /** Image reference (default DEFAULT_IMAGE). */
  image?: string;
  /** Host has the wireguard/iptables modules loaded: drop SYS_MODULE and the /lib/modules mount (default false). */
  hostModulesLoaded?: boolean;
  /** Host kernel lacks WireGuard: pass /dev/net/tun; the component runs the derived userspace image (wireguard-go and a tun-aware module gate, see UserspaceImage.ts). Default false. */
  userspace?: boolean;
  /** Host path for /config; default is a named volume. */
  configPath?: string;
  /** Dual stack: enable IPv6 sysctls. */
  ipv6?: boolean;
  /** Run CoreDNS on :53 (USE_COREDNS), needed when peers use the server as DNS. */
  useCoreDns?: boolean;
  /** Tunnel interface name, for the healthcheck (default wg0). */
  interfaceName?: string;
  /** DOCKER_HOST for the deployment steps (unix://, tcp://, ssh:// or npipe:// URI). */
  dockerHost?: string;
  /** Docker networks to attach. */
  networks?: string[];
}

/** A Docker-agnostic description of the container; the Pulumi shell maps it onto docker.Container. */
export interface ContainerSpec {
  image: string;
  capabilities: string[];
  sysctls: Record<string, string>;
  envs: string[];
  /** Read-only host mounts. */
  binds: { hostPath: string; containerPath: string; readOnly: boolean }[];
  devices: { hostPath: string; containerPath: string; permissions: string }[];
  restart: "unless-stopped";
  healthcheck: { tests: string[]; interval: string; timeout: string; retries: number; startPeriod: string };
  configPath?: string;
}

/** Where the install step records the public key the health check expects (the peers: those of the conf it wrote). */
export const expectFile = (iface: string) => `${CONF_DIR}/.${iface}.expect`;

/**
 * The container's health check (fixed text, so the container's inputs never change with peers):
 * healthy only when the interface is up with the public key (expectFile) and exactly the peers of
 * the conf the last install wrote. No file yet (before the first install): unhealthy.
 */
export function healthCheckCommand(iface: string): string {
  checkInterfaceName(iface, "interfaceName");
  return `ip link show ${iface} up | grep -q UP && [ "$(wg show ${iface} public-key)" = "$(cat ${expectFile(iface)})" ] && [ "$(wg show ${iface} peers | sort)" = "$(sed -n 's/^PublicKey = //p' ${CONF_DIR}/${iface}.conf | sort)" ]`;
}

const TZ_RE = /^[A-Za-z0-9_+\-/]{1,64}$/;
const IMAGE_RE = /^[a-z0-9]+([._-][a-z0-9]+)*(:[0-9]+)?(\/[a-z0-9]+([._-][a-z0-9]+)*)*(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(@sha256:[a-f0-9]{64})?$/;

/** Validates the options shared by all containers (names fields under `field`). */
export function checkContainerOptions(o: ContainerOptions, field = ""): void {
  const f = (n: string) => (field ? `${field}.${n}` : n);
  if (o.puid !== undefined) checkId(o.puid, f("puid"));
  if (o.pgid !== undefined) checkId(o.pgid, f("pgid"));
  if (o.tz !== undefined) check(typeof o.tz === "string" && TZ_RE.test(o.tz), f("tz"), "tz", `must be a tz database name such as Europe/Berlin, got ${JSON.stringify(o.tz)}`);
  if (o.image !== undefined) check(typeof o.image === "string" && IMAGE_RE.test(o.image), f("image"), "image-ref", `must be an image reference such as ${DEFAULT_IMAGE}`);
  // The image chowns /config recursively to PUID:PGID at start: never a system directory (see HostPath.ts).
  if (o.configPath !== undefined) checkHostPath(o.configPath, f("configPath"));
  if (o.dockerHost !== undefined) check(typeof o.dockerHost === "string" && /^(unix|tcp|ssh|npipe):\/\/[A-Za-z0-9@%._~:/\[\]-]+$/.test(o.dockerHost), f("dockerHost"), "docker-host", "must be a Docker host URI such as ssh://admin@host or tcp://host:2376");
  if (o.networks !== undefined) {
    checkEach(o.networks, f("networks"), (n, nf) => check(typeof n === "string" && /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/.test(n), nf, "network-name", "must be a Docker network name ([A-Za-z0-9_.-])"));
  }
  for (const b of ["hostModulesLoaded", "userspace", "ipv6", "useCoreDns"] as const) {
    if (o[b] !== undefined) check(typeof o[b] === "boolean", f(b), "type", "must be true or false");
  }
}

/**
 * The container the image needs, point by point as in the seed's compose
 * file: NET_ADMIN (+SYS_MODULE and /lib/modules unless the host has the
 * modules), src_valid_mark, restart unless-stopped, PUID/PGID/TZ — and no
 * PEERS, so the image runs in client mode with confs wgkit writes.
 */
export function containerSpec(o: ContainerOptions): ContainerSpec {
  checkContainerOptions(o);
  const iface = o.interfaceName ?? "wg0";
  checkTunnelInterfaceName(iface, "interfaceName");
  const sysctls: Record<string, string> = {
    "net.ipv4.conf.all.src_valid_mark": "1",
    "net.ipv4.ip_forward": "1",
  };
  if (o.ipv6) {
    sysctls["net.ipv6.conf.all.disable_ipv6"] = "0";
    sysctls["net.ipv6.conf.all.forwarding"] = "1";
  }
  const envs = [`PUID=${o.puid ?? 1000}`, `PGID=${o.pgid ?? 1000}`, `TZ=${o.tz ?? "Etc/UTC"}`, "LOG_CONFS=false"];
  if (o.useCoreDns) envs.push("USE_COREDNS=true");
  return {
    image: o.image ?? DEFAULT_IMAGE,
    // Docker's own spelling (what it reads back): "NET_ADMIN" would show as drift on every refresh.
    capabilities: o.hostModulesLoaded ? ["CAP_NET_ADMIN"] : ["CAP_NET_ADMIN", "CAP_SYS_MODULE"],
    sysctls,
    envs,
    binds: o.hostModulesLoaded ? [] : [{ hostPath: "/lib/modules", containerPath: "/lib/modules", readOnly: true }],
    devices: o.userspace ? [{ hostPath: "/dev/net/tun", containerPath: "/dev/net/tun", permissions: "rwm" }] : [],
    restart: "unless-stopped",
    healthcheck: { tests: ["CMD-SHELL", healthCheckCommand(iface)], interval: "30s", timeout: "5s", retries: 3, startPeriod: "20s" },
    configPath: o.configPath === undefined ? undefined : normalizeHostPath(o.configPath),
  };
}
