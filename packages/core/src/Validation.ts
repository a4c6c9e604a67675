import * as ipaddr from "ipaddr.js";
import { networkKey, parseIp, parseIpCidr } from "./IpParse";
import { isIPv6 } from "net";
import { check } from "./WgKitError";

/**
 * Field validators. Each takes the value and the field name to report, and
 * throws a WgKitError naming the field and the rule. They never coerce
 * silently; they return the normalised value.
 */

/**
 * Strict IP literal, one reading only. IPv4: four decimal parts without leading zeros (ipaddr.js
 * alone also takes `127.1`, hex and octal parts, which inet_aton and curl read as other
 * addresses). IPv6: no zone id, valid for inet_pton (Node's `net.isIPv6`), and with an embedded
 * dotted quad only when ipaddr.js reads the same 128 bits as the WHATWG URL parser (ipaddr.js turns
 * the IPv4-compatible `::1.2.3.4` into `::ffff:1.2.3.4`, a different address).
 */
export function isIp(value: unknown): value is string {
  if (typeof value !== "string") return false;
  if (/^[0-9.]+$/.test(value)) return ipaddr.IPv4.isValidFourPartDecimal(value) && !/(^|\.)0[0-9]/.test(value);
  if (!ipaddr.IPv6.isValid(value) || value.includes("%") || !isIPv6(value)) return false;
  if (!value.includes(".")) return true;
  const quad = value.slice(value.lastIndexOf(":") + 1);
  if (!isIp(quad)) return false;
  try {
    const viaUrl = new URL(`http://[${value}]/`).hostname.slice(1, -1);
    return parseIp(viaUrl).toNormalizedString() === parseIp(value).toNormalizedString();
  } catch {
    return false;
  }
}

/** Strict CIDR: a strict IP literal, a slash and a prefix length valid for its family. */
export function isCidr(value: unknown): value is string {
  if (typeof value !== "string") return false;
  const m = /^([^/]+)\/([0-9]{1,3})$/.exec(value);
  if (!m || !isIp(m[1])) return false;
  // isIp passed, so the family is whether it holds a ':' (asking ipaddr.js's IPv4.isValid of an
  // IPv6 text costs a thrown exception: most of validating `::/0` in every peer's AllowedIPs).
  return Number(m[2]) <= (m[1].includes(":") ? 128 : 32);
}

/** Control characters (including CR, LF, NUL) can never appear in a conf. */
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f\u2028\u2029\u0085]/;

/** Rejects anything that could start a new line, a comment or a section in a rendered conf. */
export function checkSingleLine(value: string, field: string): string {
  check(typeof value === "string", field, "type", "must be a string");
  check(!CONTROL.test(value), field, "single-line", "must not contain control characters (newline, CR, NUL, tab …)");
  check(!value.includes("#"), field, "no-comment", "must not contain '#', which starts a comment in wg-quick confs");
  return value;
}

/** Names of peers, servers, sites: 1–63 of [A-Za-z0-9_.-], starting with a letter or digit. */
export function checkName(value: string, field: string): string {
  check(typeof value === "string" && /^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/.test(value), field, "name",
    "must be 1–63 characters of letters, digits, '_', '.', '-', starting with a letter or digit");
  return value;
}

/**
 * Names used for Docker objects (component and site names: containers, volumes). Docker needs at
 * least two characters; `--` is reserved as the separator wgkit puts between a SiteLink's name and
 * a site's name, so `home`+`vpn` (`home--vpn`) can never equal another component's container name.
 */
export function checkContainerName(value: string, field: string, opts: { part?: boolean } = {}): string {
  checkName(value, field);
  // a part (a site's name) is joined to the link's name, so the whole is always 2 characters or more
  check(opts.part === true || value.length >= 2, field, "docker-name", "must be at least 2 characters: Docker refuses 1-character container names");
  check(!value.includes("--") && !value.endsWith("-"), field, "docker-name",
    "must not contain '--' or end with '-': '--' separates a SiteLink's name from a site's name in container names");
  return value;
}

