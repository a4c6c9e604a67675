import * as pulumi from "@pulumi/pulumi";
import * as docker from "@pulumi/docker";
import { ClientTunnel, WireGuardServer } from "@wgkit/pulumi";

// One wgkit server, one ClientTunnel using a peer's conf, and an app container that shares
// the tunnel's network namespace (networkMode) — its traffic leaves through the tunnel.
// Ports of the app are published on the tunnel container.
// The defaults deploy on one machine: the tunnel dials the server through this host's address on
// Docker's default bridge (where the server's port is published). On a kernel without WireGuard:
// `pulumi config set userspace true`. Server elsewhere: `pulumi config set serverUrl <its public name>`.
const config = new pulumi.Config();
const server = new WireGuardServer("exit", {
  serverUrl: config.get("serverUrl") ?? docker.getNetworkOutput({ name: "bridge" }).apply((n) => n.ipamConfigs[0].gateway!),
  userspace: config.getBoolean("userspace") ?? false,
  peers: { gateway: { persistentKeepalive: 25, allowedIps: ["10.13.13.0/24"] } },
});
const tunnel = new ClientTunnel("gateway", {
  config: server.peers.gateway.config,
  dns: [],
  publishPorts: [{ internal: 8080, external: config.getNumber("appPort") ?? 8080, protocol: "tcp" }],
  userspace: config.getBoolean("userspace") ?? false,
});
const app = new docker.Container("app", {
  name: "app",
  image: config.get("appImage") ?? "lscr.io/linuxserver/wireguard:1.0.20250521",
  networkMode: tunnel.networkMode,
  command: ["sleep", "infinity"],
}, { dependsOn: [tunnel] });

export const appContainer = app.name;
export const tunnelNetworkMode = tunnel.networkMode;
export const publishedPorts = tunnel.ports;
