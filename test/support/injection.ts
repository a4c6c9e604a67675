import * as fc from "fast-check";
import {
  generateKeyPair, KeyPair, parseWgQuick, peerConf, renderNixOS, renderWgQuick, serverConf, WgKitError,
} from "@wgkit/core";

/** Strings built to break out of a value: line breaks, NUL, section headers, hook keys, comments. */
export const hostileString = fc.oneof(
  fc.string({ unit: "binary", maxLength: 40 }),
  fc.tuple(
    fc.string({ maxLength: 12 }),
    fc.constantFrom("\n", "\r", "\r\n", "\u0000", "\u2028", "\u0085", "#", " ", "", "\t", "\v"),
    fc.constantFrom("[Peer]", "[Interface]", "PostUp = touch /pwned", "PrivateKey = x", "", "AllowedIPs = 0.0.0.0/0"),
    fc.string({ maxLength: 12 }),
  ).map(([a, b, c, d]) => a + b + c + d),
  fc.constantFrom("eth0; touch /pwned", "eth+ -j ACCEPT && id", "$(id)", "`id`",
    "10.0.0.1/32\n[Peer]", "example.com:51820\nPostUp = id", "1.1.1.1\r\nDNS = 6.6.6.6", "wg0\n", "vpn.example.com:1#x"),
);

export interface InjectionTarget {
  name: string;
  /** Renders a conf with `s` placed into one string field. */
  render: (s: string, k: KeyPair) => string;
  /** How many lines and sections a clean render of this target has. */
  shape?: { lines: number; sections: number };
}

const server = generateKeyPair();
const peerBase = (k: KeyPair) => ({ privateKey: k.privateKey, address: "10.13.13.2", serverPublicKey: server.publicKey, endpoint: "vpn.example.com:51820" });
const srvBase = (k: KeyPair) => ({ privateKey: server.privateKey, address: "10.13.13.1", subnet: "10.13.13.0/24", peers: [{ publicKey: k.publicKey, address: "10.13.13.2" }] });

export const injectionTargets: InjectionTarget[] = [
  { name: "peerConf.endpoint", render: (s, k) => renderWgQuick(peerConf({ ...peerBase(k), endpoint: s })) },
  { name: "peerConf.dns", render: (s, k) => renderWgQuick(peerConf({ ...peerBase(k), dns: [s] })) },
  { name: "peerConf.allowedIps", render: (s, k) => renderWgQuick(peerConf({ ...peerBase(k), allowedIps: [s] })) },
  { name: "peerConf.address", render: (s, k) => renderWgQuick(peerConf({ ...peerBase(k), address: s })) },
  { name: "peerConf.privateKey", render: (s, k) => renderWgQuick(peerConf({ ...peerBase(k), privateKey: s })) },
  { name: "peerConf.serverPublicKey", render: (s, k) => renderWgQuick(peerConf({ ...peerBase(k), serverPublicKey: s })) },
  { name: "peerConf.presharedKey", render: (s, k) => renderWgQuick(peerConf({ ...peerBase(k), presharedKey: s })) },
  { name: "serverConf.subnet", render: (s, k) => renderWgQuick(serverConf({ ...srvBase(k), subnet: s })) },
  { name: "serverConf.uplink", render: (s, k) => renderWgQuick(serverConf({ ...srvBase(k), uplink: s })) },
  { name: "serverConf.peer.serverAllowedIps", render: (s, k) => renderWgQuick(serverConf({ ...srvBase(k), peers: [{ publicKey: k.publicKey, address: "10.13.13.2", serverAllowedIps: [s] }] })) },
  { name: "serverConf.peer.address6", render: (s, k) => renderWgQuick(serverConf({ ...srvBase(k), peers: [{ publicKey: k.publicKey, address: "10.13.13.2", address6: s }] })) },
  { name: "nixos.endpoint", render: (s, k) => renderNixOS(peerConf({ ...peerBase(k), endpoint: s })).text },
  { name: "nixos.dns", render: (s, k) => renderNixOS(peerConf({ ...peerBase(k), dns: [s] })).text },
  { name: "nixos.interfaceName", render: (s, k) => renderNixOS(peerConf(peerBase(k)), { interfaceName: s }).text },
  { name: "nixos.keyDir", render: (s, k) => renderNixOS(peerConf(peerBase(k)), { keyDir: s }).text },
];

