import * as ipaddr from "ipaddr.js";
import { check } from "./WgKitError";

/**
 * Field validators. Each takes the value and the field name to report, and
 * throws a WgKitError naming the field and the rule. They never coerce
 * silently; they return the normalised value.
 */

/**
 * Strict IP literal: IPv4 only as four decimal parts (ipaddr.js alone also
 * takes legacy forms like `127.1` or hex parts), IPv6 without a zone id.
 */
export function isIp(value: unknown): value is string {
  if (typeof value !== "string") return false;
  return ipaddr.IPv4.isValidFourPartDecimal(value) || (ipaddr.IPv6.isValid(value) && !value.includes("%"));
}

/** Strict CIDR: a strict IP literal, a slash and a prefix length valid for its family. */
export function isCidr(value: unknown): value is string {
  if (typeof value !== "string") return false;
  const m = /^([^/]+)\/([0-9]{1,3})$/.exec(value);
  if (!m || !isIp(m[1])) return false;
  return Number(m[2]) <= (ipaddr.IPv4.isValidFourPartDecimal(m[1]) ? 32 : 128);
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

/** Interface names as the kernel allows them: 1–15 of [A-Za-z0-9_=+.-], not '.' or '..'. */
export function checkInterfaceName(value: string, field: string): string {
  check(typeof value === "string" && /^[A-Za-z0-9_=+.-]{1,15}$/.test(value) && value !== "." && value !== "..",
    field, "interface-name", "must be 1–15 characters of [A-Za-z0-9_=+.-]");
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

/** RFC 1123 host names: labels of 1–63 [A-Za-z0-9-], not starting/ending with '-', ≤ 253 chars. */
export function isHostname(value: string): boolean {
  if (typeof value !== "string" || value.length === 0 || value.length > 253) return false;
  const labels = value.replace(/\.$/, "").split(".");
  return labels.every((l) => /^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/.test(l)) && !/^[0-9.]+$/.test(value);
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
  return ipaddr.parse(value).toString();
}

/** A DNS entry of a wg-quick conf: an IP address (resolver) or a search domain. */
export function checkDnsEntry(value: string, field: string): string {
  check(typeof value === "string" && (isIp(value) || isHostname(value)), field, "dns",
    `must be a resolver IP address or a search domain, got ${JSON.stringify(value)}`);
  return isIp(value) ? ipaddr.parse(value).toString() : value;
}

/** A CIDR like 10.0.0.0/24 or fd00::/64; a bare address means the host route (/32 or /128). */
export function checkCidr(value: string, field: string, opts: { bareMeansHost?: boolean } = {}): string {
  check(typeof value === "string", field, "type", "must be a string");
  const v = value.trim();
  if (!v.includes("/") && opts.bareMeansHost !== false && isIp(v)) {
    const a = ipaddr.parse(v);
    return `${a.toString()}/${a.kind() === "ipv4" ? 32 : 128}`;
  }
  check(isCidr(v), field, "cidr", `must be a CIDR such as 10.0.0.0/24 or fd00::/64, got ${JSON.stringify(value)}`);
  const [addr, len] = ipaddr.parseCIDR(v);
  return `${addr.toString()}/${len}`;
}

/** wg-quick `Table`: a routing table number (1–2^32-1), a name-free `off` or `auto`. */
export function checkTable(value: string | number, field: string): string {
  const s = String(value);
  check(s === "off" || s === "auto" || (/^[0-9]{1,10}$/.test(s) && Number(s) >= 1 && Number(s) <= 4294967295),
    field, "table", `must be a routing table number (1–4294967295), "off" or "auto", got ${JSON.stringify(value)}`);
  return s;
}

/** wg-quick `FwMark`: a 32-bit number (decimal or 0x hex) or `off`. */
export function checkFwMark(value: string | number, field: string): string {
  const s = String(value);
  const ok = s === "off" || (/^(0x[0-9a-fA-F]{1,8}|[0-9]{1,10})$/.test(s) && Number(s) <= 4294967295);
  check(ok, field, "fwmark", `must be a 32-bit number or "off", got ${JSON.stringify(value)}`);
  return s;
}

/** Runs `fn` on each item, naming the item's index in errors. */
export function checkEach<T, R>(items: readonly T[] | undefined, field: string, fn: (v: T, f: string) => R): R[] {
  if (items === undefined) return [];
  check(Array.isArray(items), field, "type", "must be a list");
  return items.map((v, i) => fn(v, `${field}[${i}]`));
}

