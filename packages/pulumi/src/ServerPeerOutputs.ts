import * as pulumi from "@pulumi/pulumi";
import { buildPeer, PeerAddresses, renderNixOS, renderWgQuick, tryQrPngBase64 } from "@wgkit/core";

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
  /** The conf as a QR code PNG, base64 (secret); undefined for device-held keys. */
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

export interface ServerPeerOutputsInput {
  /** The component the outputs belong to (warnings are logged against it). */
  owner: pulumi.Resource;
  field: string;
  serverPublicKey: pulumi.Output<string>;
  endpoint: pulumi.Output<string>;
  addresses: pulumi.Output<PeerAddresses>;
  dns: pulumi.Output<string[]>;
  allowedIps?: pulumi.Input<pulumi.Input<string>[]>;
  persistentKeepalive?: pulumi.Input<number>;
  mtu?: pulumi.Input<number>;
  /** The device's ListenPort (standalone Peer). */
  listenPort?: pulumi.Input<number>;
  /** Interface name in the NixOS snippet (default wg0). */
  interfaceName?: pulumi.Input<string>;
  publicKey: pulumi.Output<string>;
  privateKey: pulumi.Output<string | undefined>;
  presharedKey: pulumi.Output<string | undefined>;
  /** Whether the peer has a preshared key (known from the args, so the NixOS snippet needs no key). */
  hasPresharedKey: boolean;
  /** Server peers: spoke routes and DNS name (a standalone Peer has none). */
  routes?: pulumi.Output<string[]>;
  dnsName?: pulumi.Output<string | undefined>;
  /** Runs validation of resolved values (errors named after the component, values not shown). */
  checked: <T>(f: () => T) => T;
}

/** A valid key that stands in for the preshared key in the NixOS snippet, which only references key files. */
const NO_KEY = "A".repeat(43) + "=";

/**
 * The per-peer outputs of a server: one conf model per peer, then the conf (secret), its QR code
 * (secret) and the NixOS snippet. The snippet is rendered from the conf's shape without any key
 * material, so it carries secrecy only from the user's own inputs.
 */
export function serverPeerOutputs(i: ServerPeerOutputsInput): ServerPeerOutputs {
  const shape = pulumi.all([i.serverPublicKey, i.endpoint, i.addresses, i.dns, i.allowedIps, i.persistentKeepalive, i.mtu, i.listenPort])
    .apply(([serverPublicKey, endpoint, a, dns, allowedIps, persistentKeepalive, mtu, listenPort]) => ({
      serverPublicKey, endpoint, address: a.address, address6: a.address6, dns, allowedIps: allowedIps as string[] | undefined, persistentKeepalive, mtu, listenPort,
    }));
  const config = pulumi.secret(pulumi.all([shape, i.privateKey, i.presharedKey, i.publicKey])
    .apply(([s, priv, psk, pub]) => i.checked(() => renderWgQuick(buildPeer(s, priv, psk), priv === undefined ? undefined : pub))));
  // No private key in the model (the snippet names a key file); a stand-in for the preshared key's presence.
  const nixos = pulumi.all([shape, i.interfaceName]).apply(([s, interfaceName]) => i.checked(() => renderNixOS(buildPeer(s, undefined, i.hasPresharedKey ? NO_KEY : undefined), { interfaceName }).text));
  return {
    address: i.addresses.apply((a) => a.address),
    address6: i.addresses.apply((a) => a.address6),
    publicKey: i.publicKey,
    config,
    qrCode: pulumi.all([config, i.privateKey]).apply(([c, priv]) => {
      if (priv === undefined) return undefined; // device-held key: the conf is not complete
      const qr = tryQrPngBase64(c);
      if (qr.base64 === undefined) pulumi.log.warn(`${i.field}: ${qr.reason}; use the conf file`, i.owner);
      return qr.base64;
    }),
    nixos,
    privateKey: i.privateKey,
    presharedKey: i.presharedKey,
    routes: i.routes ?? pulumi.output([]),
    dnsName: i.dnsName ?? pulumi.output(undefined),
  };
}
