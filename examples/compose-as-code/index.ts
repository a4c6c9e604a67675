import * as pulumi from "@pulumi/pulumi";
import { WireGuardServer } from "@wgkit/pulumi";

// The seed's compose file: SERVERURL=wireguard.domain.com, SERVERPORT=51820, PEERS=1,
// PEERDNS=auto, INTERNAL_SUBNET=10.13.13.0, PUID/PGID=1000, TZ=Etc/UTC.
// The defaults deploy on one machine (a container named `wireguard`, port 51820/udp); on a kernel
// without WireGuard: `pulumi config set userspace true`. Set serverUrl to the name peers dial.
const config = new pulumi.Config();
const server = new WireGuardServer("wireguard", {
  serverUrl: config.get("serverUrl") ?? "wireguard.example.com",
  serverPort: config.getNumber("serverPort") ?? 51820,
  subnet: "10.13.13.0",
  dns: ["auto"],
  puid: 1000,
  pgid: 1000,
  tz: "Etc/UTC",
  userspace: config.getBoolean("userspace") ?? false,
  peers: { peer1: {} },
});

export const publicKey = server.publicKey;
export const endpoint = server.endpoint;
export const peer1Address = server.peers.peer1.address;
export const peer1Config = server.peers.peer1.config;
