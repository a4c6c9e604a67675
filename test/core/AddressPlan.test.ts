import { strict as assert } from "assert";
import { checkNoOverlap, parseSubnet, planAddresses, planRemembered, serverInterfaceAddresses, WgKitError } from "@wgkit/core";

const rule = (r: string, field?: string) => (e: unknown) => {
  assert.ok(e instanceof WgKitError, String(e));
  assert.equal(e.rule, r, e.message);
  if (field) assert.equal(e.field, field, e.message);
  return true;
};
const names = (n: number) => Array.from({ length: n }, (_, i) => ({ name: `p${i}` }));

describe("AddressPlan", () => {
  it("accepts the image's bare form as /24 and CIDR of any prefix", () => {
    assert.equal(parseSubnet("10.13.13.0", "subnet").cidr, "10.13.13.0/24");
    assert.equal(parseSubnet("10.8.0.0/16", "subnet").prefix, 16);
    assert.equal(parseSubnet("fd42::", "subnet6").cidr, "fd42::/64");
    assert.throws(() => parseSubnet("10.13.13.5/24", "subnet"), rule("network-address", "subnet"));
    assert.throws(() => parseSubnet("10.13.13.0/31", "subnet"), rule("prefix-too-long"));
    assert.throws(() => parseSubnet("10.13.13/24", "subnet"), rule("cidr"));
    assert.throws(() => parseSubnet("fd00::/64", "subnet", 4), rule("family"));
  });

  it("gives the server the first host and peers the next free hosts, like the image", () => {
    const plan = planAddresses({ subnet: "10.13.13.0", peers: names(3) });
    assert.equal(plan.server.address, "10.13.13.1");
    assert.deepEqual(Object.values(plan.peers).map((p) => p.address), ["10.13.13.2", "10.13.13.3", "10.13.13.4"]);
    assert.equal(plan.capacity, 253);
  });

  it("never moves an existing peer when another is added or removed", () => {
    const first = planAddresses({ subnet: "10.13.13.0/24", peers: names(5) });
    // remove p1 and p3, add q1 and q2 in front: everyone who stayed keeps their address
    const second = planAddresses({
      subnet: "10.13.13.0/24",
      peers: [{ name: "q1" }, { name: "p0" }, { name: "p2" }, { name: "q2" }, { name: "p4" }],
      previous: first.peers,
    });
    for (const n of ["p0", "p2", "p4"]) assert.equal(second.peers[n].address, first.peers[n].address, n);
    // newcomers take the lowest free hosts: the ones p1 and p3 left
    assert.deepEqual([second.peers.q1.address, second.peers.q2.address], ["10.13.13.3", "10.13.13.5"]);
    // and a third run with the second as previous is a fixed point
    const third = planAddresses({ subnet: "10.13.13.0/24", peers: [{ name: "p4" }, { name: "q2" }, { name: "p0" }, { name: "q1" }, { name: "p2" }], previous: second.peers });
    assert.deepEqual(third.peers, second.peers);
  });

  it("honours pins and rejects bad pins naming the field and the rule", () => {
    const p = planAddresses({ subnet: "10.13.13.0/24", peers: [{ name: "a" }, { name: "b", address: "10.13.13.2" }] });
    assert.equal(p.peers.b.address, "10.13.13.2");
    assert.equal(p.peers.a.address, "10.13.13.3");
    const one = (address: string) => () => planAddresses({ subnet: "10.13.13.0/24", peers: [{ name: "x", address }] });
    assert.throws(one("10.13.14.2"), rule("outside-subnet", "peers.x.address"));
    assert.throws(one("10.13.13.0"), rule("network-address", "peers.x.address"));
    assert.throws(one("10.13.13.255"), rule("broadcast-address", "peers.x.address"));
    assert.throws(one("10.13.13.1"), rule("server-address", "peers.x.address"));
    assert.throws(one("10.13.13.2/32"), rule("ip-address", "peers.x.address"));
    assert.throws(() => planAddresses({ subnet: "10.13.13.0/24", peers: [{ name: "x", address: "10.13.13.9" }, { name: "y", address: "10.13.13.9" }] }),
      rule("duplicate-address", "peers.y.address"));
    // a pin onto an address a peer already holds from state is refused, not silently moved
    assert.throws(() => planAddresses({ subnet: "10.13.13.0/24", peers: [{ name: "old" }, { name: "new", address: "10.13.13.7" }], previous: { old: { address: "10.13.13.7" } } }),
      (e: WgKitError) => e.rule === "duplicate-address" && /peer "old"/.test(e.message));
    assert.throws(() => planAddresses({ subnet: "10.13.13.0/24", peers: [{ name: "a" }, { name: "a" }] }), rule("duplicate-name", "peers.a"));
    assert.throws(() => planAddresses({ subnet: "10.13.13.0/24", peers: [{ name: "bad name" }] }), rule("name"));
  });

  it("says how many fit when the subnet is exhausted", () => {
    assert.equal(Object.keys(planAddresses({ subnet: "10.0.0.0/29", peers: names(5) }).peers).length, 5);
    assert.throws(() => planAddresses({ subnet: "10.0.0.0/29", peers: names(6) }),
      (e: WgKitError) => e.rule === "subnet-exhausted" && e.field === "peers" && /fits 5 peers/.test(e.message));
  });

  it("allocates dual stack, mirroring the IPv4 host number in IPv6", () => {
    const p = planAddresses({ subnet: "10.13.13.0/24", subnet6: "fd42:13:13::/64", peers: [{ name: "a" }, { name: "b", address: "10.13.13.40" }, { name: "c", address6: "fd42:13:13::99" }] });
    assert.equal(p.server.address6, "fd42:13:13::1");
    assert.equal(p.peers.a.address6, "fd42:13:13::2");
    assert.equal(p.peers.b.address6, "fd42:13:13::28"); // 40 = 0x28
    assert.equal(p.peers.c.address6, "fd42:13:13::99");
    assert.throws(() => planAddresses({ subnet: "10.13.13.0/24", peers: [{ name: "a", address6: "fd00::5" }] }), rule("no-subnet6", "peers.a.address6"));
    assert.throws(() => planAddresses({ subnet: "10.13.13.0/24", subnet6: "fd42::/64", peers: [{ name: "a", address6: "10.13.13.5" }] }), rule("family", "peers.a.address6"));
  });

  it("re-allocates only when the subnet itself changes", () => {
    const a = planAddresses({ subnet: "10.13.13.0/24", peers: names(2) });
    const b = planAddresses({ subnet: "10.14.0.0/16", peers: names(2), previous: a.peers });
    assert.deepEqual(Object.values(b.peers).map((p) => p.address), ["10.14.0.2", "10.14.0.3"]);
  });

  it("plans 10,000 peers in a /16 with unique addresses", () => {
    const p = planAddresses({ subnet: "10.20.0.0/16", subnet6: "fd20::/64", peers: names(10000) });
    const set = new Set(Object.values(p.peers).map((x) => x.address));
    assert.equal(set.size, 10000);
    assert.ok(!set.has(p.server.address));
    assert.equal(p.peers.p9999.address, "10.20.39.17"); // 10001 = 39*256 + 17
  });

  it("planRemembered keeps remembered addresses or says to pin one; serverInterfaceAddresses", () => {
    const p = planRemembered({ subnet: "10.13.13.0/24", peers: [{ name: "a" }, { name: "b" }], previous: { a: { address: "10.13.13.9" }, b: { address: "10.13.13.4" } } });
    assert.deepEqual([p.peers.a.address, p.peers.b.address], ["10.13.13.9", "10.13.13.4"]);
    // two peers remembering one address (e.g. state edited by hand): loud, not silently moved
    assert.throws(() => planRemembered({ subnet: "10.13.13.0/24", peers: [{ name: "a" }, { name: "b" }], previous: { a: { address: "10.13.13.9" }, b: { address: "10.13.13.9" } } }),
      rule("address-memory", "peers.b.address"));
    assert.deepEqual(serverInterfaceAddresses(planAddresses({ subnet: "10.13.13.0/24", subnet6: "fd42::/64", peers: [] })), ["10.13.13.1/24", "fd42::1/64"]);
  });

  it("rejects overlapping networks, naming both", () => {
    checkNoOverlap([{ field: "subnet", cidr: "10.13.13.0/24" }, { field: "lan", cidr: "192.168.1.0/24" }, { field: "subnet6", cidr: "fd00::/64" }]);
    assert.throws(() => checkNoOverlap([{ field: "subnet", cidr: "10.13.13.0/24" }, { field: "siteB.lans[0]", cidr: "10.13.0.0/16" }]),
      (e: WgKitError) => e.rule === "overlap" && e.field === "siteB.lans[0]" && /subnet/.test(e.message));
  });
});
