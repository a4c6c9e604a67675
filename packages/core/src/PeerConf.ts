import { emptyInterface, WgQuickConf } from "./WgQuick";
import { dropUndefined } from "./ServerConf";

/** Everything a road-warrior device needs to dial its server. */
export interface PeerConfInput {
  privateKey: string;
  /** Tunnel address (IPv4, no prefix): rendered as /32. */
  address: string;
  /** Tunnel IPv6 address when dual stack: rendered as /128. */
  address6?: string;
  /** PEERDNS: resolvers and search domains for the device. */
  dns?: string[];
  mtu?: number;
  /** Local listen port on the device (the image writes 51820; default none = random). */
  listenPort?: number;
  serverPublicKey: string;
  presharedKey?: string;
  /** SERVERURL:SERVERPORT. */
  endpoint: string;
  /** ALLOWEDIPS: what the device routes into the tunnel (default `0.0.0.0/0, ::/0`). */
  allowedIps?: string[];
  persistentKeepalive?: number;
}

export const FULL_TUNNEL = ["0.0.0.0/0", "::/0"];

/** The wg-quick conf of one peer (what the image writes to peer_<name>.conf). */
export function peerConf(input: PeerConfInput): WgQuickConf {
  const i = emptyInterface();
  i.privateKey = input.privateKey;
  i.address.push(`${input.address}/32`);
  if (input.address6) i.address.push(`${input.address6}/128`);
  i.dns.push(...(input.dns ?? []));
  if (input.mtu !== undefined) i.mtu = input.mtu;
  if (input.listenPort !== undefined) i.listenPort = input.listenPort;
  return {
    interface: i,
    peers: [dropUndefined({
      publicKey: input.serverPublicKey,
      presharedKey: input.presharedKey,
      endpoint: input.endpoint,
      allowedIps: input.allowedIps ?? FULL_TUNNEL,
      persistentKeepalive: input.persistentKeepalive,
    })],
  };
}
