import * as pulumi from "@pulumi/pulumi";
import * as command from "@pulumi/command";
import * as docker from "@pulumi/docker";
import {
  AccessAction, AccessDefault, AccessProtocol, AddressPlan, buildHub, buildServerConf, check, Hub, HubSpec, PeerAddresses, checkArgsObject, checkContainerName, checkServerSpec, CONTAINER_PORT, DEFAULT_SUBNET, PeerStatus, peerStatus, publicKeyOf,
  renderWgQuick, resolvePeerDns, serverAddresses, serverEndpoint, ServerSpec, statusCommand, WgKitError,
} from "@wgkit/core";
import { keySeed, keysOfSeed } from "./KeySeed";
import { ContainerArgs, containerArgsOf } from "./ContainerArgs";
import { checkPlain, checkPlainFields, checkPlainObject, hasLate, isLate, PLAIN_CONTAINER_FIELDS, splitKnown, topLevel } from "./known";
import { componentLabel, naming, namingResolved } from "./ComponentError";
import { engineOf, publishPorts, usesDefaultEngine } from "./PublishedPorts";
import { checkConfigPathOnLocalEngine } from "./LocalHostPath";
import { publicKeyOutput, publicUnlessInputsSecret } from "./Secrecy";
import { serverPeerState } from "./PeerState";
import { PeerKeys, PeerShape, serverPeerOutputs, ServerPeerOutputs } from "./ServerPeerOutputs";
import { wireGuardContainer } from "./WireGuardContainer";
import { confInstall } from "./ConfInstall";

/** One peer of a WireGuardServer. Every field is optional. */
export interface ServerPeerArgs {
  /** Pinned tunnel IPv4 address. Default: allocated from `subnet` and remembered in state (unpinning returns the peer to its remembered address). */
  address?: pulumi.Input<string>;
  /** Pinned tunnel IPv6 address (dual stack). Default: allocated from `subnet6`, mirroring the IPv4 host number, and remembered in state. */
  address6?: pulumi.Input<string>;
  /** PersistentKeepalive seconds (integer, 0–65535) on both ends (PERSISTENTKEEPALIVE_PEERS). Default: the server's `persistentKeepalive`, else off. */
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
  /** MTU (integer, 1280–9000) in this peer's conf. Default: the server's `mtu`. */
  mtu?: pulumi.Input<number>;
  /**
   * Imported private key (e.g. adopted from an existing deployment): kept only as a secret; no key
   * is generated for this peer while `rotation` is unset. Setting `rotation` switches the peer to
   * generated keys and keeps its address.
   */
  privateKey?: pulumi.Input<string>;
  /**
   * Imported preshared key, kept only as a secret. A peer with imported keys (`privateKey` or
   * `presharedKey`) and no `presharedKey` has none, as on deployments made before preshared keys existed.
   */
  presharedKey?: pulumi.Input<string>;
  /** Groups this peer belongs to, for access rules (`group:<name>`). Default: none. */
  groups?: pulumi.Input<pulumi.Input<string>[]>;
}

/** One access rule: new connections from `from` to `to`, optionally narrowed by protocol and ports. */
export interface AccessRuleArgs {
  /** Source: a peer name (its tunnel addresses and LANs), "group:<name>" or "*" (every peer). */
  from: pulumi.Input<string>;
  /** Target: a peer name, "group:<name>", "*" (every peer), a CIDR (a LAN or anywhere), "internet" (anything not routed back into the tunnel) or "server" (the server itself). */
  to: pulumi.Input<string>;
  /** What the rule does with the connections it matches. Default allow. */
  action?: pulumi.Input<AccessAction>;
  /** Protocol matched. Default any. */
  protocol?: pulumi.Input<AccessProtocol>;
  /** Destination ports, each "22" or a range "8000-8100" (tcp or udp; with any: both). Default: every port. */
  ports?: pulumi.Input<pulumi.Input<string>[]>;
}

/** Access rules enforced in the server container's firewall (see the README's "Access rules"). */
export interface AccessArgs {
  /** What a new connection no rule matches gets. Default allow (everything forwarded, as without access). */
  default?: pulumi.Input<AccessDefault>;
  /** Rules in order: the first that matches a new connection decides. Default: none. */
  rules?: pulumi.Input<pulumi.Input<AccessRuleArgs>[]>;
}

