import * as pulumi from "@pulumi/pulumi";
import { WireGuardServer } from "@wgkit/pulumi";

// The seed's "crawl back": the server routes each peer's /32 into the tunnel, so it can
// open connections to a connected peer — here an SSH server on the peer's port 8022.
// The defaults deploy on one machine; on a kernel without WireGuard: `pulumi config set userspace true`.
// Set serverUrl to the name the workstation dials.
const config = new pulumi.Config();
const server = new WireGuardServer("wg", {
  serverUrl: config.get("serverUrl") ?? "vpn.example.com",
  userspace: config.getBoolean("userspace") ?? false,
  peers: {
    // keepalive keeps the peer reachable behind NAT even when it sends nothing
    workstation: { address: "10.13.13.3", persistentKeepalive: 25 },
  },
});

export const workstationConfig = server.peers.workstation.config;
export const workstationAddress = server.peers.workstation.address;
export const sshFromServer = pulumi.interpolate`docker exec -it ${server.container.name} ssh -p 8022 user@${server.peers.workstation.address}`;
