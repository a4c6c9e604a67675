import * as pulumi from "@pulumi/pulumi";
import * as command from "@pulumi/command";
import * as docker from "@pulumi/docker";
import {
  buildClientConf, checkArgsObject, checkClientTunnelSpec, checkContainerName, ClientTunnelSpec, parseWgQuick, PublishedPort, publicKeyOf, renderWgQuick,
} from "@wgkit/core";
import { ContainerArgs, containerArgsOf } from "./ContainerArgs";
import { checkPlain, checkPlainFields, checkPlainObject, PLAIN_CONTAINER_FIELDS, splitKnown, topLevel } from "./known";
import { wireGuardContainer } from "./WireGuardContainer";
import { confInstall } from "./ConfInstall";
import { componentLabel, naming, namingResolved } from "./ComponentError";
import { engineOf, publishPorts, usesDefaultEngine } from "./PublishedPorts";
import { publicKeyOutput } from "./Secrecy";
import { checkConfigPathOnLocalEngine } from "./LocalHostPath";

/** The image as a client of a WireGuard server or VPN provider; other containers can route through it. */
export interface ClientTunnelArgs extends ContainerArgs {
  /** The wg-quick conf as text (a provider download or a wgkit Peer's `config`); parsed and validated. Treated as secret. */
  config: pulumi.Input<string>;
  /** Interface name; the conf is written to /config/wg_confs/<name>.conf. Default `wg0`. */
  interfaceName?: string;
  /** Split tunnel: routing table for the tunnel's routes, e.g. "55111" (`Table = 55111`). Default: full tunnel as the conf says. */
  table?: pulumi.Input<string>;
  /** Split tunnel: destinations routed into the tunnel (`ip rule add to …`). Default: none. */
  routeDestinations?: pulumi.Input<pulumi.Input<string>[]>;
  /** Split tunnel: sources routed into the tunnel (`ip rule add from …`); the tunnel's own addresses always are. Default: none. */
  routeSources?: pulumi.Input<pulumi.Input<string>[]>;
  /** Reject traffic meant for the tunnel that would leave another way, including while the tunnel is down. Default false. */
  killSwitch?: pulumi.Input<boolean>;
  /** Destinations still reachable outside the tunnel with the kill switch on, e.g. the Docker network. Default: none. */
  killSwitchAllow?: pulumi.Input<pulumi.Input<string>[]>;
  /** Replaces the conf's DNS; [] removes it. Default: the conf's DNS. */
  dns?: pulumi.Input<pulumi.Input<string>[]>;
  // Each element must still be a plain object (ports are checked for collisions before any resource
  // is declared; the constructor refuses an Output). The element type says Input only for the Go SDK:
  // Pulumi's Go generator (v3.248) turns a plain array of plain objects into `[]PublishedPortArgs`
  // without ever defining that type, and the whole generated Go SDK fails to compile.
  /** Ports published on this container for the containers that share its network (`networkMode`). Default: none. */
  publishPorts?: pulumi.Input<PublishedPort>[];
  /** Enable IPv6 in the container (sysctls), so confs routing ::/0 or IPv6 addresses come up. Default true: most provider confs route ::/0, and Docker starts containers with IPv6 disabled. */
  ipv6?: boolean;
}

export const CLIENT_TUNNEL_TYPE = "wgkit:index:ClientTunnel";

/** `publishPorts` once the constructor has checked that every element is a plain object. */
const plainPorts = (args: ClientTunnelArgs): PublishedPort[] => (args.publishPorts ?? []) as PublishedPort[];

/**
 * A WireGuard client in a container (the linuxserver.io image in client mode) connected to a
 * WireGuard server or VPN provider; other containers route through it with `networkMode`.
 */
export class ClientTunnel extends pulumi.ComponentResource {
  /** `container:<id>`: give this to other containers' `networkMode` to route them through the tunnel. */
  public readonly networkMode: pulumi.Output<string>;
  /** Ports published on this container for the routed containers. */
  public readonly ports: pulumi.Output<PublishedPort[]>;
  /** This client's public key (derived from the conf). */
  public readonly publicKey: pulumi.Output<string>;
  /** Tunnel addresses from the conf (CIDR). */
  public readonly addresses: pulumi.Output<string[]>;
  /** The conf as written into the container (secret). */
  public readonly config: pulumi.Output<string>;
  /** The WireGuard container (a Docker provider resource), e.g. for `dependsOn`. */
  public readonly container: docker.Container;
  /** The step that installs the conf in the container and checks the tunnel is up (a Command provider resource). */
  public readonly install: command.local.Command;