/** Words `ip` or `wg` read as keywords in the position of an interface name, and the container's own interfaces. */
const RESERVED_INTERFACES = new Set([
  "up", "down", "dev", "name", "help", "all", "any", "none", "default", "type", "link", "master", "nomaster", "vrf", "group",
  "netns", "alias", "mtu", "address", "broadcast", "txqueuelen", "qlen", "arp", "multicast", "allmulticast", "promisc", "index",
  "label", "add", "del", "delete", "set", "show", "list", "lst", "change", "replace", "interfaces", "peers", "dump",
]);

/** Interfaces a container (or a host) already has: a tunnel of that name cannot be created. */
const EXISTING_INTERFACES = new Set(["lo", "tunl0", "gre0", "gretap0", "erspan0", "sit0", "ip6tnl0", "ip6gre0", "ip_vti0", "ip6_vti0", "bond0", "dummy0", "docker0"]);

/**
 * Interface names as the kernel allows them (1–15 of [A-Za-z0-9_=+.-], not '.' or '..'), minus
 * names `ip`/`wg` read as keywords (also any prefix of `help`, which `ip` matches by prefix).
 * For an interface wgkit creates, use checkTunnelInterfaceName.
 */
export function checkInterfaceName(value: string, field: string): string {
  check(typeof value === "string" && /^[A-Za-z0-9_=+.-]{1,15}$/.test(value) && value !== "." && value !== "..",
    field, "interface-name", "must be 1–15 characters of [A-Za-z0-9_=+.-]");
  check(!RESERVED_INTERFACES.has(value.toLowerCase()) && !"help".startsWith(value.toLowerCase()),
    field, "interface-keyword", `${JSON.stringify(value)} is a keyword of ip or wg; use e.g. wg0`);
  return value;
}

/** The name of a tunnel interface wgkit creates: checkInterfaceName, and not one the container already has (lo, eth0, eth1 …). */
export function checkTunnelInterfaceName(value: string, field: string): string {
  checkInterfaceName(value, field);
  check(!EXISTING_INTERFACES.has(value) && !/^(eth|veth)[0-9]+$/.test(value), field, "interface-keyword",
    `${JSON.stringify(value)} is an interface the container already has (lo, eth0 … one per network); use e.g. wg0`);
  return value;
}

export function checkIntRange(value: number, field: string, rule: string, min: number, max: number): number {
  check(typeof value === "number" && Number.isInteger(value) && value >= min && value <= max, field, rule,
    `must be an integer from ${min} to ${max}, got ${JSON.stringify(value)}`);
  return value;
}

/** UDP ports: 1–65535. */
export const checkPort = (v: number, field: string) => checkIntRange(v, field, "port-range", 1, 65535);
/** PersistentKeepalive seconds: 0 (off) – 65535. */
export const checkKeepalive = (v: number, field: string) => checkIntRange(v, field, "keepalive-range", 0, 65535);
/** Interface MTU: 1280 (the IPv6 minimum) – 9000 (jumbo frames). */
export const checkMtu = (v: number, field: string) => checkIntRange(v, field, "mtu-range", 1280, 9000);
/** Numeric user/group ids. */
export const checkId = (v: number, field: string) => checkIntRange(v, field, "id-range", 0, 2147483647);

/**
 * RFC 1123 host names: labels of 1–63 [A-Za-z0-9-], not starting/ending with '-', ≤ 253 chars.
 * A name whose last label is a number (decimal, octal or 0x hex) is refused: resolvers, curl and
 * browsers read it as an IPv4 literal in another notation (`2130706433`, `0x7f.1`, `017.0.0.1`
 * are all 127.0.0.1 to inet_aton and the WHATWG URL parser).
 */
export function isHostname(value: string): boolean {
  if (typeof value !== "string" || value.length === 0 || value.length > 253) return false;
  const labels = value.replace(/\.$/, "").split(".");
  return labels.every((l) => /^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/.test(l)) && !/^(0x[0-9a-f]*|[0-9]+)$/i.test(labels[labels.length - 1]);
}

/** A host name (RFC 1123) or an IPv4/IPv6 address, as peers dial it. */
export function checkHost(value: string, field: string): string {
  check(typeof value === "string", field, "type", "must be a string");
  check(isHostname(value) || isIp(value), field, "host",
    `must be an RFC 1123 host name or an IP address, got ${JSON.stringify(value)}`);
  return value;
}