const shapeOf = (text: string) => ({
  lines: text.split(/\r\n|\r|\n|\u2028|\u2029|\u0085/).length,
  sections: (text.match(/^\s*\[/gm) ?? []).length,
  hasNul: text.includes("\u0000"),
});

/**
 * For each target and `runs` hostile strings: the render either throws a WgKitError, or
 * yields a text with no extra line (a value may drop its own line: an empty list renders
 * none), the same sections, no NUL, and — for wg-quick text — hooks that are all wgkit's own.
 * Returns the number of cases run.
 */
function runProperty(targets: InjectionTarget[], cleanOf: (t: InjectionTarget, k: KeyPair) => string, runs: number, seed?: number): number {
  let total = 0;
  for (const t of targets) {
    const k = generateKeyPair();
    const clean = shapeOf(t.render(cleanOf(t, k), k));
    fc.assert(fc.property(hostileString, (s) => {
      total++;
      let text: string;
      try {
        text = t.render(s, k);
      } catch (e) {
        if (e instanceof WgKitError) return true;
        throw e;
      }
      const got = shapeOf(text);
      if (got.hasNul || got.lines > clean.lines || got.sections !== clean.sections) {
        throw new Error(`${t.name}: ${JSON.stringify(s)} changed the conf's shape: ${JSON.stringify(got)} vs ${JSON.stringify(clean)}`);
      }
      if (t.name.startsWith("nixos")) return true;
      for (const part of text.split(/\n(?=\[Interface\])/)) {
        const conf = parseWgQuick(part);
        const hooks = [...conf.interface.preUp, ...conf.interface.postUp, ...conf.interface.preDown, ...conf.interface.postDown];
        const bad = hooks.find((h) => !SAFE_HOOK.test(h));
        if (bad !== undefined) throw new Error(`${t.name}: ${JSON.stringify(s)} reached a hook: ${JSON.stringify(bad)}`);
      }
      return true;
    }), { numRuns: runs, seed });
  }
  return total;
}

/** The property over the renderers' string fields. */
export function runInjectionProperty(runs: number, seed?: number): number {
  return runProperty(injectionTargets, (t, k) => (t.name === "nixos.interfaceName" ? "wg0" : t.name === "nixos.keyDir" ? "/etc/wireguard" : cleanValue(t.name, k)), runs, seed);
}

function cleanValue(name: string, k: KeyPair): string {
  const table: Record<string, string> = {
    "peerConf.endpoint": "vpn.example.com:51820", "peerConf.dns": "10.13.13.1", "peerConf.allowedIps": "0.0.0.0/0",
    "peerConf.address": "10.13.13.2", "peerConf.privateKey": k.privateKey, "peerConf.serverPublicKey": server.publicKey,
    "peerConf.presharedKey": k.publicKey, "serverConf.subnet": "10.13.13.0/24", "serverConf.uplink": "eth+",
    "serverConf.peer.serverAllowedIps": "192.168.1.0/24", "serverConf.peer.address6": "fd42::2",
    "nixos.endpoint": "vpn.example.com:51820", "nixos.dns": "10.13.13.1",
  };
  return table[name];
}

// ---------------------------------------------------------------------------------------------
// Component pipelines: the exact core calls each component makes, with one string input hostile.

import {
  buildClientConf, buildPeer, buildServerConf, buildSiteLink, checkServerSpec, ClientTunnelSpec, ENDPOINTS_RESTORE, ENDPOINTS_SAVE, planAddresses, resolvePeerDns,
  serverEndpoint, ServerSpec, SiteLinkSpec,
} from "@wgkit/core";

const psk = generateKeyPair().publicKey;
/** A peer key that is not the server's own (a conf listing its own key as a peer is refused). */
const otherPeer = generateKeyPair();
/** WireGuardServer: validate, plan, server conf, every peer conf (as the component does). */
function serverPipeline(spec: ServerSpec): string {
  checkServerSpec(spec);
  const names = Object.keys(spec.peers ?? {});
  const plan = planAddresses({ subnet: spec.subnet ?? "10.13.13.0/24", subnet6: spec.subnet6, peers: names.map((n) => ({ name: n, address: spec.peers![n].address, address6: spec.peers![n].address6 })) });
  const keys = Object.fromEntries(names.map((n) => [n, generateKeyPair()]));
  const srv = renderWgQuick(buildServerConf(spec, server.privateKey, plan, Object.fromEntries(names.map((n) => [n, { publicKey: spec.peers![n].publicKey ?? keys[n].publicKey, presharedKey: psk, addresses: plan.peers[n] }]))));
  const peers = names.map((n) => renderWgQuick(buildPeer({
    serverPublicKey: server.publicKey, endpoint: serverEndpoint(spec), address: plan.peers[n].address, address6: plan.peers[n].address6,
    dns: resolvePeerDns(spec.peers![n].dns, spec.dns, plan.server), allowedIps: spec.peers![n].allowedIps ?? spec.allowedIps,
  }, keys[n].privateKey, psk)));
  return [srv, ...peers].join("\n");
}
const srvSpec = (patch: (s: ServerSpec) => void): ServerSpec => {
  const s: ServerSpec = { serverUrl: "vpn.example.com", subnet6: "fd42::/64", dns: ["auto"], allowedIps: ["0.0.0.0/0"], peers: { a: { dns: ["10.0.0.53"], allowedIps: ["10.0.0.0/8"], serverAllowedIps: ["192.168.1.0/24"] } } };
  patch(s);
  return s;
};
const providerConf = (k: KeyPair, dns = "10.64.0.1") => `[Interface]\nPrivateKey = ${k.privateKey}\nAddress = 10.64.0.2/32\nDNS = ${dns}\n\n[Peer]\nPublicKey = ${server.publicKey}\nAllowedIPs = 0.0.0.0/0\nEndpoint = 198.51.100.10:51820\n`;
const tunnel = (k: KeyPair, patch: Partial<ClientTunnelSpec>) => renderWgQuick(buildClientConf({ config: providerConf(k), table: "55111", routeDestinations: ["203.0.113.0/24"], routeSources: ["198.18.0.0/15"], killSwitch: true, killSwitchAllow: ["198.18.0.0/15"], ...patch }));
const link = (patch: (s: SiteLinkSpec) => void) => {
  const s: SiteLinkSpec = { siteA: { name: "a", lans: ["192.168.1.0/24"], endpoint: "a.example.com:51820" }, siteB: { name: "b", lans: ["192.168.2.0/24"] } };
  patch(s);
  const b = buildSiteLink(s, generateKeyPair(), generateKeyPair(), psk);
  return `${renderWgQuick(b.a)}\n${renderWgQuick(b.b)}`;
};

/** Hook lines wgkit itself renders: iptables/ip rule commands with fixed words and validated CIDRs only. */
export const SAFE_HOOK = new RegExp(`^(ip6?tables [-A-Za-z0-9 %+_.=!/:|>&]+|ip( -6)? rule (add|del) ((from|to) [0-9a-fA-F.:/]+ table [0-9]+|fwmark 0xca6c table main)|${[ENDPOINTS_SAVE, ENDPOINTS_RESTORE].map((h) => h.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join("|")})$`);

export const componentTargets: InjectionTarget[] = [
  { name: "WireGuardServer.serverUrl", render: (s) => serverPipeline(srvSpec((x) => { x.serverUrl = s; })) },
  { name: "WireGuardServer.subnet", render: (s) => serverPipeline(srvSpec((x) => { x.subnet = s; })) },
  { name: "WireGuardServer.subnet6", render: (s) => serverPipeline(srvSpec((x) => { x.subnet6 = s; })) },
  { name: "WireGuardServer.dns", render: (s) => serverPipeline(srvSpec((x) => { x.dns = [s]; })) },
  { name: "WireGuardServer.allowedIps", render: (s) => serverPipeline(srvSpec((x) => { x.allowedIps = [s]; })) },
  { name: "WireGuardServer.tz", render: (s) => serverPipeline(srvSpec((x) => { x.tz = s; })) },
  { name: "WireGuardServer.image", render: (s) => serverPipeline(srvSpec((x) => { x.image = s; })) },
  { name: "WireGuardServer.configPath", render: (s) => serverPipeline(srvSpec((x) => { x.configPath = s; })) },
  { name: "WireGuardServer.dockerHost", render: (s) => serverPipeline(srvSpec((x) => { x.dockerHost = s; })) },
  { name: "WireGuardServer.networks", render: (s) => serverPipeline(srvSpec((x) => { x.networks = [s]; })) },
  { name: "WireGuardServer.rotation", render: (s) => serverPipeline(srvSpec((x) => { x.rotation = s; })) },
  { name: "WireGuardServer.peers.address", render: (s) => serverPipeline(srvSpec((x) => { x.peers!.a.address = s; })) },
  { name: "WireGuardServer.peers.address6", render: (s) => serverPipeline(srvSpec((x) => { x.peers!.a.address6 = s; })) },
  { name: "WireGuardServer.peers.dns", render: (s) => serverPipeline(srvSpec((x) => { x.peers!.a.dns = [s]; })) },
  { name: "WireGuardServer.peers.allowedIps", render: (s) => serverPipeline(srvSpec((x) => { x.peers!.a.allowedIps = [s]; })) },
  { name: "WireGuardServer.peers.serverAllowedIps", render: (s) => serverPipeline(srvSpec((x) => { x.peers!.a.serverAllowedIps = [s]; })) },
  { name: "WireGuardServer.peers.publicKey", render: (s) => serverPipeline(srvSpec((x) => { x.peers!.a.publicKey = s; })) },
  { name: "WireGuardServer.peers.rotation", render: (s) => serverPipeline(srvSpec((x) => { x.peers!.a.rotation = s; })) },
  { name: "Peer.endpoint", render: (s, k) => renderWgQuick(buildPeer({ serverPublicKey: server.publicKey, endpoint: s, address: "10.13.13.2" }, k.privateKey, psk)) },
  { name: "Peer.address", render: (s, k) => renderWgQuick(buildPeer({ serverPublicKey: server.publicKey, endpoint: "vpn.example.com:51820", address: s }, k.privateKey, psk)) },
  { name: "Peer.dns", render: (s, k) => renderWgQuick(buildPeer({ serverPublicKey: server.publicKey, endpoint: "vpn.example.com:51820", address: "10.13.13.2", dns: [s] }, k.privateKey, psk)) },
  { name: "Peer.allowedIps", render: (s, k) => renderWgQuick(buildPeer({ serverPublicKey: server.publicKey, endpoint: "vpn.example.com:51820", address: "10.13.13.2", allowedIps: [s] }, k.privateKey, psk)) },
  { name: "Peer.serverPublicKey", render: (s, k) => renderWgQuick(buildPeer({ serverPublicKey: s, endpoint: "vpn.example.com:51820", address: "10.13.13.2" }, k.privateKey, psk)) },
  { name: "ClientTunnel.config(DNS value)", render: (s, k) => renderWgQuick(buildClientConf({ config: providerConf(k, s) })) },
  { name: "ClientTunnel.table", render: (s, k) => tunnel(k, { table: s }) },
  { name: "ClientTunnel.routeDestinations", render: (s, k) => tunnel(k, { routeDestinations: [s] }) },
  { name: "ClientTunnel.routeSources", render: (s, k) => tunnel(k, { routeSources: [s] }) },
  { name: "ClientTunnel.killSwitchAllow", render: (s, k) => tunnel(k, { killSwitchAllow: [s] }) },
  { name: "ClientTunnel.dns", render: (s, k) => tunnel(k, { dns: [s] }) },
  { name: "ClientTunnel.interfaceName", render: (s, k) => tunnel(k, { interfaceName: s }) },
  { name: "SiteLink.siteA.name", render: (s) => link((x) => { x.siteA.name = s; }) },
  { name: "SiteLink.siteA.lans", render: (s) => link((x) => { x.siteA.lans = [s]; }) },
  { name: "SiteLink.siteA.endpoint", render: (s) => link((x) => { x.siteA.endpoint = s; }) },
  { name: "SiteLink.siteB.lans", render: (s) => link((x) => { x.siteB.lans = [s]; }) },
  { name: "SiteLink.tunnelSubnet", render: (s) => link((x) => { x.tunnelSubnet = s; }) },
];

/** The same property over every string input of every component pipeline. */
export function runComponentInjection(runs: number, seed?: number): number {
  return runProperty(componentTargets, (t) => CLEAN[t.name] ?? "x", runs, seed);
}

const CLEAN: Record<string, string> = {
  "WireGuardServer.serverUrl": "vpn.example.com", "WireGuardServer.subnet": "10.13.13.0/24", "WireGuardServer.subnet6": "fd42::/64",
  "WireGuardServer.dns": "auto", "WireGuardServer.allowedIps": "0.0.0.0/0", "WireGuardServer.tz": "Etc/UTC",
  "WireGuardServer.image": "lscr.io/linuxserver/wireguard:1.0.20250521", "WireGuardServer.configPath": "/srv/wg",
  "WireGuardServer.dockerHost": "ssh://admin@host", "WireGuardServer.networks": "lan", "WireGuardServer.rotation": "r1",
  "WireGuardServer.peers.address": "10.13.13.9", "WireGuardServer.peers.address6": "fd42::9", "WireGuardServer.peers.dns": "10.0.0.53",
  "WireGuardServer.peers.allowedIps": "10.0.0.0/8", "WireGuardServer.peers.serverAllowedIps": "192.168.1.0/24",
  "WireGuardServer.peers.publicKey": otherPeer.publicKey, "WireGuardServer.peers.rotation": "r1",
  "Peer.endpoint": "vpn.example.com:51820", "Peer.address": "10.13.13.2", "Peer.dns": "10.13.13.1", "Peer.allowedIps": "0.0.0.0/0",
  "Peer.serverPublicKey": server.publicKey, "ClientTunnel.config(DNS value)": "10.64.0.1", "ClientTunnel.table": "55111",
  "ClientTunnel.routeDestinations": "203.0.113.0/24", "ClientTunnel.routeSources": "198.18.0.0/15", "ClientTunnel.killSwitchAllow": "198.18.0.0/15",
  "ClientTunnel.dns": "10.64.0.1", "ClientTunnel.interfaceName": "wg0", "SiteLink.siteA.name": "a", "SiteLink.siteA.lans": "192.168.1.0/24",
  "SiteLink.siteA.endpoint": "a.example.com:51820", "SiteLink.siteB.lans": "192.168.2.0/24", "SiteLink.tunnelSubnet": "10.255.13.0/30",
};