  constructor(name: string, args: ClientTunnelArgs, opts: pulumi.ComponentResourceOptions = {}) {
    naming(CLIENT_TUNNEL_TYPE, name, () => {
      checkPlain(name, "name", "it names the tunnel's container and resources");
      checkPlainObject(args, "args", "the tunnel's args");
      checkArgsObject(args, "args");
      const { plain, unknown } = splitKnown(args);
      checkPlainFields(args, [...PLAIN_CONTAINER_FIELDS, "interfaceName", "ipv6", "publishPorts"], "", "the field is not an Input (it sets the container, its conf path or its published ports)");
      if (Array.isArray(args.publishPorts)) {
        args.publishPorts.forEach((p, i) => {
          checkPlainObject(p, `publishPorts[${i}]`, "each published port");
          if (p !== null && typeof p === "object") checkPlainFields(p as never, ["internal", "external", "protocol"], `publishPorts[${i}]`, "published ports are checked for collisions before any resource is declared");
        });
      }
      checkContainerName(name, "name"); // the Docker container and volume are named after it
      checkClientTunnelSpec(plain as Partial<ClientTunnelSpec>, topLevel(unknown));
      // dockerHost steers only the install step: containers on the default engine are checked as local ones.
      checkConfigPathOnLocalEngine(plain.configPath, usesDefaultEngine(opts) ? undefined : args.dockerHost, "configPath");
      const engine = engineOf(opts);
      publishPorts(plainPorts(args).map((p, i) => ({
        owner: componentLabel(CLIENT_TUNNEL_TYPE, name), field: `publishPorts[${i}].${p.external !== undefined ? "external" : "internal"}`,
        engine, port: p.external ?? p.internal, protocol: p.protocol ?? "tcp",
      })));
    });
    super(CLIENT_TUNNEL_TYPE, name, {}, opts);
    const iface = args.interfaceName ?? "wg0";
    // Errors found once outputs resolve name the instance too, without the (maybe secret) value.
    const checked = namingResolved(CLIENT_TUNNEL_TYPE, name);

    const model = pulumi.output(args).apply((a) => checked(() => buildClientConf(a as unknown as ClientTunnelSpec)));
    this.config = pulumi.secret(model.apply(renderWgQuick));
    // Secrecy: the public key is derived from the private key alone, so it is plain; the addresses
    // come from `config` alone and keep its secrecy (a user-secret conf gives secret addresses).
    const supplied = pulumi.output(args.config).apply((c) => checked(() => parseWgQuick(c, "config")));
    this.publicKey = publicKeyOutput(supplied.apply((m) => publicKeyOf(m.interface.privateKey!)));
    this.addresses = supplied.apply((m) => m.interface.address);

    const c = wireGuardContainer(name, {
      ...containerArgsOf(args),
      ipv6: args.ipv6 ?? true, interfaceName: iface,
      ports: plainPorts(args).map((p) => ({ internal: p.internal, external: p.external ?? p.internal, protocol: p.protocol ?? "tcp" })),
      conf: this.config,
      labels: { "wgkit.role": "client" },
    }, { parent: this });
    this.container = c.container;
    this.networkMode = pulumi.interpolate`container:${c.container.id}`;
    this.ports = pulumi.output(plainPorts(args));
    this.install = confInstall(`${name}-install`, {
      container: c.container.name,
      containerId: c.container.id,
      conf: this.config,
      interfaceName: iface,
      expectedPublicKey: this.publicKey,
      expectedListenPort: undefined,
      dockerHost: args.dockerHost,
    }, { parent: this });

    this.registerOutputs({ networkMode: this.networkMode, ports: this.ports, publicKey: this.publicKey, addresses: this.addresses, config: this.config });
  }
}
