import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import * as fc from "fast-check";
import {
  AccessSpec, buildHub, compileAccess, derivedAllowedIps, firewallApply, firewallRemove, FULL_TUNNEL, HubPeer, hostsFile, mayReach, parseAccess, planAddresses,
  renderFirewall, spokeRoutes, WgKitError,
} from "@wgkit/core";
import { tmpDir } from "../support/wgTools";

/**
 * The hub's pure parts (AccessRules, Firewall, SpokeRoutes, PeerNames, Hub). Oracle: the rendered
 * payloads go through the real `iptables-restore --test` / `ip6tables-restore --test`, and are
 * applied twice for real in a scratch network namespace (root and the tools needed; skipped with
 * a message otherwise).
 */
const have = (tool: string) => spawnSync("sh", ["-c", `command -v ${tool}`]).status === 0;
const root = process.getuid?.() === 0;
const restoreOk = root && have("iptables-restore") && have("ip6tables-restore") && have("ip");

const PEERS = { laptop: { groups: ["admins"] }, phone: {}, siteA: {}, siteB: { groups: ["sites"] }, siteC: { groups: ["sites"] } };
const hubPeers: HubPeer[] = [
  { name: "laptop", addresses: ["10.13.13.2/32", "fd42::2/128"], lans: [], groups: ["admins"] },
  { name: "phone", addresses: ["10.13.13.3/32", "fd42::3/128"], lans: [], groups: [] },
  { name: "siteA", addresses: ["10.13.13.4/32", "fd42::4/128"], lans: ["192.168.10.0/24", "fd10::/64"], groups: [] },
  { name: "siteB", addresses: ["10.13.13.5/32", "fd42::5/128"], lans: ["192.168.20.0/24"], groups: ["sites"] },
  { name: "siteC", addresses: ["10.13.13.6/32", "fd42::6/128"], lans: ["192.168.30.0/24"], groups: ["sites"] },
];
const byName = (n: string) => hubPeers.find((p) => p.name === n)!;
const ACCESS: AccessSpec = {
  default: "deny",
  rules: [
    { from: "group:admins", to: "*" },
    { from: "phone", to: "siteA", protocol: "tcp", ports: ["22", "8000-8100"] },
    { from: "group:sites", to: "group:sites" },
    { from: "siteA", to: "192.168.20.0/24", action: "deny" },
    { from: "*", to: "internet" },
    { from: "*", to: "server", protocol: "icmp" },
  ],
};

function restoreTest(tool: string, payload: string): { status: number | null; stderr: string } {
  const r = spawnSync(tool, ["--test", "--noflush"], { input: payload, encoding: "utf8" });
  return { status: r.status, stderr: r.stderr };
}

