import * as ipaddr from "ipaddr.js";
import { parseIp, parseIpCidr } from "./IpParse";
import { check } from "./WgKitError";
import { checkName, isCidr, isIp } from "./Validation";

/** A tunnel subnet: IPv4 (any prefix up to /30) or IPv6 (up to /126). */
export interface Subnet {
  family: 4 | 6;
  /** Network address as an integer. */
  network: bigint;
  prefix: number;
  /** Normalised CIDR, e.g. `10.13.13.0/24`. */
  cidr: string;
}

/** What one peer asks for: a name and optional pinned addresses. */
export interface PeerAddressRequest {
  name: string;
  /** Pinned IPv4 address; allocated when absent. */
  address?: string;
  /** Pinned IPv6 address (dual stack only); allocated when absent. */
  address6?: string;
}

export interface PeerAddresses {
  address: string;
  address6?: string;
}

export interface AddressPlanInput {
  /** INTERNAL_SUBNET: `10.13.13.0/24`, or the image's bare form `10.13.13.0` (= /24). */
  subnet: string;
  /** Optional IPv6 subnet for dual stack, e.g. a ULA `fd42:13:13::/64` (bare = /64). */
  subnet6?: string;
  peers: readonly PeerAddressRequest[];
  /** The allocation of the previous run (from state): kept for every peer that is not pinned. */
  previous?: Readonly<Record<string, Partial<PeerAddresses>>>;
  /** Field prefix for error messages (default `peers`). */
  field?: string;
}

export interface AddressPlan {
  subnet: string;
  subnet6?: string;
  /** Server tunnel addresses: the first host of each subnet. */
  server: PeerAddresses;
  peers: Record<string, PeerAddresses>;
  /** How many peers the subnet(s) can hold besides the server. */
  capacity: number;
}

const BITS = { 4: 32, 6: 128 } as const;

export function ipToBigInt(ip: ipaddr.IPv4 | ipaddr.IPv6): bigint {
  let n = 0n;
  for (const b of ip.toByteArray()) n = (n << 8n) | BigInt(b);
  return n;
}

export function bigIntToIp(n: bigint, family: 4 | 6): string {
  const bytes: number[] = [];
  for (let i = 0; i < BITS[family] / 8; i++) {
    bytes.unshift(Number(n & 0xffn));
    n >>= 8n;
  }
  return ipaddr.fromByteArray(bytes).toString();
}

/** Parses a subnet; a bare IPv4 network means /24 (the image's form), a bare IPv6 one /64. */
export function parseSubnet(value: string, field: string, family?: 4 | 6): Subnet {
  check(typeof value === "string" && value.length > 0, field, "type", "must be a non-empty string");
  const text = value.includes("/") ? value : ipaddr.IPv6.isValid(value) ? `${value}/64` : `${value}/24`;
  check(isCidr(text), field, "cidr",
    `must be a subnet such as 10.13.13.0/24 (or bare 10.13.13.0), got ${JSON.stringify(value)}`);
  const [addr, prefix] = parseIpCidr(text);
  const fam = addr.kind() === "ipv4" ? 4 : 6;
  if (family) check(fam === family, field, "family", `must be an IPv${family} subnet, got ${JSON.stringify(value)}`);
  const max = BITS[fam] - 2;
  check(prefix <= max, field, "prefix-too-long", `/${prefix} leaves no room for a server and a peer; use /${max} or shorter`);
  const network = ipToBigInt(addr);
  const hostBits = BigInt(BITS[fam] - prefix);
  const aligned = (network >> hostBits) << hostBits;
  check(aligned === network, field, "network-address",
    `${text} has host bits set; did you mean ${bigIntToIp(aligned, fam)}/${prefix}?`);
  return { family: fam, network, prefix, cidr: `${addr.toString()}/${prefix}` };
}