/** A single IP address (no prefix). Returns it normalised. */
export function checkIp(value: string, field: string): string {
  check(isIp(value), field, "ip-address",
    `must be an IPv4 or IPv6 address, got ${JSON.stringify(value)}`);
  return parseIp(value).toString();
}

/**
 * A DNS entry of a wg-quick conf: an IP address (resolver) or a search domain. `auto` in any letter
 * case is refused: only WireGuardServer resolves it (to its tunnel address); anywhere else it would
 * be rendered as a search domain called "auto".
 */
export function checkDnsEntry(value: string, field: string): string {
  check(!(typeof value === "string" && value.toLowerCase() === "auto"), field, "dns-auto",
    "\"auto\" is only understood by WireGuardServer's dns (its own tunnel address); give resolver addresses here");
  check(typeof value === "string" && (isIp(value) || isHostname(value)), field, "dns",
    `must be a resolver IP address or a search domain, got ${JSON.stringify(value)}`);
  return isIp(value) ? parseIp(value).toString() : value;
}

/** A CIDR like 10.0.0.0/24 or fd00::/64; a bare address means the host route (/32 or /128). */
export function checkCidr(value: string, field: string, opts: { bareMeansHost?: boolean } = {}): string {
  check(typeof value === "string", field, "type", "must be a string");
  const v = value.trim();
  if (!v.includes("/") && opts.bareMeansHost !== false && isIp(v)) {
    const a = parseIp(v);
    return `${a.toString()}/${a.kind() === "ipv4" ? 32 : 128}`;
  }
  check(isCidr(v), field, "cidr", `must be a CIDR such as 10.0.0.0/24 or fd00::/64, got ${JSON.stringify(value)}`);
  const [addr, len] = parseIpCidr(v);
  return `${addr.toString()}/${len}`;
}

/**
 * wg-quick `Table` as a conf may carry it: `off`, `auto`, `main`, or a table number 1–2^32-1 in
 * plain decimal. Leading zeros and hex are refused: iproute2 reads `010` as octal 8. Other names
 * are refused: only /etc/iproute2/rt_tables inside the container knows them.
 */
export function checkTable(value: string | number, field: string): string {
  const s = String(value);
  check(s === "off" || s === "auto" || s === "main" || (/^[1-9][0-9]{0,9}$/.test(s) && Number(s) <= 4294967295),
    field, "table", `must be a routing table number (1–4294967295, no leading zeros), "off", "auto" or "main", got ${JSON.stringify(value)}`);
  return s;
}

/** Table numbers the kernel reserves: 0 (unspec), 253 (default), 254 (main), 255 (local); and their names. */
export const RESERVED_TABLES: readonly string[] = ["0", "253", "254", "255", "main", "local", "default", "unspec"];

/** A table of its own for split tunnelling: a plain decimal number that is not reserved. */
export function checkSplitTable(value: string | number, field: string): string {
  const s = String(value);
  check(s !== "off" && s !== "auto", field, "split-table", "for split tunnelling give a table number such as 55111 (omit table for a full tunnel)");
  check(!RESERVED_TABLES.includes(s.toLowerCase()), field, "reserved-table",
    `${JSON.stringify(value)} is a table the kernel reserves (0, default 253, main 254, local 255); give a number of its own such as 55111`);
  check(/^[1-9][0-9]{0,9}$/.test(s) && Number(s) <= 4294967295, field, "table",
    `must be a routing table number (1–4294967295, plain decimal without leading zeros), got ${JSON.stringify(value)}`);
  return s;
}

/** wg-quick `FwMark`: a 32-bit number (decimal or 0x hex) or `off`. */
export function checkFwMark(value: string | number, field: string): string {
  const s = String(value);
  const ok = s === "off" || (/^(0x[0-9a-fA-F]{1,8}|[0-9]{1,10})$/.test(s) && Number(s) <= 4294967295);
  check(ok, field, "fwmark", `must be a 32-bit number or "off", got ${JSON.stringify(value)}`);
  return s;
}

/**
 * Every list field goes through here: a string, an object or null where a list is expected is
 * refused at preview (`["10.0.0.0/8"]`, not `"10.0.0.0/8"`), instead of failing in a later `.map`.
 */
