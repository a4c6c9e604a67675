/**
 * Names for peers: every enabled peer of a hub is `<peer>.<domain>`, served by the DNS server
 * inside the server container (CoreDNS in the image) from a hosts file the install step writes.
 *
 * Invariants: the hosts file holds only validated addresses and names built from peer names
 * (lower-cased; a name that is no DNS label, such as `a_b`, gets no entry) and the validated domain, one entry per line; peers that
 * resolve the server's DNS (`dns: ["auto"]`, the default) see every name. CoreDNS's `hosts`
 * plugin re-reads the file every 5 s, so names follow peer changes without a restart.
 *
 * Failure modes: a Corefile the user wrote is never replaced (the seed writes wgkit's only when
 * /config has none); such a deployment gets no names until its Corefile reads HOSTS_FILE.
 */
import { check } from "./WgKitError";
import { checkIp, isHostname } from "./Validation";

/** A private default: `.internal` is reserved for private use (ICANN, 2024). */
export const DEFAULT_DOMAIN = "wg.internal";
/** The hosts file the DNS server reads (its own folder, so a directory watcher sees nothing else). */
export const HOSTS_FILE = "/config/coredns/wgkit/hosts";
/** The Corefile wgkit writes on a fresh /config: the image's default plus the peers' names. */
export const COREFILE = `. {
    loop
    health :8080
    hosts ${HOSTS_FILE} {
        reload 5s
        fallthrough
    }
    forward . /etc/resolv.conf
}
`;

/** A DNS domain for peer names: a host name of at least one dot-free label, lower case. */
export function checkDomain(value: unknown, field: string): string {
  check(typeof value === "string" && isHostname(value) && !value.endsWith(".") && value === value.toLowerCase(), field, "domain",
    `must be a lower-case DNS name such as ${DEFAULT_DOMAIN}, got ${JSON.stringify(value)}`);
  return value;
}

/** `<peer>.<domain>`, lower case; undefined when the peer's name is no DNS label (e.g. `a_b`, `a..b`). */
export function peerDnsName(peer: string, domain: string): string | undefined {
  const n = `${peer.toLowerCase()}.${domain}`;
  return isHostname(n) ? n : undefined;
}

/** The hosts file: one line per address of each peer. */
export function hostsFile(domain: string, peers: readonly { name: string; address: string; address6?: string }[]): string {
  checkDomain(domain, "domain");
  const lines = peers.flatMap((p) => {
    check(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/.test(p.name), "peers", "name", "bad peer name");
    const n = peerDnsName(p.name, domain);
    if (n === undefined) return [];
    return [`${checkIp(p.address, "address")} ${n}`, ...(p.address6 ? [`${checkIp(p.address6, "address6")} ${n}`] : [])];
  });
  return `# wgkit: peers of this hub\n${lines.join("\n")}${lines.length ? "\n" : ""}`;
}
