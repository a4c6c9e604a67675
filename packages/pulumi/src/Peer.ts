import * as pulumi from "@pulumi/pulumi";
import { checkArgsObject, checkPeerSpec, PeerSpec } from "@wgkit/core";
import { naming, namingResolved } from "./ComponentError";
import { keySeed } from "./KeySeed";
import { checkPlain, checkPlainObject, splitKnown } from "./known";
import { serverPeerOutputs } from "./ServerPeerOutputs";

/** A road-warrior device: keys, address and its wg-quick conf, QR code and NixOS snippet. */
export interface PeerArgs {
  /** The server's public key (e.g. `server.publicKey`, or from a StackReference). */
  serverPublicKey: pulumi.Input<string>;
  /** Where the device dials: `host:port`, i.e. SERVERURL:SERVERPORT. */
  endpoint: pulumi.Input<string>;
  /** The device's tunnel IPv4 address, without prefix (rendered as /32). */
  address: pulumi.Input<string>;
  /** The device's tunnel IPv6 address for dual stack (rendered as /128). Default: none. */
  address6?: pulumi.Input<string>;
  /** Resolvers and search domains for the device (PEERDNS). Default: none. */
  dns?: pulumi.Input<pulumi.Input<string>[]>;
  /** What the device routes into the tunnel (ALLOWEDIPS). Default `0.0.0.0/0, ::/0`. */
  allowedIps?: pulumi.Input<pulumi.Input<string>[]>;
  /** PersistentKeepalive seconds from the device (integer, 0–65535). Default: off. */
  persistentKeepalive?: pulumi.Input<number>;
  /** Interface MTU on the device (integer, 1280–9000). Default: wg-quick's choice. */
  mtu?: pulumi.Input<number>;
  /** Local ListenPort on the device (integer, 1–65535; the image writes 51820). Default: random. */
  listenPort?: pulumi.Input<number>;
  /** Device-held key: the device's public key. No private key is generated or stored; the conf then has no PrivateKey line. */
  publicKey?: pulumi.Input<string>;
  /** Change this value (any string, e.g. a date) to rotate the private and preshared keys on the next `pulumi up`. */
  rotation?: pulumi.Input<string>;
  /** Interface name used in the NixOS snippet. Default `wg0`. */
  interfaceName?: pulumi.Input<string>;
}

export const PEER_TYPE = "wgkit:index:Peer";

/**
 * A device dialling a WireGuard server (possibly managed in another stack): its keys (a seed in
 * state), its conf, QR code and NixOS snippet.
 */
export class Peer extends pulumi.ComponentResource {
  /** The device's public key (plain). */
  public readonly publicKey: pulumi.Output<string>;
  /** The device's private key (secret); undefined for device-held keys. */
  public readonly privateKey: pulumi.Output<string | undefined>;
  /** The preshared key shared with the server (secret). */
  public readonly presharedKey: pulumi.Output<string>;
  /** The device's tunnel IPv4 address. */
  public readonly address: pulumi.Output<string>;
  /** The device's tunnel IPv6 address (dual stack only). */
  public readonly address6: pulumi.Output<string | undefined>;
  /** The device's wg-quick conf (secret). */
  public readonly config: pulumi.Output<string>;
  /** The conf as a QR code PNG, base64 (secret). Undefined for device-held keys. */
  public readonly qrCode: pulumi.Output<string | undefined>;
  /** NixOS module snippet; keys are referenced by file, never inlined. */
  public readonly nixos: pulumi.Output<string>;

  constructor(name: string, args: PeerArgs, opts: pulumi.ComponentResourceOptions = {}) {
    naming(PEER_TYPE, name, () => {
      checkPlain(name, "name", "it names the peer's key seed");
      checkPlainObject(args, "args", "the peer's args");
      checkArgsObject(args, "args");
      const { plain, unknown } = splitKnown(args);
      checkPeerSpec(plain as Partial<PeerSpec>, unknown);
    });
    super(PEER_TYPE, name, {}, opts);

    const deviceHeld = args.publicKey !== undefined;
    const keys = keySeed(`${name}-keys`, args.rotation, { parent: this });
    const publicKey = deviceHeld ? pulumi.output(args.publicKey!) : keys.publicKey;
    const out = serverPeerOutputs({
      owner: this,
      field: "config",
      shape: (s) => s,
      source: pulumi.output({
        serverPublicKey: args.serverPublicKey, endpoint: args.endpoint, address: args.address, address6: args.address6, dns: args.dns ?? [],
        allowedIps: args.allowedIps, persistentKeepalive: args.persistentKeepalive, mtu: args.mtu, listenPort: args.listenPort, interfaceName: args.interfaceName,
      }),
      address: pulumi.output(args.address),
      address6: pulumi.output(args.address6),
      keys: {
        publicKey,
        privateKey: deviceHeld ? pulumi.output(undefined) : keys.privateKey,
        presharedKey: keys.presharedKey,
        material: deviceHeld ? pulumi.secret(pulumi.all([publicKey, keys.presharedKey]).apply(([pub, psk]) => ({ publicKey: pub, presharedKey: psk }))) : keys.material,
      },
      hasPresharedKey: true,
      hasPrivateKey: !deviceHeld,
      checked: namingResolved(PEER_TYPE, name),
    });
    this.presharedKey = keys.presharedKey;
    this.publicKey = out.publicKey;
    this.privateKey = out.privateKey;
    this.address = out.address;
    this.address6 = out.address6;
    this.config = out.config;
    this.qrCode = out.qrCode;
    this.nixos = out.nixos;

    this.registerOutputs({
      publicKey: this.publicKey,
      privateKey: this.privateKey,
      presharedKey: this.presharedKey,
      address: this.address,
      address6: this.address6,
      config: this.config,
      qrCode: this.qrCode,
      nixos: this.nixos,
    });
  }
}
