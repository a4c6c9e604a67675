import { check, WgKitError } from "./WgKitError";
import { checkKey, publicKeyOf } from "./Key";
import { formatEndpoint, parseEndpoint } from "./Endpoint";
import { networkKey, parseAllowedIps } from "./AllowedIPs";
import {
  checkCidr, checkDnsEntry, checkEach, checkFwMark, checkIntRange, checkKeepalive, checkSingleLine, checkTable,
} from "./Validation";

/**
 * MTU of a conf: 576 (the IPv4 minimum datagram) to 9000. Confs carried by wg-quick may go below
 * IPv6's 1280 when they are IPv4-only; ClientTunnel refuses < 1280 when the conf uses IPv6, because
 * the kernel then removes IPv6 from the interface and wg-quick fails adding its IPv6 address/routes.
 */
export const checkConfMtu = (v: number, field: string) => checkIntRange(v, field, "mtu-range", 576, 9000);
/** ListenPort of a conf: 0 means "pick a random port", as for wg. */
const checkListenPort = (v: number, field: string) => checkIntRange(v, field, "port-range", 0, 65535);

/** The `[Interface]` section of a wg-quick conf. Lists may be empty. */
export interface WgInterface {
  privateKey?: string;
  /** Address lines: CIDRs; a bare address means /32 or /128. */
  address: string[];
  listenPort?: number;
  /** Resolvers (IP addresses) and search domains. */
  dns: string[];
  mtu?: number;
  /** Routing table: a number, `off` or `auto`. */
  table?: string;
  fwMark?: string;
  preUp: string[];
  postUp: string[];
  preDown: string[];
  postDown: string[];
  saveConfig?: boolean;
}

/** A `[Peer]` section. */
export interface WgPeer {
  publicKey: string;
  presharedKey?: string;
  /** `host:port` or `[v6]:port`. */
  endpoint?: string;
  allowedIps: string[];
  /** Seconds; 0 means off. */
  persistentKeepalive?: number;
}

/** A whole wg-quick conf: one interface and its peers. */
export interface WgQuickConf {
  interface: WgInterface;
  peers: WgPeer[];
}

/** An empty interface, for building models field by field. */
export function emptyInterface(): WgInterface {
  return { address: [], dns: [], preUp: [], postUp: [], preDown: [], postDown: [] };
}

const hook = (v: string, f: string) => {
  checkSingleLine(v, f);
  check(v.trim() === v && v !== "", f, "hook", "must be a non-empty command without leading or trailing spaces");
  return v;
};

/**
 * Validates a model and returns it normalised (CIDRs canonical, bare
 * addresses with their host prefix, endpoints formatted). Every string is
 * checked to be a single line, so nothing can add a line or a section.
 */
export function normalizeWgQuick(conf: WgQuickConf, field = "conf", ownPublicKey?: string): WgQuickConf {
  const i = conf.interface;
  const f = `${field}.interface`;
  const out: WgInterface = {
    address: checkEach(i.address, `${f}.address`, (v, ff) => checkCidr(v, ff)),
    dns: checkEach(i.dns, `${f}.dns`, checkDnsEntry),
    preUp: checkEach(i.preUp, `${f}.preUp`, hook),
    postUp: checkEach(i.postUp, `${f}.postUp`, hook),
    preDown: checkEach(i.preDown, `${f}.preDown`, hook),
    postDown: checkEach(i.postDown, `${f}.postDown`, hook),
  };
  if (i.privateKey !== undefined) { checkKey(i.privateKey, `${f}.privateKey`); out.privateKey = i.privateKey; }
  if (i.listenPort !== undefined) out.listenPort = checkListenPort(i.listenPort, `${f}.listenPort`);
  if (i.mtu !== undefined) out.mtu = checkConfMtu(i.mtu, `${f}.mtu`);
  if (i.table !== undefined) out.table = checkTable(i.table, `${f}.table`);
  if (i.fwMark !== undefined) out.fwMark = checkFwMark(i.fwMark, `${f}.fwMark`);
  if (i.saveConfig !== undefined) {
    check(typeof i.saveConfig === "boolean", `${f}.saveConfig`, "type", "must be true or false");
    out.saveConfig = i.saveConfig;
  }
  const seen = new Set<string>();
  // The kernel silently ignores a peer whose key is the interface's own: refuse it here, not at install.
  // Once per conf (X25519 is the costly part); a caller that just derived it may pass it in.
  const own = out.privateKey !== undefined ? (ownPublicKey ?? publicKeyOf(out.privateKey)) : undefined;
  if (own !== undefined) seen.add(own);
  const peers = checkEach(conf.peers, `${field}.peers`, (p, pf) => {
    checkKey(p.publicKey, `${pf}.publicKey`);
    check(p.publicKey !== own, `${pf}.publicKey`, "own-public-key",
      "this peer has the interface's own public key (WireGuard ignores such a peer); use the other end's public key");
    check(!seen.has(p.publicKey), `${pf}.publicKey`, "duplicate-peer", "two peers have the same public key");
    seen.add(p.publicKey);
    const peer: WgPeer = { publicKey: p.publicKey, allowedIps: parseAllowedIps(p.allowedIps, `${pf}.allowedIps`) };
    if (p.presharedKey !== undefined) { checkKey(p.presharedKey, `${pf}.presharedKey`); peer.presharedKey = p.presharedKey; }
    if (p.endpoint !== undefined) peer.endpoint = formatEndpoint(parseEndpoint(p.endpoint, `${pf}.endpoint`));
    if (p.persistentKeepalive !== undefined) peer.persistentKeepalive = checkKeepalive(p.persistentKeepalive, `${pf}.persistentKeepalive`);
    return peer;
  });
  return { interface: out, peers };
}

