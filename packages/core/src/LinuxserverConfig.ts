/**
 * Adoption of an existing deployment of the linuxserver.io image in server mode: reads its
 * `/config` directory and returns WireGuardServer args that reproduce it — the same server key,
 * and per peer the same keys, preshared key, address, keepalive and routed LANs — so that no
 * device has to be touched.
 *
 * Invariants:
 * - Read only: nothing under the directory is written, created, renamed or chmod-ed.
 * - Hostile directory: every read goes through ConfigDir (see its header): no symlink out of the
 *   directory, no FIFO or device, no hard link, nothing over 1 MiB is read.
 * - The server conf (`wg_confs/wg0.conf`, or the legacy `wg0.conf` at the root) decides which
 *   peers are active. A peer folder it does not name is a leftover: reported, never adopted.
 * - Values come from the confs actually written (edited templates included), not from the
 *   image's defaults; `.donoteditthisfile` is only a fallback for the endpoint of a deployment
 *   without peers.
 * - All or nothing: every cross-check (key pairs, wg0.conf ↔ folders, device confs ↔ key
 *   files, addresses) runs before anything is returned. A violation is ONE WgKitError whose
 *   field is the file (relative to the directory) and whose rule names the broken rule.
 * - No key material in any error or warning: messages name files and rules; text copied from a
 *   conf into a warning (e.g. a custom PostUp line) has anything shaped like a key replaced.
 *
 * Failure modes: a missing or unreadable file, a malformed conf (parseWgQuick's errors, with the
 * file as field), or a broken cross-check — each a WgKitError, never a partial result.
 * Everything that cannot be carried over (custom hooks, another ListenPort inside the
 * container, an IPv6 address, a differing endpoint …) becomes a warning, never dropped silently.
 *
 * Peer names: `peer_<name>` → `<name>`; a numbered `peer<N>` keeps its folder name `peer<N>`
 * (a bare number is a poor resource name and `peer<N>` is what the user sees on disk).
 */
import * as fs from "fs";
import { networkKey, parseIp, parseIpCidr } from "./IpParse";
import { check, WgKitError, withoutValue } from "./WgKitError";
import { checkKey, publicKeyOf } from "./Key";
import { parseWgQuick, WgQuickConf } from "./WgQuick";
import { parseEndpoint } from "./Endpoint";
import { parseSubnet, serverAddresses } from "./AddressPlan";
import { CONTAINER_PORT, forwardingHooks } from "./ServerConf";
import { checkName } from "./Validation";
import { checkServerSpec } from "./ServerSpec";
import { ConfigDir } from "./ConfigDir";

/** One adopted peer, as `ServerPeerArgs` of WireGuardServer (keys as plain strings). */
export interface AdoptedPeerArgs {
  address: string;
  /** The device's private key (from `privatekey-<id>`); absent when the folder has none. */
  privateKey?: string;
  /** Only when the folder has no private key: the device keeps it, wgkit knows the public key. */
  publicKey?: string;
  /** Absent for deployments made before preshared keys existed. */
  presharedKey?: string;
  persistentKeepalive?: number;
  /** The LANs routed to this peer (SERVER_ALLOWEDIPS_PEER_<name>). */
  serverAllowedIps?: string[];
  /** Only when this device's conf differs from the common value. */
  dns?: string[];
  allowedIps?: string[];
  mtu?: number;
}

/** WireGuardServer args that reproduce the deployment (keys as plain strings). */
export interface AdoptedServerArgs {
  serverUrl: string;
  serverPort: number;
  subnet: string;
  dns: string[];
  allowedIps: string[];
  /** The server's private key (from `server/privatekey-server`). */
  privateKey: string;
  mtu?: number;
  /** Only when the server conf does not masquerade (the image always does). */
  masquerade?: boolean;
  peers: Record<string, AdoptedPeerArgs>;
}

/** Something that is not carried over. `file` is relative to the config dir. */
export interface AdoptionWarning {
  file: string;
  /** The adopted peer it concerns, if any. */
  peer?: string;
  rule: string;
  message: string;
}

