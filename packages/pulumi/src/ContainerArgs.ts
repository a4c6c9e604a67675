import * as pulumi from "@pulumi/pulumi";

/** How the WireGuard container runs; shared by WireGuardServer, ClientTunnel and each SiteLink site. */
export interface ContainerArgs {
  /** Owner uid of /config files (PUID; integer). Default 1000. */
  puid?: number;
  /** Owner gid of /config files (PGID; integer). Default 1000. */
  pgid?: number;
  /** Time zone (TZ). Default Etc/UTC. */
  tz?: string;
  /** Image reference. Default lscr.io/linuxserver/wireguard:1.0.20250521 (pinned). */
  image?: string;
  /** Host path for /config. Default: a named Docker volume. */
  configPath?: string;
  /** The host has the wireguard/iptables modules loaded: no SYS_MODULE, no /lib/modules mount. Default false. */
  hostModulesLoaded?: boolean;
  /**
   * The host kernel lacks WireGuard: run an image derived from `image` that adds wireguard-go and a
   * module gate accepting /dev/net/tun (built on the engine by a docker.Image; needs the base's package
   * mirror once), and pass /dev/net/tun. The image alone never brings a tunnel up without the module. Default false.
   */
  userspace?: boolean;
  /** DOCKER_HOST of the engine the Docker provider targets, for the conf install step (e.g. ssh://user@host). Default: the local engine. */
  dockerHost?: pulumi.Input<string>;
  /** Docker networks to attach the container to (the first is the LAN-facing one). Default: Docker's default bridge. */
  networks?: pulumi.Input<string>[];
}

/** The ContainerArgs fields of a component's args (their args extend ContainerArgs), for wireGuardContainer. */
export function containerArgsOf(a: ContainerArgs): ContainerArgs {
  const { puid, pgid, tz, image, configPath, hostModulesLoaded, userspace, dockerHost, networks } = a;
  return { puid, pgid, tz, image, configPath, hostModulesLoaded, userspace, dockerHost, networks };
}
