import { strict as assert } from "assert";
import * as fc from "fast-check";
import { bigIntToIp, hostInSubnet, parseSubnet } from "@wgkit/core";
import { migrateSnapshot, Snapshot } from "../support/mocks";
import { PeerResult, Program, runStep, runStepInNewProcess, StepOptions, StepResult } from "../support/peerStateProgram";
import { applyStep, checkFirstPromise, clone, NAMES, stepArb, SUBNETS } from "../support/peerStateSteps";

/**
 * The first promise, as a property: random sequences of updates — add, remove, pin, unpin,
 * rotate, disable/enable, subnet change, and updates interrupted part way — each handed over
 * either inside this process (a new construction, as the Automation API does) or to a new Node
 * process, never change an existing peer's keys or address except on its own rotation (keys),
 * its own pin/unpin, or a subnet change (address, once); pins on remembered addresses are
 * refused at preview and at update, naming the field.
 */
const runArb = fc.tuple(fc.uniqueArray(fc.nat(NAMES.length - 1), { minLength: 2, maxLength: 5 }), fc.array(fc.record({
  step: stepArb,
  handover: fc.constantFrom("same-process", "same-process", "new-process"),
  interrupt: fc.oneof({ weight: 4, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: fc.nat(6) }),
}), { minLength: 3, maxLength: 9 }));

async function run(snap: Snapshot, program: Program, handover: string, opts: StepOptions = {}): Promise<StepResult> {
  return handover === "new-process" ? runStepInNewProcess(snap, program, opts) : runStep(snap, program, opts);
}

describe("Peer state properties (fast-check, SDK mocks with the engine model)", function () {
  this.timeout(600_000);
  let stats = { updates: 0, newProcess: 0, interrupted: 0, refusedPins: 0, subnetChanges: 0, rotations: 0 };
  after(() => console.log(`      ${JSON.stringify(stats)}`));

  it("keeps every device working across random update sequences, in one process and across processes", async () => {
    await fc.assert(fc.asyncProperty(runArb, async ([initial, rest]) => {
      const steps = [
        ...initial.map((who) => ({ step: { kind: "add" as const, who }, handover: "same-process", interrupt: null })),
        ...rest,
      ];
      let snap: Snapshot = {};
      let program: Program = { ...SUBNETS[0], peers: {} };
      /** What devices hold: the last delivered result per peer, and the program it came from. */
      let delivered: Record<string, PeerResult> = {};
      let deliveredProgram: Program = clone(program);
      let serverKey: string | undefined;
      for (const { step, handover, interrupt } of steps) {
        const { next, expectRefusal, overfull } = applyStep(program, step, snap, String(stats.updates));
        if (overfull) continue;
        if (step.kind === "rotate" && Object.keys(program.peers).length) stats.rotations++;
        if (next.subnet !== program.subnet || next.subnet6 !== program.subnet6) stats.subnetChanges++;

        if (expectRefusal) {
          stats.refusedPins++;
          const preview = await run(snap, next, handover, { preview: true });
          assert.equal(preview.error?.field, expectRefusal, `preview refuses the pin: ${JSON.stringify(preview.error)}`);
          assert.equal(preview.error?.rule, "pin-collision");
          const up = await run(snap, next, handover);
          assert.equal(up.error?.field, expectRefusal, `update refuses the pin: ${JSON.stringify(up.error)}`);
          snap = up.snapshot; // what the failed update created stays in state
          continue; // the program is not changed
        }

        stats.updates++;
        if (handover === "new-process") stats.newProcess++;
        const opts: StepOptions = interrupt !== null ? { interruptAfterCreates: interrupt } : {};
        if (interrupt !== null) stats.interrupted++;
        const r = await run(snap, next, handover, opts);
        assert.equal(r.error, undefined, `update failed: ${JSON.stringify(r.error)} (program ${JSON.stringify(next)})`);
        snap = r.snapshot;
        program = clone(next);
        if (interrupt !== null) continue; // nothing of an interrupted update reaches a device

        const got = r.peers!;
        // The server's key never changes (no server rotation in these sequences).
        serverKey ??= r.serverPublicKey;
        assert.equal(r.serverPublicKey, serverKey, "server key stable");
        checkFirstPromise(deliveredProgram, delivered, program, got, snap);
        delivered = got;
        deliveredProgram = clone(program);
      }
    }), { numRuns: Number(process.env.WGKIT_PROPERTY_RUNS ?? 25), seed: process.env.WGKIT_PROPERTY_SEED ? Number(process.env.WGKIT_PROPERTY_SEED) : undefined });
  });

  it("re-addresses every peer once after a subnet change, then keeps the new addresses", async () => {
    const p1: Program = { subnet: "10.13.13.0/24", peers: { a: {}, b: {}, c: {} } };
    const r1 = await runStep({}, p1);
    const r2 = runStepInNewProcess(r1.snapshot, { subnet: "10.99.0.0/24", peers: { a: {}, b: {}, c: {} } });
    for (const n of ["a", "b", "c"]) assert.ok(r2.peers![n].address.startsWith("10.99.0."), n);
    // From now on the new addresses are remembered: removing `a` moves nobody.
    const r3 = await runStep(r2.snapshot, { subnet: "10.99.0.0/24", peers: { b: {}, c: {}, d: {} } });
    assert.equal(r3.peers!.b.address, r2.peers!.b.address);
    assert.equal(r3.peers!.c.address, r2.peers!.c.address);
    assert.ok(![r3.peers!.b.address, r3.peers!.c.address].includes(r3.peers!.d.address));
    assert.equal(r3.peers!.b.publicKey, r1.peers!.b.publicKey, "keys survive the subnet change");
  });

  it("two updates of one program in one process: {a,b} then {b,c,d} (the reported failure)", async () => {
    const r1 = await runStep({}, { subnet: "10.13.13.0/24", peers: { a: {}, b: {} } });
    const r2 = await runStep(r1.snapshot, { subnet: "10.13.13.0/24", peers: { b: {}, c: {}, d: {} } });
    assert.equal(r2.error, undefined, JSON.stringify(r2.error));
    assert.equal(r2.peers!.b.address, r1.peers!.b.address);
    assert.equal(new Set(Object.values(r2.peers!).map((p) => p.address)).size, 3);
  });
});

