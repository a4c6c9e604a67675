import { check } from "./WgKitError";
import { checkNoOverlap, parseAllowedIps, parseSubnetList } from "./AllowedIPs";
import { bigIntToIp, parseSubnet } from "./AddressPlan";
import { checkArgsObject, checkContainerName, checkKeepalive, checkMtu, checkPort, checkUsableSubnet } from "./Validation";
import { parseEndpoint, formatEndpoint } from "./Endpoint";
import { checkContainerOptions, ContainerOptions } from "./ContainerSpec";
import { forwardingHooks, CONTAINER_PORT } from "./ServerConf";
import { emptyInterface, WgQuickConf } from "./WgQuick";

/** One site of a site-to-site link. */
export interface SiteSpec extends ContainerOptions {
  /** Site name (used in resource names), e.g. "home". */
  name: string;
  /** LAN subnets behind this site, routed to the other site. */
  lans: string[];
  /** host:port where the other site reaches this one; at least one site needs it. */
  endpoint?: string;
  /** Published UDP port on this site's Docker host (default 51820). */
  publishPort?: number;
}

/** How each site's LAN reaches the other site's LAN. */
export const SiteLinkMode = {
  /** LAN routers get a static route to the remote LANs via the WireGuard container (the `routes` output); source addresses are kept. */
  routed: "routed",
  /** Remote-LAN traffic is NATed to the WireGuard container's address; no route needed on the LAN routers. */
  masquerade: "masquerade",
} as const;
/** "routed" or "masquerade". */
export type SiteLinkMode = (typeof SiteLinkMode)[keyof typeof SiteLinkMode];

export interface SiteLinkSpec {
  siteA: SiteSpec;
  siteB: SiteSpec;
  /** Tunnel subnet for the two ends (default 10.255.13.0/30): A takes .1, B .2. */
  tunnelSubnet?: string;
  /** routed: LAN routers need a static route (output per side); masquerade: remote LAN traffic is NATed to the container (default routed). */
  mode?: SiteLinkMode;
  /** PersistentKeepalive on both ends (default 25: keeps NAT mappings open). */
  persistentKeepalive?: number;
  mtu?: number;
}

export const DEFAULT_SITE_TUNNEL = "10.255.13.0/30";

/**
 * The Docker name of a site's container and volume prefix: `<link>--<site>`. Neither name may
 * contain `--` nor end with `-` (checkContainerName), so this never equals another SiteLink end's
 * name nor any other component's name (`home` + `vpn` → `home--vpn`, never a ClientTunnel `home-vpn`).
 */
export function siteContainerName(link: string, site: string): string {
  return `${link}--${site}`;
}

export function checkSiteSpec(s: Partial<SiteSpec>, field: string, unknown: ReadonlySet<string>): void {
  checkArgsObject(s, field);
  if (!unknown.has(`${field}.name`)) checkContainerName(s.name!, `${field}.name`, { part: true });
  if (!unknown.has(`${field}.lans`)) {
    check(s.lans !== undefined, `${field}.lans`, "required", "needs at least one LAN subnet");
    check(parseSubnetList(s.lans, `${field}.lans`).length > 0, `${field}.lans`, "required", "needs at least one LAN subnet");
    parseAllowedIps(s.lans, `${field}.lans`).forEach((l, i) => check(!l.includes(":"), `${field}.lans[${i}]`, "ipv4-only",
      "SiteLink routes IPv4 LANs only for now (the tunnel and forwarding rules are IPv4); an IPv6 LAN would fail on the far side"));
  }
  if (s.endpoint !== undefined) parseEndpoint(s.endpoint, `${field}.endpoint`);
  if (s.publishPort !== undefined) checkPort(s.publishPort, `${field}.publishPort`);
  checkContainerOptions(s, field);
}

