/**
 * Access rules of a hub (WireGuardServer `access`): which flows the server forwards between
 * peers, the LANs behind them (spokes) and the internet, and which reach the server itself.
 *
 * The language: a default (`allow`, today's behaviour, or `deny`) and an ordered list of rules
 * `from → to`, optionally narrowed by protocol and ports; the first rule that matches a new
 * connection decides, else the default. References are plain strings that cannot confuse a peer
 * with a group:
 *   `laptop` (a peer: its tunnel addresses and its LANs), `group:admins` (every peer with that
 *   group), `*` (every peer), `192.168.10.0/24` (a CIDR, target only), `internet` (anything the
 *   server forwards out of the tunnel, target only), `server` (the server itself, target only).
 *
 * Invariants: a rule is about NEW connections from its source; replies (ESTABLISHED/RELATED) are
 * always let through, and the server's DNS (port 53) is always reachable from every peer. A
 * source is matched by the packet's source address as it arrives from the tunnel: WireGuard's
 * cryptokey routing on the server only accepts, from a peer, sources inside that peer's
 * server-side AllowedIPs (its tunnel addresses and LANs), so a peer cannot pass for another.
 *
 * Failure modes: every malformed reference, unknown peer or group, or a port list that does not
 * fit its protocol is a WgKitError naming the rule's field, at preview.
 */
import { check } from "./WgKitError";
import { checkCidr, checkEach, checkList, checkName, checkNoHostBits, isIp } from "./Validation";
import { cidrsOverlap, parseCidr } from "./AllowedIPs";

/** What happens to a new connection no rule matches. */
export const AccessDefault = {
  /** Forward everything (wgkit's behaviour without `access`). */
  Allow: "allow",
  /** Forward nothing between peers, LANs and the internet, and accept nothing on the server but DNS, unless a rule allows it. */
  Deny: "deny",
} as const;
export type AccessDefault = (typeof AccessDefault)[keyof typeof AccessDefault];

/** What a rule does with the connections it matches. */
export const AccessAction = {
  /** Forward (or, to the server, accept) the connection. */
  Allow: "allow",
  /** Drop the connection. */
  Deny: "deny",
} as const;
export type AccessAction = (typeof AccessAction)[keyof typeof AccessAction];

/** The protocol a rule matches. */
export const AccessProtocol = {
  /** Every protocol (with ports: tcp and udp). */
  Any: "any",
  /** TCP. */
  Tcp: "tcp",
  /** UDP. */
  Udp: "udp",
  /** ICMP (ICMPv6 over IPv6). */
  Icmp: "icmp",
} as const;
export type AccessProtocol = (typeof AccessProtocol)[keyof typeof AccessProtocol];

/** One rule as the user writes it. */
export interface AccessRuleSpec {
  from: string;
  to: string;
  action?: string;
  protocol?: string;
  /** "22" or "8000-8100"; needs protocol tcp or udp (or any: both). */
  ports?: (string | number)[];
}

/** The `access` argument as the user writes it. */
export interface AccessSpec {
  default?: string;
  rules?: AccessRuleSpec[];
}

/** A parsed reference. */
export type AccessRef =
  | { kind: "everyone" }
  | { kind: "peer"; name: string }
  | { kind: "group"; name: string }
  | { kind: "cidr"; cidr: string }
  | { kind: "internet" }
  | { kind: "server" };

export interface AccessRule {
  from: AccessRef;
  to: AccessRef;
  action: AccessAction;
  protocol: AccessProtocol;
  /** iptables form: "22" or "8000:8100"; empty = every port. */
  ports: string[];
}

export interface Access {
  default: AccessDefault;
  rules: AccessRule[];
}

/** What the rules need to know of each peer. */
export interface AccessPeer {
  groups?: string[];
}

const ONE_OF = <T extends string>(v: unknown, values: readonly T[], field: string, rule: string): T => {
  check(typeof v === "string" && (values as readonly string[]).includes(v), field, rule, `must be one of ${values.map((x) => `"${x}"`).join(", ")}, got ${JSON.stringify(v)}`);
  return v as T;
};