describe("Peer state: a stack made by wgkit 0.1 (a Peer component per server peer) upgrades in place", () => {
  it("keeps every peer's keys and remembered address through `wgkit migrate-state` and the aliases", async () => {
    const crypto = await import("crypto");
    const { privateKeyFromSeed, publicKeyOf } = await import("@wgkit/core");
    const base = "urn:pulumi:test::wgkit-test::wgkit:index:WireGuardServer";
    const rb = "random:index/randomBytes:RandomBytes";
    const snap: Snapshot = {};
    const add = (urn: string, name: string, inputs: Record<string, any>, bytes: Buffer) => {
      snap[urn] = { urn, type: rb, name, inputs, outputs: { ...inputs, base64: bytes.toString("base64"), hex: bytes.toString("hex") } };
    };
    const legacy: Record<string, { seed: Buffer; address: string }> = {
      laptop: { seed: crypto.randomBytes(64), address: "10.13.13.5" }, // not what a fresh plan would give
      phone: { seed: crypto.randomBytes(64), address: "10.13.13.2" },
    };
    const serverSeed = crypto.randomBytes(64);
    add(`${base}$${rb}::wg-key`, "wg-key", { length: 64, keepers: { rotation: "", createdIn: crypto.randomUUID() } }, serverSeed);
    for (const [n, l] of Object.entries(legacy)) {
      add(`${base}$wgkit:index:Peer$${rb}::wg-${n}-keys`, `wg-${n}-keys`, { length: 64, keepers: { rotation: "", createdIn: crypto.randomUUID() } }, l.seed);
      add(`${base}$wgkit:index:Peer$${rb}::wg-${n}-address`, `wg-${n}-address`, { length: 1, keepers: { address: l.address, address6: "" } }, crypto.randomBytes(1));
    }
    const migrated = migrateSnapshot(snap);
    assert.equal(migrated.moved.length, 3, "the server's seed and both peers' (under their Peer components)");
    const r = await runStep(migrated.snapshot, { subnet: "10.13.13.0/24", peers: { laptop: {}, phone: {}, tablet: {} } });
    assert.equal(r.error, undefined, JSON.stringify(r.error));
    for (const [n, l] of Object.entries(legacy)) {
      assert.equal(r.peers![n].publicKey, publicKeyOf(privateKeyFromSeed(l.seed.subarray(0, 32))), `${n}: key kept`);
      assert.equal(r.peers![n].address, l.address, `${n}: address kept`);
    }
    assert.equal(r.serverPublicKey, publicKeyOf(privateKeyFromSeed(serverSeed.subarray(0, 32))));
    assert.ok(!["10.13.13.5", "10.13.13.2"].includes(r.peers!.tablet.address), "the newcomer avoids both");
    assert.ok(!Object.keys(r.snapshot).some((u) => u.includes("wgkit:index:Peer$")), "state moved to the new layout");
  });
});