/** A peer folder the server conf does not name (a removed peer): reported, not adopted. */
export interface AdoptionLeftover {
  folder: string;
  name: string;
  /** Its address, when its device conf can be read (the image keeps it taken). */
  address?: string;
}

/** Where each key lives, relative to the config dir (for commands that load them from their files). */
export interface AdoptionKeyFiles {
  serverPrivateKey: string;
  peers: Record<string, { folder: string; privateKey?: string; presharedKey?: string }>;
}

export interface LinuxserverAdoption {
  args: AdoptedServerArgs;
  warnings: AdoptionWarning[];
  leftovers: AdoptionLeftover[];
  files: AdoptionKeyFiles;
}

const KEY_SHAPE = /[A-Za-z0-9+/]{42}[AEIMQUYcgkosw048]=/g;
/** Text from a conf may be shown in a warning; anything shaped like a key is not. */
export function redactKeys(text: string): string {
  return text.replace(KEY_SHAPE, "(key not shown)");
}

/** Folder name → peer name, or undefined when it is not a peer folder. */
export function peerNameOfFolder(folder: string): string | undefined {
  if (/^peer[0-9]+$/.test(folder)) return folder;
  const m = /^peer_(.+)$/.exec(folder);
  return m ? m[1] : undefined;
}

const isPeerFolder = (folder: string) => peerNameOfFolder(folder) !== undefined;
const join = (...parts: string[]) => parts.join("/");

const readKey = (dir: ConfigDir, rel: string): string => {
  const k = dir.read(rel).replace(/\r?\n$/, "");
  checkKey(k, rel);
  return k;
};
/**
 * Runs a parser or validator on content read from the directory. The directory is hostile, and
 * their messages quote the value (`got "…"`): rethrown with the same field (file and line, or
 * file and setting) and rule, the value left out.
 */
function fromFile<T>(fn: () => T): T {
  try { return fn(); } catch (e) { throw withoutValue(e, "it was read from the adopted directory"); }
}
const parseConf = (text: string, rel: string): WgQuickConf => fromFile(() => parseWgQuick(text, rel));
const readConf = (dir: ConfigDir, rel: string): WgQuickConf => parseConf(dir.read(rel), rel);

/**
 * The id comment (`# <id>`) of each [Peer] section, in order: a comment just before the header
 * (only comments and blank lines between), else the first comment inside the section.
 */
function peerComments(text: string): (string | undefined)[] {
  const out: (string | undefined)[] = [];
  let last: string | undefined;
  let current = -1;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    const comment = /^#\s*(\S+)\s*$/.exec(line);
    if (/^\[\s*peer\s*\]$/i.test(line)) { out.push(last); current = out.length - 1; last = undefined; continue; }
    if (line.startsWith("[")) { current = -1; last = undefined; continue; }
    if (comment) {
      if (current >= 0 && out[current] === undefined) out[current] = comment[1];
      last = comment[1];
    } else if (line !== "" && !line.startsWith("#")) {
      last = undefined;
    }
  }
  return out;
}

/** `KEY="value"` lines of `.donoteditthisfile`. */
function origVariables(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split(/\r?\n/)) {
    const m = /^\s*(ORIG_[A-Z_]+)=(?:"([^"]*)"|'([^']*)'|(\S*))\s*$/.exec(line);
    if (m) out[m[1]] = m[2] ?? m[3] ?? m[4] ?? "";
  }
  return out;
}

/** The image's default hooks (forwarding on the tunnel, NAT out of eth+), as commands. */
function defaultHookCommands(): { up: Set<string>; down: Set<string>; masq: Set<string> } {
  const up = new Set<string>();
  const down = new Set<string>();
  const masq = new Set<string>();
  for (const tool of ["iptables", "ip6tables"] as const) {
    const h = forwardingHooks(tool, true, "eth+");
    h.up.forEach((c) => up.add(c));
    h.down.forEach((c) => down.add(c));
    masq.add(h.up[h.up.length - 1]);
  }
  return { up, down, masq };
}
const splitCommands = (line: string) => line.split(";").map((c) => c.trim().replace(/\s+/g, " ")).filter((c) => c !== "");