/**
 * The same network on two peers (also written differently: `10.0.0.1/24` is `10.0.0.0/24` to the
 * kernel) is not an error to WireGuard: `wg setconf` silently moves it to the last peer, so traffic
 * meant for the first goes to the second. Refused, naming both peers. (Nested networks, e.g.
 * 10.0.0.0/8 on one peer and 10.1.0.0/16 on another, are fine: the longest prefix wins.)
 */
export function checkDistinctAllowedIps(peers: readonly WgPeer[], field: string): void {
  const owner = new Map<string, number>();
  peers.forEach((p, i) => p.allowedIps.forEach((a, j) => {
    const key = networkKey(a);
    const other = owner.get(key);
    check(other === undefined || other === i, `${field}.peers[${i}].allowedIps[${j}]`, "duplicate-allowed-ips",
      `${key} is also in AllowedIPs of ${field}.peers[${other}]; WireGuard keeps it on one peer only (the last one), so traffic for it would go to the wrong peer`);
    owner.set(key, i);
  }));
}

/**
 * A tunnel routes only what its peers' AllowedIPs name (wg-quick adds a route per entry, and the
 * kernel drops anything else sent into the interface). A conf whose peers have no AllowedIPs, an
 * empty line, or only the interface's own address(es) comes up, handshakes, and carries nothing.
 * Routes given some other way (ClientTunnel's `table` with routeDestinations/routeSources) do not
 * count: they send traffic into the interface, which then drops whatever AllowedIPs do not allow.
 */
export function checkRoutesSomething(conf: WgQuickConf, field: string): void {
  const own = new Set(conf.interface.address.map((a) => networkKey(a.replace(/\/\d+$/, "") + (a.includes(":") ? "/128" : "/32"))));
  check(conf.peers.some((p) => p.allowedIps.some((a) => !own.has(networkKey(a)))), field, "no-routes",
    "no peer has AllowedIPs beyond the tunnel's own address, so the tunnel would route nothing; "
    + "add the networks to reach through it to a peer's AllowedIPs (0.0.0.0/0, ::/0 for everything)");
}

function line(key: string, value: string | number | boolean | undefined, out: string[]): void {
  if (value === undefined) return;
  const v = String(value);
  checkSingleLine(v, key);
  out.push(`${key} = ${v}`);
}

const list = (key: string, values: string[], out: string[]) => values.length && line(key, values.join(", "), out);
const each = (key: string, values: string[], out: string[]) => values.forEach((v) => line(key, v, out));

/** Renders a conf as wg-quick reads it. Validates first: bad models throw, never render. */
export function renderWgQuick(model: WgQuickConf, ownPublicKey?: string): string {
  const conf = normalizeWgQuick(model, "conf", ownPublicKey);
  const i = conf.interface;
  const out: string[] = ["[Interface]"];
  line("PrivateKey", i.privateKey, out);
  list("Address", i.address, out);
  line("ListenPort", i.listenPort, out);
  list("DNS", i.dns, out);
  line("MTU", i.mtu, out);
  line("Table", i.table, out);
  line("FwMark", i.fwMark, out);
  each("PreUp", i.preUp, out);
  each("PostUp", i.postUp, out);
  each("PreDown", i.preDown, out);
  each("PostDown", i.postDown, out);
  line("SaveConfig", i.saveConfig, out);
  for (const p of conf.peers) {
    out.push("", "[Peer]");
    line("PublicKey", p.publicKey, out);
    line("PresharedKey", p.presharedKey, out);
    line("Endpoint", p.endpoint, out);
    list("AllowedIPs", p.allowedIps, out);
    line("PersistentKeepalive", p.persistentKeepalive, out);
  }
  return out.join("\n") + "\n";
}

