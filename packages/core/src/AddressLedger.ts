import { check } from "./WgKitError";
import { bigIntToIp, hostInSubnet, parseSubnet, PeerAddresses, AddressPlan, capacityOf, Subnet, PeerAddressRequest } from "./AddressPlan";
import { isIp } from "./Validation";

/**
 * Places peers one at a time, in an order the caller chooses, around what is
 * already taken: the server, every pin, and every address a peer placed
 * before remembers. This is the pure half of wgkit's peer state (see
 * @wgkit/pulumi PeerState.ts): `candidate(name)` is what a peer *would* get
 * now (what a newly created memory stores), `commit(name, remembered)` records
 * what its memory in state actually holds and returns the address it uses.
 *
 * Rules:
 * - A pin always wins for its own peer. Its remembered address stays reserved
 *   (unpinning returns the peer to it), so nobody else is placed there.
 * - A pin on an address another peer remembers is refused (`pin-collision`,
 *   naming the pin's field), whichever of the two is committed first.
 * - IPv6: the pin, else the remembered address6 when it lies in `subnet6`, else the IPv4 host
 *   number mirrored into `subnet6` — as stable as the IPv4 address, so adding or changing
 *   `subnet6` moves nobody twice; subnet6 must hold every host number of subnet.
 * - A remembered IPv4 address outside `subnet` (a memory from an earlier
 *   subnet) counts as no memory: the peer gets `candidate` (not remembered).
 * - Two memories on one address cannot come from wgkit's own placement; it is
 *   reported (`address-memory`) rather than silently resolved. Pinning one of the two peers
 *   resolves it (a pinned peer's memory gives way).
 */
export interface LedgerInput {
  subnet: string;
  subnet6?: string;
  /** Every current peer with its pins (pins are reserved before anyone is placed). */
  peers: readonly PeerAddressRequest[];
  /** Field prefix for errors (default `peers`). */
  field?: string;
}

interface Family {
  s: Subnet;
  first: bigint;
  last: bigint;
  /** address → peer name that holds or reserves it ("" = the server) */
  owner: Map<bigint, string>;
  /** address → peer whose *pin* it is */
  pinOf: Map<bigint, string>;
  cursor: bigint;
}

const BITS = { 4: 32n, 6: 128n } as const;

function family(s: Subnet): Family {
  const size = 1n << (BITS[s.family] - BigInt(s.prefix));
  const first = s.network + 1n;
  const last = s.family === 4 ? s.network + size - 2n : s.network + size - 1n;
  return { s, first, last, owner: new Map([[first, ""]]), pinOf: new Map(), cursor: first + 1n };
}

export class AddressLedger {
  private readonly v4: Family;
  private readonly v6?: Family;
  private readonly field: string;
  private readonly pins = new Map<string, { v4?: bigint; v6?: bigint }>();
  private readonly placed = new Map<string, PeerAddresses>();
  private readonly order: string[];

  constructor(input: LedgerInput) {
    this.field = input.field ?? "peers";
    this.v4 = family(parseSubnet(input.subnet, "subnet", 4));
    this.v6 = input.subnet6 !== undefined ? family(parseSubnet(input.subnet6, "subnet6", 6)) : undefined;
    if (this.v6) checkSubnet6Size(this.v4.s, this.v6.s);
    this.order = input.peers.map((p) => p.name);
    for (const p of input.peers) {
      const pin: { v4?: bigint; v6?: bigint } = {};
      if (p.address !== undefined) pin.v4 = this.reservePin(this.v4, p.name, hostInSubnet(this.v4.s, p.address, `${this.field}.${p.name}.address`), "address");
      if (p.address6 !== undefined) {
        check(this.v6 !== undefined, `${this.field}.${p.name}.address6`, "no-subnet6", "needs subnet6 (dual stack) to be set");
        pin.v6 = this.reservePin(this.v6, p.name, hostInSubnet(this.v6.s, p.address6, `${this.field}.${p.name}.address6`), "address6");
      }
      this.pins.set(p.name, pin);
    }
  }

  private reservePin(f: Family, name: string, n: bigint, key: string): bigint {
    const other = f.owner.get(n);
    check(other === undefined, `${this.field}.${name}.${key}`, "duplicate-address",
      `${bigIntToIp(n, f.s.family)} is already ${other === "" ? "the server's address" : `pinned by peer ${JSON.stringify(other)}`}`);
    f.owner.set(n, name);
    f.pinOf.set(n, name);
    return n;
  }

  private lowestFree(f: Family, field: string): bigint {
    while (f.owner.has(f.cursor) && f.cursor <= f.last) f.cursor++;
    check(f.cursor <= f.last, field, "subnet-exhausted", `${f.s.cidr} has no free address left (it fits ${capacityOf(f.s)} peers besides the server)`);
    return f.cursor;
  }

  /**
   * The IPv4 host number in subnet6: every peer's IPv6 address unless pinned (or remembered
   * otherwise by an older wgkit). It depends only on the peer's own IPv4 address, so it is as
   * stable as that, whenever subnet6 is added or changed. A pin on another peer's mirror is
   * refused like a pin on a remembered address.
   */
  private mirror(name: string, n4: bigint): bigint {
    const f = this.v6!;
    const m = f.s.network + (n4 - this.v4.s.network);
    const other = f.owner.get(m);
    if (other !== undefined && other !== name) {
      const pinner = f.pinOf.get(m);
      check(pinner === undefined, `${this.field}.${pinner}.address6`, "pin-collision",
        `${bigIntToIp(m, 6)} is peer ${JSON.stringify(name)}'s IPv6 address (its IPv4 host number in subnet6); pin another address`);
      check(false, `${this.field}.${name}.address6`, "address-memory", `${bigIntToIp(m, 6)} is also remembered by peer ${JSON.stringify(other)}; pin an address6 for ${name}`);
    }
    return m;
  }

