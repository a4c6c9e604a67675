import * as pulumi from "@pulumi/pulumi";
import { WireGuardServer } from "@wgkit/pulumi";

// Road warriors: each device gets keys, an address, a conf and a QR code to scan
// in the WireGuard app. `pulumi stack output --show-secrets phoneQr | base64 -d > phone.png`
// The defaults deploy on one machine; on a kernel without WireGuard: `pulumi config set userspace true`.
// Set serverUrl to the name the devices dial.
const config = new pulumi.Config();
const server = new WireGuardServer("hub", {
  serverUrl: config.get("serverUrl") ?? "vpn.example.com",
  subnet: "10.13.13.0/24",
  subnet6: "fd42:13:13::/64",
  persistentKeepalive: 25,
  userspace: config.getBoolean("userspace") ?? false,
  peers: {
    phone: {},
    laptop: { allowedIps: ["10.13.13.0/24", "fd42:13:13::/64"] },
    tablet: { enabled: config.getBoolean("tabletEnabled") ?? true },
  },
});

export const peers = Object.fromEntries(Object.entries(server.peers).map(([n, p]) => [n, { address: p.address, address6: p.address6, publicKey: p.publicKey }]));
export const phoneConfig = server.peers.phone.config;
export const phoneQr = server.peers.phone.qrCode;
export const laptopConfig = server.peers.laptop.config;
