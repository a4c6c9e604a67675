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
 */
import { Access, HubPeer, mayReach } from "./AccessRules";
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

/** The LANs of other spokes that peer `name` is related to, in declaration order. */
export function relatedLans(access: Access | undefined, peers: readonly HubPeer[], name: string): string[] {
  const p = peers.find((x) => x.name === name);
  if (p === undefined) return [];
  return peers.flatMap((s) => s.lans.filter((l) => related(access, p, s, l)));
}

/** A peer's conf AllowedIPs: the base plus related spoke LANs not already inside the base. */
export function derivedAllowedIps(base: readonly string[], access: Access | undefined, peers: readonly HubPeer[], name: string): string[] {
  const extra = relatedLans(access, peers, name).filter((l) => !coveredBy(l, base));
  return [...base, ...extra];
}

/**
 * What a spoke's LAN router must route via the spoke's WireGuard device (when that device is not
 * the router itself): the tunnel subnet(s) and the related LANs of other spokes. Empty for a peer
 * without LANs.
 */
export function spokeRoutes(access: Access | undefined, peers: readonly HubPeer[], name: string, tunnelSubnets: readonly string[]): string[] {
  const p = peers.find((x) => x.name === name);
  if (p === undefined || p.lans.length === 0) return [];
  return [...tunnelSubnets, ...relatedLans(access, peers, name)];
}
