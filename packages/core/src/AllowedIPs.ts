import * as ipaddr from "ipaddr.js";
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
  const [addr, prefix] = ipaddr.parseCIDR(cidr);
  return { cidr, addr, prefix };
}

/** The network a CIDR names as the kernel stores it (host bits cleared): `10.0.0.1/24` → `10.0.0.0/24`. */
export function networkKey(cidr: string): string {
  const [addr, prefix] = ipaddr.parseCIDR(cidr);
  const net = addr.kind() === "ipv4" ? ipaddr.IPv4.networkAddressFromCIDR(cidr) : ipaddr.IPv6.networkAddressFromCIDR(cidr);
  return `${net.toString()}/${prefix}`;
}

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

/**
 * Rejects any two overlapping networks among `items` (tunnel subnets, LANs).
 * Each item names the field it came from so the error points at both.
 */
export function checkNoOverlap(items: readonly { field: string; cidr: string }[]): void {
  const parsed = items.map((i) => ({ field: i.field, c: parseCidr(i.cidr, i.field) }));
  for (let i = 0; i < parsed.length; i++) {
    for (let j = i + 1; j < parsed.length; j++) {
      check(!cidrsOverlap(parsed[i].c, parsed[j].c), parsed[j].field, "overlap",
        `${parsed[j].c.cidr} overlaps ${parsed[i].c.cidr} (${parsed[i].field})`);
    }
  }
}
