import { check } from "./WgKitError";
import { checkDistinctAllowedIps, checkRoutesSomething, parseWgQuick, WgQuickConf } from "./WgQuick";
import { Cidr, parseCidr, parseSubnetList } from "./AllowedIPs";
import { checkArgsObject, checkDnsEntry, checkEach, checkPort, checkTunnelInterfaceName, checkSplitTable, isIp, RESERVED_TABLES } from "./Validation";
import { checkContainerOptions, ContainerOptions } from "./ContainerSpec";

/** FwMark wgkit sets for split tunnels and the kill switch, so WireGuard's own packets are told apart. */
export const KILL_SWITCH_FWMARK = "0xca6c";

/** Transport protocol of a published port. */
export const Protocol = {
  /** TCP. */
  tcp: "tcp",
  /** UDP. */
  udp: "udp",
} as const;
/** "tcp" or "udp". */
export type Protocol = (typeof Protocol)[keyof typeof Protocol];

/** A port the tunnel container publishes for containers that share its network namespace. */
export interface PublishedPort {
  /** Port inside the container (integer, 1–65535). */
  internal: number;
  /** Port on the Docker host (integer, 1–65535). Default: the same as `internal`. */
  external?: number;
  /** Transport protocol. Default "tcp". */
  protocol?: Protocol;
}

/** The image as a client of a WireGuard server or VPN provider. */
export interface ClientTunnelSpec extends ContainerOptions {
  /** A wg-quick conf (provider download, or a wgkit Peer's config). */
  config: string;
  /** Interface name; the conf goes to /config/wg_confs/<name>.conf (default wg0). */
  interfaceName?: string;
  /** Split tunnel: routing table for the tunnel's routes (e.g. "55111"); unset = whatever the conf says (full tunnel by default). */
  table?: string;
  /** Split tunnel: destinations that use the tunnel (`ip rule add to …`). */
  routeDestinations?: string[];
  /** Split tunnel: sources that use the tunnel (`ip rule add from …`); the tunnel's own addresses always do. */
  routeSources?: string[];
  /** Reject traffic meant for the tunnel whenever it would leave another way, also while the tunnel is down. */
  killSwitch?: boolean;
  /** Destinations still allowed outside the tunnel with the kill switch on (e.g. the Docker network of routed containers). */
  killSwitchAllow?: string[];
  /** Overrides the conf's DNS (an empty list removes it). */
  dns?: string[];
  /** Ports to publish for containers routed through the tunnel. */
  publishPorts?: PublishedPort[];
}