export function checkList<T>(value: readonly T[] | undefined, field: string): readonly T[] {
  if (value === undefined) return [];
  check(Array.isArray(value), field, "type", `must be a list, got ${value === null ? "null" : typeof value}${typeof value === "string" ? " (write [\"…\"], not \"…\")" : ""}`);
  return value;
}

/** Runs `fn` on each item, naming the item's index in errors. */
export function checkEach<T, R>(items: readonly T[] | undefined, field: string, fn: (v: T, f: string) => R): R[] {
  return checkList(items, field).map((v, i) => fn(v, `${field}[${i}]`));
}

/**
 * Component args must be an object: `null`, a list or a primitive is a WgKitError naming the
 * field, never a TypeError from reading a property of it. Call before anything reads `args`.
 */
export function checkArgsObject(value: unknown, field: string): asserts value is Record<string, unknown> {
  check(value !== null && typeof value === "object" && !Array.isArray(value), field, "type",
    `must be an object of arguments, got ${value === null ? "null" : Array.isArray(value) ? "a list" : typeof value}`);
}

/** Blocks no tunnel, LAN or route can use: this-network, loopback, link-local, multicast, reserved/broadcast, IPv4-mapped. */
const UNUSABLE = ["0.0.0.0/8", "127.0.0.0/8", "169.254.0.0/16", "224.0.0.0/4", "240.0.0.0/4", "::/128", "::1/128", "fe80::/10", "ff00::/8", "::ffff:0:0/96"]
  .map((c) => parseIpCidr(c));

/** A CIDR (as checkCidr returns it) that names its network: no host bits set. */
export function checkNoHostBits(cidr: string, field: string): void {
  const net = networkKey(cidr);
  check(net === cidr, field, "host-bits", `${cidr} has host bits set; the network is ${net}`);
}

/**
 * A subnet that can carry traffic as a tunnel subnet, a LAN or a policy-routing selector: a
 * network address (no host bits, which iproute2 rejects in routes), not the whole address space,
 * and not touching loopback, multicast, link-local, this-network, reserved or IPv4-mapped space.
 * Returns the canonical CIDR.
 */
export function checkUsableSubnet(value: string, field: string): string {
  const cidr = checkCidr(value, field);
  const [addr, prefix] = parseIpCidr(cidr);
  check(prefix > 0, field, "whole-space", `${cidr} is the whole address space; name the networks instead`);
  checkNoHostBits(cidr, field);
  const bad = UNUSABLE.find(([b, l]) => b.kind() === addr.kind() && addr.match(b as never, Math.min(l, prefix)));
  check(bad === undefined, field, "unusable-subnet", `${cidr} overlaps ${bad?.[0].toString()}/${bad?.[1]} (loopback, multicast, link-local or reserved space), which cannot be routed through a tunnel`);
  return cidr;
}


/**
 * Keys that address an object's prototype rather than a slot of its own. Another Pulumi language
 * (or JSON.parse) delivers `__proto__` as an ordinary own key; copying it with `o[k] = v`, as the
 * Pulumi SDK's `output()` does, would replace the copy's prototype and drop the entry (a silently
 * lost peer), and `constructor`/`prototype` read back inherited values when absent.
 */
export const PROTOTYPE_KEYS: readonly string[] = ["__proto__", "constructor", "prototype"];

/**
 * The keys of a map or args object: none of PROTOTYPE_KEYS as an own key (enumerable or not),
 * and no enumerable key inherited from a prototype other than Object's (values that `args.x`
 * reads but a copy of the object would not carry). `field` is the object's path ("" at the top).
 */
export function checkOwnKeys(value: object, field: string): void {
  const at = (k: string) => (field ? `${field}.${k}` : k);
  for (const k of Object.getOwnPropertyNames(value)) {
    check(!PROTOTYPE_KEYS.includes(k), at(k), "prototype-key", `${JSON.stringify(k)} names the object's prototype, not an entry; rename it`);
  }
  for (const k in value) {
    check(Object.prototype.hasOwnProperty.call(value, k), at(k), "prototype-key", "is inherited from the object's prototype, not an entry of its own; give a plain object");
  }
}
