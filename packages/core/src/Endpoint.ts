import * as ipaddr from "ipaddr.js";
import { check } from "./WgKitError";
import { checkHost, checkPort } from "./Validation";

/** A peer's Endpoint: a host (name or IP) and a UDP port. */
export interface Endpoint {
  host: string;
  port: number;
}

/** Formats an endpoint as wg-quick writes it; IPv6 literals go in brackets. */
export function formatEndpoint(e: Endpoint): string {
  const host = ipaddr.IPv6.isValid(e.host) ? `[${e.host}]` : e.host;
  return `${host}:${e.port}`;
}

/** Parses `host:port`, `1.2.3.4:port` or `[v6]:port`, validating both parts. */
export function parseEndpoint(value: string, field: string): Endpoint {
  check(typeof value === "string", field, "type", "must be a string");
  const m = /^\[([^\]]+)\]:([0-9]+)$/.exec(value) ?? /^([^:[\]]+):([0-9]+)$/.exec(value);
  check(m !== null, field, "endpoint", `must be host:port or [ipv6]:port, got ${JSON.stringify(value)}`);
  const host = checkHost(m[1], field);
  if (value.startsWith("[")) check(ipaddr.IPv6.isValid(host), field, "endpoint", "only IPv6 literals go in brackets");
  return { host, port: checkPort(Number(m[2]), field) };
}
