/**
 * Builds a `/config` directory as the linuxserver.io image leaves it in server mode, written from
 * the layout described in shared/notes/linuxserver-image-contract.md ("Server mode's /config
 * layout") — not from the image's scripts. Real keys (core's generator; one test cross-checks
 * them with `wg pubkey`), files 0600 in 0700 folders, `# <id>` comments, the server conf's
 * `AllowedIPs = <addr>/32[,<lans>]` without spaces, device confs with `ListenPort = 51820`, `DNS`,
 * `Endpoint = SERVERURL:SERVERPORT` and `AllowedIPs` as given, and `.donoteditthisfile`.
 *
 * The hook lines are spelled out here by hand (what the notes describe: accept forwarding on the
 * tunnel, MASQUERADE out of eth+), not taken from wgkit's own renderer, so the reader's
 * recognition of them is checked against an independent text.
 */
import { createHash } from "crypto";
import * as fs from "fs";
import * as path from "path";
import { generateKeyPair, generatePresharedKey, KeyPair, qrPng } from "@wgkit/core";

export interface FixturePeer {
  /** `laptop` → folder `peer_laptop`; a number 3 → folder `peer3`. */
  id: string | number;
  /** Default: the deployment's `psk`. */
  psk?: boolean;
  /** Listed in PERSISTENTKEEPALIVE_PEERS: `PersistentKeepalive = 25` on the server side. */
  keepalive?: boolean;
  /** SERVER_ALLOWEDIPS_PEER_<id>: LANs routed to this peer. */
  lans?: string[];
  /** A removed peer: its folder stays (and keeps its address taken), the server conf omits it. */
  leftover?: boolean;
}

export interface FixtureOptions {
  serverUrl?: string;
  serverPort?: number;
  /** INTERNAL_SUBNET's first three octets. Default 10.13.13. */
  iface?: string;
  /** PEERDNS as resolved. Default: the server's tunnel address. */
  peerDns?: string;
  /** ALLOWEDIPS as given. Default "0.0.0.0/0, ::/0". */
  allowedIps?: string;
  peers: FixturePeer[];
  /** Preshared keys (false: a deployment from before they existed). Default true. */
  psk?: boolean;
  /** The legacy layout: the server conf at /config/wg0.conf, no wg_confs. */
  legacy?: boolean;
  /** An edited server template: extra PostUp lines and another ListenPort inside the container. */
  extraPostUp?: string[];
  listenPort?: number;
}

export interface FixtureKeys extends KeyPair { presharedKey?: string }

export interface Fixture {
  dir: string;
  options: FixtureOptions;
  server: KeyPair;
  /** By folder name (`peer_laptop`, `peer3`). */
  peers: Record<string, FixtureKeys & { address: string; folder: string }>;
  /** Every private, public and preshared key written, for leak scans. */
  allKeys(): string[];
  /** The device conf of a folder, as written. */
  deviceConf(folder: string): string;
  /** Path of a file inside the fixture. */
  file(rel: string): string;
}

export const folderOf = (id: string | number) => (typeof id === "number" ? `peer${id}` : `peer_${id}`);

const DEFAULT_HOOKS = {
  up: "iptables -A FORWARD -i %i -j ACCEPT; iptables -A FORWARD -o %i -j ACCEPT; iptables -t nat -A POSTROUTING -o eth+ -j MASQUERADE",
  down: "iptables -D FORWARD -i %i -j ACCEPT; iptables -D FORWARD -o %i -j ACCEPT; iptables -t nat -D POSTROUTING -o eth+ -j MASQUERADE",
};

function writeSecret(file: string, text: string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  fs.writeFileSync(file, text, { mode: 0o600 });
  fs.chmodSync(file, 0o600);
}

