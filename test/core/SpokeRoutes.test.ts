import { strict as assert } from "assert";
import * as fc from "fast-check";
import {
  Access, AccessSpec, buildHub, cidrsOverlap, derivedAllowedIps, FULL_TUNNEL, HubPeer, mayReach, parseAccess, parseCidr, planAddresses, relatedLans, spokeRoutes, SpokeRouting,
} from "@wgkit/core";

/**
 * SpokeRoutes computes every peer's related LANs in one pass (linear in peers for a rule set).
 * Oracle: the functions as they were before (each peer scanning every peer and every LAN, with
 * `peers.find` for the lookup), kept here verbatim.
 */
const before = {
  coveredBy(inner: string, list: readonly string[]): boolean {
    const i = parseCidr(inner, "cidr");
    return list.some((o) => { const c = parseCidr(o, "cidr"); return c.prefix <= i.prefix && cidrsOverlap(c, i); });
  },
  related(access: Access | undefined, p: HubPeer, s: HubPeer, lan: string): boolean {
    if (p.name === s.name) return false;
    return mayReach(access, p, lan, s) || p.addresses.some((a) => mayReach(access, s, a, p)) || p.lans.some((l) => mayReach(access, s, l, p));
  },
  relatedLans(access: Access | undefined, peers: readonly HubPeer[], name: string): string[] {
    const p = peers.find((x) => x.name === name);
    if (p === undefined) return [];
    return peers.flatMap((s) => s.lans.filter((l) => before.related(access, p, s, l)));
  },
  derivedAllowedIps(base: readonly string[], access: Access | undefined, peers: readonly HubPeer[], name: string): string[] {
    const extra = before.relatedLans(access, peers, name).filter((l) => !before.coveredBy(l, base));
    return [...base, ...extra];
  },
  spokeRoutes(access: Access | undefined, peers: readonly HubPeer[], name: string, tunnelSubnets: readonly string[]): string[] {
    const p = peers.find((x) => x.name === name);
    if (p === undefined || p.lans.length === 0) return [];
    return [...tunnelSubnets, ...before.relatedLans(access, peers, name)];
  },
};

const NAMES = ["a", "b", "c", "d", "e", "f", "g", "h"];
const GROUPS = ["g1", "g2", "g3"];
// LANs that nest and overlap across families, so "covers" and "intersects" both occur.
const LANS = ["192.168.10.0/24", "192.168.20.0/24", "192.168.20.128/25", "192.168.0.0/16", "172.16.0.0/12", "fd10::/64", "fd20::/48", "10.50.0.0/16"];
const TARGET_CIDRS = ["192.168.20.0/24", "192.168.0.0/16", "10.13.13.0/24", "10.13.13.4/32", "fd10::/64", "fd42::/64", "0.0.0.0/0", "::/0", "192.168.20.0/26"];
const BASES = [FULL_TUNNEL, ["10.13.13.0/24"], ["10.13.13.0/24", "192.168.0.0/16"], ["10.13.13.0/24", "fd42::/64", "fd10::/64"], ["0.0.0.0/0"]];

/** Peers (names may repeat when `unique` is false), then access rules over them. */
function hub(unique: boolean) {
  const peer = (name: string, i: number) => fc.record({
    lans: fc.subarray(LANS, { maxLength: 3 }),
    groups: fc.subarray(GROUPS, { maxLength: 2 }),
    v6: fc.boolean(),
  }).map(({ lans, groups, v6 }): HubPeer => ({ name, addresses: [`10.13.13.${i + 2}/32`, ...(v6 ? [`fd42::${i + 2}/128`] : [])], lans, groups }));
  const names = unique ? fc.shuffledSubarray(NAMES, { minLength: 1 }) : fc.array(fc.constantFrom(...NAMES.slice(0, 3)), { minLength: 1, maxLength: 6 });
  return names.chain((ns) => fc.tuple(...ns.map((n, i) => peer(n, i)))).chain((peers) => {
    const known = [...new Set(peers.map((p) => p.name))];
    const groups = GROUPS.filter((g) => peers.some((p) => p.groups.includes(g)));
    const source = fc.constantFrom("*", ...known, ...groups.map((g) => `group:${g}`));
    const target = fc.oneof(source, fc.constantFrom("internet", "server", ...TARGET_CIDRS));
    const rule = fc.record({ from: source, to: target, action: fc.constantFrom("allow", "deny"), protocol: fc.constantFrom("any", "tcp", "icmp") })
      .chain((r) => (r.protocol === "tcp" ? fc.constantFrom({ ...r }, { ...r, ports: ["22"] }) : fc.constant(r)));
    const access = fc.option(fc.record({ default: fc.constantFrom("allow", "deny"), rules: fc.array(rule, { maxLength: 6 }) }), { nil: undefined });
    return fc.tuple(fc.constant(peers), access.map((a) => a as AccessSpec | undefined), fc.constantFrom(...BASES));
  });
}

