import { check } from "./WgKitError";
import { checkKey, publicKeyOf } from "./Key";
import { parseAllowedIps, parseSubnetList, checkNoOverlap } from "./AllowedIPs";
import { AddressPlan, parseSubnet, PeerAddresses, planAddresses } from "./AddressPlan";
import { checkSubnet6Size } from "./AddressLedger";
import {
  checkDnsEntry, checkEach, checkUsableSubnet, checkHost, checkIntRange, checkKeepalive, checkMtu, checkName, checkPort, checkSingleLine,
} from "./Validation";
import { checkContainerOptions, ContainerOptions } from "./ContainerSpec";
import { formatEndpoint } from "./Endpoint";
import { serverConf } from "./ServerConf";
import { WgQuickConf } from "./WgQuick";
import { AccessSpec, checkGroups, parseAccess } from "./AccessRules";
import { checkDomain } from "./PeerNames";

/** One peer of a server, as the user declares it (all optional). */
export interface ServerPeerSpec {
  address?: string;
  address6?: string;
  persistentKeepalive?: number;
  serverAllowedIps?: string[];
  allowedIps?: string[];
  dns?: string[];
  publicKey?: string;
  enabled?: boolean;
  rotation?: string;
  mtu?: number;
  /** Imported private key (adoption). */
  privateKey?: string;
  /** Imported preshared key (adoption). */
  presharedKey?: string;
  /** Groups for access rules (`group:<name>`). */
  groups?: string[];
}

/** A server as the user declares it. `dns` may be ["auto"] (PEERDNS=auto). */
export interface ServerSpec extends ContainerOptions {
  readyTimeoutSeconds?: number;
  serverUrl: string;
  serverPort?: number;
  subnet?: string;
  subnet6?: string;
  dns?: string[];
  allowedIps?: string[];
  mtu?: number;
  persistentKeepalive?: number;
  masquerade?: boolean;
  rotation?: string;
  /** Imported server private key (adoption). */
  privateKey?: string;
  peers?: Record<string, ServerPeerSpec>;
  /** Access rules enforced in the server's firewall (AccessRules.ts). */
  access?: AccessSpec;
  /** Domain of the peers' names (`<peer>.<domain>`), default wg.internal. */
  domain?: string;
}

/** Words a reference reads as keywords: with `access`, no peer may be named so. */
const RESERVED_PEER_NAMES = ["server", "internet"];

export const DEFAULT_SUBNET = "10.13.13.0/24";

const bool = (v: unknown, f: string) => check(typeof v === "boolean", f, "type", "must be true or false");

/**
 * Validates a (possibly partial) server spec. `unknown` lists top-level
 * fields whose values are not known yet (Pulumi outputs): they are skipped
 * here and checked again once known. Throws the first WgKitError.
 */
