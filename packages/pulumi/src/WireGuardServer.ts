import * as pulumi from "@pulumi/pulumi";
import * as command from "@pulumi/command";
import * as docker from "@pulumi/docker";
import * as random from "@pulumi/random";
import {
  checkName, AddressPlan, buildServerConf, checkServerSpec, CONTAINER_PORT, DEFAULT_SUBNET, peerStatus, PeerStatus, planAddresses, planRemembered,
  renderWgQuick, resolvePeerDns, serverAddresses, serverEndpoint, ServerSpec, statusCommand, WgKitError,
} from "@wgkit/core";
import { keySeed, RUN_ID } from "./KeySeed";
import { ContainerArgs, containerArgsOf } from "./ContainerArgs";
import { deferred, detach, splitKnown, topLevel } from "./known";
import { Peer } from "./Peer";
import { wireGuardContainer } from "./WireGuardContainer";
import { confInstall } from "./ConfInstall";

/** One peer of a WireGuardServer. Every field is optional. */
export interface ServerPeerArgs {
  /** Pinned tunnel IPv4 address. Default: allocated from `subnet` and remembered in state. */
  address?: pulumi.Input<string>;
  /** Pinned tunnel IPv6 address (dual stack). Default: allocated from `subnet6`, mirroring the IPv4 host number. */
  address6?: pulumi.Input<string>;
  /** PersistentKeepalive seconds on both ends (PERSISTENTKEEPALIVE_PEERS). Default: the server's `persistentKeepalive`, else off. */
  persistentKeepalive?: pulumi.Input<number>;
  /** Extra networks routed to this peer, e.g. the LAN behind it (SERVER_ALLOWEDIPS_PEER_<name>). Default: none. */
  serverAllowedIps?: pulumi.Input<pulumi.Input<string>[]>;
  /** AllowedIPs in this peer's conf (overrides ALLOWEDIPS). Default: the server's `allowedIps`. */
  allowedIps?: pulumi.Input<pulumi.Input<string>[]>;
  /** DNS in this peer's conf; ["auto"] = the server's tunnel address (overrides PEERDNS). Default: the server's `dns`. */
  dns?: pulumi.Input<pulumi.Input<string>[]>;
  /** Device-held key: the device's public key; no private key is generated or stored. */
  publicKey?: pulumi.Input<string>;
  /** false keeps keys and address in state but removes the peer from the server. Default true. */
  enabled?: pulumi.Input<boolean>;
  /** Change to rotate this peer's keys on the next `pulumi up`. */
  rotation?: pulumi.Input<string>;
  /** MTU in this peer's conf. Default: the server's `mtu`. */
  mtu?: pulumi.Input<number>;
}

/** A WireGuard server: the linuxserver.io image in client mode, running a conf wgkit renders. */
export interface WireGuardServerArgs extends ContainerArgs {
  /** Public name or IP peers dial (SERVERURL). Required; "auto" is refused (it asks an external service). */
  serverUrl: pulumi.Input<string>;
  /** External UDP port, published to the container's 51820 (SERVERPORT). Default 51820. */
  serverPort?: pulumi.Input<number>;
  /** Tunnel subnet, CIDR of any prefix or the image's bare form (INTERNAL_SUBNET). Default 10.13.13.0/24. */
  subnet?: pulumi.Input<string>;
  /** IPv6 tunnel subnet for dual stack, e.g. a ULA /64. Default: IPv4 only. */
  subnet6?: pulumi.Input<string>;
  /** DNS for peers (PEERDNS): ["auto"] = the server's tunnel address, served by CoreDNS in the container. Default ["auto"]. */
  dns?: pulumi.Input<pulumi.Input<string>[]>;
  /** AllowedIPs written into peer confs (ALLOWEDIPS). Default ["0.0.0.0/0", "::/0"]. */
  allowedIps?: pulumi.Input<pulumi.Input<string>[]>;
  /** Tunnel MTU for server and peers. Default: wg-quick's choice. */
  mtu?: pulumi.Input<number>;
  /** Default PersistentKeepalive for all peers (PERSISTENTKEEPALIVE_PEERS=all). Default: off. */
  persistentKeepalive?: pulumi.Input<number>;
  /** NAT traffic from peers leaving the container's uplink (the image's MASQUERADE). Default true. */
  masquerade?: pulumi.Input<boolean>;
  /** Change to rotate the server's key on the next `pulumi up`. */
  rotation?: pulumi.Input<string>;
  /** Seconds `pulumi up` waits for the tunnel to come up with the expected key before failing. Default 60. */
  readyTimeoutSeconds?: number;
  /** Peers by name (names must be known at preview; values may be outputs). */
  peers?: Record<string, ServerPeerArgs>;
}

