import * as pulumi from "@pulumi/pulumi";
import * as docker from "@pulumi/docker";
import { WireGuardServer } from "@wgkit/pulumi";

// Stack 1 of 2: the server. It exports the branch peer's conf (secret) for stack 2
// (examples/two-stack-client): deploy this stack first, as `dev`, then that one.
// The defaults deploy both stacks on one machine: the branch dials this server through this host's
// address on Docker's default bridge. On a kernel without WireGuard: `pulumi config set userspace true`.
// A branch elsewhere: `pulumi config set serverUrl <this server's public name or IP>`.
const config = new pulumi.Config();
const server = new WireGuardServer("hq", {
  serverUrl: config.get("serverUrl") ?? docker.getNetworkOutput({ name: "bridge" }).apply((n) => n.ipamConfigs[0].gateway!),
  userspace: config.getBoolean("userspace") ?? false,
  peers: { branch: { allowedIps: ["10.13.13.0/24"], persistentKeepalive: 25 } },
});

export const serverPublicKey = server.publicKey;
export const endpoint = server.endpoint;
export const branchConfig = server.peers.branch.config;
export const branchAddress = server.peers.branch.address;