/** The access spec parsed against the peers (a repeated name has the groups of all its peers). */
function parsed(spec: AccessSpec | undefined, peers: readonly HubPeer[]): Access | undefined {
  const groups: Record<string, { groups: string[] }> = {};
  for (const p of peers) (groups[p.name] ??= { groups: [] }).groups.push(...p.groups);
  return spec === undefined ? undefined : parseAccess(spec, groups);
}

describe("SpokeRoutes: every peer at once, against the per-peer scans it replaced (oracle)", () => {
  for (const unique of [true, false]) {
    it(`property: related LANs, derived AllowedIPs and spoke routes are unchanged for every peer${unique ? "" : " (names repeated, as Array.find reads them)"}`, () => {
      fc.assert(fc.property(hub(unique), ([peers, spec, base]) => {
        const access = parsed(spec, peers);
        const all = new SpokeRouting(access, peers);
        for (const name of [...new Set(peers.map((p) => p.name)), "nobody"]) {
          const want = before.relatedLans(access, peers, name);
          assert.deepEqual(all.relatedLans(name), want, `relatedLans ${name}`);
          assert.deepEqual(relatedLans(access, peers, name), want);
          assert.deepEqual(derivedAllowedIps(base, access, peers, name), before.derivedAllowedIps(base, access, peers, name), `derivedAllowedIps ${name}`);
          assert.deepEqual(spokeRoutes(access, peers, name, ["10.13.13.0/24", "fd42::/64"]), before.spokeRoutes(access, peers, name, ["10.13.13.0/24", "fd42::/64"]), `spokeRoutes ${name}`);
          assert.deepEqual(all.spokeRoutes(name, ["10.13.13.0/24"]), before.spokeRoutes(access, peers, name, ["10.13.13.0/24"]));
        }
      }), { numRuns: 400 });
    });
  }

  it("property: buildHub gives each peer the old per-peer derived AllowedIPs and routes", () => {
    fc.assert(fc.property(hub(true), fc.boolean(), ([peers, spec, base], ownAllowed) => {
      const plan = planAddresses({ subnet: "10.13.13.0/24", subnet6: "fd42::/64", peers: peers.map((p, i) => ({ name: p.name, address: `10.13.13.${i + 2}`, address6: `fd42::${i + 2}` })) });
      const hubPeers: HubPeer[] = peers.map((p) => ({ ...p, addresses: [`${plan.peers[p.name].address}/32`, `${plan.peers[p.name].address6}/128`] }));
      const own = ownAllowed ? { [peers[0].name]: ["10.99.0.0/16"] } : {};
      const h = buildHub({
        allowedIps: base === FULL_TUNNEL ? undefined : base, access: spec,
        peers: Object.fromEntries(peers.map((p) => [p.name, { serverAllowedIps: p.lans, groups: p.groups, ...(own[p.name] ? { allowedIps: own[p.name] } : {}) }])),
      }, plan);
      const access = parsed(spec, peers);
      for (const p of peers) {
        assert.deepEqual(h.allowedIps[p.name], own[p.name] ?? before.derivedAllowedIps(base, access, hubPeers, p.name), `allowedIps ${p.name}`);
        assert.deepEqual(h.routes[p.name], before.spokeRoutes(access, hubPeers, p.name, ["10.13.13.0/24", "fd42::/64"]), `routes ${p.name}`);
      }
    }), { numRuns: 200 });
  });

  it("a thousand road warriors and a hundred spokes: each answer as before, and a full tunnel adds nothing", () => {
    const peers: HubPeer[] = Array.from({ length: 1100 }, (_, i) => ({
      name: `p${i}`, addresses: [`10.13.${i >> 8}.${i & 0xff}/32`], lans: i % 11 === 0 ? [`192.168.${i / 11}.0/24`] : [], groups: i % 3 === 0 ? ["g1"] : [],
    }));
    const access = parseAccess({ default: "deny", rules: [{ from: "group:g1", to: "192.168.0.0/18" }, { from: "p11", to: "*" }, { from: "*", to: "internet" }] },
      Object.fromEntries(peers.map((p) => [p.name, { groups: p.groups }])));
    const narrow = new SpokeRouting(access, peers, (l) => !["192.168.1.0/24"].includes(l));
    for (const i of [0, 1, 3, 11, 12, 33, 550, 1099]) {
      const n = `p${i}`;
      assert.deepEqual(narrow.relatedLans(n), before.relatedLans(access, peers, n).filter((l) => l !== "192.168.1.0/24"), n);
    }
    const full = new SpokeRouting(undefined, peers, (l) => !before.coveredBy(l, FULL_TUNNEL));
    assert.deepEqual(full.relatedLans("p5"), []);
    assert.equal(new SpokeRouting(undefined, peers).relatedLans("p5").length, 100, "without access every spoke's LAN is related");
  });
});
