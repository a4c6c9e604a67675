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
 * For each target and `runs` hostile strings: the render either throws a
 * WgKitError, or yields a text with exactly the clean render's line and
 * section counts (and, for wg-quick, one that parses). Returns cases run.
 */
export function runInjectionProperty(runs: number, seed?: number): number {
  let total = 0;
  for (const t of injectionTargets) {
    const k = generateKeyPair();
    const clean = shapeOf(t.render(t.name.startsWith("nixos.interfaceName") ? "wg0" : t.name.includes("keyDir") ? "/etc/wireguard" : cleanValue(t.name, k), k));
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
      if (got.hasNul || got.lines !== clean.lines || got.sections !== clean.sections) {
        throw new Error(`${t.name}: ${JSON.stringify(s)} changed the conf's shape: ${JSON.stringify(got)} vs ${JSON.stringify(clean)}`);
      }
      if (!t.name.startsWith("nixos")) {
        const conf = parseWgQuick(text);
        const hooks = [...conf.interface.preUp, ...conf.interface.postUp, ...conf.interface.preDown, ...conf.interface.postDown];
        const unsafe = hooks.find((h) => !/^ip6?tables [-A-Za-z0-9 %+_.=]+$/.test(h));
        if (unsafe !== undefined) throw new Error(`${t.name}: ${JSON.stringify(s)} reached a hook: ${JSON.stringify(unsafe)}`);
      }
      return true;
    }), { numRuns: runs, seed });
  }
  return total;
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