type Section = "interface" | "peer";
const INTERFACE_KEYS: Record<string, (c: WgInterface, v: string, f: string) => void> = {
  privatekey: (c, v) => { c.privateKey = v; },
  address: (c, v) => { c.address.push(...splitWords(v)); },
  listenport: (c, v, f) => { c.listenPort = toInt(v, f); },
  dns: (c, v) => { c.dns.push(...splitWords(v)); },
  mtu: (c, v, f) => { c.mtu = toInt(v, f); },
  table: (c, v) => { c.table = v; },
  fwmark: (c, v) => { c.fwMark = v; },
  preup: (c, v) => { c.preUp.push(v); },
  postup: (c, v) => { c.postUp.push(v); },
  predown: (c, v) => { c.preDown.push(v); },
  postdown: (c, v) => { c.postDown.push(v); },
  saveconfig: (c, v, f) => {
    // wg-quick reads its booleans case-insensitively (nocasematch)
    check(/^(true|false)$/i.test(v), f, "boolean", `SaveConfig must be true or false, got ${JSON.stringify(v)}`);
    c.saveConfig = v.toLowerCase() === "true";
  },
};
const PEER_KEYS: Record<string, (p: WgPeer, v: string, f: string) => void> = {
  publickey: (p, v) => { p.publicKey = v; },
  presharedkey: (p, v) => { p.presharedKey = v; },
  endpoint: (p, v) => { p.endpoint = v; },
  allowedips: (p, v) => { p.allowedIps.push(...splitList(v)); },
  persistentkeepalive: (p, v, f) => { p.persistentKeepalive = v === "off" ? 0 : toInt(v, f); },
};

/** Keys whose value is secret: a line after one of them may be the wrapped tail of the key. */
const SECRET_KEYS = new Set(["privatekey", "presharedkey"]);

/**
 * The key of a line, only when it looks like a key name (letters, at most 24: every wg-quick key
 * is) AND the line does not follow a secret key's line or an unparsable one (a wrapped PrivateKey
 * tail such as `abcDEF=` looks like a key name). Otherwise nothing of the line is shown.
 */
function keyName(line: string, eq: number, afterSecret: boolean): string {
  const k = line.slice(0, eq).trim();
  return !afterSecret && /^[A-Za-z]{1,24}$/.test(k) ? JSON.stringify(k) : "(not shown: it may be part of a key)";
}

function splitList(v: string): string[] {
  return v.split(",").map((s) => s.trim()).filter((s) => s !== "");
}

/** Address and DNS: wg-quick splits them on commas and white space alike. */
function splitWords(v: string): string[] {
  return v.split(/[\s,]+/).filter((s) => s !== "");
}

function toInt(v: string, f: string): number {
  check(/^[0-9]+$/.test(v), f, "integer", `must be a whole number, got ${JSON.stringify(v)}`);
  return Number(v);
}

/**
 * Parses wg-quick text (as VPN providers ship it: comments, repeated Address/
 * DNS/AllowedIPs lines, comma lists, bracketed IPv6 endpoints, search
 * domains). Malformed text throws a WgKitError whose field names the line.
 */
export function parseWgQuick(text: string, field = "conf"): WgQuickConf {
  check(typeof text === "string", field, "type", "must be a string");
  const lines = text.split(/\r?\n/);
  let iface: WgInterface | undefined;
  const peers: WgPeer[] = [];
  let section: Section | undefined;
  let peer: WgPeer | undefined;
  let peerLine = 0;
  let afterSecret = false; // the previous non-blank line was a PrivateKey/PresharedKey line
  const closePeer = () => {
    if (peer) check(peer.publicKey !== "", `${field}:line ${peerLine}`, "peer-public-key", "[Peer] section has no PublicKey");
  };
  lines.forEach((raw, idx) => {
    const n = idx + 1;
    const f = `${field}:line ${n}`;
    const stripped = raw.replace(/#.*$/, "").trim();
    if (stripped === "") return;
    check(!/[\u0000-\u0008\u000b-\u001f\u007f]/.test(stripped), f, "control-character", "contains a control character");
    const header = /^\[\s*([A-Za-z]+)\s*\]$/.exec(stripped);
    if (header) {
      afterSecret = false;
      const name = header[1].toLowerCase();
      closePeer();
      if (name === "interface") {
        check(iface === undefined, f, "duplicate-interface", "a conf has exactly one [Interface] section; this is the second");
        iface = emptyInterface();
        section = "interface";
        peer = undefined;
      } else if (name === "peer") {
        peer = { publicKey: "", allowedIps: [] };
        peerLine = n;
        peers.push(peer);
        section = "peer";
      } else {
        throw new WgKitError(f, "unknown-section", `unknown section [${header[1]}]; expected [Interface] or [Peer]`);
      }
      return;
    }
    const eq = stripped.indexOf("=");
    // Errors name the line and at most the key's name: a mistyped line may hold a private key.
    check(eq > 0, f, "key-value", 'expected "Key = Value" (the line is not shown: it may hold a key)');
    check(section !== undefined, f, "no-section", "a key appears before any [Interface] or [Peer] section");
    const key = stripped.slice(0, eq).trim().toLowerCase();
    const value = stripped.slice(eq + 1).trim();
    const hidden = afterSecret;
    afterSecret = SECRET_KEYS.has(key);
    if (section === "interface") {
      const set = INTERFACE_KEYS[key];
      check(set !== undefined, f, "unknown-key", `unknown key ${keyName(stripped, eq, hidden)} in [Interface]`);
      set(iface!, value, f);
    } else {
      const set = PEER_KEYS[key];
      check(set !== undefined, f, "unknown-key", `unknown key ${keyName(stripped, eq, hidden)} in [Peer]`);
      set(peer!, value, f);
    }
  });
  closePeer();
  check(iface !== undefined, field, "no-interface", "has no [Interface] section");
  return normalizeWgQuick({ interface: iface, peers }, field);
}