describe("Hub: access rules", () => {
  it("parses every kind of reference, and defaults (allow, any protocol)", () => {
    const a = parseAccess({ rules: [{ from: "laptop", to: "group:sites" }, { from: "*", to: "192.168.10.0/24" }, { from: "group:admins", to: "internet" }, { from: "phone", to: "server" }, { from: "phone", to: "10.13.13.2" }, { from: "phone", to: "fd10::/64" }] }, PEERS);
    assert.equal(a.default, "allow");
    assert.deepEqual(a.rules.map((r) => [r.from.kind, r.to.kind]), [["peer", "group"], ["everyone", "cidr"], ["group", "internet"], ["peer", "server"], ["peer", "cidr"], ["peer", "cidr"]]);
    assert.deepEqual(a.rules[4].to, { kind: "cidr", cidr: "10.13.13.2/32" });
    assert.equal(a.rules[0].action, "allow");
    assert.equal(a.rules[0].protocol, "any");
  });

  const refused: [AccessSpec | unknown, string, string][] = [
    [{ rules: [{ from: "tablet", to: "*" }] }, "access.rules[0].from", "unknown-peer"],
    [{ rules: [{ from: "*", to: "group:nobody" }] }, "access.rules[0].to", "unknown-group"],
    [{ rules: [{ from: "*", to: "group:" }] }, "access.rules[0].to", "reference"],
    [{ rules: [{ from: "*", to: "10.0.0.0/33" }] }, "access.rules[0].to", "cidr"],
    [{ rules: [{ from: "*", to: "192.168.10.5/24" }] }, "access.rules[0].to", "host-bits"],
    [{ rules: [{ from: "*", to: "lap top" }] }, "access.rules[0].to", "reference"],
    [{ rules: [{ from: "*", to: "laptop\nPostUp = id" }] }, "access.rules[0].to", "reference"],
    [{ rules: [{ from: "*", to: 7 }] }, "access.rules[0].to", "reference"],
    [{ rules: [{ from: "internet", to: "laptop" }] }, "access.rules[0].from", "source-kind"],
    [{ rules: [{ from: "192.168.10.0/24", to: "laptop" }] }, "access.rules[0].from", "source-kind"],
    [{ rules: [{ from: "*", to: "laptop", ports: ["0"] }] }, "access.rules[0].ports[0]", "ports"],
    [{ rules: [{ from: "*", to: "laptop", ports: ["90-80"] }] }, "access.rules[0].ports[0]", "ports"],
    [{ rules: [{ from: "*", to: "laptop", ports: "22" }] }, "access.rules[0].ports", "type"],
    [{ rules: [{ from: "*", to: "laptop", protocol: "icmp", ports: ["22"] }] }, "access.rules[0].ports", "ports-protocol"],
    [{ rules: [{ from: "*", to: "laptop", protocol: "sctp" }] }, "access.rules[0].protocol", "access-protocol"],
    [{ rules: [{ from: "*", to: "laptop", action: "reject" }] }, "access.rules[0].action", "access-action"],
    [{ default: "block" }, "access.default", "access-default"],
    [{ rules: [{ from: "*", to: "laptop", __proto__x: 1 }] }, "access.rules[0].__proto__x", "unknown-field"],
    [{ rules: {} }, "access.rules", "type"],
    [[], "access", "type"],
  ];
  for (const [spec, field, rule] of refused) {
    it(`refuses ${JSON.stringify(spec)} (${rule})`, () => {
      assert.throws(() => parseAccess(spec, PEERS), (e: WgKitError) => e instanceof WgKitError && e.field === field && e.rule === rule);
    });
  }

  it("first match wins: a deny covering the whole target stops reachability; a narrower allow still counts as a route", () => {
    const a = parseAccess(ACCESS, PEERS);
    assert.equal(mayReach(a, byName("siteA"), "192.168.20.0/24", byName("siteB")), false, "siteA is not in group:sites; the deny rule covers");
    assert.equal(mayReach(a, byName("siteB"), "192.168.30.0/24", byName("siteC")), true);
    assert.equal(mayReach(a, byName("phone"), "192.168.10.0/24", byName("siteA")), true, "tcp 22 is enough to need the route");
    assert.equal(mayReach(a, byName("phone"), "192.168.20.0/24", byName("siteB")), false, "default deny");
    assert.equal(mayReach(undefined, byName("phone"), "192.168.20.0/24", byName("siteB")), true, "no access: everything");
  });
});

