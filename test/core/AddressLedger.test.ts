import { strict as assert } from "assert";
import { AddressLedger, placementOrder, WgKitError } from "@wgkit/core";

const throwsRule = (f: () => unknown, field: string, rule: string) => assert.throws(f, (e: WgKitError) => {
  assert.ok(e instanceof WgKitError, String(e));
  assert.equal(e.field, field);
  assert.equal(e.rule, rule);
  return true;
});

describe("AddressLedger: placing peers around what state remembers", () => {
  it("places newcomers around older memories and every pin", () => {
    const l = new AddressLedger({ subnet: "10.13.13.0/24", peers: [{ name: "old" }, { name: "pinned", address: "10.13.13.3" }, { name: "new" }] });
    assert.deepEqual(l.commit("old", { address: "10.13.13.2" }), { address: "10.13.13.2" });
    assert.deepEqual(l.commit("pinned", { address: "10.13.13.3" }), { address: "10.13.13.3" });
    assert.deepEqual(l.candidate("new"), { address: "10.13.13.4" });
    assert.deepEqual(l.commit("new", l.candidate("new")), { address: "10.13.13.4" });
    assert.deepEqual(l.plan().peers, { old: { address: "10.13.13.2" }, pinned: { address: "10.13.13.3" }, new: { address: "10.13.13.4" } });
    assert.equal(l.plan().server.address, "10.13.13.1");
  });

  it("keeps a pinned peer's memory reserved (unpinning returns to it) and refuses a pin on another peer's memory", () => {
    const l = new AddressLedger({ subnet: "10.13.13.0/24", peers: [{ name: "a", address: "10.13.13.9" }, { name: "b" }] });
    assert.deepEqual(l.commit("a", { address: "10.13.13.2" }), { address: "10.13.13.9" });
    assert.deepEqual(l.candidate("b"), { address: "10.13.13.3" }, ".2 stays a's");
    const m = new AddressLedger({ subnet: "10.13.13.0/24", peers: [{ name: "a" }, { name: "b", address: "10.13.13.2" }] });
    throwsRule(() => m.commit("a", { address: "10.13.13.2" }), "peers.b.address", "pin-collision");
  });

  it("mirrors the IPv4 host number into subnet6, keeps a remembered address6, and reports two memories on one address", () => {
    const l = new AddressLedger({ subnet: "10.13.13.0/24", subnet6: "fd42::/64", peers: [{ name: "a" }, { name: "b" }, { name: "c" }] });
    assert.deepEqual(l.commit("a", { address: "10.13.13.7", address6: "fd42::99" }), { address: "10.13.13.7", address6: "fd42::99" });
    assert.deepEqual(l.candidate("b"), { address: "10.13.13.2", address6: "fd42::2" });
    l.commit("b", l.candidate("b"));
    throwsRule(() => l.commit("c", { address: "10.13.13.7" }), "peers.c.address", "address-memory");
  });

  it("treats a memory from another subnet as none, and runs out loudly", () => {
    const l = new AddressLedger({ subnet: "10.0.0.0/30", peers: [{ name: "a" }, { name: "b" }] });
    assert.deepEqual(l.commit("a", { address: "10.13.13.5" }), { address: "10.0.0.2" });
    throwsRule(() => l.candidate("b"), "peers", "subnet-exhausted");
  });

  it("orders older state first (by stamp), newcomers last, ties by name; pre-0.2 stamps count as oldest", () => {
    assert.deepEqual(placementOrder([
      { name: "z-new", stamp: "1790000000000.x", isNew: true },
      { name: "a-new", stamp: "1790000000000.x", isNew: true },
      { name: "late", stamp: "1780000000000.y", isNew: false },
      { name: "early", stamp: "1770000000000.y", isNew: false },
      { name: "legacy", stamp: "5f0c2c1e-uuid", isNew: false },
    ]), ["legacy", "early", "late", "a-new", "z-new"]);
  });
});