/** Lays out the fixture in `dir` (created, must not exist or be empty). */
export function buildLinuxserverConfig(dir: string, options: FixtureOptions): Fixture {
  const o = { serverUrl: "vpn.example.com", serverPort: 51820, iface: "10.13.13", psk: true, allowedIps: "0.0.0.0/0, ::/0", ...options };
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const peerDns = o.peerDns ?? `${o.iface}.1`;
  const server = generateKeyPair();
  writeSecret(path.join(dir, "server", "privatekey-server"), `${server.privateKey}\n`);
  writeSecret(path.join(dir, "server", "publickey-server"), `${server.publicKey}\n`);
  fs.chmodSync(path.join(dir, "server"), 0o700);

  const peers: Fixture["peers"] = {};
  const serverConf = [
    "[Interface]",
    `Address = ${o.iface}.1`,
    `ListenPort = ${o.listenPort ?? 51820}`,
    `PrivateKey = ${server.privateKey}`,
    `PostUp = ${DEFAULT_HOOKS.up}`,
    ...(o.extraPostUp ?? []).map((l) => `PostUp = ${l}`),
    `PostDown = ${DEFAULT_HOOKS.down}`,
    "",
  ];
  o.peers.forEach((p, i) => {
    const folder = folderOf(p.id);
    const keys: FixtureKeys = generateKeyPair();
    if (p.psk ?? o.psk) keys.presharedKey = generatePresharedKey();
    const address = `${o.iface}.${i + 2}`;
    peers[folder] = { ...keys, address, folder };
    const fdir = path.join(dir, folder);
    writeSecret(path.join(fdir, `privatekey-${folder}`), `${keys.privateKey}\n`);
    writeSecret(path.join(fdir, `publickey-${folder}`), `${keys.publicKey}\n`);
    if (keys.presharedKey) writeSecret(path.join(fdir, `presharedkey-${folder}`), `${keys.presharedKey}\n`);
    const device = [
      "[Interface]",
      `Address = ${address}`,
      `PrivateKey = ${keys.privateKey}`,
      "ListenPort = 51820",
      `DNS = ${peerDns}`,
      "",
      "[Peer]",
      `PublicKey = ${server.publicKey}`,
      ...(keys.presharedKey ? [`PresharedKey = ${keys.presharedKey}`] : []),
      `Endpoint = ${o.serverUrl}:${o.serverPort}`,
      `AllowedIPs = ${o.allowedIps}`,
      "",
    ].join("\n");
    writeSecret(path.join(fdir, `${folder}.conf`), device);
    fs.writeFileSync(path.join(fdir, `${folder}.png`), qrPng(device), { mode: 0o600 });
    fs.chmodSync(fdir, 0o700);
    if (p.leftover) return;
    serverConf.push(
      "[Peer]",
      `# ${folder}`,
      `PublicKey = ${keys.publicKey}`,
      ...(keys.presharedKey ? [`PresharedKey = ${keys.presharedKey}`] : []),
      `AllowedIPs = ${[`${address}/32`, ...(p.lans ?? [])].join(",")}`,
      ...(p.keepalive ? ["PersistentKeepalive = 25"] : []),
      "",
    );
  });
  writeSecret(path.join(dir, ...(o.legacy ? ["wg0.conf"] : ["wg_confs", "wg0.conf"])), serverConf.join("\n"));
  if (!o.legacy) fs.chmodSync(path.join(dir, "wg_confs"), 0o700);
  const active = o.peers.filter((p) => !p.leftover);
  writeSecret(path.join(dir, ".donoteditthisfile"), [
    `ORIG_SERVERURL="${o.serverUrl}"`,
    `ORIG_SERVERPORT="${o.serverPort}"`,
    `ORIG_PEERDNS="${peerDns}"`,
    `ORIG_PEERS="${active.map((p) => p.id).join(",")}"`,
    `ORIG_INTERFACE="${o.iface}"`,
    `ORIG_ALLOWEDIPS="${o.allowedIps}"`,
    `ORIG_PERSISTENTKEEPALIVE_PEERS="${active.filter((p) => p.keepalive).map((p) => p.id).join(",")}"`,
    "",
  ].join("\n"));
  return {
    dir,
    options: o,
    server,
    peers,
    allKeys: () => [server.privateKey, server.publicKey, ...Object.values(peers).flatMap((k) => [k.privateKey, k.publicKey, ...(k.presharedKey ? [k.presharedKey] : [])])],
    deviceConf: (folder) => fs.readFileSync(path.join(dir, folder, `${folder}.conf`), "utf8"),
    file: (rel) => path.join(dir, ...rel.split("/")),
  };
}

/** sha256 of every file and the mode of every entry under `dir`, by relative path. */
export function hashTree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (rel: string) => {
    const abs = path.join(dir, rel);
    const st = fs.lstatSync(abs);
    const mode = (st.mode & 0o7777).toString(8);
    if (st.isDirectory()) {
      out[`${rel || "."}/`] = `dir ${mode} ${st.mtimeMs}`;
      for (const e of fs.readdirSync(abs).sort()) walk(rel ? `${rel}/${e}` : e);
    } else {
      out[rel] = `${mode} ${createHash("sha256").update(fs.readFileSync(abs)).digest("hex")} ${st.mtimeMs}`;
    }
  };
  walk("");
  return out;
}

/** A text replacement in a fixture file (keeps its mode). */
export function edit(fixture: Fixture, rel: string, fn: (text: string) => string): void {
  const f = fixture.file(rel);
  fs.writeFileSync(f, fn(fs.readFileSync(f, "utf8")));
}