describe("Hub: routes between spokes", () => {
  const a = parseAccess(ACCESS, PEERS);
  it("a peer's conf gets exactly the related spoke LANs outside its base, never its own", () => {
    assert.deepEqual(derivedAllowedIps(["10.13.13.0/24"], a, hubPeers, "phone"), ["10.13.13.0/24", "192.168.10.0/24", "fd10::/64"]);
    assert.deepEqual(derivedAllowedIps(["10.13.13.0/24"], a, hubPeers, "siteB"), ["10.13.13.0/24", "192.168.30.0/24"], "sites reach sites; laptop has no LAN");
    assert.deepEqual(derivedAllowedIps(["10.13.13.0/24"], a, hubPeers, "laptop"), ["10.13.13.0/24", "192.168.10.0/24", "fd10::/64", "192.168.20.0/24", "192.168.30.0/24"]);
    assert.deepEqual(derivedAllowedIps(FULL_TUNNEL, a, hubPeers, "laptop"), FULL_TUNNEL, "a full tunnel already routes every LAN: nothing added");
    assert.deepEqual(derivedAllowedIps(["10.13.13.0/24", "192.168.0.0/16"], undefined, hubPeers, "phone"), ["10.13.13.0/24", "192.168.0.0/16", "fd10::/64"]);
  });

  it("a spoke's LAN router routes the tunnel and the related LANs via the spoke; a road warrior has none", () => {
    assert.deepEqual(spokeRoutes(a, hubPeers, "siteB", ["10.13.13.0/24"]), ["10.13.13.0/24", "192.168.30.0/24"]);
    assert.deepEqual(spokeRoutes(a, hubPeers, "siteA", ["10.13.13.0/24"]), ["10.13.13.0/24"], "siteA reaches no other LAN, and none reaches it");
    assert.deepEqual(spokeRoutes(a, hubPeers, "phone", ["10.13.13.0/24"]), []);
  });

  it("property: derived AllowedIPs contain the base, no own LAN, no duplicate; unchanged with a full tunnel", () => {
    const ref = fc.constantFrom("*", "laptop", "phone", "siteA", "siteB", "siteC", "group:admins", "group:sites");
    const rule = fc.record({ from: ref, to: fc.oneof(ref, fc.constantFrom("internet", "server", "192.168.20.0/24", "192.168.0.0/16")), action: fc.constantFrom("allow", "deny") });
    fc.assert(fc.property(fc.array(rule, { maxLength: 6 }), fc.constantFrom("allow", "deny"), (rules, def) => {
      const acc = parseAccess({ default: def, rules }, PEERS);
      for (const p of hubPeers) {
        const d = derivedAllowedIps(["10.13.13.0/24"], acc, hubPeers, p.name);
        assert.deepEqual(d.slice(0, 1), ["10.13.13.0/24"]);
        assert.ok(!p.lans.some((l) => d.includes(l)));
        assert.equal(new Set(d).size, d.length);
        assert.deepEqual(derivedAllowedIps(FULL_TUNNEL, acc, hubPeers, p.name), FULL_TUNNEL);
      }
    }), { numRuns: 200 });
  });
});

