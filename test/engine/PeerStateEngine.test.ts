/**
 * The engine model (test/support/engineModel.ts, mocks.ts) checked against the real engine.
 *
 * Random peer-state sequences — the steps of the property test (test/support/peerStateSteps.ts):
 * add, remove, pin (also onto another peer's remembered address: refused), unpin, rotate,
 * disable/enable, subnet change — run through the real Pulumi engine (the toolchain's CLI, an
 * inline Automation API program holding the server's peer state alone, a file backend in a
 * scratch directory), one stack per sequence, with one update per sequence killed with `kill -9`
 * (the CLI, its plugins and the program's process) part way, after which the stale lock is
 * cleared and `refresh --clear-pending-creates` run, as the main command does (and an attribute
 * file of the backend the kill left empty is removed, by the main command's own removeEmptyAttrs,
 * cli/FileBackend.ts).
 *
 * Before each update the model runs the same program under the SDK mocks from the engine's own
 * state (`stack export`), and predicts the update's steps. The oracles:
 *  - for each completed update, the creates, replaces and deletes (by URN) the engine reported
 *    in its events are exactly the model's; so is every peer's address, and every key the model
 *    did not expect to be new;
 *  - a killed update started no step the model did not predict;
 *  - a pin on a remembered address is refused by both, naming the field;
 *  - the first promise, between the updates that completed: every peer keeps its keys and its
 *    address unless its own rotation, pin or a subnet change says otherwise;
 *  - after the sequence, `preview --expect-no-changes` passes and the model predicts nothing.
 *
 * `npm run test:engine` runs 5 sequences of at least 6 updates; `npm run test:engine:long` more
 * (WGKIT_ENGINE_SEQUENCES, WGKIT_ENGINE_UPDATES, WGKIT_ENGINE_SEED to repeat one).
 */
import { strict as assert } from "assert";
import * as fc from "fast-check";
import { findToolchain } from "../../cli/Toolchain";
import { Op } from "../support/mocks";
import type { LegacyLayout } from "../support/peerStateOnly";
import { PeerResult, Program, runStep } from "../support/peerStateProgram";
import { applyStep, checkFirstPromise, clone, NAMES, Step, stepArb, SUBNETS } from "../support/peerStateSteps";
import { EngineStack, engineState, EngineState, Kill } from "./engineStack";

const SEQUENCES = Number(process.env.WGKIT_ENGINE_SEQUENCES ?? 5);
const UPDATES = Number(process.env.WGKIT_ENGINE_UPDATES ?? 6);
const SEED = process.env.WGKIT_ENGINE_SEED ? Number(process.env.WGKIT_ENGINE_SEED) : Date.now() % 2 ** 31;

interface Sequence {
  initial: number[];
  steps: Step[];
  /**
   * Which update (counted from 1, the first update being the initial adds) is killed, and after
   * how many started or ended steps (modulo its predicted changes).
   */
  killUpdate: number;
  killOn: "start" | "done";
  killAfter: number;
}

const sequenceArb: fc.Arbitrary<Sequence> = fc.record({
  initial: fc.uniqueArray(fc.nat(NAMES.length - 1), { minLength: 2, maxLength: 4 }),
  // Some steps do not apply (a pin beyond a small subnet, a subnet that cannot hold the peers):
  // more steps than updates, and the sequence stops once it has its updates.
  steps: fc.array(stepArb, { minLength: UPDATES + 6, maxLength: UPDATES + 6 }),
  killUpdate: fc.integer({ min: 2, max: Math.max(2, UPDATES - 1) }),
  killOn: fc.constantFrom("start" as const, "done" as const),
  killAfter: fc.nat(20),
});

const short = (urn: string) => urn.split("::").pop()!;
const sortedOps = (ops: Record<string, string>) => Object.entries(ops).map(([u, o]) => `${o} ${short(u)}`).sort();
/** The model's op a started engine step belongs to. */
const STEP_OF: Record<string, Op[]> = {
  "create": ["create"], "delete": ["delete"], "update": ["update"],
  "create-replacement": ["replace"], "replace": ["replace"], "delete-replaced": ["replace", "delete-replaced", "delete"],
};

interface Stats {
  sequences: number; updates: number; killed: number; killedNothingPersisted: number; locksCleared: number; emptyAttrsRemoved: string[]; pendingDeletesSeen: number;
  refusedPins: number; creates: number; replaces: number; deletes: number; deleteReplaced: number; ms: number;
}

