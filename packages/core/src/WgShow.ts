import { check } from "./WgKitError";
import { checkInterfaceName } from "./Validation";

/** One peer line of `wg show <iface> dump`. */
export interface WgShowPeer {
  publicKey: string;
  endpoint?: string;
  allowedIps: string[];
  /** Unix seconds; 0 = never. */
  latestHandshake: number;
  rxBytes: number;
  txBytes: number;
  persistentKeepalive?: number;
}

export interface WgShowInterface {
  publicKey: string;
  listenPort: number;
  peers: WgShowPeer[];
}

/**
 * Parses `wg show <iface> dump` (tab-separated; first line the interface,
 * then one line per peer). Private and preshared keys in it are dropped.
 */
export function parseWgShowDump(text: string): WgShowInterface {
  const lines = text.split("\n").filter((l) => l.trim() !== "");
  check(lines.length > 0, "dump", "empty", "wg show dump printed nothing");
  const head = lines[0].split("\t");
  check(head.length >= 4, "dump:line 1", "format", "expected private-key, public-key, listen-port, fwmark");
  const peers = lines.slice(1).map((l, i) => {
    const f = l.split("\t");
    check(f.length >= 8, `dump:line ${i + 2}`, "format", "expected 8 tab-separated fields");
    const peer: WgShowPeer = {
      publicKey: f[0],
      allowedIps: f[3] === "(none)" ? [] : f[3].split(","),
      latestHandshake: Number(f[4]),
      rxBytes: Number(f[5]),
      txBytes: Number(f[6]),
    };
    if (f[2] !== "(none)") peer.endpoint = f[2];
    if (f[7] !== "off") peer.persistentKeepalive = Number(f[7]);
    return peer;
  });
  return { publicKey: head[1], listenPort: Number(head[2]), peers };
}

/**
 * Shell pipeline printing `wg show <iface> dump` of the container named by
 * $WGKIT_CONTAINER with the private and preshared keys blanked, so the text
 * can be logged and stored in state.
 */
export function statusCommand(iface: string): string {
  checkInterfaceName(iface, "interfaceName");
  // A failed `docker exec` fails the step (a pipe alone would hide it behind awk's success).
  // The first line is the container's clock (unix s), for handshake ages. Keys are blanked by the
  // shape of the line (interface: 4 fields, peer: 8), whatever comes before it.
  return `dump=$(docker exec "$WGKIT_CONTAINER" sh -c 'date +%s && wg show ${iface} dump') || exit 1; printf '%s\\n' "$dump" | awk -F "\\t" -v OFS="\\t" 'NF==4{$1="(hidden)"} NF>=8{$2="(hidden)"} {print}'`;
}

/** A peer as the running server sees it. */
export interface PeerStatus {
  /** Whether the running interface has this peer (false for disabled peers). */
  present: boolean;
  /** Latest handshake, unix seconds (integer; 0 = never). */
  latestHandshake: number;
  /** Bytes received from the peer (integer). */
  rxBytes: number;
  /** Bytes sent to the peer (integer). */
  txBytes: number;
  /** The peer's current `host:port` as the server sees it ("" if none yet). */
  endpoint: string;
  /** Seconds (integer) since the latest handshake, by the container's clock; -1 = never (or absent). */
  handshakeAgeSeconds: number;
}

/** Per-peer status by name, from a (blanked) dump and the peers' public keys; no dump → all absent. */
export function peerStatus(dump: string | undefined, publicKeys: Record<string, string>): Record<string, PeerStatus> {
  // statusCommand prints the container's clock first; a dump without it gives no ages.
  const m = dump ? /^([0-9]+)\n/.exec(dump) : null;
  const now = m ? Number(m[1]) : undefined;
  if (m) dump = dump!.slice(m[0].length);
  const age = (t: number) => (t > 0 && now !== undefined ? Math.max(0, now - t) : -1);
  const shown = dump ? parseWgShowDump(dump) : { peers: [] };
  const byKey = new Map(shown.peers.map((p) => [p.publicKey, p]));
  return Object.fromEntries(Object.entries(publicKeys).map(([name, key]) => {
    const p = byKey.get(key);
    return [name, p
      ? { present: true, latestHandshake: p.latestHandshake, rxBytes: p.rxBytes, txBytes: p.txBytes, endpoint: p.endpoint ?? "", handshakeAgeSeconds: age(p.latestHandshake) }
      : { present: false, latestHandshake: 0, rxBytes: 0, txBytes: 0, endpoint: "", handshakeAgeSeconds: -1 }];
  }));
}
