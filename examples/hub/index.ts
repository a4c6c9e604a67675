import * as pulumi from "@pulumi/pulumi";
import { WireGuardServer } from "@wgkit/pulumi";

// A hub: three sites with LANs behind their routers (spokes) and some phones (road warriors).
// The server routes between the spokes and enforces the access rules in its own firewall; every
// peer resolves every other as <peer>.wg.internal. Adding a site, a LAN or a rule is applied live.
// The defaults deploy on one machine; on a kernel without WireGuard: `pulumi config set userspace true`.
// Set serverUrl to the name the peers dial.
const config = new pulumi.Config();
const hub = new WireGuardServer("hub", {
  serverUrl: config.get("serverUrl") ?? "vpn.example.com",
  subnet: "10.13.13.0/24",
  subnet6: "fd42:13:13::/64",
  // Peers route only the tunnel and the LANs they may reach (derived per peer), not the internet.
  allowedIps: ["10.13.13.0/24", "fd42:13:13::/64"],
  persistentKeepalive: 25,
  userspace: config.getBoolean("userspace") ?? false,
  peers: {
    office: { serverAllowedIps: ["192.168.10.0/24"], groups: ["sites"] },
    warehouse: { serverAllowedIps: ["192.168.20.0/24"], groups: ["sites"] },
    cabin: { serverAllowedIps: ["192.168.30.0/24"] },
    adminPhone: { groups: ["admins"] },
    phone: {},
  },
  access: {
    default: "deny",
    rules: [
      { from: "group:admins", to: "*" },            // admins reach every peer and LAN…
      { from: "group:admins", to: "server" },       // …and the server itself
      { from: "group:sites", to: "group:sites" },   // the office and the warehouse see each other
      { from: "phone", to: "office", protocol: "tcp", ports: ["443", "8000-8100"] },
      { from: "cabin", to: "internet" },            // the cabin may browse through the hub
      { from: "*", to: "server", protocol: "icmp" }, // everyone may ping the hub
    ],
  },
});

// Per peer: its name, address and, for a site, the routes its LAN router needs (when the
// WireGuard device is not the router itself: `ip route add <cidr> via <the device's LAN address>`).
export const peers = Object.fromEntries(Object.entries(hub.peers).map(([n, p]) => [n, { dnsName: p.dnsName, address: p.address, routes: p.routes }]));
export const officeConfig = hub.peers.office.config;
export const phoneQr = hub.peers.phone.qrCode;
export const status = hub.status;
