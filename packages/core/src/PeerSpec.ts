import { check } from "./WgKitError";
import { checkKey } from "./Key";
import { parseEndpoint } from "./Endpoint";
import { parseAllowedIps } from "./AllowedIPs";
import {
  checkDnsEntry, checkEach, checkInterfaceName, checkIp, checkKeepalive, checkMtu, checkPort, checkSingleLine,
} from "./Validation";
import { peerConf } from "./PeerConf";
import { WgQuickConf } from "./WgQuick";
import { parseIp } from "./IpParse";

/** A road-warrior device dialling a server (possibly managed elsewhere). */
export interface PeerSpec {
  serverPublicKey: string;
  endpoint: string;
  address: string;
  address6?: string;
  dns?: string[];
  allowedIps?: string[];
  persistentKeepalive?: number;
  mtu?: number;
  listenPort?: number;
  publicKey?: string;
  rotation?: string;
  interfaceName?: string;
}

const family = (v: string, f: string, fam: "ipv4" | "ipv6") => {
  const ip = checkIp(v, f);
  check(parseIp(ip).kind() === fam, f, "family", `must be an ${fam === "ipv4" ? "IPv4" : "IPv6"} address`);
  return ip;
};

/** Validates a (possibly partial) peer spec; `unknown` lists fields not known yet. */
export function checkPeerSpec(spec: Partial<PeerSpec>, unknown: ReadonlySet<string> = new Set(), field = ""): void {
  const f = (n: string) => (field ? `${field}.${n}` : n);
  const req = (n: keyof PeerSpec, what: string) => check(spec[n] !== undefined || unknown.has(n), f(n), "required", `is required: ${what}`);
  req("serverPublicKey", "the server's public key");
  req("endpoint", "host:port of the server (SERVERURL:SERVERPORT)");
  req("address", "the peer's tunnel IPv4 address");
  if (spec.serverPublicKey !== undefined) checkKey(spec.serverPublicKey, f("serverPublicKey"));
  if (spec.endpoint !== undefined) parseEndpoint(spec.endpoint, f("endpoint"));
  if (spec.address !== undefined) family(spec.address, f("address"), "ipv4");
  if (spec.address6 !== undefined) family(spec.address6, f("address6"), "ipv6");
  if (spec.dns !== undefined) checkEach(spec.dns, f("dns"), checkDnsEntry);
  if (spec.allowedIps !== undefined) parseAllowedIps(spec.allowedIps, f("allowedIps"));
  if (spec.persistentKeepalive !== undefined) checkKeepalive(spec.persistentKeepalive, f("persistentKeepalive"));
  if (spec.mtu !== undefined) checkMtu(spec.mtu, f("mtu"));
  if (spec.listenPort !== undefined) checkPort(spec.listenPort, f("listenPort"));
  if (spec.publicKey !== undefined) checkKey(spec.publicKey, f("publicKey"));
  if (spec.rotation !== undefined) checkSingleLine(spec.rotation, f("rotation"));
  if (spec.interfaceName !== undefined) checkInterfaceName(spec.interfaceName, f("interfaceName"));
}

/** The device's conf; without `privateKey` (device-held key) the PrivateKey line is left for the device to add. */
export function buildPeer(spec: PeerSpec, privateKey: string | undefined, presharedKey: string | undefined): WgQuickConf {
  checkPeerSpec(spec);
  const conf = peerConf({
    privateKey: privateKey ?? "",
    address: spec.address,
    address6: spec.address6,
    dns: spec.dns,
    mtu: spec.mtu,
    listenPort: spec.listenPort,
    serverPublicKey: spec.serverPublicKey,
    presharedKey,
    endpoint: spec.endpoint,
    allowedIps: spec.allowedIps,
    persistentKeepalive: spec.persistentKeepalive,
  });
  if (privateKey === undefined) delete conf.interface.privateKey;
  return conf;
}
