import * as pulumi from "@pulumi/pulumi";
import * as docker from "@pulumi/docker";
import { SiteLink } from "@wgkit/pulumi";

// Two sites, each with a LAN; each site's WireGuard container routes the other's LAN.
// With separate Docker hosts, set siteA/siteB dockerHost (e.g. ssh://admin@home).
const config = new pulumi.Config();
const lanA = new docker.Network("lan-home", { name: "lan-home", ipamConfigs: [{ subnet: config.get("lanA") ?? "198.18.40.0/24" }] });
const lanB = new docker.Network("lan-office", { name: "lan-office", ipamConfigs: [{ subnet: config.get("lanB") ?? "198.18.41.0/24" }] });
const link = new SiteLink("link", {
  siteA: { name: "home", lans: [config.get("routedA") ?? "198.19.40.0/24"], endpoint: config.get("endpointA") ?? "home.example.com:51820", networks: [lanA.name], userspace: config.getBoolean("userspace") ?? false, publishPort: 51820 },
  siteB: { name: "office", lans: [config.get("routedB") ?? "198.19.41.0/24"], networks: [lanB.name], userspace: config.getBoolean("userspace") ?? false, publishPort: 51821 },
  mode: "routed",
});

export const homeRoutes = link.siteA.routes;
export const officeRoutes = link.siteB.routes;
export const homeLanAddress = link.siteA.lanAddress;
export const officeLanAddress = link.siteB.lanAddress;
