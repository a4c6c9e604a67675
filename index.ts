import * as pulumi from "@pulumi/pulumi";
import { WireGuardServer } from "@wgkit/pulumi";

/**
 * The default stack: one server and two peers on the local Docker engine.
 *   pulumi config set serverUrl vpn.my-domain.example   # the name peers dial
 *   pulumi config set userspace true                    # host kernel without WireGuard
 */
const config = new pulumi.Config();
const server = new WireGuardServer("wireguard", {
  serverUrl: config.get("serverUrl") ?? "wireguard.example.com",
  serverPort: config.getNumber("serverPort") ?? 51820,
  subnet: config.get("subnet") ?? "10.13.13.0/24",
  subnet6: config.get("subnet6"),
  userspace: config.getBoolean("userspace") ?? false,
  peers: {
    laptop: {},
    phone: { persistentKeepalive: 25 },
  },
});

export const serverPublicKey = server.publicKey;
export const endpoint = server.endpoint;
export const peers = {
  laptop: { address: server.peers.laptop.address, publicKey: server.peers.laptop.publicKey, config: server.peers.laptop.config, qrCode: server.peers.laptop.qrCode, nixos: server.peers.laptop.nixos },
  phone: { address: server.peers.phone.address, publicKey: server.peers.phone.publicKey, config: server.peers.phone.config, qrCode: server.peers.phone.qrCode, nixos: server.peers.phone.nixos },
};