/** Parses one reference; `side` decides which kinds are allowed. Peers and groups are checked against `peers`. */
export function parseAccessRef(value: unknown, field: string, side: "from" | "to", peers: Readonly<Record<string, AccessPeer>>, groupsKnown = true): AccessRef {
  check(typeof value === "string", field, "reference", "must be a string such as \"laptop\", \"group:admins\", \"*\", \"192.168.10.0/24\", \"internet\" or \"server\"");
  let ref: AccessRef;
  if (value === "*") ref = { kind: "everyone" };
  else if (value === "internet") ref = { kind: "internet" };
  else if (value === "server") ref = { kind: "server" };
  else if (value.startsWith("group:")) {
    const name = value.slice(6);
    check(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/.test(name), field, "reference", `${JSON.stringify(value)}: a group name is 1–63 of [A-Za-z0-9_.-], starting with a letter or digit`);
    check(!groupsKnown || Object.values(peers).some((p) => Array.isArray(p?.groups) && p.groups.includes(name)), field, "unknown-group", `no peer is in the group ${JSON.stringify(name)} (give peers groups: ["${name}"])`);
    ref = { kind: "group", name };
  } else if (value.includes("/") || value.includes(":") || isIp(value)) {
    const cidr = checkCidr(value, field);
    checkNoHostBits(cidr, field);
    ref = { kind: "cidr", cidr };
  } else {
    check(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/.test(value), field, "reference",
      `${JSON.stringify(value)} is no reference: a peer name, "group:<name>", "*", a CIDR, "internet" or "server"`);
    check(Object.prototype.hasOwnProperty.call(peers, value), field, "unknown-peer", `no peer is named ${JSON.stringify(value)}`);
    ref = { kind: "peer", name: value };
  }
  if (side === "from") {
    check(ref.kind === "everyone" || ref.kind === "peer" || ref.kind === "group", field, "source-kind",
      "a source is a peer, \"group:<name>\" or \"*\" (CIDRs, \"internet\" and \"server\" are targets only)");
  }
  return ref;
}

function parsePorts(ports: unknown, field: string): string[] {
  return checkEach(checkList(ports as unknown[], field), field, (p, f) => {
    const s = typeof p === "number" ? String(p) : p;
    const m = typeof s === "string" ? /^([1-9][0-9]{0,4})(?:-([1-9][0-9]{0,4}))?$/.exec(s) : null;
    const lo = m ? Number(m[1]) : 0, hi = m?.[2] !== undefined ? Number(m[2]) : lo;
    check(m !== null && lo <= 65535 && hi <= 65535 && lo <= hi, f, "ports", `must be a port ("22") or a range ("8000-8100") within 1–65535, got ${JSON.stringify(p)}`);
    return lo === hi ? String(lo) : `${lo}:${hi}`;
  });
}

/**
 * Validates `access` against the peers (names → their groups) and returns it parsed. Groups that
 * are not known yet (Outputs) cannot be checked: `groupsKnown: false` skips the unknown-group
 * rule (it runs again once everything is known).
 */
