import * as pulumi from "@pulumi/pulumi";
import * as docker from "@pulumi/docker";
import { SiteLink } from "@wgkit/pulumi";

// Two sites, each with a LAN; each site's WireGuard container routes the other's LAN.
// The defaults deploy both sites on this machine: site B (office) dials site A (home) through this
// host, which is LAN B's gateway, at the port site A publishes. On a kernel without WireGuard:
// `pulumi config set userspace true`.
// Two Docker hosts: `pulumi config set endpointA <home's public name or IP>:51820` (the one
// setting a real deployment changes), and dockerHostA / dockerHostB (e.g. ssh://admin@home).
const config = new pulumi.Config();
const lanA = config.get("lanA") ?? "198.18.40.0/24";
const lanB = config.get("lanB") ?? "198.18.41.0/24";
/** Docker's gateway of a LAN (its first address): the Docker host as the LAN's containers see it. */
const gatewayOf = (cidr: string) => cidr.split("/")[0].replace(/\d+$/, (last) => String(Number(last) + 1));
const netA = new docker.Network("lan-home", { name: "lan-home", ipamConfigs: [{ subnet: lanA, gateway: gatewayOf(lanA) }] });
const netB = new docker.Network("lan-office", { name: "lan-office", ipamConfigs: [{ subnet: lanB, gateway: gatewayOf(lanB) }] });
const userspace = config.getBoolean("userspace") ?? false;
const link = new SiteLink("link", {
  siteA: {
    name: "home", lans: [config.get("routedA") ?? "198.19.40.0/24"], networks: [netA.name], userspace, publishPort: 51820,
    endpoint: config.get("endpointA") ?? `${gatewayOf(lanB)}:51820`, dockerHost: config.get("dockerHostA"),
  },
  siteB: { name: "office", lans: [config.get("routedB") ?? "198.19.41.0/24"], networks: [netB.name], userspace, publishPort: 51821, dockerHost: config.get("dockerHostB") },
  mode: "routed",
});

export const homeRoutes = link.siteA.routes;
export const officeRoutes = link.siteB.routes;
export const homeLanAddress = link.siteA.lanAddress;
export const officeLanAddress = link.siteB.lanAddress;