  /** What `name` gets if it has no memory yet: its pins, else the lowest free addresses. */
  candidate(name: string): PeerAddresses {
    const pin = this.pins.get(name) ?? {};
    const n4 = pin.v4 ?? this.lowestFree(this.v4, this.field);
    const out: PeerAddresses = { address: bigIntToIp(n4, 4) };
    if (this.v6) out.address6 = bigIntToIp(pin.v6 ?? this.mirror(name, n4), 6);
    return out;
  }

  /** Records what `name` remembers and returns the addresses it uses from now on. */
  commit(name: string, remembered: Partial<PeerAddresses> | undefined): PeerAddresses {
    check(!this.placed.has(name), `${this.field}.${name}`, "internal", "placed twice");
    const pin = this.pins.get(name) ?? {};
    const m4 = this.remembered(this.v4, remembered?.address);
    // The memory is reserved for its peer even while a pin overrides it.
    if (m4 !== undefined) this.hold(this.v4, name, m4, "address");
    const n4 = pin.v4 ?? m4 ?? this.take(this.v4, name, this.lowestFree(this.v4, this.field));
    const out: PeerAddresses = { address: bigIntToIp(n4, 4) };
    if (this.v6) {
      const m6 = this.remembered(this.v6, remembered?.address6);
      if (m6 !== undefined) this.hold(this.v6, name, m6, "address6");
      const n6 = pin.v6 ?? m6 ?? this.take(this.v6, name, this.mirror(name, n4));
      out.address6 = bigIntToIp(n6, 6);
    }
    this.placed.set(name, out);
    return out;
  }

  private remembered(f: Family, value: string | undefined): bigint | undefined {
    if (value === undefined || value === "" || !isIp(value)) return undefined;
    try { return hostInSubnet(f.s, value, "remembered"); } catch { return undefined; } // an earlier subnet's memory
  }

  private take(f: Family, name: string, n: bigint): bigint {
    f.owner.set(n, name);
    return n;
  }

  private hold(f: Family, name: string, n: bigint, key: "address" | "address6"): void {
    const other = f.owner.get(n);
    if (other === undefined || other === name) { f.owner.set(n, name); return; }
    const ip = bigIntToIp(n, f.s.family);
    const pinner = f.pinOf.get(n);
    check(pinner === undefined, `${this.field}.${pinner}.${key}`, "pin-collision",
      `${ip} is remembered by peer ${JSON.stringify(name)}; pin another address (or remove ${JSON.stringify(name)} first)`);
    check(other !== "", `${this.field}.${name}.${key}`, "server-address", `remembered address ${ip} is the server's address; pin an address for ${name}`);
    // Two memories on one address (see the failure modes): a pinned peer does not use its memory,
    // so its memory gives way — pinning either peer is the way out.
    const pinned = (who: string) => { const p = this.pins.get(who) ?? {}; return (key === "address" ? p.v4 : p.v6) !== undefined; };
    if (pinned(name)) return;
    if (pinned(other)) { f.owner.set(n, name); return; }
    check(false, `${this.field}.${name}.${key}`, "address-memory",
      `remembered address ${ip} is also remembered by peer ${JSON.stringify(other)}; pin an address for ${name} or ${other}`);
  }

  /** The plan once every peer is committed (peers in the order they were declared). */
  plan(): AddressPlan {
    const peers: Record<string, PeerAddresses> = {};
    for (const n of this.order) {
      const p = this.placed.get(n);
      check(p !== undefined, `${this.field}.${n}`, "internal", "was never placed");
      peers[n] = p;
    }
    const server: PeerAddresses = { address: bigIntToIp(this.v4.first, 4) };
    if (this.v6) server.address6 = bigIntToIp(this.v6.first, 6);
    return {
      subnet: this.v4.s.cidr,
      subnet6: this.v6?.s.cidr,
      server,
      peers,
      capacity: this.v6 ? Math.min(capacityOf(this.v4.s), capacityOf(this.v6.s)) : capacityOf(this.v4.s),
    };
  }
}

/**
 * The order in which peers are placed: peers whose state is older first (by
 * the creation stamp their key seed remembers), peers created in this update
 * last, ties by name. Stamps are `<13-digit epoch ms>.<random>`; stamps from
 * before wgkit 0.2 (no time part) count as oldest.
 */
export function placementOrder(peers: readonly { name: string; stamp: string; isNew: boolean }[]): string[] {
  const age = (s: string) => (/^\d{13}\./.test(s) ? s.slice(0, 13) : "0000000000000");
  return [...peers].sort((a, b) => (a.isNew === b.isNew ? 0 : a.isNew ? 1 : -1)
    || (a.isNew ? 0 : age(a.stamp) < age(b.stamp) ? -1 : age(a.stamp) > age(b.stamp) ? 1 : 0)
    || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)).map((p) => p.name);
}

/** A creation stamp for state created now: sortable time, then randomness (unique per construction). */
export function creationStamp(now: number, random: string): string {
  return `${String(Math.floor(now)).padStart(13, "0")}.${random}`;
}

/** subnet6 must hold every IPv4 host number of subnet (each peer's IPv6 address mirrors its IPv4 one). */
export function checkSubnet6Size(s4: Subnet, s6: Subnet): void {
  const hosts4 = 1n << BigInt(32 - s4.prefix);
  const hosts6 = 1n << BigInt(128 - s6.prefix);
  check(hosts6 >= hosts4, "subnet6", "subnet6-too-small",
    `${s6.cidr} is smaller than ${s4.cidr}: each peer's IPv6 address mirrors its IPv4 host number, so use /${128 - (32 - s4.prefix)} or shorter`);
}