export function parseAccess(spec: unknown, peers: Readonly<Record<string, AccessPeer>>, field = "access", opts: { groupsKnown?: boolean } = {}): Access {
  check(spec !== null && typeof spec === "object" && !Array.isArray(spec), field, "type", "must be an object { default, rules }");
  const a = spec as AccessSpec;
  for (const k of Object.keys(a)) check(k === "default" || k === "rules", `${field}.${k}`, "unknown-field", "is not an access setting (default, rules)");
  const def = a.default === undefined ? AccessDefault.Allow : ONE_OF(a.default, Object.values(AccessDefault), `${field}.default`, "access-default");
  const rules = checkEach(a.rules as unknown[] | undefined, `${field}.rules`, (r, f) => {
    check(r !== null && typeof r === "object" && !Array.isArray(r), f, "type", "must be an object { from, to, action?, protocol?, ports? }");
    const rule = r as AccessRuleSpec;
    for (const k of Object.keys(rule)) check(["from", "to", "action", "protocol", "ports"].includes(k), `${f}.${k}`, "unknown-field", "is not a rule setting (from, to, action, protocol, ports)");
    const from = parseAccessRef(rule.from, `${f}.from`, "from", peers, opts.groupsKnown);
    const to = parseAccessRef(rule.to, `${f}.to`, "to", peers, opts.groupsKnown);
    const action = rule.action === undefined ? AccessAction.Allow : ONE_OF(rule.action, Object.values(AccessAction), `${f}.action`, "access-action");
    const protocol = rule.protocol === undefined ? AccessProtocol.Any : ONE_OF(rule.protocol, Object.values(AccessProtocol), `${f}.protocol`, "access-protocol");
    const ports = rule.ports === undefined ? [] : parsePorts(rule.ports, `${f}.ports`);
    check(ports.length === 0 || protocol !== AccessProtocol.Icmp, `${f}.ports`, "ports-protocol", "ICMP has no ports; give protocol tcp, udp or any");
    return { from, to, action, protocol, ports };
  });
  return { default: def, rules };
}

/** Groups of one peer: a list of group names. */
export function checkGroups(groups: unknown, field: string): string[] {
  return checkEach(groups as string[] | undefined, field, (g, f) => checkName(g, f));
}

/** A peer as the hub sees it: tunnel addresses (as /32, /128) and the LANs behind it. */
export interface HubPeer {
  name: string;
  /** Tunnel addresses as host CIDRs. */
  addresses: string[];
  /** LANs routed to the peer (serverAllowedIps). */
  lans: string[];
  groups: string[];
}

/** Whether a source reference names this peer. */
export function refIncludesPeer(ref: AccessRef, peer: HubPeer): boolean {
  return ref.kind === "everyone" || (ref.kind === "peer" && ref.name === peer.name) || (ref.kind === "group" && peer.groups.includes(ref.name));
}

/** How a target reference relates to a set of addresses: covers all of them, touches some, or none. */
export type Coverage = "covers" | "intersects" | "none";

/** How `to` relates to `cidr`, which belongs to `owner` (a peer's tunnel address or LAN). */
export function targetCoverage(to: AccessRef, cidr: string, owner: HubPeer): Coverage {
  switch (to.kind) {
    case "everyone": case "peer": case "group": return refIncludesPeer(to, owner) ? "covers" : "none";
    case "cidr": {
      const t = parseCidr(to.cidr, "to"), c = parseCidr(cidr, "cidr");
      if (!cidrsOverlap(t, c)) return "none";
      return t.prefix <= c.prefix ? "covers" : "intersects";
    }
    default: return "none"; // internet, server: never a peer's address
  }
}

/**
 * Whether some new connection from `from` to `cidr` (owned by `owner`) may be forwarded: the
 * first rule naming the source and touching the target decides if it allows; a deny decides only
 * when it covers the whole target for every protocol and port. Without access everything may.
 */
export function mayReach(access: Access | undefined, from: HubPeer, cidr: string, owner: HubPeer): boolean {
  return mayReachFrom(access, sourceMatches(access, from), cidr, owner);
}

/** Which rules name `peer` as their source (by rule index): all a source contributes to `mayReach`. */
export function sourceMatches(access: Access | undefined, peer: HubPeer): boolean[] {
  return (access?.rules ?? []).map((r) => refIncludesPeer(r.from, peer));
}

/** `mayReach` for a source given by the rules that name it (`sourceMatches`): peers alike as sources share the answer. */
export function mayReachFrom(access: Access | undefined, fromMatches: readonly boolean[], cidr: string, owner: HubPeer): boolean {
  if (access === undefined) return true;
  for (let i = 0; i < access.rules.length; i++) {
    const r = access.rules[i];
    if (!fromMatches[i]) continue;
    const cov = targetCoverage(r.to, cidr, owner);
    if (cov === "none") continue;
    if (r.action === AccessAction.Allow) return true;
    if (cov === "covers" && r.protocol === AccessProtocol.Any && r.ports.length === 0) return false;
  }
  return access.default === AccessDefault.Allow;
}