describe("The engine model against the real engine: random peer-state sequences", function () {
  this.timeout(0);
  const stats: Stats = { sequences: 0, updates: 0, killed: 0, killedNothingPersisted: 0, locksCleared: 0, emptyAttrsRemoved: [], pendingDeletesSeen: 0, refusedPins: 0, creates: 0, replaces: 0, deletes: 0, deleteReplaced: 0, ms: 0 };

  before(function () {
    const tc = findToolchain();
    if ("missing" in tc) {
      console.log(`      SKIPPED: ${tc.missing}`);
      this.skip();
    }
  });
  after(() => console.log(`      seed ${SEED}: ${JSON.stringify(stats)}`));

  it(`${SEQUENCES} sequences of at least ${UPDATES} updates, one killed in each: the model predicts every completed update's steps, and every peer keeps its keys and address`, async () => {
    const t0 = Date.now();
    const sequences = fc.sample(sequenceArb, { numRuns: SEQUENCES, seed: SEED });
    for (const [i, seq] of sequences.entries()) {
      const stack = new EngineStack();
      let failed = true;
      try {
        await runSequence(stack, seq, stats);
        failed = false;
      } catch (e) {
        (e as Error).message = `sequence ${i} of seed ${SEED} (${JSON.stringify(seq)}; state kept in ${stack.dir}): ${(e as Error).message}`;
        throw e;
      } finally {
        await stack.dispose(failed);
      }
      stats.sequences++;
    }
    stats.ms = Date.now() - t0;
  });

  it("one sequence with every kind of step (add, rotate, pin, a refused pin, unpin, disable, enable, remove, subnet change) and a kill: the engine does each as the model predicts", async () => {
    // The random sequences may miss a kind (one seed ran 35 updates without a rotation): this one cannot.
    const seq: Sequence = {
      initial: [0, 1, 2],
      steps: [
        { kind: "add", who: 3 }, { kind: "rotate", who: 0 }, { kind: "pin", who: 1, host: 9, ontoOther: false },
        { kind: "pin", who: 2, host: 0, ontoOther: true }, { kind: "unpin", who: 1 }, { kind: "toggle", who: 0 },
        { kind: "toggle", who: 0 }, { kind: "remove", who: 2 }, { kind: "subnet", to: 3 }, { kind: "rotate", who: 1 },
      ],
      killUpdate: 3, killOn: "start", killAfter: 0,
    };
    const before = { ...stats };
    const stack = new EngineStack();
    let failed = true;
    try {
      await runSequence(stack, seq, stats, seq.steps.length); // every step but the refused pin, and the initial adds
      failed = false;
    } finally {
      await stack.dispose(failed);
    }
    const grew = (k: "creates" | "replaces" | "deletes" | "refusedPins" | "killed") => stats[k] - before[k];
    assert.ok(grew("creates") > 0 && grew("replaces") > 0 && grew("deletes") > 0, `creates, replaces and deletes all seen: ${JSON.stringify(stats)}`);
    assert.equal(grew("refusedPins"), 1, "the pin onto another peer's remembered address was refused by both");
    assert.equal(grew("killed"), 1);
  });

  for (const layout of ["dash", "peer-component"] as LegacyLayout[]) {
    it(`a stack an earlier version laid out (${layout === "dash" ? "names joined by -" : "0.1: a Peer component per peer"}): the engine takes every seed and memory over through the aliases, as the model predicts`, async () => {
      const stack = new EngineStack();
      try {
        const c = new Checked(stack, stats);
        const old: Program = { subnet: "10.13.13.0/24", peers: { alice: { address: "10.13.13.5" }, bob: { address: "10.13.13.2" } } };
        const r = await stack.run(old, ["up", "export"], undefined, layout);
        assert.ok(r.output!.up!.ok, r.output!.up!.error);
        const names = Object.keys(r.output!.up!.ops).map(short).sort();
        assert.deepEqual(names, layout === "dash"
          ? ["wg-alice-address-10.13.13.0_24", "wg-alice-keys", "wg-bob-address-10.13.13.0_24", "wg-bob-keys", "wg-key"]
          : ["wg-alice-address", "wg-alice-keys", "wg-bob-address", "wg-bob-keys", "wg-key"], "the old layout's resources");
        // What the devices hold: the old keys and the remembered (not pinned) addresses.
        c.state = engineState(r.output!.export);
        c.delivered = r.output!.up!.peers!;
        c.deliveredProgram = { subnet: old.subnet, peers: { alice: {}, bob: {} } };
        c.serverKey = r.output!.up!.serverPublicKey;
        assert.equal(await c.update({ subnet: old.subnet, peers: { alice: {}, bob: {}, carol: {} } }), "completed");
        assert.deepEqual(c.lastOps, ["create wg/carol/address-10.13.13.0_24", "create wg/carol/keys"], "nothing of the old layout is created again or deleted");
        await c.converged();
      } finally {
        await stack.dispose();
      }
    });
  }

  it("a kill between a replacement and the deletion of the old copy: the next update deletes it (delete-replaced), as the model predicts", async () => {
    const stack = new EngineStack();
    try {
      const c = new Checked(stack, stats);
      const before = stats.pendingDeletesSeen;
      assert.equal(await c.update({ subnet: "10.13.13.0/24", peers: { alice: {}, bob: {} } }), "completed");
      // alice's seed is replaced first (create-replacement), its old copy deleted at the end,
      // after the newcomers' seeds and memories (registered one after another).
      const many = Object.fromEntries(["c1", "c2", "c3", "c4", "c5"].map((n) => [n, {}]));
      const rotated: Program = { subnet: "10.13.13.0/24", peers: { alice: { rotation: "r1" }, bob: {}, ...many } };
      assert.equal(await c.update(rotated, { kill: () => ({ on: "start", after: 1, op: "replace" }) }), "killed");
      assert.equal(c.state.snapshot[Object.keys(c.state.snapshot).find((u) => u.endsWith("::wg/alice/keys"))!].pendingDeletes, 1, "the old copy of alice's seed is kept for deletion");
      assert.equal(await c.update(rotated), "completed");
      assert.equal(stats.pendingDeletesSeen, before + 1);
      await c.converged();
    } finally {
      await stack.dispose();
    }
  });
});