/** A WireGuard server: the linuxserver.io image in client mode, running a conf wgkit renders. */
export interface WireGuardServerArgs extends ContainerArgs {
  /** Public name or IP peers dial (SERVERURL). Required; "auto" is refused (it asks an external service). */
  serverUrl: pulumi.Input<string>;
  /** External UDP port (integer, 1–65535), published to the container's 51820 (SERVERPORT). Default 51820. */
  serverPort?: pulumi.Input<number>;
  /** Tunnel subnet, CIDR of any prefix or the image's bare form (INTERNAL_SUBNET). Default 10.13.13.0/24. */
  subnet?: pulumi.Input<string>;
  /** IPv6 tunnel subnet for dual stack, e.g. a ULA /64. Default: IPv4 only. */
  subnet6?: pulumi.Input<string>;
  /** DNS for peers (PEERDNS): ["auto"] = the server's tunnel address, served by CoreDNS in the container. Default ["auto"]. */
  dns?: pulumi.Input<pulumi.Input<string>[]>;
  /** AllowedIPs written into peer confs (ALLOWEDIPS). Default ["0.0.0.0/0", "::/0"]. */
  allowedIps?: pulumi.Input<pulumi.Input<string>[]>;
  /** Tunnel MTU (integer, 1280–9000) for server and peers. Default: wg-quick's choice. */
  mtu?: pulumi.Input<number>;
  /** Default PersistentKeepalive seconds (integer, 0–65535) for all peers (PERSISTENTKEEPALIVE_PEERS=all). Default: off. */
  persistentKeepalive?: pulumi.Input<number>;
  /** NAT traffic from peers leaving the container's uplink (the image's MASQUERADE). Default true. */
  masquerade?: pulumi.Input<boolean>;
  /** Change to rotate the server's key on the next `pulumi up` (then a generated key replaces an imported one). */
  rotation?: pulumi.Input<string>;
  /** Imported server private key (e.g. adopted from an existing deployment), kept only as a secret. Default: generated. */
  privateKey?: pulumi.Input<string>;
  /** Seconds (integer, 1–3600) `pulumi up` waits for the tunnel to come up with the expected key before failing. Default 60. */
  readyTimeoutSeconds?: number;
  /** Peers by name (names must be known at preview; values may be outputs). */
  peers?: Record<string, ServerPeerArgs>;
  /**
   * Access rules between peers, their LANs, the internet and the server, enforced in the server
   * container's firewall and changed live. Default: none (everything forwarded). With access, no
   * peer may be named "server" or "internet".
   */
  access?: AccessArgs;
  /** Domain of the peers' names: every peer resolves `<peer>.<domain>` through the server's DNS. Default wg.internal. */
  domain?: pulumi.Input<string>;
}

export const SERVER_TYPE = "wgkit:index:WireGuardServer";
const IFACE = "wg0";

/** What the confs of all of a server's peers share (joined once per server). */
interface SharedByPeers {
  serverPublicKey: string;
  endpoint: string;
  plan: AddressPlan;
  /** The server's `dns` (["auto"] unless given). */
  dns?: string[];
  /** The server's tunnel addresses (what "auto" resolves to). */
  server: PeerAddresses;
  persistentKeepalive?: number;
  mtu?: number;
  /** Only for peers whose AllowedIPs the hub derives. */
  hub?: Hub;
}

/** A peer's own settings that shape its conf (each overrides the server's). */
interface OwnSettings { dns?: string[]; allowedIps?: string[]; persistentKeepalive?: number; mtu?: number }

/** Fields a server peer inherits from the server, in core's spec terms. */
type ResolvedSpec = ServerSpec & { peers: NonNullable<ServerSpec["peers"]> };

/**
 * A WireGuard server: the linuxserver.io image in client mode, running a conf wgkit renders.
 * Keys and addresses live in Pulumi state (two small resources per peer, see PeerState.ts), so
 * a device configured once keeps working through every later update.
 */