export function checkServerSpec(spec: Partial<ServerSpec>, unknown: ReadonlySet<string> = new Set()): void {
  const has = (k: keyof ServerSpec) => spec[k] !== undefined;
  if (!unknown.has("serverUrl")) {
    check(spec.serverUrl !== undefined, "serverUrl", "required", "is required: the public name or IP peers dial (SERVERURL)");
    check(spec.serverUrl !== "auto", "serverUrl", "no-auto", "\"auto\" asks an external service at run time; give the public name or IP");
    checkHost(spec.serverUrl, "serverUrl");
  }
  if (has("serverPort")) checkPort(spec.serverPort!, "serverPort");
  const s4 = has("subnet") ? parseSubnet(spec.subnet!, "subnet", 4) : unknown.has("subnet") ? undefined : parseSubnet(DEFAULT_SUBNET, "subnet", 4);
  const s6 = has("subnet6") ? parseSubnet(spec.subnet6!, "subnet6", 6) : undefined;
  if (has("subnet")) checkUsableSubnet(s4!.cidr, "subnet");
  if (s6) checkUsableSubnet(s6.cidr, "subnet6");
  if (s4 && s6) checkSubnet6Size(s4, s6);
  if (has("dns")) checkDnsList(spec.dns!, "dns");
  if (has("allowedIps")) parseAllowedIps(spec.allowedIps, "allowedIps");
  if (has("mtu")) checkMtu(spec.mtu!, "mtu");
  if (has("persistentKeepalive")) checkKeepalive(spec.persistentKeepalive!, "persistentKeepalive");
  if (has("masquerade")) bool(spec.masquerade, "masquerade");
  if (has("rotation")) checkSingleLine(spec.rotation!, "rotation");
  if (has("privateKey")) checkKey(spec.privateKey, "privateKey");
  if (has("readyTimeoutSeconds")) checkIntRange(spec.readyTimeoutSeconds!, "readyTimeoutSeconds", "timeout-range", 1, 3600);
  checkContainerOptions(spec);
  const routes: { field: string; cidr: string }[] = [];
  if (s4) routes.push({ field: "subnet", cidr: s4.cidr });
  if (s6) routes.push({ field: "subnet6", cidr: s6.cidr });
  const keys = new Map<string, string>();
  if (spec.privateKey !== undefined) keys.set(publicKeyOf(spec.privateKey), "the server");
  for (const [name, p] of Object.entries(spec.peers ?? {})) {
    const f = `peers.${name}`;
    checkName(name, f);
    check(p !== null && typeof p === "object" && !Array.isArray(p), f, "type", "must be an object of peer settings");
    check(p.publicKey === undefined || p.privateKey === undefined, `${f}.privateKey`, "key-conflict",
      "give either publicKey (a device-held key) or privateKey (an imported key), not both");
    if (p.privateKey !== undefined) checkKey(p.privateKey, `${f}.privateKey`);
    if (p.presharedKey !== undefined) checkKey(p.presharedKey, `${f}.presharedKey`);
    const pub = p.publicKey ?? (p.privateKey !== undefined ? publicKeyOf(p.privateKey) : undefined);
    if (pub !== undefined) {
      const kf = p.publicKey !== undefined ? `${f}.publicKey` : `${f}.privateKey`;
      if (p.publicKey !== undefined) checkKey(p.publicKey, kf);
      check(!keys.has(pub), kf, "duplicate-key", `gives the same public key as ${keys.get(pub) === "the server" ? "the server" : `peer ${JSON.stringify(keys.get(pub))}`}`);
      keys.set(pub, name);
    }
    if (p.persistentKeepalive !== undefined) checkKeepalive(p.persistentKeepalive, `${f}.persistentKeepalive`);
    if (p.allowedIps !== undefined) parseAllowedIps(p.allowedIps, `${f}.allowedIps`);
    if (p.dns !== undefined) checkDnsList(p.dns, `${f}.dns`);
    if (p.enabled !== undefined) bool(p.enabled, `${f}.enabled`);
    if (p.rotation !== undefined) checkSingleLine(p.rotation, `${f}.rotation`);
    if (p.mtu !== undefined) checkMtu(p.mtu, `${f}.mtu`);
    if (p.address6 !== undefined && !unknown.has("subnet6")) check(s6 !== undefined, `${f}.address6`, "no-subnet6", "needs subnet6 (dual stack) to be set");
    if (p.groups !== undefined) checkGroups(p.groups, `${f}.groups`);
    if (spec.access !== undefined) check(!RESERVED_PEER_NAMES.includes(name), f, "reserved-name", `"${name}" is a keyword of access rules ("server", "internet"); rename the peer`);
    parseSubnetList(p.serverAllowedIps, `${f}.serverAllowedIps`).forEach((cidr, i) => routes.push({ field: `${f}.serverAllowedIps[${i}]`, cidr }));
  }
  // A LAN routed to one peer must not overlap the tunnel or another peer's LAN.
  checkNoOverlap(routes);
  if (has("domain")) checkDomain(spec.domain, "domain");
  // Peer names are always known; groups only when no peer setting is an Output yet.
  if (has("access")) parseAccess(spec.access, spec.peers ?? {}, "access", { groupsKnown: !unknown.has("peers") });
  // Pins inside the subnet(s), not on the server, not shared; and everyone fits.
  if (s4 && !(spec.subnet6 === undefined && unknown.has("subnet6"))) {
    planAddresses({
      subnet: s4.cidr,
      subnet6: s6?.cidr,
      peers: Object.entries(spec.peers ?? {}).map(([name, p]) => ({ name, address: p.address, address6: s6 ? p.address6 : undefined })),
    });
  }
}

/** DNS list: resolvers/search domains, or ["auto"] for the server's tunnel address. */
export function checkDnsList(dns: string[], field: string): void {
  checkEach(dns, field, (d, f) => (d === "auto" ? d : checkDnsEntry(d, f)));
  check(!dns.includes("auto") || dns.length === 1, field, "dns-auto", "\"auto\" stands alone: it means the server's tunnel address");
}


/** What the server conf needs of one peer. */
export interface PeerMaterial {
  publicKey: string;
  /** Undefined: no PresharedKey line (imported keys from before preshared keys existed). */
  presharedKey: string | undefined;
  addresses: PeerAddresses;
}

/** Peers' DNS: "auto" (the default, PEERDNS=auto) means the server's tunnel addresses. */
export function resolvePeerDns(dns: string[] | undefined, serverDns: string[] | undefined, server: PeerAddresses): string[] {
  const list = dns ?? serverDns ?? ["auto"];
  return list.length === 1 && list[0] === "auto" ? [server.address, ...(server.address6 ? [server.address6] : [])] : list;
}

/** The server's endpoint as peers dial it: SERVERURL:SERVERPORT. */
export function serverEndpoint(spec: Pick<ServerSpec, "serverUrl" | "serverPort">): string {
  return formatEndpoint({ host: spec.serverUrl, port: spec.serverPort ?? 51820 });
}

/**
 * The server's wg0.conf from a full spec, its private key, the address plan
 * and each peer's material: exactly the declared peers that are enabled.
 */
export function buildServerConf(spec: ServerSpec, serverPrivateKey: string, plan: AddressPlan, material: Record<string, PeerMaterial>): WgQuickConf {
  checkServerSpec(spec);
  const peers = Object.entries(spec.peers ?? {}).filter(([, p]) => p.enabled !== false).map(([name, p]) => {
    const m = material[name];
    check(m !== undefined, `peers.${name}`, "internal", "has no key material");
    return {
      publicKey: m.publicKey,
      presharedKey: m.presharedKey,
      address: m.addresses.address,
      address6: m.addresses.address6,
      serverAllowedIps: p.serverAllowedIps,
      persistentKeepalive: p.persistentKeepalive ?? spec.persistentKeepalive,
    };
  });
  return serverConf({
    privateKey: serverPrivateKey,
    address: plan.server.address,
    address6: plan.server.address6,
    subnet: plan.subnet,
    subnet6: plan.subnet6,
    mtu: spec.mtu,
    masquerade: spec.masquerade,
    firewall: spec.access !== undefined,
    peers,
  });
}
