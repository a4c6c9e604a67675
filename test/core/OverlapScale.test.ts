/**
 * Issue 19 (hardening III), class 8: validation cost must not grow with the square of the number
 * of routed LANs. The overlap check counts its comparisons (no timing here: the seconds are in
 * `npm run bench`), and finds an overlap exactly when the pairwise check it replaced does.
 */
import { strict as assert } from "assert";
import * as fc from "fast-check";
import { checkNoOverlap, checkServerSpec, checkSiteLinkSpec, cidrsOverlap, OverlapStats, parseCidr, WgKitError } from "@wgkit/core";

type Item = { field: string; cidr: string };

/** The pairwise check wgkit had before: every pair compared. */
function pairwise(items: readonly Item[]): [number, number] | undefined {
  const p = items.map((i) => parseCidr(i.cidr, i.field));
  for (let j = 0; j < p.length; j++) for (let i = 0; i < j; i++) if (cidrsOverlap(p[i], p[j])) return [i, j];
  return undefined;
}

/** n disjoint LANs: 10.x.y.0/24, every tenth an IPv6 /64. */
function lans(n: number): Item[] {
  // in a scrambled order (a sorted input would flatter the sort): i * 7919 mod n visits every i once (n not a multiple of 7919)
  return Array.from({ length: n }, (_, k) => (k * 7919) % n).map((i) => ({
    field: `lans[${i}]`,
    cidr: i % 10 === 9 ? `fd00:0:${i.toString(16)}::/64` : `10.${(i >> 8) & 0xff}.${i & 0xff}.0/24`,
  }));
}

const refusal = (items: Item[]): WgKitError | undefined => {
  try { checkNoOverlap(items); return undefined; } catch (e) { if (e instanceof WgKitError) return e; throw e; }
};

describe("Hardening III (issue 19) class 8: overlap checks in n log n", () => {
  it("comparisons ≤ 2·n·log2(n) for n = 1,000 and 10,000 (the pairwise check needs n(n-1)/2, far more)", () => {
    for (const n of [1000, 10000]) {
      const items = lans(n);
      assert.equal(new Set(items.map((i) => i.cidr)).size, n, "distinct LANs");
      const stats: OverlapStats = { comparisons: 0 };
      checkNoOverlap(items, stats);
      const bound = 2 * n * Math.log2(n);
      assert.ok(stats.comparisons >= n - 1, `n=${n}: every network was compared (${stats.comparisons})`);
      assert.ok(stats.comparisons <= bound, `n=${n}: ${stats.comparisons} comparisons > ${Math.round(bound)}`);
      assert.ok((n * (n - 1)) / 2 > bound, `n=${n}: the pairwise check (${(n * (n - 1)) / 2}) would exceed the bound`);
      // also with the overlap at the very end of the input
      const s2: OverlapStats = { comparisons: 0 };
      assert.throws(() => checkNoOverlap([...items, { field: "late", cidr: "10.0.0.128/25" }], s2), (e: WgKitError) => e.field === "late" && e.rule === "overlap");
      assert.ok(s2.comparisons <= 2 * (n + 1) * Math.log2(n + 1));
    }
  });

  it("finds an overlap iff the pairwise check does, and the pair it names really overlaps (fast-check)", () => {
    // host bits allowed: overlap is about the networks, as before
    const v4 = fc.tuple(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 255 }), fc.integer({ min: 14, max: 32 })).map(([a, b, len]) => `10.${a}.${b}.${b & 7}/${len}`);
    const v6 = fc.tuple(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 48, max: 64 })).map(([a, len]) => `fd00:0:${a}::/${len}`);
    fc.assert(fc.property(fc.array(fc.oneof(v4, v6), { maxLength: 12 }), (cidrs) => {
      const items = cidrs.map((cidr, i) => ({ field: `f${i}`, cidr }));
      const naive = pairwise(items);
      const e = refusal(items);
      assert.equal(e !== undefined, naive !== undefined, `${cidrs.join(" ")}: naive ${naive ? "finds" : "finds no"} overlap`);
      if (e) {
        const later = Number(e.field.slice(1));
        const other = /\((f\d+)\)/.exec(e.message)![1];
        const earlier = Number(other.slice(1));
        assert.ok(earlier < later, e.message);
        assert.ok(cidrsOverlap(parseCidr(cidrs[earlier], "a"), parseCidr(cidrs[later], "b")), e.message);
      }
    }), { numRuns: 500, seed: 19 });
  });

  it("the components' checks use it: 10,000 routed LANs on a server and on a site link validate, and an overlap names both peers", () => {
    const n = 10000;
    const peers = Object.fromEntries(Array.from({ length: n }, (_, i) => [`p${i}`, { serverAllowedIps: [`172.${16 + (i >> 14)}.${(i >> 6) & 0xff}.${(i & 0x3f) << 2}/30`] }]));
    checkServerSpec({ serverUrl: "vpn.example.com", subnet: "10.13.0.0/16", peers });
    peers.p9999.serverAllowedIps = ["172.16.0.0/30"];
    assert.throws(() => checkServerSpec({ serverUrl: "vpn.example.com", subnet: "10.13.0.0/16", peers }), (e: WgKitError) => e.rule === "overlap" && e.field === "peers.p9999.serverAllowedIps[0]" && e.message.includes("peers.p0.serverAllowedIps[0]"));
    const a = lans(n).filter((l) => !l.cidr.includes(":")).map((l) => l.cidr);
    checkSiteLinkSpec({ siteA: { name: "a", lans: a.slice(0, 4000), endpoint: "a.example.com:51820" }, siteB: { name: "b", lans: a.slice(4000) } });
  });
});
