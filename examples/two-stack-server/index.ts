import * as pulumi from "@pulumi/pulumi";
import { WireGuardServer } from "@wgkit/pulumi";

// Stack 1 of 2: the server. It exports the gateway peer's conf (secret) for stack 2.
const config = new pulumi.Config();
const server = new WireGuardServer("hq", {
  serverUrl: config.get("serverUrl") ?? "vpn.example.com",
  userspace: config.getBoolean("userspace") ?? false,
  peers: { branch: { allowedIps: ["10.13.13.0/24"], persistentKeepalive: 25 } },
});

export const serverPublicKey = server.publicKey;
export const endpoint = server.endpoint;
export const branchConfig = server.peers.branch.config;
export const branchAddress = server.peers.branch.address;