/** One abstract firewall rule, family-specific; Firewall.ts renders it for iptables/ip6tables. */
export interface FilterRule {
  family: 4 | 6;
  /** forward: between the tunnel and anything (peers, LANs, the internet); input: to the server itself. */
  chain: "forward" | "input";
  /** Source CIDR, arriving from the tunnel; absent: any source arriving from the tunnel. */
  source?: string;
  /** Destination CIDR; absent: any. */
  destination?: string;
  /** Forward only: leaving into the tunnel, or anywhere else (the internet); absent: either. */
  out?: "tunnel" | "elsewhere";
  protocol?: "tcp" | "udp" | "icmp";
  /** iptables port specs ("22", "8000:8100"); only with tcp/udp. */
  ports?: string[];
  action: "accept" | "drop";
}

export interface CompiledAccess {
  rules: FilterRule[];
  /** What a new connection no rule matched gets, in both chains. */
  defaultAction: "accept" | "drop";
}

const familyOf = (cidr: string): 4 | 6 => (cidr.includes(":") ? 6 : 4);

/**
 * Compiles access rules into a flat, ordered list of family-specific filter rules. First match
 * wins in the rendered chains exactly as in the rule list: every rule expands in place, in order.
 * Disabled peers are not on the server and are left out.
 */
export function compileAccess(access: Access | undefined, peers: readonly HubPeer[]): CompiledAccess {
  if (access === undefined) return { rules: [], defaultAction: "accept" };
  const out: FilterRule[] = [];
  const members = (ref: AccessRef) => peers.filter((p) => refIncludesPeer(ref, p));
  const cidrsOf = (ps: HubPeer[]) => ps.flatMap((p) => [...p.addresses, ...p.lans]);
  for (const r of access.rules) {
    const action = r.action === AccessAction.Allow ? "accept" : "drop";
    // Sources: a list of CIDRs, or undefined = anyone arriving from the tunnel.
    const sources: (string | undefined)[] = r.from.kind === "everyone" ? [undefined] : cidrsOf(members(r.from));
    type Dest = { chain: "forward" | "input"; destination?: string; out?: "tunnel" | "elsewhere" };
    let dests: Dest[];
    switch (r.to.kind) {
      case "everyone": dests = [{ chain: "forward", out: "tunnel" }]; break;
      case "peer": case "group": dests = cidrsOf(members(r.to)).map((d) => ({ chain: "forward", destination: d, out: "tunnel" })); break;
      case "cidr": dests = [{ chain: "forward", destination: r.to.cidr }]; break;
      case "internet": dests = [{ chain: "forward", out: "elsewhere" }]; break;
      case "server": dests = [{ chain: "input" }]; break;
    }
    const protos: (FilterRule["protocol"])[] = r.protocol === AccessProtocol.Any ? (r.ports.length ? ["tcp", "udp"] : [undefined]) : [r.protocol];
    for (const s of sources) {
      for (const d of dests) {
        const fams = ([4, 6] as const).filter((f) => (s === undefined || familyOf(s) === f) && (d.destination === undefined || familyOf(d.destination) === f));
        for (const family of fams) {
          for (const protocol of protos) {
            const rule: FilterRule = { family, chain: d.chain, action };
            if (s !== undefined) rule.source = s;
            if (d.destination !== undefined) rule.destination = d.destination;
            if (d.out !== undefined) rule.out = d.out;
            if (protocol !== undefined) rule.protocol = protocol;
            if (r.ports.length) rule.ports = r.ports;
            out.push(rule);
          }
        }
      }
    }
  }
  return { rules: out, defaultAction: access.default === AccessDefault.Allow ? "accept" : "drop" };
}