/** Validates a (possibly partial) client tunnel spec; returns the parsed conf when `config` is known. */
export function checkClientTunnelSpec(spec: Partial<ClientTunnelSpec>, unknown: ReadonlySet<string> = new Set()): WgQuickConf | undefined {
  checkArgsObject(spec, "args");
  let conf: WgQuickConf | undefined;
  if (!unknown.has("config")) {
    check(typeof spec.config === "string" && spec.config.length > 0, "config", "required", "is required: a wg-quick conf as text");
    conf = parseWgQuick(spec.config, "config");
    const i = conf.interface;
    check(i.privateKey !== undefined, "config", "private-key", "the conf has no PrivateKey");
    check(i.address.length > 0, "config", "address", "the conf has no Address");
    check(conf.peers.length > 0, "config", "peer", "the conf has no [Peer]");
    checkDistinctAllowedIps(conf.peers, "config");
    checkRoutesSomething(conf, "config");
    check(i.preUp.length + i.postUp.length + i.preDown.length + i.postDown.length === 0, "config", "hooks-not-allowed",
      "PreUp/PostUp/PreDown/PostDown in a supplied conf would run as root in the container; remove them (wgkit renders its own)");
    check(i.saveConfig !== true, "config", "save-config", "SaveConfig = true would let the container rewrite the conf wgkit manages");
    // Table = main/local/default (or 253–255) puts AllowedIPs routes, e.g. 0.0.0.0/0, into a system table without
    // wg-quick's fwmark rules: the endpoint's own packets loop into the tunnel. `table` replaces the conf's Table.
    if (spec.table === undefined && !unknown.has("table") && i.table !== undefined) {
      check(!RESERVED_TABLES.includes(i.table.toLowerCase()), "config", "reserved-table",
        `Table = ${i.table} is a table the kernel reserves; remove the Table line (full tunnel) or set table (split tunnel)`);
      // wg-quick adds no route at all with Table = off, and routes into table N with no `ip rule`
      // that sends anything there: either way the tunnel comes up and carries nothing.
      check(i.table !== "off", "config", "table-off",
        "Table = off: wg-quick adds no routes, so nothing would use the tunnel; remove the Table line (full tunnel) or set table (split tunnel: wgkit adds the rules)");
      check(i.table === "auto", "config", "table-without-rules",
        `Table = ${i.table}: wg-quick puts the routes in that table but no rule sends traffic there, so nothing would use the tunnel; remove the Table line (full tunnel) or set table (split tunnel: wgkit adds the rules)`);
    }
    if (i.mtu !== undefined) {
      check(i.mtu >= 1280 || !usesIpv6(conf), "config", "mtu-ipv6",
        `MTU = ${i.mtu} is below 1280, the IPv6 minimum, and the conf uses IPv6: the kernel would drop IPv6 from the interface`);
    }
  }
  if (conf !== undefined && !unknown.has("publishPorts")) checkHandshake(conf, spec.publishPorts);
  if (spec.interfaceName !== undefined) checkTunnelInterfaceName(spec.interfaceName, "interfaceName");
  if (spec.table !== undefined) checkSplitTable(spec.table, "table");
  for (const f of ["routeDestinations", "routeSources"] as const) {
    if (spec[f] !== undefined) {
      check(spec.table !== undefined || unknown.has("table"), f, "needs-table", "only applies to a split tunnel: set table (e.g. 55111)");
      parseSubnetList(spec[f], f);
    }
  }
  if (spec.killSwitch !== undefined) check(typeof spec.killSwitch === "boolean", "killSwitch", "type", "must be true or false");
  if (spec.killSwitchAllow !== undefined) {
    check(spec.killSwitch === true || unknown.has("killSwitch"), "killSwitchAllow", "needs-kill-switch",
      "only applies with killSwitch: true (without it nothing is blocked, so there is nothing to allow)");
    parseSubnetList(spec.killSwitchAllow, "killSwitchAllow");
  }
  if (spec.dns !== undefined) checkEach(spec.dns, "dns", checkDnsEntry);
  checkEach(spec.publishPorts, "publishPorts", (p, f) => {
    check(p !== null && typeof p === "object", f, "type", "must be { internal, external?, protocol? }");
    checkPort(p.internal, `${f}.internal`);
    if (p.external !== undefined) checkPort(p.external, `${f}.external`);
    if (p.protocol !== undefined) check(Object.values<string>(Protocol).includes(p.protocol), `${f}.protocol`, "enum", 'must be "tcp" or "udp"');
  });
  checkContainerOptions(spec);
  return conf;
}

/**
 * Every peer must be able to handshake. WireGuard starts a handshake only towards a peer whose
 * Endpoint it knows; a peer without one can only be reached after it dials in. The tunnel
 * container sits behind Docker's NAT and publishes no WireGuard port, so no one can dial in:
 * a peer without Endpoint never handshakes, and traffic for its AllowedIPs goes nowhere. The one
 * exception: the conf has a fixed ListenPort and publishPorts publishes it over UDP, so the other
 * side (if it knows the Docker host's address) can start the handshake.
 */
function checkHandshake(conf: WgQuickConf, publishPorts: readonly PublishedPort[] | undefined): void {
  const port = conf.interface.listenPort;
  const reachable = port !== undefined && port !== 0 && Array.isArray(publishPorts)
    && publishPorts.some((p) => p !== null && typeof p === "object" && p.internal === port && p.protocol === Protocol.udp);
  conf.peers.forEach((p, n) => check(p.endpoint !== undefined || reachable, `config.peers[${n}].endpoint`, "no-handshake",
    "this peer has no Endpoint and the tunnel publishes no ListenPort, so neither side can start a handshake; "
    + "add the peer's Endpoint (or set ListenPort and publish it over UDP with publishPorts)"));
}

