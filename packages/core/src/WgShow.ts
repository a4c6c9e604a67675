import { check } from "./WgKitError";

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
