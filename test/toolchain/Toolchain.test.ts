/**
 * The real Pulumi toolchain `npm run toolchain` builds (toolchain/toolchain.sh): the CLI, the
 * language hosts and the docker, random and command plugins, driven through the Automation API on
 * a file backend. The oracles are the engine (its change summaries, `preview --expect-no-changes`,
 * its own state file), Docker (the volume exists, then is gone) and npm's node_modules (the SDK
 * versions that ask the engine for their plugins).
 */
import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { findToolchain, PIECES } from "../../cli/Toolchain";
import { runOwnProcess, skipWithoutToolchain } from "./ownProcess";

const runSmoke = (kind: "resources" | "missing-plugin") => runOwnProcess("smokeProgram.js", kind);

/** Every package.json of an npm package named `name` anywhere under node_modules trees of the repo. */
function installedCopies(name: string): string[] {
  const repo = path.resolve(__dirname, "../../..");
  const roots = [repo, ...["packages/core", "packages/pulumi", "plugin"].map((p) => path.join(repo, p))];
  const found: string[] = [];
  const walk = (nm: string, depth: number) => {
    if (depth > 6 || !fs.existsSync(nm)) return;
    const pj = path.join(nm, name, "package.json");
    if (fs.existsSync(pj)) found.push(pj);
    for (const d of fs.readdirSync(nm)) {
      const sub = d.startsWith("@") ? fs.readdirSync(path.join(nm, d)).map((s) => path.join(d, s)) : [d];
      for (const s of sub) walk(path.join(nm, s, "node_modules"), depth + 1);
    }
  };
  for (const r of roots) walk(path.join(r, "node_modules"), 0);
  return found;
}

describe("The real Pulumi toolchain (npm run toolchain)", function () {
  this.timeout(300_000);
  const found = findToolchain();
  before(skipWithoutToolchain);

  it("has every piece, and the CLI reports the version it was built as, equal to the npm SDK's", () => {
    if ("missing" in found) return;
    assert.deepEqual(Object.keys(found.manifest.pieces).sort(), [...PIECES].sort());
    const sdk = require("@pulumi/pulumi/package.json").version as string;
    assert.equal(found.manifest.pieces.pulumi.version, sdk);
    const r = spawnSync(path.join(found.binDir, "pulumi"), ["version"], { encoding: "utf8" });
    assert.equal(r.stdout.trim(), `v${sdk}`);
    // Hosts and launchers sit beside the real CLI, not on PATH.
    const libexec = fs.readdirSync(path.join(found.root, "libexec")).sort();
    assert.deepEqual(libexec, ["pulumi", "pulumi-language-go", "pulumi-language-nodejs", "pulumi-language-python",
      "pulumi-language-yaml", "pulumi-resource-pulumi-nodejs", "pulumi-resource-pulumi-python"]);
    assert.deepEqual(fs.readdirSync(found.binDir), ["pulumi"]);
  });

  it("each provider SDK in node_modules is the version of the plugin the toolchain built, with no second copy", () => {
    if ("missing" in found) return;
    for (const p of ["docker", "random", "command"]) {
      const copies = installedCopies(`@pulumi/${p}`);
      assert.equal(copies.length, 1, `@pulumi/${p} is installed ${copies.length} times: ${copies.join(", ")}`);
      const version = JSON.parse(fs.readFileSync(copies[0], "utf8")).version;
      assert.equal(version, found.manifest.pieces[p].version, `@pulumi/${p} ${version} asks for a plugin the toolchain lacks (it has ${found.manifest.pieces[p].version})`);
    }
    assert.equal(installedCopies("@pulumi/pulumi").length, 1, "one @pulumi/pulumi");
  });

  it("a program with RandomBytes, a docker.Volume and a command.local.Command deploys on the real engine through the toolchain's own plugins", () => {
    if ("missing" in found) return;
    assert.equal(spawnSync("docker", ["info"]).status, 0, "no Docker daemon answers: run `bash test/e2e/setup.sh` first (.ci/run does)");
    const out = runSmoke("resources");
    assert.deepEqual(out.firstChanges, { create: 4 }, "the stack and its three resources are created");
    assert.equal(out.volumeAfterUp, true, "docker volume inspect finds the volume");
    assert.match(String(out.stdout), /^wgkit-smoke-/, "the command ran with the volume's name");
    assert.equal(out.secretIsSecret, true);
    assert.deepEqual(out.previewChanges, { same: 4 });
    assert.deepEqual(out.secondChanges, { same: 4 });
    assert.equal(out.stateFiles, 1, "the file backend holds the stack's checkpoint");
    assert.equal(out.outputsHavePlaintextSecret, false, "the random bytes are ciphertext in every output in the state");
    assert.equal(out.stateHasCiphertext, true);
    assert.equal(out.randomBytesIdIsItsValue, true, "the provider's RandomBytes id is its value in clear (so wgkit never keeps a key in one)");
    assert.deepEqual(out.destroyChanges, { delete: 4 });
    assert.equal(out.volumeAfterDestroy, false, "destroy removed the volume");
    for (const p of ["docker", "random", "command"]) {
      assert.ok(out.plugins.includes(`resource:${p}@${found.manifest.pieces[p].version}`), `${p} plugin listed: ${out.plugins}`);
    }
    assert.deepEqual(out.warnings, [], "no 'using … from $PATH', 'expected to have version' or other warning");
  });

  it("a program that asks for a plugin version the toolchain lacks fails at once with Pulumi's own message, without a download", () => {
    if ("missing" in found) return;
    const out = runSmoke("missing-plugin");
    assert.equal(out.upSucceeded, false);
    assert.match(out.error, /no resource plugin 'pulumi-resource-random' found in the workspace at version v4\.99\.0/);
    assert.doesNotMatch(out.error, /downloading|releases|get\.pulumi\.com/i);
    console.log(`      missing-plugin failure after ${out.ms} ms`);
  });
});