describe("Peer state: a stack whose key seeds are RandomBytes (every version before RandomPassword seeds)", () => {
  const RB = "random:index/randomBytes:RandomBytes", RP = "random:index/randomPassword:RandomPassword";
  const program: Program = { subnet: "10.13.13.0/24", peers: { laptop: {}, phone: { address: "10.13.13.9" }, tablet: {} } };

  /** The state the RandomBytes layout leaves: each seed a 64-byte RandomBytes of the same name and keepers. */
  async function bytesLayout() {
    const crypto = await import("crypto");
    const made = await runStep({}, program);
    const snap: Snapshot = {};
    const seeds: Record<string, Buffer> = {};
    for (const r of Object.values(made.snapshot)) {
      if (r.type !== RP) { snap[r.urn] = r; continue; }
      const bytes = crypto.randomBytes(64);
      const urn = r.urn.replace(`$${RP}::`, `$${RB}::`);
      const inputs = { length: 64, keepers: r.inputs.keepers };
      snap[urn] = { urn, type: RB, name: r.name, inputs, outputs: { ...inputs, base64: bytes.toString("base64"), hex: bytes.toString("hex") } };
      seeds[r.name] = bytes;
    }
    return { made, snap, seeds };
  }

  it("after `wgkit migrate-state`: every key and address unchanged, no seed created, placement order kept, a second migration moves nothing", async () => {
    const { privateKeyFromSeed, publicKeyOf } = await import("@wgkit/core");
    const { made, snap, seeds } = await bytesLayout();
    assert.deepEqual(Object.keys(seeds).sort(), ["wg-key", "wg/laptop/keys", "wg/phone/keys", "wg/tablet/keys"]);
    const migrated = migrateSnapshot(snap);
    assert.equal(migrated.moved.length, 4);
    assert.equal(migrateSnapshot(migrated.snapshot).moved.length, 0, "idempotent");
    const r = await runStep(migrated.snapshot, { ...program, peers: { ...program.peers, watch: {} } });
    assert.equal(r.error, undefined, JSON.stringify(r.error));
    for (const n of Object.keys(program.peers)) {
      const b = seeds[`wg/${n}/keys`];
      assert.equal(r.peers![n].privateKey, privateKeyFromSeed(b.subarray(0, 32)), `${n}: private key kept`);
      assert.equal(r.peers![n].presharedKey, b.subarray(32, 64).toString("base64"), `${n}: preshared key kept`);
      assert.equal(r.peers![n].address, made.peers![n].address, `${n}: address kept`);
    }
    assert.equal(r.serverPublicKey, publicKeyOf(privateKeyFromSeed(seeds["wg-key"].subarray(0, 32))));
    assert.ok(!Object.values(made.peers!).some((p) => p.address === r.peers!.watch.address), "the newcomer avoids every remembered address");
    const createdSeeds = Object.values(r.snapshot).filter((x) => x.type === RP && !migrated.snapshot[x.urn]).map((x) => x.name);
    assert.deepEqual(createdSeeds, ["wg/watch/keys"], "only the newcomer's seed is new");
    assert.ok(!Object.values(r.snapshot).some((x) => x.type === RB && x.inputs.length === 64), "no RandomBytes seed left");
  });

  it("the failure mode without the migration: every device gets new keys (the addresses stay)", async () => {
    const { privateKeyFromSeed } = await import("@wgkit/core");
    const { made, snap, seeds } = await bytesLayout();
    const r = await runStep(snap, program);
    assert.equal(r.error, undefined, JSON.stringify(r.error));
    for (const n of Object.keys(program.peers)) {
      assert.notEqual(r.peers![n].privateKey, privateKeyFromSeed(seeds[`wg/${n}/keys`].subarray(0, 32)), `${n}: new key`);
      assert.equal(r.peers![n].address, made.peers![n].address, `${n}: address kept`);
    }
  });
});