function hostRange(s: Subnet): { first: bigint; last: bigint } {
  const size = 1n << BigInt(BITS[s.family] - s.prefix);
  // IPv4 excludes network and broadcast; IPv6 excludes the subnet-router anycast (offset 0).
  return { first: s.network + 1n, last: s.family === 4 ? s.network + size - 2n : s.network + size - 1n };
}

/** Peers that fit besides the server. */
export function capacityOf(s: Subnet): number {
  const { first, last } = hostRange(s);
  const n = last - first; // hosts minus the server
  return n > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(n);
}

/** Parses and checks one host address of subnet `s`; returns its integer. */
export function hostInSubnet(s: Subnet, value: string, field: string): bigint {
  check(isIp(value), field, "ip-address",
    `must be a single IPv${s.family} address without prefix, got ${JSON.stringify(value)}`);
  const a = parseIp(value);
  check((a.kind() === "ipv4" ? 4 : 6) === s.family, field, "family", `must be an IPv${s.family} address`);
  const n = ipToBigInt(a);
  const { first, last } = hostRange(s);
  const size = 1n << BigInt(BITS[s.family] - s.prefix);
  check(n >= s.network && n < s.network + size, field, "outside-subnet", `${value} is outside the subnet ${s.cidr}`);
  check(n !== s.network, field, "network-address", `${value} is the network address of ${s.cidr}`);
  check(n <= last, field, "broadcast-address", `${value} is the broadcast address of ${s.cidr}`);
  check(n !== first, field, "server-address", `${value} is the server's own address in ${s.cidr}`);
  return n;
}

/**
 * Allocates one family. Order of precedence: the previous allocation (kept
 * so that adding or removing peers never moves anyone), then pins (which must
 * not collide with anyone), then the lowest free host for the rest
 * (preferring `prefer[name]` when free, used to mirror IPv4 host numbers in IPv6).
 */
function allocateFamily(
  s: Subnet,
  peers: readonly PeerAddressRequest[],
  pinOf: (p: PeerAddressRequest) => string | undefined,
  prevOf: (name: string) => string | undefined,
  pinField: (name: string) => string,
  prefer: (name: string) => bigint | undefined,
  listField: string,
): Map<string, bigint> {
  const { first, last } = hostRange(s);
  const owner = new Map<bigint, string>([[first, "the server"]]);
  const out = new Map<string, bigint>();
  const pinned = new Map<string, bigint>();
  for (const p of peers) {
    const pin = pinOf(p);
    if (pin !== undefined) pinned.set(p.name, hostInSubnet(s, pin, pinField(p.name)));
  }
  for (const p of peers) {
    if (pinned.has(p.name)) continue;
    const prev = prevOf(p.name);
    if (prev === undefined || !isIp(prev)) continue;
    let n: bigint;
    try { n = hostInSubnet(s, prev, "previous"); } catch { continue; } // subnet changed: allocate anew
    if (owner.has(n)) continue;
    owner.set(n, p.name);
    out.set(p.name, n);
  }
  for (const [name, n] of pinned) {
    const other = owner.get(n);
    check(other === undefined, pinField(name), "duplicate-address",
      `${bigIntToIp(n, s.family)} is already ${other === "the server" ? "the server's address" : `used by peer ${JSON.stringify(other)}`}`);
    owner.set(n, name);
    out.set(name, n);
  }
  let cursor = first + 1n;
  const want = peers.filter((p) => !out.has(p.name));
  const free = Number(last - first) - owner.size + 1;
  check(want.length <= free, listField, "subnet-exhausted",
    `${s.cidr} fits ${capacityOf(s)} peers besides the server; ${peers.length} requested, ${want.length} still need an address but only ${Math.max(free, 0)} are free`);
  for (const p of want) {
    const pref = prefer(p.name);
    if (pref !== undefined && pref > first && pref <= last && !owner.has(pref)) {
      owner.set(pref, p.name);
      out.set(p.name, pref);
      continue;
    }
    while (owner.has(cursor)) cursor++;
    owner.set(cursor, p.name);
    out.set(p.name, cursor);
  }
  return out;
}