export class WireGuardServer extends pulumi.ComponentResource {
  /** The server's public key. */
  public readonly publicKey: pulumi.Output<string>;
  /** SERVERURL:SERVERPORT as peers dial it. */
  public readonly endpoint: pulumi.Output<string>;
  /** The server's tunnel IPv4 address (the first host of `subnet`). */
  public readonly address: pulumi.Output<string>;
  /** The server's tunnel IPv6 address (dual stack only). */
  public readonly address6: pulumi.Output<string | undefined>;
  /** The rendered server conf (secret). */
  public readonly config: pulumi.Output<string>;
  /** Peers by name: address, address6, publicKey, config (secret), qrCode (secret), nixos, routes (for a spoke's LAN router), dnsName. */
  public readonly peers: Record<string, ServerPeerOutputs>;
  /** The server container. */
  public readonly container: docker.Container;
  /** The step that installs the conf and checks the tunnel is up. */
  public readonly install: command.local.Command;
  /** Per peer, as of this `pulumi up`: latest handshake (unix s, 0 = never) and its age, rx/tx bytes, endpoint (from `wg show wg0 dump`). */
  public readonly status: pulumi.Output<Record<string, PeerStatus>>;

  constructor(name: string, args: WireGuardServerArgs, opts: pulumi.ComponentResourceOptions = {}) {
    naming(SERVER_TYPE, name, () => {
      checkPlain(name, "name", "it names the server's container and resources");
      checkPlainObject(args, "args", "the server's args");
      checkArgsObject(args, "args");
      check(args.peers === undefined || isLate(args.peers) || (args.peers !== null && typeof args.peers === "object" && !Array.isArray(args.peers)),
        "peers", "plain-map", "must be a map of name → peer settings, not a list");
      const { plain, unknown } = splitKnown(args);
      if (unknown.has("peers")) throw new WgKitError("peers", "plain-map", "must be a plain map of name → peer settings (values may be outputs, names may not)");
      // A peer's own fields decide its resources (imported or generated keys): the peer must be plain.
      for (const [n, p] of Object.entries(args.peers ?? {})) checkPlainObject(p, `peers.${n}`, "each peer's settings");
      checkPlainFields(args, [...PLAIN_CONTAINER_FIELDS, "readyTimeoutSeconds"], "", "the field is not an Input (it sets the container or its install step)");
      if (unknown.has("subnet")) throw new WgKitError("subnet", "plain", "must be known when the program runs (it names the peers' address memories)");
      // Structural, so it holds for Output-valued keys too: an imported preshared key belongs to a
      // peer whose own key is imported (privateKey) or held by the device (publicKey).
      for (const [n, p] of Object.entries(args.peers ?? {})) {
        check(p === null || typeof p !== "object" || p.presharedKey === undefined || p.privateKey !== undefined || p.publicKey !== undefined,
          `peers.${n}.presharedKey`, "imported-keys", "an imported presharedKey comes with the peer's privateKey (or its device-held publicKey)");
      }
      checkContainerName(name, "name"); // the Docker container and volume are named after it
      checkServerSpec(plain as Partial<ServerSpec>, topLevel(unknown));
      // dockerHost steers only the install step: containers on the default engine are checked as local ones.
      checkConfigPathOnLocalEngine(plain.configPath, usesDefaultEngine(opts) ? undefined : args.dockerHost, "configPath");
      publishPorts([{ owner: componentLabel(SERVER_TYPE, name), field: "serverPort", engine: engineOf(opts), port: (args.serverPort ?? CONTAINER_PORT) as number, protocol: "udp" }]);
    });
    super(SERVER_TYPE, name, {}, opts);
    // Validation of values resolved later: named after this instance, no part of the value shown.
    const checked = namingResolved(SERVER_TYPE, name);

    const peerArgs = args.peers ?? {};
    const names = Object.keys(peerArgs);
    // The spec carries no key material: imported keys are secrets, and everything derived from
    // the spec would be secret with them. Derived values follow the secrecy of what they use.
    const { privateKey: _serverKey, ...settings } = args;
    const peerSettings = Object.fromEntries(names.map((n) => {
      const { privateKey: _k, presharedKey: _p, ...rest } = peerArgs[n];
      return [n, rest];
    }));
    const spec = pulumi.output({ ...settings, peers: peerSettings }).apply((a) => a as unknown as ResolvedSpec);
    const server = importedOrSeeded(`${name}-key`, args.privateKey, args.rotation, this);
    this.publicKey = server.publicKey;
    this.endpoint = pulumi.all([args.serverUrl, args.serverPort]).apply(([serverUrl, serverPort]) => checked(() => serverEndpoint({ serverUrl, serverPort })));

    // Keys and addresses: see PeerState.ts for the invariant and its failure modes.
    const imported = (p: ServerPeerArgs) => p.rotation === undefined && (p.privateKey !== undefined || p.presharedKey !== undefined);
    const state = serverPeerState(this, name, (f) => naming(SERVER_TYPE, name, f), { subnet: args.subnet, subnet6: args.subnet6, peers: peerArgs }); // subnet: plain, checked above
    const plan = state.plan;
    this.address = plan.apply((p) => p.server.address);
    this.address6 = plan.apply((p) => p.server.address6);

    const keys: Record<string, PeerKeys> = {};
    for (const n of names) {
      const p = peerArgs[n];
      if (imported(p)) {
        const privateKey: pulumi.Output<string | undefined> = p.privateKey === undefined ? pulumi.output(undefined) : pulumi.secret(p.privateKey);
        // A public key is published by design: plain even when derived from an imported secret.
        const publicKey = p.publicKey !== undefined ? pulumi.output(p.publicKey) : publicKeyOutput(privateKey.apply((k: string | undefined) => publicKeyOf(k!, `peers.${n}.privateKey`)));
        const presharedKey: pulumi.Output<string | undefined> = p.presharedKey === undefined ? pulumi.output(undefined) : pulumi.secret(p.presharedKey);
        keys[n] = { privateKey, publicKey, presharedKey, material: pulumi.secret(pulumi.all([privateKey, publicKey, presharedKey]).apply(([priv, pub, psk]) => ({ privateKey: priv, publicKey: pub, presharedKey: psk }))) };
      } else if (p.publicKey !== undefined) {
        // Device-held key: the seed gives the preshared key only.
        const k = keysOfSeed(state.seeds[n]);
        const publicKey = pulumi.output(p.publicKey);
        keys[n] = { privateKey: pulumi.output(undefined), publicKey, presharedKey: k.presharedKey, material: pulumi.secret(pulumi.all([publicKey, k.presharedKey]).apply(([pub, psk]) => ({ publicKey: pub, presharedKey: psk }))) };
      } else {
        keys[n] = keysOfSeed(state.seeds[n]);
      }
    }

    // One join of every peer's keys for the server conf (not a join per peer).
    const material = pulumi.all(names.map((n) => keys[n].material));
    this.config = pulumi.secret(pulumi.all([spec, server.privateKey, plan, material]).apply(([s, priv, pl, mat]) => checked(() =>
      renderWgQuick(buildServerConf(s, priv, pl, Object.fromEntries(names.map((n, j) => [n, {
        publicKey: mat[j].publicKey, presharedKey: mat[j].presharedKey, addresses: pl.peers[n],
      }])))))));

    // The hub's live parts (firewall, names, derived AllowedIPs, spoke routes): only the install
    // step uses them, so no change here restarts the container or the interface.
    const hubSpec = pulumi.output({
      allowedIps: args.allowedIps, access: args.access, domain: args.domain,
      peers: Object.fromEntries(names.map((n) => [n, {
        serverAllowedIps: peerArgs[n].serverAllowedIps, allowedIps: peerArgs[n].allowedIps, groups: peerArgs[n].groups, enabled: peerArgs[n].enabled,
      }])),
    });
    const hub = pulumi.all([hubSpec, plan]).apply(([h, pl]) => checked(() => buildHub(h as unknown as HubSpec, pl, IFACE)));

    // What every peer's conf shares, joined once: the server's key and endpoint, the address plan,
    // the server's DNS and defaults — and the hub, for peers whose AllowedIPs it derives.
    const shared = pulumi.all([this.publicKey, this.endpoint, plan, args.dns, args.subnet, args.subnet6, args.persistentKeepalive, args.mtu])
      .apply(([serverPublicKey, endpoint, pl, dns, subnet, subnet6, persistentKeepalive, mtu]): SharedByPeers => checked(() => ({
        serverPublicKey, endpoint, plan: pl, dns, server: serverAddresses(subnet ?? DEFAULT_SUBNET, subnet6), persistentKeepalive, mtu,
      })));
    const sharedWithHub = pulumi.all([shared, hub]).apply(([sh, h]) => ({ ...sh, hub: h }));

    this.peers = {};
    for (const n of names) {
      const p = peerArgs[n];
      const own = { dns: p.dns, allowedIps: p.allowedIps, persistentKeepalive: p.persistentKeepalive, mtu: p.mtu };
      const base = p.allowedIps === undefined ? sharedWithHub : shared;
      const shapeOf = (sh: SharedByPeers, o: OwnSettings): PeerShape => ({
        serverPublicKey: sh.serverPublicKey,
        endpoint: sh.endpoint,
        address: sh.plan.peers[n].address,
        address6: sh.plan.peers[n].address6,
        dns: resolvePeerDns(o.dns, sh.dns, sh.server),
        // The hub's only when the peer gives none (an output of its own that resolves to nothing: wg-quick's full tunnel, as before).
        allowedIps: o.allowedIps ?? sh.hub?.allowedIps[n],
        persistentKeepalive: o.persistentKeepalive ?? sh.persistentKeepalive,
        mtu: o.mtu ?? sh.mtu,
      });
      const common = {
        owner: this as pulumi.Resource,
        field: `peers.${n}`,
        address: plan.apply((pl) => pl.peers[n].address),
        address6: plan.apply((pl) => pl.peers[n].address6),
        keys: keys[n],
        routes: hub.apply((h) => h.routes[n]),
        dnsName: hub.apply((h) => h.dnsNames[n]),
        hasPresharedKey: !imported(p) || p.presharedKey !== undefined,
        hasPrivateKey: p.publicKey === undefined,
        checked,
      };
      // Plain settings (the usual case) need no output of their own: the peer's outputs apply on
      // the shared part. A peer with outputs among its settings joins them with it (and so keeps
      // their secrecy).
      this.peers[n] = hasLate(own)
        ? serverPeerOutputs({ ...common, source: pulumi.all([base, pulumi.output(own)]), shape: ([sh, o]) => shapeOf(sh, o as OwnSettings) })
        : serverPeerOutputs({ ...common, source: base, shape: (sh) => shapeOf(sh, own as OwnSettings) });
    }

    const c = wireGuardContainer(name, {
      ...containerArgsOf(args),
      ipv6: args.subnet6 !== undefined,
      // Always on, as in the image's server mode: if it followed the peers' DNS settings, adding a
      // peer could flip an env var and so replace the container.
      useCoreDns: true,
      ports: [{ internal: CONTAINER_PORT, external: args.serverPort ?? CONTAINER_PORT, protocol: "udp" }],
      conf: this.config,
      labels: { "wgkit.role": "server" },
      // Structural (an Output-valued access counts): fixed texts, written only when absent.
      seed: { firewall: args.access !== undefined, firewall6: args.access !== undefined && args.subnet6 !== undefined, corefile: true },
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
      hub: hub.apply((h) => ({ firewall4: h.firewall4, firewall6: h.firewall6, hosts: h.hosts })),
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
    // The public keys from the join the server conf already has (one join of N outputs, not two):
    // public by nature, so the status is plain unless a device-held public key was given as a secret.
    this.status = publicUnlessInputsSecret(pulumi.all([dump.stdout, material])
      .apply(([text, mat]) => peerStatus(text, Object.fromEntries(names.map((n, j) => [n, mat[j].publicKey])))), names.map((n) => peerArgs[n].publicKey));

    this.registerOutputs({
      status: this.status,
      publicKey: this.publicKey,
      endpoint: this.endpoint,
      address: this.address,
      address6: this.address6,
      config: this.config,
      peers: this.peers,
    });
  }
}

/** The server's keys: imported (secret) unless `rotation` asks for generated ones, else from a seed. */
function importedOrSeeded(seedName: string, privateKey: pulumi.Input<string> | undefined, rotation: pulumi.Input<string> | undefined, parent: pulumi.Resource) {
  if (privateKey !== undefined && rotation === undefined) {
    const priv = pulumi.secret(privateKey);
    // A public key is published by design: plain even when derived from an imported secret.
    return { privateKey: priv, publicKey: publicKeyOutput(priv.apply((k) => publicKeyOf(k, "privateKey"))) };
  }
  const k = keySeed(seedName, rotation, { parent });
  return { privateKey: k.privateKey, publicKey: k.publicKey };
}
