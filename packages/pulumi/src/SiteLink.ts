import * as pulumi from "@pulumi/pulumi";
import * as command from "@pulumi/command";
import * as docker from "@pulumi/docker";
import {
  buildSiteLink, BuiltSiteLink, checkArgsObject, checkContainerName, checkSiteLinkSpec, CONTAINER_PORT, renderWgQuick, siteContainerName,
  SiteLinkMode, SiteLinkSpec, staticRoute,
} from "@wgkit/core";
import { keySeed } from "./KeySeed";
import { childName } from "./ChildName";
import { ContainerArgs, containerArgsOf } from "./ContainerArgs";
import { checkPlain, checkPlainFields, checkPlainObject, PLAIN_CONTAINER_FIELDS, splitKnown } from "./known";
import { wireGuardContainer } from "./WireGuardContainer";
import { confInstall } from "./ConfInstall";
import { componentLabel, naming, namingResolved } from "./ComponentError";
import { engineOf, publishPorts } from "./PublishedPorts";
import { publicUnlessInputsSecret } from "./Secrecy";
import { checkConfigPathOnLocalEngine } from "./LocalHostPath";

/** One site of a SiteLink. */
export interface SiteArgs extends ContainerArgs {
  /** Site name, used in resource and container names (e.g. "home"). */
  name: string;
  /** LAN subnets behind this site; routed to the other site (SERVER_ALLOWEDIPS_PEER_<name> both ways). */
  lans: pulumi.Input<pulumi.Input<string>[]>;
  /** `host:port` where the other site reaches this one. At least one site needs it. Default: none (this site dials out). */
  endpoint?: pulumi.Input<string>;
  /** UDP port published on this site's Docker host (integer, 1–65535). Default 51820. */
  publishPort?: number;
}

/** Site-to-site: two WireGuard containers, each routing the other's LANs. */
export interface SiteLinkArgs {
  /** The first site; takes the tunnel subnet's first address. */
  siteA: SiteArgs;
  /** The second site; takes the second address. */
  siteB: SiteArgs;
  /** Tunnel subnet between the two ends. Default 10.255.13.0/30. */
  tunnelSubnet?: pulumi.Input<string>;
  /** "routed" (LAN routers get a static route; see `routes`) or "masquerade" (remote traffic NATed to the container). Default "routed". */
  mode?: pulumi.Input<SiteLinkMode>;
  /** PersistentKeepalive seconds on both ends (integer, 0–65535; 0 = off). Default 25. */
  persistentKeepalive?: pulumi.Input<number>;
  /** Tunnel MTU in bytes (integer, 1280–9000). Default: wg-quick's choice. */
  mtu?: pulumi.Input<number>;
  /** Change this value (any string, e.g. a date) to rotate both ends' keys and the preshared key. */
  rotation?: pulumi.Input<string>;
}

export const SITE_LINK_TYPE = "wgkit:index:SiteLink";

/** What each end of a SiteLink exposes. */
export interface SiteEnd {
  /** The end's WireGuard container (a Docker provider resource), e.g. for `dependsOn`. */
  container: docker.Container;
  /** The step that installs the end's conf and checks its tunnel is up (a Command provider resource). */
  install: command.local.Command;
  /** The end's WireGuard public key. */
  publicKey: pulumi.Output<string>;
  /** The end's tunnel address. */
  address: pulumi.Output<string>;
  /** The end's address on its LAN-facing Docker network: the next hop for the static routes. */
  lanAddress: pulumi.Output<string>;
  /** Static routes to add on this site's LAN router (routed mode), as `ip route add <remote LAN> via <lanAddress>`. */
  routes: pulumi.Output<string[]>;
  /** The end's conf (secret). */
  config: pulumi.Output<string>;
}

/**
 * Site-to-site link: one WireGuard container at each of two sites (each on its own Docker host),
 * each routing the other site's LANs; keys and the preshared key are generated and kept in state.
 */
export class SiteLink extends pulumi.ComponentResource {
  /** The first site's end: its public key, tunnel and LAN addresses, static routes, conf (secret). */
  public readonly siteA: SiteEnd;
  /** The second site's end. */
  public readonly siteB: SiteEnd;