/**
 * Plans tunnel addresses for a server and its peers. Pure and deterministic:
 * the same input always gives the same plan, and passing the previous plan's
 * `peers` as `previous` guarantees that existing peers keep their addresses.
 */
export function planAddresses(input: AddressPlanInput): AddressPlan {
  const field = input.field ?? "peers";
  const s4 = parseSubnet(input.subnet, "subnet", 4);
  const s6 = input.subnet6 !== undefined ? parseSubnet(input.subnet6, "subnet6", 6) : undefined;
  const seen = new Set<string>();
  for (const p of input.peers) {
    checkName(p.name, `${field}.${String(p.name)}`);
    check(!seen.has(p.name), `${field}.${p.name}`, "duplicate-name", `peer name ${JSON.stringify(p.name)} is declared twice`);
    seen.add(p.name);
    if (!s6) check(p.address6 === undefined, `${field}.${p.name}.address6`, "no-subnet6", "needs subnet6 (dual stack) to be set");
  }
  const prev = input.previous ?? {};
  const v4 = allocateFamily(s4, input.peers, (p) => p.address, (n) => prev[n]?.address,
    (n) => `${field}.${n}.address`, () => undefined, field);
  const v6 = s6
    ? allocateFamily(s6, input.peers, (p) => p.address6, (n) => prev[n]?.address6, (n) => `${field}.${n}.address6`,
      (n) => s6.network + (v4.get(n)! - s4.network), field)
    : undefined;
  const peers: Record<string, PeerAddresses> = {};
  for (const p of input.peers) {
    peers[p.name] = { address: bigIntToIp(v4.get(p.name)!, 4) };
    if (v6) peers[p.name].address6 = bigIntToIp(v6.get(p.name)!, 6);
  }
  const server: PeerAddresses = { address: bigIntToIp(s4.network + 1n, 4) };
  if (s6) server.address6 = bigIntToIp(s6.network + 1n, 6);
  return {
    subnet: s4.cidr,
    subnet6: s6?.cidr,
    server,
    peers,
    capacity: s6 ? Math.min(capacityOf(s4), capacityOf(s6)) : capacityOf(s4),
  };
}

/**
 * planAddresses for a run that has a remembered allocation: every peer that is
 * not pinned must keep its remembered address, else a WgKitError tells the
 * user to pin one (the remembered state is never silently rewritten).
 */
export function planRemembered(input: AddressPlanInput & { previous: Readonly<Record<string, Partial<PeerAddresses>>> }): AddressPlan {
  const plan = planAddresses(input);
  const field = input.field ?? "peers";
  const s4 = parseSubnet(input.subnet, "subnet", 4);
  for (const p of input.peers) {
    const prev = input.previous[p.name]?.address;
    if (p.address !== undefined || prev === undefined) continue;
    try { hostInSubnet(s4, prev, "previous"); } catch { continue; } // the subnet changed: allocated anew
    check(plan.peers[p.name].address === prev, `${field}.${p.name}.address`, "address-memory",
      `remembered address ${prev} conflicts with another peer; pin an address for ${p.name}`);
  }
  return plan;
}

/** The server's tunnel addresses for a subnet pair (the first host of each). */
export function serverAddresses(subnet: string, subnet6?: string): PeerAddresses {
  return planAddresses({ subnet, subnet6, peers: [] }).server;
}

/** The server interface's CIDRs, e.g. ["10.13.13.1/24", "fd42::1/64"]. */
export function serverInterfaceAddresses(plan: AddressPlan): string[] {
  const prefix = (cidr: string) => cidr.slice(cidr.indexOf("/"));
  return [`${plan.server.address}${prefix(plan.subnet)}`, ...(plan.server.address6 && plan.subnet6 ? [`${plan.server.address6}${prefix(plan.subnet6)}`] : [])];
}