describe("Peer state: IPv6 added later, and imported keys toggled", () => {
  it("subnet6 added later: each peer's IPv6 address mirrors its IPv4 host number, stays put, and a pin on it is refused", async () => {
    const r1 = await runStep({}, { subnet: "10.13.13.0/24", peers: { a: {}, b: {} } });
    const r2 = runStepInNewProcess(r1.snapshot, { subnet: "10.13.13.0/24", subnet6: "fd42::/64", peers: { a: {}, b: {} } });
    assert.equal(r2.peers!.a.address6, `fd42::${r1.peers!.a.address.split(".")[3]}`);
    const r3 = await runStep(r2.snapshot, { subnet: "10.13.13.0/24", subnet6: "fd42::/64", peers: { a: {}, b: {}, c: { address6: r2.peers!.a.address6 } as never } });
    assert.equal(r3.error?.field, "peers.c.address6", JSON.stringify(r3.error));
    assert.equal(r3.error?.rule, "pin-collision");
    const r4 = await runStep(r2.snapshot, { subnet: "10.13.13.0/24", subnet6: "fd42::/64", peers: { b: {}, d: {} } });
    assert.equal(r4.peers!.b.address6, r2.peers!.b.address6, "removing a moves nobody's IPv6 address");
    assert.notEqual(r4.peers!.d.address6, r2.peers!.b.address6);
  });

  it("importing keys for a peer and dropping the import again gives back its own generated keys", async () => {
    const { generateKeyPair } = await import("@wgkit/core");
    const imported = generateKeyPair();
    const r1 = await runStep({}, { subnet: "10.13.13.0/24", peers: { a: {}, b: {} } });
    const r2 = await runStep(r1.snapshot, { subnet: "10.13.13.0/24", peers: { a: { privateKey: imported.privateKey } as never, b: {} } });
    assert.equal(r2.peers!.a.publicKey, imported.publicKey);
    assert.equal(r2.peers!.a.address, r1.peers!.a.address, "the address is kept");
    const r3 = await runStep(r2.snapshot, { subnet: "10.13.13.0/24", peers: { a: {}, b: {} } });
    assert.equal(r3.peers!.a.publicKey, r1.peers!.a.publicKey, "the generated keys come back");
    assert.equal(r3.peers!.a.presharedKey, r1.peers!.a.presharedKey);
    const r4 = await runStep(r3.snapshot, { subnet: "10.13.13.0/24", peers: { a: { presharedKey: imported.publicKey } as never, b: {} } });
    assert.equal(r4.error?.rule, "imported-keys", "a preshared key alone is refused");
    assert.deepEqual(r4.snapshot, r3.snapshot, "…before anything is declared");
  });
});