/** Validates a (possibly partial) site link; `unknown` holds dotted field names not known yet. */
export function checkSiteLinkSpec(spec: Partial<SiteLinkSpec>, unknown: ReadonlySet<string> = new Set()): void {
  checkArgsObject(spec, "args");
  check(spec.siteA !== undefined || unknown.has("siteA"), "siteA", "required", "is required");
  check(spec.siteB !== undefined || unknown.has("siteB"), "siteB", "required", "is required");
  if (spec.siteA !== undefined) checkSiteSpec(spec.siteA, "siteA", unknown);
  if (spec.siteB !== undefined) checkSiteSpec(spec.siteB, "siteB", unknown);
  if (spec.siteA?.name !== undefined && spec.siteB?.name !== undefined) check(spec.siteA.name !== spec.siteB.name, "siteB.name", "duplicate-name", "both sites have the same name");
  const t = parseSubnet(spec.tunnelSubnet ?? DEFAULT_SITE_TUNNEL, "tunnelSubnet", 4);
  checkUsableSubnet(t.cidr, "tunnelSubnet");
  if (spec.mode !== undefined) check(Object.values<string>(SiteLinkMode).includes(spec.mode), "mode", "enum", 'must be "routed" or "masquerade"');
  if (spec.persistentKeepalive !== undefined) checkKeepalive(spec.persistentKeepalive, "persistentKeepalive");
  if (spec.mtu !== undefined) checkMtu(spec.mtu, "mtu");
  const known = (f: string) => !unknown.has(f) && !unknown.has(f.split(".")[0]);
  if (spec.siteA && spec.siteB && !unknown.has("siteA.endpoint") && !unknown.has("siteB.endpoint")) {
    check(spec.siteA.endpoint !== undefined || spec.siteB.endpoint !== undefined, "siteA.endpoint", "no-endpoint", "at least one site needs an endpoint the other can dial");
  }
  const nets = [{ field: "tunnelSubnet", cidr: t.cidr }];
  for (const side of ["siteA", "siteB"] as const) {
    if (spec[side] && known(`${side}.lans`)) parseAllowedIps(spec[side]!.lans, `${side}.lans`).forEach((cidr, i) => nets.push({ field: `${side}.lans[${i}]`, cidr }));
  }
  checkNoOverlap(nets);
}

export interface SiteKeys {
  privateKey: string;
  publicKey: string;
}

export interface BuiltSiteLink {
  a: WgQuickConf;
  b: WgQuickConf;
  /** Tunnel addresses of the two ends. */
  addressA: string;
  addressB: string;
  /** Remote LANs each side's LAN router must route to that side's container (routed mode). */
  routesA: string[];
  routesB: string[];
}

/** Both ends' confs: each lists the other end with the remote LANs in AllowedIPs. */
export function buildSiteLink(spec: SiteLinkSpec, a: SiteKeys, b: SiteKeys, presharedKey: string): BuiltSiteLink {
  checkSiteLinkSpec(spec);
  const t = parseSubnet(spec.tunnelSubnet ?? DEFAULT_SITE_TUNNEL, "tunnelSubnet", 4);
  const addressA = bigIntToIp(t.network + 1n, 4);
  const addressB = bigIntToIp(t.network + 2n, 4);
  const masq = (spec.mode ?? SiteLinkMode.routed) === SiteLinkMode.masquerade;
  const end = (me: SiteKeys, addr: string, other: SiteSpec, otherKey: string, otherAddr: string): WgQuickConf => {
    const i = emptyInterface();
    i.privateKey = me.privateKey;
    i.address.push(`${addr}/${t.prefix}`);
    i.listenPort = CONTAINER_PORT;
    if (spec.mtu !== undefined) i.mtu = spec.mtu;
    const hooks = forwardingHooks("iptables", masq, "eth+");
    i.postUp.push(...hooks.up);
    i.postDown.push(...hooks.down);
    const peer = {
      publicKey: otherKey,
      presharedKey,
      allowedIps: [`${otherAddr}/32`, ...parseAllowedIps(other.lans, "lans")],
      persistentKeepalive: spec.persistentKeepalive ?? 25,
      ...(other.endpoint ? { endpoint: formatEndpoint(parseEndpoint(other.endpoint, "endpoint")) } : {}),
    };
    return { interface: i, peers: [peer] };
  };
  return {
    a: end(a, addressA, spec.siteB, b.publicKey, addressB),
    b: end(b, addressB, spec.siteA, a.publicKey, addressA),
    addressA,
    addressB,
    routesA: parseAllowedIps(spec.siteB.lans, "siteB.lans"),
    routesB: parseAllowedIps(spec.siteA.lans, "siteA.lans"),
  };
}

/** The static route a LAN router needs, as an iproute2 command. */
export function staticRoute(destination: string, via: string): string {
  return `ip route add ${destination} via ${via}`;
}
