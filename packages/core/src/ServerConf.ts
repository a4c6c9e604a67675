import { emptyInterface, WgQuickConf } from "./WgQuick";
import { checkInterfaceName } from "./Validation";
import { firewallApply } from "./Firewall";

/** Port the container listens on; SERVERPORT only changes the published port. */
export const CONTAINER_PORT = 51820;

/** One peer as the server sees it. */
export interface ServerPeer {
  publicKey: string;
  presharedKey?: string;
  /** The peer's tunnel address (IPv4, no prefix). */
  address: string;
  /** The peer's tunnel IPv6 address when dual stack. */
  address6?: string;
  /** Extra networks routed to this peer (SERVER_ALLOWEDIPS_PEER_<name>), e.g. the LAN behind it. */
  serverAllowedIps?: string[];
  /** PersistentKeepalive from the server side (PERSISTENTKEEPALIVE_PEERS). */
  persistentKeepalive?: number;
}

export interface ServerConfInput {
  privateKey: string;
  /** Server tunnel address (first host of the subnet). */
  address: string;
  address6?: string;
  /** Tunnel subnet CIDR; its prefix goes on the interface address. */
  subnet: string;
  subnet6?: string;
  /** Listen port inside the container (default 51820). */
  listenPort?: number;
  mtu?: number;
  /** MASQUERADE traffic leaving the container's uplinks `eth+` (default true), as the image does. */
  masquerade?: boolean;
  /** Uplink interface pattern for NAT (default `eth+`). */
  uplink?: string;
  /**
   * Save the peers' endpoints when the interface goes down and restore them when it comes up
   * (default true), so after a restart or a container replacement the server can reach peers
   * with a PersistentKeepalive at once instead of waiting for them to re-handshake.
   */
  rememberEndpoints?: boolean;
  /**
   * Access rules (Firewall.ts): PreUp loads wgkit's chains from the files the install step writes,
   * before the interface exists, so the tunnel never forwards without them. Fixed text: rules
   * change live, never the conf. Default false.
   */
  firewall?: boolean;
  peers: readonly ServerPeer[];
}

const prefixOf = (cidr: string) => cidr.slice(cidr.indexOf("/"));

/**
 * Forwarding and NAT hooks like the image's: accept forwarding on the tunnel,
 * masquerade what leaves the uplink. With -I/-D so PostDown undoes PostUp.
 */
export function forwardingHooks(tool: "iptables" | "ip6tables", masquerade: boolean, uplink: string): { up: string[]; down: string[] } {
  const rules = ["FORWARD -i %i -j ACCEPT", "FORWARD -o %i -j ACCEPT"];
  if (masquerade) rules.push(`-t nat POSTROUTING -o ${uplink} -j MASQUERADE`);
  const cmd = (op: string, r: string) => r.startsWith("-t nat ")
    ? `${tool} -t nat ${op} ${r.slice(7)}`
    : `${tool} ${op} ${r}`;
  return { up: rules.map((r) => cmd("-A", r)), down: rules.map((r) => cmd("-D", r)) };
}

/** Where the endpoints are kept: beside the conf, not a `.conf` itself (the image only brings up *.conf). */
const ENDPOINTS_FILE = "/config/wg_confs/.%i.endpoints";
/** Fixed hook texts (no user input): save endpoints on the way down… */
export const ENDPOINTS_SAVE = `wg show %i dump | tail -n +2 | cut -f1,3,8 > ${ENDPOINTS_FILE}.new && mv -f ${ENDPOINTS_FILE}.new ${ENDPOINTS_FILE}`;
/**
 * …and restore them on the way up, only for peers the conf still declares (never re-adding a
 * removed peer). Keepalive is set 0 → n after the endpoint, the transition on which WireGuard
 * sends at once, so the server itself re-handshakes with keepalive peers.
 */
export const ENDPOINTS_RESTORE = `[ ! -f ${ENDPOINTS_FILE} ] || while read -r k e ka; do [ "$e" = "(none)" ] || ! wg show %i peers | grep -qxF "$k" || { wg set %i peer "$k" endpoint "$e" persistent-keepalive 0; [ "$ka" = off ] || wg set %i peer "$k" persistent-keepalive "$ka"; }; done < ${ENDPOINTS_FILE}`;

/** The server's wg0.conf model: interface with forwarding/NAT hooks and one [Peer] per declared peer. */
export function serverConf(input: ServerConfInput): WgQuickConf {
  const i = emptyInterface();
  i.privateKey = input.privateKey;
  i.address.push(`${input.address}${prefixOf(input.subnet)}`);
  if (input.address6 && input.subnet6) i.address.push(`${input.address6}${prefixOf(input.subnet6)}`);
  i.listenPort = input.listenPort ?? CONTAINER_PORT;
  if (input.mtu !== undefined) i.mtu = input.mtu;
  const masq = input.masquerade ?? true;
  // The uplink goes into a root shell command: only an interface name (pattern) is allowed.
  const uplink = checkInterfaceName(input.uplink ?? "eth+", "uplink");
  if (input.firewall) {
    i.preUp.push(firewallApply(4));
    if (input.address6) i.preUp.push(firewallApply(6));
  }
  const v4 = forwardingHooks("iptables", masq, uplink);
  i.postUp.push(...v4.up);
  i.postDown.push(...v4.down);
  if (input.address6) {
    const v6 = forwardingHooks("ip6tables", masq, uplink);
    i.postUp.push(...v6.up);
    i.postDown.push(...v6.down);
  }
  if (input.rememberEndpoints ?? true) {
    i.preDown.push(ENDPOINTS_SAVE);
    i.postUp.push(ENDPOINTS_RESTORE);
  }
  return {
    interface: i,
    peers: input.peers.map((p) => ({
      publicKey: p.publicKey,
      presharedKey: p.presharedKey,
      allowedIps: [`${p.address}/32`, ...(p.address6 ? [`${p.address6}/128`] : []), ...(p.serverAllowedIps ?? [])],
      persistentKeepalive: p.persistentKeepalive,
    })).map(dropUndefined),
  };
}

/** Removes undefined optional fields so models compare equal after a parse round trip. */
export function dropUndefined<T extends object>(o: T): T {
  for (const k of Object.keys(o) as (keyof T)[]) if (o[k] === undefined) delete o[k];
  return o;
}