/** The most common value (by JSON), first seen wins ties. */
function common<T>(values: T[]): T | undefined {
  const counts = new Map<string, { n: number; v: T }>();
  for (const v of values) {
    const k = JSON.stringify(v);
    const c = counts.get(k);
    if (c) c.n++; else counts.set(k, { n: 1, v });
  }
  let best: { n: number; v: T } | undefined;
  for (const c of counts.values()) if (!best || c.n > best.n) best = c;
  return best?.v;
}
const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

interface FolderKeys {
  folder: string;
  name: string;
  privateKeyFile?: string;
  presharedKeyFile?: string;
  privateKey?: string;
  publicKey: string;
  presharedKey?: string;
}

/** Reads one peer folder's key files and checks that the private key derives the public key. */
function readFolderKeys(dir: ConfigDir, folder: string, name: string): FolderKeys | undefined {
  const priv = join(folder, `privatekey-${folder}`);
  const pub = join(folder, `publickey-${folder}`);
  const psk = join(folder, `presharedkey-${folder}`);
  const privateKey = dir.exists(priv) ? readKey(dir, priv) : undefined;
  const publicKey = dir.exists(pub) ? readKey(dir, pub) : privateKey !== undefined ? publicKeyOf(privateKey, priv) : undefined;
  if (publicKey === undefined) return undefined;
  if (privateKey !== undefined) {
    check(publicKeyOf(privateKey, priv) === publicKey, pub, "key-pair", `is not the public key of ${priv}`);
  }
  const presharedKey = dir.exists(psk) ? readKey(dir, psk) : undefined;
  return {
    folder, name, publicKey, privateKey, presharedKey,
    privateKeyFile: privateKey !== undefined ? priv : undefined,
    presharedKeyFile: presharedKey !== undefined ? psk : undefined,
  };
}

/**
 * Reads an image's `/config` (server mode) and returns WireGuardServer args that reproduce it,
 * the warnings (what is not carried over) and the leftover peer folders. Throws one WgKitError
 * (field: the file, relative to `dir`) when a cross-check fails; see the header.
 */
export function readLinuxserverConfig(dir: string): LinuxserverAdoption {
  try {
    return adopt(dir);
  } catch (e) {
    if (!(e instanceof WgKitError)) throw e;
    // Whatever check threw (ours or the parser's, which may quote a value), nothing key-shaped leaves.
    const detail = e.message.slice(e.field.length + 2).replace(/ \[rule: [^\]]*\]$/, "");
    throw new WgKitError(redactKeys(e.field), e.rule, redactKeys(detail));
  }
}

