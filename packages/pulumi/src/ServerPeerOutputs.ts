import * as pulumi from "@pulumi/pulumi";
import { buildPeer, PeerSpec, renderNixOS, renderWgQuick, tryQrPngBase64 } from "@wgkit/core";
import { KeyMaterial } from "./KeySeed";

/** What a WireGuardServer publishes for one of its peers (plain objects: no component per peer). */
export interface ServerPeerOutputs {
  /** The peer's tunnel IPv4 address. */
  address: pulumi.Output<string>;
  /** The peer's tunnel IPv6 address (dual stack only). */
  address6: pulumi.Output<string | undefined>;
  /** The peer's public key. */
  publicKey: pulumi.Output<string>;
  /** The device's wg-quick conf (secret). */
  config: pulumi.Output<string>;
  /** The conf as a QR code PNG (1-bit grayscale), base64 (secret); undefined for device-held keys. */
  qrCode: pulumi.Output<string | undefined>;
  /** NixOS module snippet (keys referenced by file, never inlined). */
  nixos: pulumi.Output<string>;
  /** The device's private key (secret); undefined for device-held keys. */
  privateKey: pulumi.Output<string | undefined>;
  /** The preshared key (secret); undefined for imported keys without one. */
  presharedKey: pulumi.Output<string | undefined>;
  /**
   * For a spoke (a peer with serverAllowedIps): what its LAN router routes via the spoke's WireGuard
   * device when that device is not the router itself (`ip route add <cidr> via <its LAN address>`):
   * the tunnel subnet(s) and the LANs of other spokes it exchanges traffic with. Empty otherwise.
   */
  routes: pulumi.Output<string[]>;
  /** `<peer>.<domain>` as the server's DNS answers it (undefined when the name is no DNS label, e.g. `a_b`). */
  dnsName: pulumi.Output<string | undefined>;
}

/** Everything a device's conf and NixOS snippet say besides its keys (`interfaceName`: the snippet's, default wg0). */
export type PeerShape = Omit<PeerSpec, "publicKey" | "rotation">;

/** A peer's keys: each as an output, and the three together (secret) for its conf. */
export interface PeerKeys {
  publicKey: pulumi.Output<string>;
  /** Undefined for device-held keys. */
  privateKey: pulumi.Output<string | undefined>;
  /** Undefined when imported keys come without one. */
  presharedKey: pulumi.Output<string | undefined>;
  /** Always secret (the conf, which holds a key, inherits its secrecy from it). */
  material: pulumi.Output<KeyMaterial>;
}

export interface ServerPeerOutputsInput<S> {
  /** The component the outputs belong to (warnings are logged against it). */
  owner: pulumi.Resource;
  field: string;
  /**
   * What the conf's shape is computed from, and how: an output shared by all of a server's peers
   * (joined once, not per peer) and this peer's view of it.
   */
  source: pulumi.Output<S>;
  shape: (source: S) => PeerShape;
  address: pulumi.Output<string>;
  address6: pulumi.Output<string | undefined>;
  keys: PeerKeys;
  /** Whether the peer has a preshared key (known from the args, so the NixOS snippet needs no key). */
  hasPresharedKey: boolean;
  /** False for a device-held key: the conf is not complete, so there is no QR code. */
  hasPrivateKey: boolean;
  /** Server peers: spoke routes and DNS name (a standalone Peer has none). */
  routes?: pulumi.Output<string[]>;
  dnsName?: pulumi.Output<string | undefined>;
  /** Runs validation of resolved values (errors named after the component, values not shown). */
  checked: <T>(f: () => T) => T;
}

/** A valid key that stands in for the preshared key in the NixOS snippet, which only references key files. */
const NO_KEY = "A".repeat(43) + "=";

/**
 * The per-peer outputs of a server (or a standalone Peer): the conf (secret), its QR code (secret)
 * and the NixOS snippet. The snippet is rendered from the conf's shape without any key material,
 * so it carries secrecy only from the user's own inputs.
 *
 * Cost: every output is one `apply` on the shared source or the peer's keys (the conf: one on
 * each, joined by returning one from the other), never a `pulumi.all` per peer — each join of N outputs makes
 * 2N more outputs and captures a stack trace, which at thousands of peers was most of a
 * program's evaluation.
 */
export function serverPeerOutputs<S>(i: ServerPeerOutputsInput<S>): ServerPeerOutputs {
  const shape = (x: S) => i.checked(() => i.shape(x));
  // Secret as the key material is (a secret() wrapper of an output costs three outputs more).
  const config = i.keys.material.apply((k) => i.source.apply((x) => i.checked(() =>
    renderWgQuick(buildPeer(shape(x), k.privateKey, k.presharedKey), k.privateKey === undefined ? undefined : k.publicKey))));
  // No private key in the model (the snippet names a key file); a stand-in for the preshared key's presence.
  const nixos = i.source.apply((x) => i.checked(() => {
    const s = shape(x);
    return renderNixOS(buildPeer(s, undefined, i.hasPresharedKey ? NO_KEY : undefined), { interfaceName: s.interfaceName }).text;
  }));
  return {
    address: i.address,
    address6: i.address6,
    publicKey: i.keys.publicKey,
    config,
    qrCode: config.apply((c) => {
      if (!i.hasPrivateKey) return undefined; // device-held key: the conf is not complete
      const qr = tryQrPngBase64(c);
      if (qr.base64 === undefined) pulumi.log.warn(`${i.field}: ${qr.reason}; use the conf file`, i.owner);
      return qr.base64;
    }),
    nixos,
    privateKey: i.keys.privateKey,
    presharedKey: i.keys.presharedKey,
    routes: i.routes ?? pulumi.output([]),
    dnsName: i.dnsName ?? pulumi.output(undefined),
  };
}
