import * as ipaddr from "ipaddr.js";
import { parseIpCidr } from "./IpParse";
import { check } from "./WgKitError";
import { checkCidr, checkEach, checkUsableSubnet } from "./Validation";

/** A parsed CIDR with its family, for overlap checks. */
export interface Cidr {
  cidr: string;
  addr: ipaddr.IPv4 | ipaddr.IPv6;
  prefix: number;
}

export function parseCidr(value: string, field: string): Cidr {
  const cidr = checkCidr(value, field);
  const [addr, prefix] = parseIpCidr(cidr);
  return { cidr, addr, prefix };
}

export { networkKey } from "./IpParse";

/**
 * Normalises a list of CIDRs (AllowedIPs, LANs, route selectors); bare addresses become /32 or
 * /128. Only a list: a string (even a comma list) is refused, as every list field is.
 */
export function parseAllowedIps(value: readonly string[] | undefined, field: string): string[] {
  return checkEach(value, field, (v, f) => checkCidr(v, f));
}

/** A list of usable subnets (see checkUsableSubnet): LANs, tunnel subnets, route selectors. */
export function parseSubnetList(value: readonly string[] | undefined, field: string): string[] {
  return checkEach(value, field, (v, f) => checkUsableSubnet(v, f));
}

/** True when two CIDRs share at least one address. */
export function cidrsOverlap(a: Cidr, b: Cidr): boolean {
  if (a.addr.kind() !== b.addr.kind()) return false;
  const shorter = Math.min(a.prefix, b.prefix);
  return a.addr.match(b.addr as never, shorter);
}

/** Counts the work of an overlap check (for tests and the bench: comparisons, not seconds). */
export interface OverlapStats {
  /** Comparisons of two networks' bounds, in the sort and in the sweep. */
  comparisons: number;
}

/** First and last address of a CIDR as integers (its host bits cleared/set). */
function bounds(c: Cidr): { start: bigint; end: bigint } {
  const bits = c.addr.kind() === "ipv4" ? 32 : 128;
  let n = 0n;
  for (const b of c.addr.toByteArray()) n = (n << 8n) | BigInt(b);
  const host = (1n << BigInt(bits - c.prefix)) - 1n;
  const start = n & ~host;
  return { start, end: start | host };
}

/**
 * Rejects any two overlapping networks among `items` (tunnel subnets, LANs).
 * Each item names the field it came from so the error points at both.
 *
 * n log n: per family, networks sorted by first address (a longer one first on a tie), then one
 * sweep keeping the network that reaches furthest so far; a network starting at or before that
 * end overlaps it. (Two intervals overlap iff the sweep meets one such pair.) The error names
 * the item that comes later in `items` as the field and the other one in the message.
 */
export function checkNoOverlap(items: readonly { field: string; cidr: string }[], stats?: OverlapStats): void {
  const parsed = items.map((i, index) => ({ field: i.field, index, c: parseCidr(i.cidr, i.field) }));
  const count = stats ?? { comparisons: 0 };
  for (const kind of ["ipv4", "ipv6"]) {
    const fam = parsed.filter((p) => p.c.addr.kind() === kind).map((p) => ({ ...p, ...bounds(p.c) }));
    fam.sort((a, b) => {
      count.comparisons++;
      return a.start < b.start ? -1 : a.start > b.start ? 1 : a.end > b.end ? -1 : a.end < b.end ? 1 : a.index - b.index;
    });
    let reach = fam[0];
    for (const next of fam.slice(1)) {
      count.comparisons++;
      if (next.start <= reach.end) {
        const [first, later] = reach.index < next.index ? [reach, next] : [next, reach];
        check(false, later.field, "overlap", `${later.c.cidr} overlaps ${first.c.cidr} (${first.field})`);
      }
      reach = next; // disjoint and sorted: next reaches further
    }
  }
}
