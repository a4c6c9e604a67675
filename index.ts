import * as pulumi from "@pulumi/pulumi";
import { WireGuardServer } from "@wgkit/pulumi";

/**
 * The default stack: one server (container `wireguard`, as in the image's compose file) and the
 * peers named in config, on the local Docker engine.
 *   pulumi config set serverUrl vpn.my-domain.example   # SERVERURL: the name peers dial
 *   pulumi config set peers laptop,phone,nas            # PEERS: names, or a count like 3
 *   pulumi config set userspace true                    # host kernel without WireGuard
 * `npm run up` sets the same keys from WGKIT_SERVER_URL, WGKIT_PEERS and WGKIT_USERSPACE.
 */
const config = new pulumi.Config();

/** PEERS as the image reads it: a count (`3` → peer1…peer3) or a comma list of names. */
function peerNames(spec: string): string[] {
  const s = spec.trim();
  if (/^\d+$/.test(s)) return Array.from({ length: Number(s) }, (_, i) => `peer${i + 1}`);
  return s.split(",").map((n) => n.trim()).filter((n) => n.length > 0);
}

const names = peerNames(config.get("peers") ?? "laptop,phone");
const server = new WireGuardServer("wireguard", {
  serverUrl: config.get("serverUrl") ?? "wireguard.example.com",
  serverPort: config.getNumber("serverPort") ?? 51820,
  subnet: config.get("subnet") ?? "10.13.13.0/24",
  subnet6: config.get("subnet6"),
  userspace: config.getBoolean("userspace") ?? false,
  persistentKeepalive: config.getNumber("persistentKeepalive"),
  peers: Object.fromEntries(names.map((n) => [n, {}])),
});

export const serverPublicKey = server.publicKey;
export const endpoint = server.endpoint;
export const containerId = server.container.id;
/** Per peer: address, publicKey, config (secret), qrCode (secret), nixos. */
export const peers = Object.fromEntries(names.map((n) => {
  const p = server.peers[n];
  return [n, { address: p.address, address6: p.address6, publicKey: p.publicKey, config: p.config, qrCode: p.qrCode, nixos: p.nixos }];
}));