function adopt(dir: string): LinuxserverAdoption {
  check(typeof dir === "string" && dir !== "", "dir", "type", "must be a directory path");
  const d = new ConfigDir(dir);
  check(d.exists(".") && fs.statSync(dir).isDirectory(), ".", "not-a-directory", "the config dir does not exist or is not a directory");
  const warnings: AdoptionWarning[] = [];
  const warn = (file: string, rule: string, message: string, peer?: string) =>
    warnings.push({ file, rule, message: redactKeys(message), ...(peer !== undefined ? { peer } : {}) });

  // --- The server: its key pair and its conf (the modern location, else the legacy one).
  const serverPriv = "server/privatekey-server";
  const serverPub = "server/publickey-server";
  const serverPrivateKey = readKey(d, serverPriv);
  const serverPublicKey = publicKeyOf(serverPrivateKey, serverPriv);
  if (d.exists(serverPub)) {
    check(readKey(d, serverPub) === serverPublicKey, serverPub, "key-pair", `is not the public key of ${serverPriv}`);
  }
  const modern = "wg_confs/wg0.conf";
  const legacy = "wg0.conf";
  const serverConfFile = d.exists(modern) ? modern : d.exists(legacy) ? legacy : undefined;
  check(serverConfFile !== undefined, modern, "missing-file", `is missing (and there is no legacy ${legacy} at the root)`);
  if (serverConfFile === legacy) warn(legacy, "legacy-location", "the server conf is at the legacy location /config/wg0.conf; adopted from there");
  if (serverConfFile === modern && d.exists(legacy)) warn(legacy, "ignored-conf", `a legacy wg0.conf is also at the root; ${modern} is the one in use and was adopted`);
  if (d.exists("wg_confs")) {
    for (const f of d.list("wg_confs").map((e) => e.name)) {
      if (f.endsWith(".conf") && join("wg_confs", f) !== serverConfFile) warn(join("wg_confs", f), "ignored-conf", "another tunnel conf in wg_confs is not adopted");
    }
  }
  const serverText = d.read(serverConfFile);
  const server = parseConf(serverText, serverConfFile);
  const si = server.interface;
  check(si.privateKey === serverPrivateKey, serverConfFile, "server-key", `its PrivateKey is not the key in ${serverPriv}`);

  // Subnet: the server's IPv4 address; a bare one means the image's /24.
  const v4 = si.address.filter((a) => parseIp(a.split("/")[0]).kind() === "ipv4");
  check(v4.length > 0, serverConfFile, "no-server-address", "its [Interface] has no IPv4 Address");
  // The image writes a bare address and assumes a /24; an edited template may give a prefix.
  const [serverIp, prefixText] = v4[0].split("/");
  const prefix = prefixText === "32" ? 24 : Number(prefixText);
  const subnet = parseSubnet(networkKey(`${serverIp}/${prefix}`), serverConfFile, 4);
  if (serverAddresses(subnet.cidr).address !== serverIp) {
    warn(serverConfFile, "server-address", `the server's address ${serverIp} is not the first host of ${subnet.cidr}; wgkit's server takes ${serverAddresses(subnet.cidr).address}`);
  }
  si.address.filter((a) => a !== v4[0]).forEach((a) => warn(serverConfFile, "server-address", `the extra server address ${a} is not carried over (add subnet6 for dual stack)`));
  if (si.listenPort !== undefined && si.listenPort !== CONTAINER_PORT) {
    warn(serverConfFile, "listen-port", `ListenPort = ${si.listenPort} inside the container is not carried over: wgkit's server listens on ${CONTAINER_PORT} (serverPort is the published port)`);
  }
  for (const k of ["table", "fwMark"] as const) if (si[k] !== undefined) warn(serverConfFile, "interface-setting", `${k} = ${si[k]} is not carried over`);
  if (si.saveConfig) warn(serverConfFile, "interface-setting", "SaveConfig = true is not carried over");
  if (si.dns.length) warn(serverConfFile, "interface-setting", `the server's own DNS = ${si.dns.join(", ")} is not carried over`);

  // Hooks: the image's forwarding + NAT are what wgkit does (masquerade); anything else is a warning.
  const hooks = defaultHookCommands();
  let masquerading = false;
  const hookWarn = (kind: string, lines: string[], known: Set<string>) => lines.forEach((l) => {
    const cmds = splitCommands(l);
    cmds.forEach((c) => { if (hooks.masq.has(c)) masquerading = true; });
    const unknown = cmds.filter((c) => !known.has(c));
    if (unknown.length) warn(serverConfFile, "custom-hook", `${kind} commands are not carried over: ${unknown.join("; ")}`);
  });
  hookWarn("PreUp", si.preUp, new Set());
  hookWarn("PostUp", si.postUp, hooks.up);
  hookWarn("PreDown", si.preDown, new Set());
  hookWarn("PostDown", si.postDown, hooks.down);
  if (!masquerading) warn(serverConfFile, "masquerade", "the server conf does not masquerade peers' traffic; adopted as masquerade: false");

  // --- Folders: public key → folder. Two folders with one key, or two folders with one name, are errors.
  const byKey = new Map<string, FolderKeys>();
  const byName = new Map<string, string>();
  const unmatched: string[] = [];
  for (const folder of d.dirs(isPeerFolder)) {
    const name = peerNameOfFolder(folder);
    if (name === undefined) continue;
    const keys = readFolderKeys(d, folder, name);
    if (keys === undefined) { unmatched.push(folder); continue; }
    const other = byKey.get(keys.publicKey);
    check(other === undefined, join(folder, `publickey-${folder}`), "duplicate-key", `is also the public key of folder ${other?.folder}`);
    byKey.set(keys.publicKey, keys);
  }

  // --- Active peers: the server conf's [Peer] sections, each matched to its folder.
  const comments = peerComments(serverText);
  const active: { keys: FolderKeys; peer: WgQuickConf["peers"][number]; comment?: string }[] = [];
  server.peers.forEach((p, i) => {
    const keys = byKey.get(p.publicKey);
    const comment = comments[i];
    const where = `[Peer] number ${i + 1}`; // (not its comment: that is content of the file)
    check(keys !== undefined, serverConfFile, "peer-without-folder", `${where} has a public key that no peer folder holds`);
    check(comment === undefined || peerNameOfFolder(comment) === undefined || comment === keys.folder, serverConfFile, "peer-folder-mismatch",
      `${where} has the public key of folder ${keys.folder}`);
    checkName(keys.name, keys.folder);
    const taken = byName.get(keys.name);
    check(taken === undefined, keys.folder, "name-collision", `gives the peer name ${keys.name}, as does folder ${taken}`);
    byName.set(keys.name, keys.folder);
    active.push({ keys, peer: p, comment });
  });
  const activeFolders = new Set(active.map((a) => a.keys.folder));

  // --- Each active peer: its device conf against its files and the server conf.
  const taken = new Map<string, string>();
  const peers: Record<string, AdoptedPeerArgs> = {};
  const files: AdoptionKeyFiles = { serverPrivateKey: serverPriv, peers: {} };
  const device: Record<string, { file: string; dns: string[]; allowedIps: string[]; endpoint?: string; mtu?: number }> = {};
  const listenPorts: { file: string; port: number }[] = [];
  for (const { keys, peer } of active) {
    const { folder, name } = keys;
    const confFile = join(folder, `${folder}.conf`);
    const conf = readConf(d, confFile);
    const ci = conf.interface;
    if (keys.privateKey !== undefined) {
      check(ci.privateKey === keys.privateKey, confFile, "device-key", `its PrivateKey is not the key in ${keys.privateKeyFile}`);
    } else {
      check(ci.privateKey === undefined || publicKeyOf(ci.privateKey, confFile) === keys.publicKey, confFile, "device-key",
        `its PrivateKey does not derive ${join(folder, `publickey-${folder}`)}`);
    }
    check(conf.peers.length === 1, confFile, "device-peers", `must have exactly one [Peer] (the server), has ${conf.peers.length}`);
    const cp = conf.peers[0];
    check(cp.publicKey === serverPublicKey, confFile, "server-key", `its [Peer] PublicKey is not the server's key (${serverPub})`);
    // Preshared key: the server conf, the device conf and the file must agree.
    const pskFile = keys.presharedKeyFile ?? join(folder, `presharedkey-${folder}`);
    check(peer.presharedKey === cp.presharedKey, confFile, "preshared-key", `its PresharedKey does not match the server conf's for this peer (${serverConfFile})`);
    if (peer.presharedKey !== undefined) {
      check(keys.presharedKey !== undefined, pskFile, "missing-file", "is missing, but the confs use a preshared key");
      check(keys.presharedKey === peer.presharedKey, serverConfFile, "preshared-key", `the PresharedKey of ${folder} is not the key in ${pskFile}`);
    } else if (keys.presharedKey !== undefined) {
      warn(pskFile, "unused-preshared-key", "neither the server conf nor the device conf uses this preshared key; the peer is adopted without one", name);
    }
    // Address: the device's Address is the /32 the server routes to it; the rest are its LANs.
    const addr4 = ci.address.filter((a) => a.endsWith("/32"));
    check(addr4.length === 1, confFile, "device-address", `must have exactly one IPv4 Address, has ${addr4.length}`);
    ci.address.filter((a) => !a.endsWith("/32")).forEach((a) => warn(confFile, "device-address", `the extra device address ${a} is not carried over`, name));
    const address = addr4[0].slice(0, -3);
    check(peer.allowedIps.includes(addr4[0]), serverConfFile, "address-mismatch", `the AllowedIPs of ${folder} do not contain its device conf's Address ${address}`);
    check(parseIp(address).match(parseIpCidr(subnet.cidr)), confFile, "outside-subnet", `Address ${address} is outside the server's subnet ${subnet.cidr}`);
    check(address !== serverIp, confFile, "server-address", `Address ${address} is the server's own address`);
    const dup = taken.get(address);
    check(dup === undefined, confFile, "duplicate-address", `Address ${address} is also the address of ${dup}`);
    taken.set(address, folder);
    const lans = peer.allowedIps.filter((a) => a !== addr4[0]);
    const out: AdoptedPeerArgs = { address };
    if (keys.privateKey !== undefined) out.privateKey = keys.privateKey;
    else {
      out.publicKey = keys.publicKey;
      warn(folder, "device-held-key", "the folder has no private key: adopted as a device-held key (publicKey); wgkit's config output for it has no PrivateKey", name);
    }
    if (peer.presharedKey !== undefined) out.presharedKey = peer.presharedKey;
    if (peer.persistentKeepalive) out.persistentKeepalive = peer.persistentKeepalive;
    if (lans.length) out.serverAllowedIps = lans;
    if (peer.endpoint !== undefined) warn(serverConfFile, "peer-endpoint", `the server conf pins an Endpoint for ${folder}; not carried over (the peer dials in)`, name);
    if ((cp.persistentKeepalive ?? 0) !== (peer.persistentKeepalive ?? 0)) {
      warn(confFile, "device-keepalive", `the server side keeps this peer alive every ${peer.persistentKeepalive ?? "(off)"} s, the device conf every ${cp.persistentKeepalive || "(off)"} s; ` +
        "wgkit's persistentKeepalive sets both ends, so its config output for this peer differs there from the device's conf (the device keeps its own)", name);
    }
    for (const k of ["table", "fwMark"] as const) if (ci[k] !== undefined) warn(confFile, "device-setting", `${k} = ${ci[k]} is not carried over`, name);
    if (ci.preUp.length + ci.postUp.length + ci.preDown.length + ci.postDown.length) warn(confFile, "device-setting", "the device conf's hooks are not carried over", name);
    if (ci.listenPort !== undefined) listenPorts.push({ file: confFile, port: ci.listenPort });
    device[name] = { file: confFile, dns: ci.dns, allowedIps: cp.allowedIps, endpoint: cp.endpoint, mtu: ci.mtu };
    peers[name] = out;
    files.peers[name] = {
      folder,
      ...(out.privateKey !== undefined ? { privateKey: keys.privateKeyFile } : {}),
      ...(out.presharedKey !== undefined ? { presharedKey: pskFile } : {}),
    };
  }

  if (listenPorts.length) {
    warn(listenPorts.map((l) => l.file).join(", "), "device-listen-port",
      `ListenPort = ${[...new Set(listenPorts.map((l) => l.port))].join(" / ")} in ${listenPorts.length} device conf(s) stays on the devices; wgkit's config outputs have no ListenPort line`);
  }

  // --- Server-wide values from the device confs: the most common; a device that differs keeps its own.
  const orig = d.exists(".donoteditthisfile") ? origVariables(d.read(".donoteditthisfile")) : {};
  const names = Object.keys(device);
  const endpoint = common(names.map((n) => device[n].endpoint).filter((e): e is string => e !== undefined));
  let serverUrl: string;
  let serverPort: number;
  if (endpoint !== undefined) {
    const e = fromFile(() => parseEndpoint(endpoint, "endpoint"));
    serverUrl = e.host;
    serverPort = e.port;
  } else {
    check(orig.ORIG_SERVERURL !== undefined && orig.ORIG_SERVERURL !== "", ".donoteditthisfile", "no-endpoint",
      "no device conf has an Endpoint and ORIG_SERVERURL is not recorded: the server's public name is unknown");
    serverUrl = orig.ORIG_SERVERURL;
    serverPort = orig.ORIG_SERVERPORT ? Number(orig.ORIG_SERVERPORT) : CONTAINER_PORT;
  }
  for (const n of names) {
    const f = device[n].file;
    if (device[n].endpoint === undefined) warn(f, "device-endpoint", `the device conf has no Endpoint; wgkit's config output for it dials ${serverUrl}:${serverPort}`, n);
    else if (device[n].endpoint !== endpoint) warn(f, "device-endpoint", `the device dials ${device[n].endpoint}, the others ${endpoint}; wgkit has one endpoint`, n);
  }
  const dns = common(names.map((n) => device[n].dns)) ?? (orig.ORIG_PEERDNS ? orig.ORIG_PEERDNS.split(",").map((s) => s.trim()).filter((s) => s) : [serverIp]);
  const allowedIps = common(names.map((n) => device[n].allowedIps)) ?? ["0.0.0.0/0", "::/0"];
  for (const n of names) {
    if (!same(device[n].dns, dns)) peers[n].dns = device[n].dns;
    if (!same(device[n].allowedIps, allowedIps)) peers[n].allowedIps = device[n].allowedIps;
    if (device[n].mtu !== undefined && device[n].mtu !== si.mtu) peers[n].mtu = device[n].mtu;
  }
  if (endpoint !== undefined && orig.ORIG_SERVERURL !== undefined && `${orig.ORIG_SERVERURL}:${orig.ORIG_SERVERPORT ?? CONTAINER_PORT}` !== `${serverUrl}:${serverPort}`) {
    warn(".donoteditthisfile", "stale-record", "records another SERVERURL:SERVERPORT than the device confs; the device confs were adopted");
  }

  // --- Leftovers: peer folders the server conf does not name.
  const leftovers: AdoptionLeftover[] = [];
  for (const folder of d.dirs(isPeerFolder)) {
    const name = peerNameOfFolder(folder);
    if (name === undefined || activeFolders.has(folder)) continue;
    let address: string | undefined;
    try { address = readConf(d, join(folder, `${folder}.conf`)).interface.address.find((a) => a.endsWith("/32"))?.slice(0, -3); } catch { /* reported without address */ }
    leftovers.push({ folder, name, ...(address !== undefined ? { address } : {}) });
    if (address !== undefined && taken.has(address)) warn(folder, "leftover-address", `the leftover's address ${address} is also used by ${taken.get(address)}`);
  }
  unmatched.filter((f) => !leftovers.some((l) => l.folder === f)).forEach((f) => warn(f, "no-keys", "a peer folder without key files is ignored"));

  const args: AdoptedServerArgs = { serverUrl, serverPort, subnet: subnet.cidr, dns, allowedIps, privateKey: serverPrivateKey, peers };
  if (si.mtu !== undefined) args.mtu = si.mtu;
  if (!masquerading) args.masquerade = false;
  // Last: the result must be args the component accepts as they are (e.g. no two peers routing
  // overlapping LANs). Reported against the server conf, where those routes are written.
  try {
    checkServerSpec(args);
  } catch (e) {
    if (!(e instanceof WgKitError)) throw e;
    throw new WgKitError(serverConfFile, e.rule, `the adopted settings are refused: ${e.field} is invalid (the value is not shown: it was read from the adopted directory)`);
  }
  return { args, warnings, leftovers, files };
}