  constructor(name: string, args: SiteLinkArgs, opts: pulumi.ComponentResourceOptions = {}) {
    naming(SITE_LINK_TYPE, name, () => {
      checkPlain(name, "name", "it names the link's containers and resources");
      checkPlainObject(args, "args", "the link's args");
      checkArgsObject(args, "args");
      const { plain, unknown } = splitKnown(args);
      for (const side of ["siteA", "siteB"] as const) {
        const s: unknown = args[side];
        checkPlainObject(s, side, "each site (its name names resources)");
        if (s !== null && typeof s === "object") {
          checkPlainFields(s as Record<string, unknown>, [...PLAIN_CONTAINER_FIELDS, "name", "publishPort"], side, "the field is not an Input (it names the site's resources or sets its container and published port)");
        }
      }
      checkContainerName(name, "name"); // the Docker containers and volumes are named after it
      checkSiteLinkSpec(plain as Partial<SiteLinkSpec>, unknown);
      for (const side of ["siteA", "siteB"] as const) checkConfigPathOnLocalEngine(plain[side]?.configPath, args[side].dockerHost, `${side}.configPath`);
      // A site with dockerHost gets a Docker provider of its own (below); one without uses the link's.
      publishPorts((["siteA", "siteB"] as const).map((side) => {
        const s = args[side];
        return {
          owner: componentLabel(SITE_LINK_TYPE, name), field: `${side}.publishPort`, protocol: "udp", port: s.publishPort ?? CONTAINER_PORT,
          engine: s.dockerHost === undefined ? engineOf(opts) : typeof s.dockerHost === "string" ? s.dockerHost : undefined,
        };
      }));
    });
    super(SITE_LINK_TYPE, name, {}, opts);

    // `<link>/<site>/key` (see childName); the `-` names from before are aliases: keys unchanged.
    const siteKeys = (site: string) => keySeed(childName(name, site, "key"), args.rotation, { parent: this, aliases: [{ name: `${name}-${site}-key` }] });
    const keysA = siteKeys(args.siteA.name);
    const keysB = siteKeys(args.siteB.name);
    const built: pulumi.Output<BuiltSiteLink> = pulumi.all([pulumi.output(args), keysA.privateKey, keysA.publicKey, keysB.privateKey, keysB.publicKey, keysA.presharedKey])
      .apply(([a, pa, ka, pb, kb, psk]) => namingResolved(SITE_LINK_TYPE, name)(() =>
        buildSiteLink(a as unknown as SiteLinkSpec, { privateKey: pa, publicKey: ka }, { privateKey: pb, publicKey: kb }, psk)));

    const end = (side: "A" | "B", site: SiteArgs, other: SiteArgs, keys: ReturnType<typeof keySeed>): SiteEnd => {
      const cname = siteContainerName(name, site.name);
      const childOpts: pulumi.CustomResourceOptions = { parent: this };
      if (site.dockerHost !== undefined) {
        childOpts.provider = new docker.Provider(`${cname}-docker`, { host: site.dockerHost }, { parent: this });
      }
      const config = pulumi.secret(built.apply((b) => renderWgQuick(side === "A" ? b.a : b.b)));
      const c = wireGuardContainer(cname, {
        ...containerArgsOf(site),
        ports: [{ internal: CONTAINER_PORT, external: site.publishPort ?? CONTAINER_PORT, protocol: "udp" }],
        conf: config,
        labels: { "wgkit.role": `site-${side.toLowerCase()}` },
      }, childOpts);
      // `built` is secret (it holds the keys); each plain output keeps the secrecy of the inputs it comes from.
      const address = publicUnlessInputsSecret(built.apply((b) => (side === "A" ? b.addressA : b.addressB)), [args.tunnelSubnet]);
      const install = confInstall(`${cname}-install`, {
        container: c.container.name,
        containerId: c.container.id,
        conf: config,
        interfaceName: "wg0",
        expectedPublicKey: keys.publicKey,
        expectedListenPort: CONTAINER_PORT,
        dockerHost: site.dockerHost,
      }, { parent: this });
      const network = site.networks?.[0];
      const lanAddress = pulumi.all([c.container.networkDatas, network]).apply(([nets, want]) => {
        const hit = (nets ?? []).find((n) => want === undefined || n.networkName === want) ?? (nets ?? [])[0];
        return hit?.ipAddress ?? "";
      });
      const routes = publicUnlessInputsSecret(pulumi.all([built, lanAddress]).apply(([b, via]) => (side === "A" ? b.routesA : b.routesB).map((d) => staticRoute(d, via))),
        [other.lans, site.networks]);
      return { container: c.container, install, publicKey: keys.publicKey, address, lanAddress, routes, config };
    };
    this.siteA = end("A", args.siteA, args.siteB, keysA);
    this.siteB = end("B", args.siteB, args.siteA, keysB);
    const out = (e: SiteEnd) => ({ publicKey: e.publicKey, address: e.address, lanAddress: e.lanAddress, routes: e.routes, config: e.config });
    this.registerOutputs({ siteA: out(this.siteA), siteB: out(this.siteB) });
  }
}