/** Whether wg-quick will route IPv6 for this conf (then the IPv6 rules are needed and work). */
const usesIpv6 = (conf: WgQuickConf) => [...conf.interface.address, ...conf.peers.flatMap((p) => p.allowedIps)].some((a) => a.includes(":"));

const tool = (c: Cidr) => (c.addr.kind() === "ipv4" ? "" : " -6");
const ipt = (c: Cidr | "4" | "6") => (c === "4" ? "iptables" : c === "6" ? "ip6tables" : c.addr.kind() === "ipv4" ? "iptables" : "ip6tables");

/**
 * The client conf wgkit writes: the supplied conf plus split-tunnel policy
 * routing (Table = N and `ip rule` lines) and an optional kill switch whose
 * rules are installed idempotently in PreUp and deliberately NOT removed on
 * PostDown, so a downed tunnel cannot leak.
 *
 * Kill switch invariant: every selector that routes traffic INTO the tunnel has a guard that
 * REJECTs the same traffic leaving by any other interface. Full tunnel: one guard per family for
 * everything. Split tunnel: one guard per selector — the tunnel's own addresses (as sources), the
 * conf's resolvers, routeDestinations and routeSources — so there is always at least one.
 */
export function buildClientConf(spec: ClientTunnelSpec): WgQuickConf {
  const conf = checkClientTunnelSpec(spec)!;
  const i = conf.interface;
  if (spec.dns !== undefined) i.dns = checkEach(spec.dns, "dns", checkDnsEntry);
  const split = spec.table !== undefined;
  // Traffic routed into the tunnel in split mode, by source and by destination.
  const own = i.address.map((a) => parseCidr(a.replace(/\/\d+$/, ""), "config.address"));
  // The conf's resolvers are reached through the tunnel too: no lookups leak outside it.
  const resolvers = i.dns.filter((d) => isIp(d)).map((d) => parseCidr(d, "dns"));
  const srcs = [...own, ...parseSubnetList(spec.routeSources, "routeSources").map((s) => parseCidr(s, "routeSources"))];
  const dsts = [...parseSubnetList(spec.routeDestinations, "routeDestinations").map((s) => parseCidr(s, "routeDestinations")), ...resolvers];
  if (split) {
    i.table = spec.table;
    // WireGuard's own packets carry this mark and always use the main table (the rule added
    // last gets the highest priority), so a destination that covers the endpoint cannot loop.
    i.fwMark = KILL_SWITCH_FWMARK;
    const rules = [
      ...srcs.map((c) => `ip${tool(c)} rule add from ${own.includes(c) ? c.addr : c.cidr} table ${spec.table}`),
      ...dsts.map((c) => `ip${tool(c)} rule add to ${c.cidr} table ${spec.table}`),
      `ip rule add fwmark ${KILL_SWITCH_FWMARK} table main`,
      ...(usesIpv6(conf) ? [`ip -6 rule add fwmark ${KILL_SWITCH_FWMARK} table main`] : []),
    ];
    const unique = [...new Set(rules)];
    i.postUp.push(...unique);
    i.postDown.push(...unique.map((r) => r.replace(" rule add ", " rule del ")));
  }
  if (spec.killSwitch) {
    i.fwMark = KILL_SWITCH_FWMARK;
    const guard = (t: string, match: string) => {
      const rule = `OUTPUT ! -o %i ${match}-m mark ! --mark ${KILL_SWITCH_FWMARK} -m addrtype ! --dst-type LOCAL -j REJECT`;
      return `${t} -C ${rule} 2>/dev/null || ${t} -I ${rule}`;
    };
    const allow = parseSubnetList(spec.killSwitchAllow, "killSwitchAllow").map((s) => parseCidr(s, "killSwitchAllow"))
      .map((c) => `${ipt(c)} -C OUTPUT -d ${c.cidr} -j ACCEPT 2>/dev/null || ${ipt(c)} -I OUTPUT -d ${c.cidr} -j ACCEPT`);
    const guards = split
      ? [...dsts.map((c) => guard(ipt(c), `-d ${c.cidr} `)), ...srcs.map((c) => guard(ipt(c), `-s ${c.cidr} `))]
      : [guard("iptables", ""), guard("ip6tables", "")];
    i.preUp.push(...new Set(guards), ...new Set(allow));
  }
  return conf;
}