describe("Hub: firewall payloads (oracle: iptables-restore)", function () {
  this.timeout(60_000);
  const compiled = compileAccess(parseAccess(ACCESS, PEERS), hubPeers);

  it("renders only wgkit's chains: replies first, DNS to the server, the rules in order, the default last", () => {
    const v4 = renderFirewall(compiled, 4);
    const lines = v4.trim().split("\n");
    assert.deepEqual(lines.slice(0, 3), ["*filter", ":WGKIT-FWD - [0:0]", ":WGKIT-IN - [0:0]"]);
    assert.ok(lines.every((l) => l === "*filter" || l === "COMMIT" || /^(:|-A )WGKIT-(FWD|IN) /.test(l)), "no other chain is touched");
    assert.match(lines[3], /ESTABLISHED -j ACCEPT$/);
    assert.ok(lines.includes("-A WGKIT-IN -i wg0 -p udp -m udp --dport 53 -j ACCEPT"));
    assert.ok(lines.includes("-A WGKIT-FWD -i wg0 -s 10.13.13.3/32 -d 192.168.10.0/24 -o wg0 -p tcp -m multiport --dports 22,8000:8100 -j ACCEPT"));
    assert.ok(lines.includes("-A WGKIT-FWD -i wg0 -s 192.168.10.0/24 -d 192.168.20.0/24 -j DROP"), "a peer as source includes its LANs");
    assert.ok(lines.includes("-A WGKIT-FWD -i wg0 ! -o wg0 -j ACCEPT"), "internet: anything not back into the tunnel");
    assert.deepEqual(lines.slice(-3), ["-A WGKIT-FWD -j DROP", "-A WGKIT-IN -j DROP", "COMMIT"]);
    const v6 = renderFirewall(compiled, 6);
    assert.ok(v6.includes("-s fd42::3/128 -d fd10::/64"));
    assert.ok(!v6.includes("192.168."), "an IPv4 LAN has no IPv6 rule");
    assert.ok(v6.includes("-p ipv6-icmp"));
  });

  it("iptables-restore --test and ip6tables-restore --test accept the payloads (fixed set and random rule sets)", function () {
    if (!restoreOk) { console.log("      (skipped: needs root, iptables-restore, ip6tables-restore)"); this.skip(); }
    for (const [tool, fam] of [["iptables-restore", 4], ["ip6tables-restore", 6]] as const) {
      const r = restoreTest(tool, renderFirewall(compiled, fam));
      assert.equal(r.status, 0, `${tool}: ${r.stderr}`);
    }
    const ref = fc.constantFrom("*", "laptop", "phone", "siteA", "group:sites", "group:admins");
    const target = fc.oneof(ref, fc.constantFrom("internet", "server", "192.168.20.0/24", "fd10::/64", "0.0.0.0/0"));
    const ports = fc.array(fc.oneof(fc.integer({ min: 1, max: 65535 }).map(String), fc.tuple(fc.integer({ min: 1, max: 30000 }), fc.integer({ min: 0, max: 30000 })).map(([a, b]) => `${a}-${a + b}`)), { maxLength: 20 });
    const rule = fc.record({ from: ref, to: target, action: fc.constantFrom("allow", "deny"), protocol: fc.constantFrom("any", "tcp", "udp") }).chain((r) => ports.map((p) => ({ ...r, ...(p.length ? { ports: p } : {}) })));
    fc.assert(fc.property(fc.array(rule, { maxLength: 5 }), fc.constantFrom("allow", "deny"), (rules, def) => {
      const c = compileAccess(parseAccess({ default: def, rules }, PEERS), hubPeers);
      for (const [tool, fam] of [["iptables-restore", 4], ["ip6tables-restore", 6]] as const) {
        const r = restoreTest(tool, renderFirewall(c, fam));
        assert.equal(r.status, 0, `${tool}: ${r.stderr}\n${renderFirewall(c, fam)}`);
      }
    }), { numRuns: 25 });
  });

  it("applied for real twice in a scratch namespace: the chains are replaced, not appended to, and FORWARD/INPUT jump to them once, first", function () {
    if (!restoreOk) { console.log("      (skipped: needs root, iptables-restore, ip)"); this.skip(); }
    const ns = `wgkt-hub-${process.pid}`;
    const dir = tmpDir();
    try {
      assert.equal(spawnSync("ip", ["netns", "add", ns]).status, 0);
      const file = path.join(dir, "fw4");
      const apply = firewallApply(4).split("/config/wg_confs/.%i.fw4").join(file).split("%i").join("wg0");
      const sh = (cmd: string) => spawnSync("ip", ["netns", "exec", ns, "sh", "-c", cmd], { encoding: "utf8" });
      sh("iptables -A FORWARD -i wg0 -j ACCEPT"); // the image's own rule, appended by its PostUp
      fs.writeFileSync(file, renderFirewall(compiled, 4));
      let r = sh(apply);
      assert.equal(r.status, 0, r.stderr);
      const first = sh("iptables -S").stdout;
      const fewer = compileAccess(parseAccess({ default: "allow", rules: [{ from: "phone", to: "siteA", action: "deny" }] }, PEERS), hubPeers);
      fs.writeFileSync(file, renderFirewall(fewer, 4));
      r = sh(apply);
      assert.equal(r.status, 0, r.stderr);
      const second = sh("iptables -S").stdout;
      assert.ok(second.includes("-A WGKIT-FWD -s 10.13.13.3/32 -d 192.168.10.0/24 -i wg0 -o wg0 -j DROP"));
      assert.ok(!second.includes("--dports 22,8000:8100"), "the old rules are gone");
      assert.ok(first.includes("--dports 22,8000:8100"));
      const forward = sh("iptables -S FORWARD").stdout.trim().split("\n").slice(1);
      assert.deepEqual(forward, ["-A FORWARD -i wg0 -j WGKIT-FWD", "-A FORWARD -o wg0 -j WGKIT-FWD", "-A FORWARD -i wg0 -j ACCEPT"], "our jumps first, once");
      assert.deepEqual(sh("iptables -S INPUT").stdout.trim().split("\n").slice(1), ["-A INPUT -i wg0 -j WGKIT-IN"]);
      // access removed: the install step takes our jumps and chains away, nothing else
      r = sh(firewallRemove(4, "wg0"));
      assert.equal(r.status, 0, r.stderr);
      assert.equal(sh("iptables -S").stdout.trim(), "-P INPUT ACCEPT\n-P FORWARD ACCEPT\n-P OUTPUT ACCEPT\n-A FORWARD -i wg0 -j ACCEPT");
      assert.equal(sh(firewallRemove(4, "wg0")).status, 0, "idempotent");
    } finally {
      spawnSync("ip", ["netns", "del", ns]);
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("Hub: names and the whole hub", () => {
  it("hosts file: one line per address, lower case, no entry for a name that is no DNS label", () => {
    assert.equal(hostsFile("wg.internal", [{ name: "Laptop", address: "10.13.13.2", address6: "fd42::2" }, { name: "a_b", address: "10.13.13.3" }]),
      "# wgkit: peers of this hub\n10.13.13.2 laptop.wg.internal\nfd42::2 laptop.wg.internal\n");
    assert.throws(() => hostsFile("WG.internal", []), (e: WgKitError) => e.rule === "domain");
  });

  it("buildHub: firewall only with access (and IPv6 only with subnet6), hosts of enabled peers, derived AllowedIPs, routes, names", () => {
    const plan = planAddresses({ subnet: "10.13.13.0/24", subnet6: "fd42::/64", peers: ["laptop", "phone", "siteA", "siteB", "siteC"].map((name) => ({ name })) });
    const spec = {
      allowedIps: ["10.13.13.0/24", "fd42::/64"], access: ACCESS,
      peers: { laptop: { groups: ["admins"] }, phone: { enabled: false }, siteA: { serverAllowedIps: ["192.168.10.0/24"] }, siteB: { groups: ["sites"], serverAllowedIps: ["192.168.20.0/24"] }, siteC: { groups: ["sites"], serverAllowedIps: ["192.168.30.0/24"], allowedIps: ["0.0.0.0/0"] } },
    };
    const h = buildHub(spec, plan);
    assert.ok(h.firewall4 && h.firewall6);
    assert.ok(!h.hosts.includes("phone"), "a disabled peer has no name");
    assert.ok(h.hosts.includes(`${plan.peers.siteB.address} siteb.wg.internal`));
    assert.deepEqual(h.allowedIps.siteC, ["0.0.0.0/0"], "the user's own allowedIps are left alone");
    assert.deepEqual(h.allowedIps.siteB, ["10.13.13.0/24", "fd42::/64", "192.168.30.0/24"]);
    assert.deepEqual(h.routes.siteB, ["10.13.13.0/24", "fd42::/64", "192.168.30.0/24"]);
    assert.equal(h.dnsNames.laptop, "laptop.wg.internal");
    const none = buildHub({ peers: spec.peers }, plan);
    assert.equal(none.firewall4, undefined, "no access: no firewall, as before");
    assert.deepEqual(none.allowedIps.laptop, FULL_TUNNEL);
  });
});