export const SERVER_TYPE = "wgkit:index:WireGuardServer";
const IFACE = "wg0";

/** Fields a server peer inherits from the server, in core's spec terms. */
type ResolvedSpec = ServerSpec & { peers: NonNullable<ServerSpec["peers"]> };

export class WireGuardServer extends pulumi.ComponentResource {
  public readonly publicKey: pulumi.Output<string>;
  /** SERVERURL:SERVERPORT as peers dial it. */
  public readonly endpoint: pulumi.Output<string>;
  /** Server tunnel addresses. */
  public readonly address: pulumi.Output<string>;
  public readonly address6: pulumi.Output<string | undefined>;
  /** The rendered server conf (secret). */
  public readonly config: pulumi.Output<string>;
  /** Peers by name: address, publicKey, config (secret), qrCode (secret), nixos. */
  public readonly peers: Record<string, Peer>;
  public readonly container: docker.Container;
  /** The step that installs the conf and checks the tunnel is up. */
  public readonly install: command.local.Command;
  /** Per peer, as of this `pulumi up`: latest handshake (unix s, 0 = never), rx/tx bytes, endpoint (from `wg show wg0 dump`). */
  public readonly status: pulumi.Output<Record<string, PeerStatus>>;

  constructor(name: string, args: WireGuardServerArgs, opts: pulumi.ComponentResourceOptions = {}) {
    const { plain, unknown } = splitKnown(args);
    if (unknown.has("peers")) throw new WgKitError("peers", "plain-map", "must be a plain map of name → peer settings (values may be outputs, names may not)");
    checkName(name, "name"); // the Docker container and volume are named after it
    checkServerSpec(plain as Partial<ServerSpec>, topLevel(unknown));
    super(SERVER_TYPE, name, {}, opts);

    const spec = pulumi.output(args).apply((a) => ({ ...(a as unknown as ServerSpec), peers: (a.peers ?? {}) as ResolvedSpec["peers"] }) as ResolvedSpec);
    const serverKeys = keySeed(`${name}-key`, args.rotation, { parent: this });
    this.publicKey = serverKeys.publicKey;
    this.endpoint = spec.apply(serverEndpoint);
    const names = Object.keys(args.peers ?? {});

    // Addresses: each peer's first allocation is remembered in state (keepers ignored after
    // creation); newcomers are planned around the remembered ones.
    const pins = spec.apply((s) => names.map((n) => ({ name: n, address: s.peers[n].address, address6: s.peers[n].address6 })));
    const pendingAddress = names.map(() => deferred<string>());
    const pendingAddress6 = names.map(() => deferred<string | undefined>());
    this.peers = {};
    names.forEach((n, i) => {
      const p = args.peers![n];
      this.peers[n] = new Peer(`${name}-${n}`, {
        serverPublicKey: this.publicKey,
        endpoint: this.endpoint,
        address: pendingAddress[i].output,
        address6: pendingAddress6[i].output as pulumi.Output<string>,
        dns: spec.apply((s) => resolvePeerDns(s.peers[n].dns, s.dns, serverAddresses(s.subnet ?? DEFAULT_SUBNET, s.subnet6))),
        allowedIps: p.allowedIps ?? args.allowedIps,
        persistentKeepalive: p.persistentKeepalive ?? args.persistentKeepalive,
        mtu: p.mtu ?? args.mtu,
        publicKey: p.publicKey,
        rotation: p.rotation,
      }, { parent: this });
    });
    const createdIn = pulumi.all(names.map((n) => this.peers[n].createdIn));
    // The memory is a 1-byte RandomBytes whose keepers hold the address and are ignored after
    // creation (a resource with few output properties: cheaper than a no-op Command per peer).
    const memory: Record<string, random.RandomBytes> = {};
    const remembered = (q: string) => memory[q].keepers.apply((t) => ({ address: t?.address as string | undefined, address6: (t?.address6 || undefined) as string | undefined }));
    const base = pulumi.all([spec, pins]).apply(([s, pin]) => ({ subnet: s.subnet ?? DEFAULT_SUBNET, subnet6: s.subnet6, peers: pin }));
    const old = detach(createdIn.apply((created) => Object.fromEntries(names.map((n, j) => [n, created[j] !== RUN_ID]))));
    // Existing peers' inputs are ignored by the engine (their address is remembered), so they get
    // the plain plan, which must not wait on any memory. Newcomers are planned once, together,
    // around what the existing peers remember.
    const plainPlan = detach(base.apply((b) => planAddresses(b)));
    const newcomerPlan = detach(pulumi.all([base, old]).apply(([b, o]) => {
      const olds = names.filter((n) => o[n]);
      return pulumi.all(olds.map(remembered)).apply((prev) => planAddresses({ ...b, previous: Object.fromEntries(olds.map((q, j) => [q, prev[j]])) }));
    }));
    names.forEach((n) => {
      const candidate = old.apply((o) => (o[n] ? plainPlan : newcomerPlan).apply((pl) => pl.peers[n]));
      memory[n] = new random.RandomBytes(`${name}-${n}-address`, {
        length: 1,
        keepers: { address: candidate.apply((c) => c.address), address6: candidate.apply((c) => c.address6 ?? "") },
      }, { parent: this.peers[n], ignoreChanges: ["keepers"] });
    });
    const plan: pulumi.Output<AddressPlan> = pulumi.all([base, pulumi.all(names.map(remembered))]).apply(([b, mem]) =>
      planRemembered({ ...b, previous: Object.fromEntries(names.map((n, j) => [n, mem[j]])) }));
    const planned = detach(plan);
    names.forEach((n, i) => {
      pendingAddress[i].resolve(planned.apply((pl) => pl.peers[n].address));
      pendingAddress6[i].resolve(planned.apply((pl) => pl.peers[n].address6));
    });
    this.address = plan.apply((p) => p.server.address);
    this.address6 = plan.apply((p) => p.server.address6);

    const material = pulumi.all(names.map((n) => pulumi.all([this.peers[n].publicKey, this.peers[n].presharedKey])));
    this.config = pulumi.secret(pulumi.all([spec, serverKeys.privateKey, plan, material]).apply(([s, priv, pl, mat]) =>
      renderWgQuick(buildServerConf(s, priv, pl, Object.fromEntries(names.map((n, j) => [n, {
        publicKey: mat[j][0], presharedKey: mat[j][1], addresses: pl.peers[n],
      }]))))));

    const c = wireGuardContainer(name, {
      ...containerArgsOf(args),
      ipv6: args.subnet6 !== undefined,
      // Always on, as in the image's server mode: if it followed the peers' DNS settings, adding a
      // peer could flip an env var and so replace the container.
      useCoreDns: true,
      ports: [{ internal: CONTAINER_PORT, external: args.serverPort ?? CONTAINER_PORT, protocol: "udp" }],
      conf: this.config,
      labels: { "wgkit.role": "server" },
    }, { parent: this });
    this.container = c.container;
    this.install = confInstall(`${name}-install`, {
      container: c.container.name,
      containerId: c.container.id,
      conf: this.config,
      interfaceName: IFACE,
      expectedPublicKey: this.publicKey,
      expectedListenPort: CONTAINER_PORT,
      dockerHost: args.dockerHost,
      timeoutSeconds: args.readyTimeoutSeconds,
    }, { parent: this });

    // Read-only and refreshed on every `pulumi up` and preview: an invoke, not a resource, so it
    // never shows up as a change. It waits for the install step (dependsOn).
    const statusEnv: Record<string, pulumi.Input<string>> = { WGKIT_CONTAINER: c.container.name };
    if (args.dockerHost !== undefined) statusEnv.DOCKER_HOST = args.dockerHost;
    const dump = command.local.runOutput({
      command: statusCommand(IFACE),
      environment: statusEnv,
      logging: "none",
    }, { parent: this, dependsOn: [this.install] });
    this.status = pulumi.all([dump.stdout, pulumi.all(names.map((n) => this.peers[n].publicKey))])
      .apply(([text, keys]) => peerStatus(text, Object.fromEntries(names.map((n, j) => [n, keys[j]]))));

    this.registerOutputs({
      status: this.status,
      publicKey: this.publicKey,
      endpoint: this.endpoint,
      address: this.address,
      address6: this.address6,
      config: this.config,
      peers: Object.fromEntries(names.map((n) => [n, peerOutputs(this.peers[n])])),
    });
  }
}

/** The per-peer outputs a stack exports: plain address/publicKey/nixos, secret config/qrCode. */
export function peerOutputs(p: Peer) {
  return { address: p.address, address6: p.address6, publicKey: p.publicKey, config: p.config, qrCode: p.qrCode, nixos: p.nixos };
}
