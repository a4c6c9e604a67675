/**
 * Key seeds on the real engine (the toolchain's CLI and random 4.19.1 plugin, a file backend):
 * a stack made with RandomBytes seeds has every key in clear in its state file (each seed's id);
 * `wgkit migrate-state` moves them into RandomPasswords; this version's program then keeps every
 * device's keys and address, `preview --expect-no-changes` passes, and the backend's own state
 * file (read as a file: `stack export` runs with --show-secrets under the Automation API) holds
 * no key, seed or preshared key in clear and no id equal to one. A fresh stack neither.
 * The programs run in their own process (seedMigrationProgram.ts, through ownProcess.ts).
 */
import { strict as assert } from "assert";
import { runOwnProcess, skipWithoutToolchain } from "./ownProcess";

const run = (kind: "migrate" | "fresh") => runOwnProcess("seedMigrationProgram.js", kind);

const SEED_TYPE = "random:index/randomPassword:RandomPassword";
const OLD = ["server", "laptop", "phone", "tablet"];

describe("Key seeds on the real engine: RandomBytes stacks migrate, RandomPassword stacks keep no key in clear", function () {
  this.timeout(300_000);
  before(skipWithoutToolchain);

  it("a RandomBytes-seed stack: `wgkit migrate-state`, then this version's `up` keeps every key and address, changes no seed, and the state file holds no key material in clear", () => {
    const out = run("migrate");
    // The defect, reproduced: the old layout's state file has every seed in clear, as the resource id.
    assert.deepEqual(out.oldUpChanges, { create: 9 }, "stack, component, 4 seeds, 3 memories (the default provider is not counted)");
    assert.deepEqual(out.oldLayout, { seeds: 4, idsEqualToASeed: 4, seedsInClear: 4 });
    // The command, twice.
    assert.equal(out.migrate.status, 0, out.migrate.stderr);
    assert.match(out.migrate.stdout, /moved 4 key seed\(s\) of stack dev to RandomPassword/);
    assert.equal(out.migrate.againStatus, 0, out.migrate.againStderr);
    assert.match(out.migrate.againStdout, /stack dev has no RandomBytes key seed: nothing to move/);
    assert.equal(out.migrate.secondRunLeftStateUnchanged, true);
    assert.equal(out.migrate.outputHasASecret, false, "the command printed no secret");
    assert.deepEqual(out.afterMigrate, { seedIdsInClear: 0, secretsInClear: 0 });
    // This version's program: the old seeds and memories are `same`, only the newcomer is created.
    assert.deepEqual(out.newUpChanges, { same: 9, create: 2 });
    const ops = out.ops as Record<string, string>;
    for (const n of ["tablet", "laptop", "phone"]) {
      assert.equal(ops[`RandomPassword::wg/${n}/keys`], "same", `${n}'s seed`);
      assert.equal(ops[`RandomBytes::wg/${n}/address-10.13.13.0_24`], "same", `${n}'s memory`);
    }
    assert.equal(ops["RandomPassword::wg-key"], "same");
    assert.equal(ops["RandomPassword::wg/watch/keys"], "create");
    assert.ok(!Object.values(ops).some((op) => /delete|replace|update/.test(op)), JSON.stringify(ops));
    for (const n of OLD) assert.deepEqual(out.kept[n], { publicKey: true, privateKey: true, presharedKey: true, address: true }, n);
    assert.deepEqual(out.addresses, { server: "10.13.13.1", laptop: "10.13.13.7", phone: "10.13.13.3", tablet: "10.13.13.12", watch: out.addresses.watch });
    assert.ok(!["10.13.13.1", "10.13.13.7", "10.13.13.3", "10.13.13.12"].includes(out.addresses.watch), "the newcomer avoids every remembered address");
    assert.equal(out.publicKeysMatch, true);
    assert.equal(out.previewNoChanges, true);
    // The state file.
    assert.ok(out.audit.secretsChecked >= 5 * 4 + 4, JSON.stringify(out.audit));
    assert.equal(out.audit.secretsInClear, 0, "no private key, preshared key, seed or seed bytes in clear");
    assert.equal(out.audit.idsEqualToASecret, 0);
    assert.deepEqual(out.audit.seedIds, ["none", "none", "none", "none", "none"]);
    assert.equal(out.audit.bytesResourcesOver1Byte, 0, "only the 1-byte address memories are RandomBytes");
    assert.ok(out.audit.ciphertexts > 0);
    // A moved seed is shaped as the one the provider made for the newcomer.
    assert.deepEqual(out.movedShape, out.realShape);
    assert.equal(out.rawStateDeltaEqual, true);
    assert.equal(out.movedBcryptVerifies, true);
    assert.equal(out.providerBcryptVerifiedByBcryptjs, true, "bcryptjs verifies the provider's own (Go) bcrypt hash");
    // The backend's history and backups still hold the old checkpoints (README: rotate if the state was shared).
    assert.ok(out.otherBackendFilesWithAnOldSeed > 0, JSON.stringify({ files: out.otherBackendFiles }));
    console.log(`      figures: ${JSON.stringify({ ms: out.ms, audit: { secretsChecked: out.audit.secretsChecked, ciphertexts: out.audit.ciphertexts }, otherBackendFiles: out.otherBackendFiles, withAnOldSeed: out.otherBackendFilesWithAnOldSeed })}`);
    console.log(`      a real RandomPassword seed in an export: ${JSON.stringify(out.realShape)}`);
  });

  it("a fresh stack of this version: seeds are RandomPasswords with id none, no key material in the state file in clear", () => {
    const out = run("fresh");
    assert.deepEqual(out.upChanges, { create: 11 }, "stack, component, 5 seeds, 4 memories");
    assert.equal(out.seeds, 5);
    assert.equal(out.seedsAlphanumeric64, true);
    assert.equal(out.publicKeysMatch, true);
    assert.equal(new Set(Object.values(out.addresses)).size, 5);
    assert.ok(Object.entries(out.ops as Record<string, string>).filter(([k]) => k.startsWith("RandomPassword::")).every(([, op]) => op === "create"));
    assert.equal(out.audit.secretsInClear, 0, "no private key, preshared key, seed or seed material in clear");
    assert.ok(out.audit.secretsChecked >= 5 * 5);
    assert.equal(out.audit.idsEqualToASecret, 0);
    assert.deepEqual(out.audit.seedIds, ["none", "none", "none", "none", "none"]);
    assert.equal(out.audit.bytesResourcesOver1Byte, 0);
    assert.ok(out.audit.types.includes(SEED_TYPE));
    assert.equal(out.realShape.id, "none");
    assert.equal(out.providerBcryptVerifiedByBcryptjs, true);
    console.log(`      figures: ${JSON.stringify({ ms: out.ms, secretsChecked: out.audit.secretsChecked })}`);
  });
});
