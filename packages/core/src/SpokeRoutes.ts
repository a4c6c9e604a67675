/**
 * Routing between spokes: a peer with LANs behind it (serverAllowedIps) is a spoke. Every other
 * peer's conf routes the spoke LANs it is related to through the tunnel, and a spoke's LAN router
 * gets the routes it needs (the `routes` output, as SiteLink's).
 *
 * "Related" is symmetric: a peer P carries a spoke S's LAN L when P may open a connection to L,
 * or S (whose source addresses include L) may open one to P; either way packets with L as source
 * or destination cross P's tunnel, and WireGuard drops those outside P's AllowedIPs.
 *
 * Invariants: derived AllowedIPs are the base list (the server's `allowedIps`) plus related LANs
 * not already inside an entry of it, in the spokes' declaration order; a peer's own LANs are
 * never added to its own conf. A peer with its own `allowedIps` is left alone (the user decides).
 * With the default full tunnel (0.0.0.0/0, ::/0) nothing is added, so adding a spoke changes no
 * other device's conf; with a narrower base it changes exactly the confs of peers related to it.
 *
 * Cost (SpokeRouting): computed for every peer of a hub at once, so nothing here scans all peers
 * per peer. Whether P reaches L of S depends on P only through the rules that name P as a source,
 * and whether S reaches P only on S through the same: peers are grouped by those rules ("source
 * classes", a handful in practice: everyone, a few groups), the first question is answered once
 * per class and LAN, the second once per peer and class of spokes. LANs the base already covers
 * are dropped before any of it. A peer's answer is then assembled from whole lists, sorted once:
 * O(R·(C·L + P·C·A) + Σ k log k) for R rules, C classes, L LANs, P peers with A addresses each and
 * k LANs in each answer — linear in the peers for a given rule set (it was O(P·(P + L·R))).
 */
import { Access, HubPeer, mayReach, mayReachFrom, sourceMatches } from "./AccessRules";
import { cidrsOverlap, parseCidr } from "./AllowedIPs";

/** True when `inner` lies inside one of `list` (same family, shorter or equal prefix). */
export function coveredBy(inner: string, list: readonly string[]): boolean {
  const i = parseCidr(inner, "cidr");
  return list.some((o) => {
    const c = parseCidr(o, "cidr");
    return c.prefix <= i.prefix && cidrsOverlap(c, i);
  });
}

/** Whether peer `p` and the LAN `lan` of spoke `s` exchange connections in either direction. */
export function related(access: Access | undefined, p: HubPeer, s: HubPeer, lan: string): boolean {
  if (p.name === s.name) return false;
  return mayReach(access, p, lan, s) || p.addresses.some((a) => mayReach(access, s, a, p)) || p.lans.some((l) => mayReach(access, s, l, p));
}

/** One spoke LAN: its owner (index into the peers) and the CIDR. Entries are numbered in declaration order. */
interface LanEntry { owner: number; lan: string }

/**
 * The related LANs of every peer of a hub, from one pass over the rules (see Cost above). `keep`
 * drops LANs up front (derived AllowedIPs drop those the base covers).
 */
export class SpokeRouting {
  private readonly entries: LanEntry[] = [];
  private readonly byName = new Map<string, number>();
  private readonly sourceKey: string[];
  /** Spokes grouped by source class: the class's rule matches and its LAN entries (ascending). */
  private readonly spokeClasses: { matches: boolean[]; entries: number[] }[] = [];
  /** Per source class of a peer: the entries it may reach (ascending), computed on first use. */
  private readonly reachable = new Map<string, number[]>();

  constructor(private readonly access: Access | undefined, private readonly peers: readonly HubPeer[], keep: (lan: string) => boolean = () => true) {
    const matches = peers.map((p) => sourceMatches(access, p));
    this.sourceKey = matches.map((m) => m.map((x) => (x ? "1" : "0")).join(""));
    const classes = new Map<string, { matches: boolean[]; entries: number[] }>();
    peers.forEach((p, i) => {
      if (!this.byName.has(p.name)) this.byName.set(p.name, i); // as Array.find: the first of a name
      for (const lan of p.lans) {
        if (!keep(lan)) continue;
        let c = classes.get(this.sourceKey[i]);
        if (c === undefined) classes.set(this.sourceKey[i], c = { matches: matches[i], entries: [] });
        c.entries.push(this.entries.length);
        this.entries.push({ owner: i, lan });
      }
    });
    this.spokeClasses = [...classes.values()];
  }

  /** The LANs of other spokes that peer `name` is related to, in declaration order (kept LANs only). */
  relatedLans(name: string): string[] {
    const i = this.byName.get(name);
    if (i === undefined || this.entries.length === 0) return [];
    const p = this.peers[i];
    const ids = [...this.reachableBy(i)];
    // Spokes that may reach p: whole classes at once (any of p's addresses or LANs as the target).
    const targets = [...p.addresses, ...p.lans];
    for (const c of this.spokeClasses) {
      if (targets.some((t) => mayReachFrom(this.access, c.matches, t, p))) ids.push(...c.entries);
    }
    ids.sort((a, b) => a - b);
    const out: string[] = [];
    for (let k = 0; k < ids.length; k++) {
      if (k > 0 && ids[k] === ids[k - 1]) continue;
      const e = this.entries[ids[k]];
      if (this.peers[e.owner].name !== name) out.push(e.lan); // never a peer's own LANs
    }
    return out;
  }

  /**
   * What a spoke's LAN router must route via the spoke's WireGuard device (when that device is not
   * the router itself): the tunnel subnet(s) and the related LANs of other spokes. Empty for a
   * peer without LANs.
   */
  spokeRoutes(name: string, tunnelSubnets: readonly string[]): string[] {
    const i = this.byName.get(name);
    if (i === undefined || this.peers[i].lans.length === 0) return [];
    return [...tunnelSubnets, ...this.relatedLans(name)];
  }

  /** The entries peer `i` may open connections to: the same for every peer of its source class. */
  private reachableBy(i: number): number[] {
    const key = this.sourceKey[i];
    let r = this.reachable.get(key);
    if (r === undefined) {
      const m = sourceMatches(this.access, this.peers[i]);
      r = this.entries.map((_, id) => id).filter((id) => mayReachFrom(this.access, m, this.entries[id].lan, this.peers[this.entries[id].owner]));
      this.reachable.set(key, r);
    }
    return r;
  }
}

/** A `keep` for SpokeRouting: LANs not already inside an entry of `base`. */
export function outside(base: readonly string[]): (lan: string) => boolean {
  return (lan) => !coveredBy(lan, base);
}

/** The LANs of other spokes that peer `name` is related to, in declaration order. */
export function relatedLans(access: Access | undefined, peers: readonly HubPeer[], name: string): string[] {
  return new SpokeRouting(access, peers).relatedLans(name);
}

/** A peer's conf AllowedIPs: the base plus related spoke LANs not already inside the base. */
export function derivedAllowedIps(base: readonly string[], access: Access | undefined, peers: readonly HubPeer[], name: string): string[] {
  return [...base, ...new SpokeRouting(access, peers, outside(base)).relatedLans(name)];
}

/** SpokeRouting.spokeRoutes for one peer. */
export function spokeRoutes(access: Access | undefined, peers: readonly HubPeer[], name: string, tunnelSubnets: readonly string[]): string[] {
  return new SpokeRouting(access, peers).spokeRoutes(name, tunnelSubnets);
}