/** A stack on the real engine with the model beside it: each update is predicted, then run and compared. */
class Checked {
  state: EngineState = { snapshot: {}, orphanDeletes: [], pendingOperations: [] };
  program: Program = { ...SUBNETS[0], peers: {} };
  /** What devices hold: the last completed update's peers, and its program. */
  delivered: Record<string, PeerResult> = {};
  deliveredProgram: Program = clone(this.program);
  serverKey?: string;
  /** The engine's steps of the last completed update (`<op> <name>`). */
  lastOps: string[] = [];

  constructor(readonly stack: EngineStack, readonly stats: Stats) {}

  /**
   * One update to `next`: refused (a pin on a remembered address, by the model and the engine),
   * killed (after `kill`, when the update gets that far; then recovered as the main command
   * recovers), or completed (the engine's steps, addresses and kept keys are the model's, and
   * the first promise holds).
   */
  async update(next: Program, opts: { expectRefusal?: string; kill?: (changes: number) => Kill | undefined } = {}): Promise<"refused" | "killed" | "completed"> {
    const { stack, stats } = this;
    assert.deepEqual(this.state.pendingOperations, [], "no pending operation is left between updates");
    assert.deepEqual(this.state.orphanDeletes, [], "every old copy kept for deletion has a live resource");
    if (Object.values(this.state.snapshot).some((r) => r.pendingDeletes)) stats.pendingDeletesSeen++;

    const model = await runStep(this.state.snapshot, next, { only: "peer-state" });
    if (opts.expectRefusal) {
      stats.refusedPins++;
      assert.equal(model.error?.field, opts.expectRefusal, `the model refuses the pin: ${JSON.stringify(model.error)}`);
      assert.equal(model.error?.rule, "pin-collision");
      const r = await stack.run(next, ["up", "export"]);
      const up = r.output!.up!;
      assert.equal(up.ok, false, "the engine refuses the pin too");
      assert.match(up.error!, new RegExp(`${opts.expectRefusal.replace(/\./g, "\\.")}: .*\\[rule: pin-collision\\]`), "the engine's error names the pin");
      this.state = engineState(r.output!.export);
      return "refused"; // the program is not changed
    }
    assert.equal(model.error, undefined, `the model's update failed: ${JSON.stringify(model.error)} (program ${JSON.stringify(next)})`);
    stats.updates++;
    const predicted = model.ops!;
    const r = await stack.run(next, ["up", "export"], opts.kill?.(Object.keys(predicted).length));

    if (r.killed) {
      stats.killed++;
      // Which side files (by kind: the stack's checkpoint, its backup, a lock, the history).
      stats.emptyAttrsRemoved.push(...(r.emptyAttrs ?? []).map((f) => f.replace(/[0-9a-f-]{36}|\d{10,}/g, "*")));
      for (const st of r.started) {
        assert.ok((STEP_OF[st.op] ?? []).includes(predicted[st.urn]), `the killed update started ${st.op} ${short(st.urn)}, which the model did not predict (it predicted ${sortedOps(predicted).join(", ")})`);
      }
      const rec = await stack.run(next, ["recover", "export"]);
      assert.equal(rec.output!.recover!.refreshed, true, `recovery after the kill: ${rec.output!.recover!.error}`);
      stats.locksCleared += rec.output!.recover!.clearedLocks.length;
      const after = engineState(rec.output!.export);
      const keys = (x: EngineState) => JSON.stringify(Object.keys(x.snapshot).sort());
      if (keys(after) === keys(this.state)) stats.killedNothingPersisted++;
      this.state = after;
      this.program = clone(next); // the program stands: the next update completes it
      return "killed"; // nothing of a killed update reaches a device
    }

    const up = r.output!.up!;
    assert.ok(up.ok, `the engine's update failed: ${up.error}`);
    const engineOps = Object.fromEntries(Object.entries(up.ops).map(([u, o]) => [u, o.op]));
    assert.deepEqual(sortedOps(engineOps), sortedOps(predicted), `update to ${JSON.stringify(next)}: the engine's steps (left) are the model's (right)`);
    this.lastOps = sortedOps(engineOps);
    for (const o of Object.values(engineOps)) {
      if (o === "create") stats.creates++;
      else if (o === "replace") stats.replaces++;
      else if (o === "delete") stats.deletes++;
      else if (o === "delete-replaced") stats.deleteReplaced++;
    }
    const got = up.peers!;
    this.serverKey ??= up.serverPublicKey;
    assert.equal(up.serverPublicKey, this.serverKey, "the server's key never changes");
    // New seeds hold new random bytes in each; every other key must be the same.
    const fresh = new Set(Object.entries(predicted).filter(([, o]) => o === "create" || o === "replace").map(([u]) => short(u)));
    if (!fresh.has("wg-key")) assert.equal(model.serverPublicKey, up.serverPublicKey, "the model's server key is the engine's");
    for (const [n, p] of Object.entries(got)) {
      const m = model.peers![n];
      assert.equal(m.address, p.address, `${n}: the model's address is the engine's`);
      assert.equal(m.address6, p.address6, `${n}: the model's IPv6 address is the engine's`);
      if (!fresh.has(`wg/${n}/keys`)) assert.equal(m.publicKey, p.publicKey, `${n}: the model kept the key the engine kept`);
    }
    this.state = engineState(r.output!.export);
    checkFirstPromise(this.deliveredProgram, this.delivered, next, got, this.state.snapshot);
    this.delivered = got;
    this.deliveredProgram = clone(next);
    this.program = clone(next);
    return "completed";
  }

  /** The end: nothing left to do, says the engine, and the model agrees. */
  async converged(): Promise<void> {
    const end = await this.stack.run(this.program, ["preview"]);
    assert.ok(end.output!.preview!.ok, `preview --expect-no-changes: ${end.output!.preview!.error}`);
    const model = await runStep(this.state.snapshot, this.program, { only: "peer-state" });
    assert.deepEqual(sortedOps(model.ops!), [], "the model predicts no change either");
  }
}

/** Runs `seq` for at least `minUpdates` updates (the initial adds being the first), with its kill. */
async function runSequence(stack: EngineStack, seq: Sequence, stats: Stats, minUpdates = UPDATES): Promise<void> {
  const c = new Checked(stack, stats);
  let updates = 0, killed = false, pendingKill = false;
  // The initial peers arrive in one first update; then the random steps; if the kill has not
  // happened by then (no update after killUpdate changed anything), rotations until it has.
  const first = seq.initial.reduce((p, who) => applyStep(p, { kind: "add", who }, {}, "0").next, c.program);
  const stepAt = (i: number): Step => seq.steps[i] ?? (Object.keys(c.program.peers).length ? { kind: "rotate", who: i } : { kind: "add", who: i });
  const kill = (changes: number): Kill | undefined => {
    if (killed || updates < seq.killUpdate || changes === 0) return undefined;
    // Early (by started steps), or late (by ended steps: the engine's state lags its events).
    return seq.killOn === "start" ? { on: "start", after: 1 + (seq.killAfter % changes) } : { on: "done", after: Math.max(1, changes - (seq.killAfter % 3)) };
  };

  // Until it has its updates and its kill, and an update after the kill has completed.
  for (let i = -1; updates < minUpdates || !killed || pendingKill; i++) {
    assert.ok(i < seq.steps.length + 20, "the sequence ends");
    let next = first, expectRefusal: string | undefined;
    if (i >= 0) {
      const a = applyStep(c.program, stepAt(i), c.state.snapshot, String(i));
      if (a.overfull) continue;
      ({ next, expectRefusal } = a);
    }
    if (!expectRefusal) updates++;
    const how = await c.update(next, { expectRefusal, kill });
    if (how === "killed") killed = pendingKill = true;
    if (how === "completed") pendingKill = false;
  }
  assert.ok(updates >= minUpdates, `${updates} updates`);
  assert.ok(killed, "an update was killed");
  await c.converged();
}
