/**
 * Every Pulumi.yaml in the tree (tracked or new, not ignored) is loaded by the real CLI: parsed and
 * validated against Pulumi's project schema, as every command does before anything else. The oracle
 * is `pulumi stack ls` of the toolchain, run in the project's folder against a scratch backend
 * (PULUMI_BACKEND_URL wins over a project's `backend:`), so no stack, login or language host is
 * needed. Four examples once failed here: a `description:` holding ": " is not valid YAML.
 */
import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { findToolchain } from "../../cli/Toolchain";

const repo = path.resolve(__dirname, "../../..");

describe("Every Pulumi.yaml is loaded by the real CLI", function () {
  this.timeout(120_000);
  const found = findToolchain();
  let scratch = "";
  const load = (dir: string) => {
    if ("missing" in found) throw new Error(found.missing);
    const env: NodeJS.ProcessEnv = { ...process.env, ...found.env, PULUMI_BACKEND_URL: `file://${path.join(scratch, "backend")}` };
    delete env.PULUMI_ACCESS_TOKEN;
    return spawnSync(path.join(found.binDir, "pulumi"), ["stack", "ls", "--json"], { cwd: dir, env, encoding: "utf8", timeout: 60_000 });
  };

  before(function () {
    if ("missing" in found) {
      console.log(`      SKIPPED: ${found.missing}`);
      this.skip();
    }
    scratch = fs.mkdtempSync(path.join(os.tmpdir(), "wgkit-projects-"));
    fs.mkdirSync(path.join(scratch, "backend"));
  });
  after(() => { if (scratch) fs.rmSync(scratch, { recursive: true, force: true }); });

  it("the check refuses what the CLI refuses: a description holding ': ', a runtime of the wrong type", () => {
    const bad = path.join(scratch, "bad");
    fs.mkdirSync(bad);
    fs.writeFileSync(path.join(bad, "Pulumi.yaml"), "name: x\ndescription: Client stack: consumes the server\nruntime: nodejs\n");
    let r = load(bad);
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /invalid YAML file: yaml: line 2: mapping values are not allowed/);
    fs.writeFileSync(path.join(bad, "Pulumi.yaml"), "name: x\nruntime: 5\n");
    r = load(bad);
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /could not validate .*#\/runtime/s);
  });

  it("every Pulumi.yaml of the repository (the default stack, each example, Python and YAML too)", () => {
    const files = spawnSync("git", ["ls-files", "--cached", "--others", "--exclude-standard", "--", "*Pulumi.yaml", "Pulumi.yaml"], { cwd: repo, encoding: "utf8" })
      .stdout.split("\n").filter((f) => f && fs.existsSync(path.join(repo, f))).sort();
    assert.ok(files.includes("Pulumi.yaml") && files.includes("examples/yaml-server/Pulumi.yaml") && files.length >= 13, `found: ${files.join(", ")}`);
    const refused = files.flatMap((f) => {
      const r = load(path.join(repo, path.dirname(f)));
      return r.status === 0 && Array.isArray(JSON.parse(r.stdout)) ? [] : [`${f}: ${(r.stderr || r.stdout).trim()}`];
    });
    assert.deepEqual(refused, []);
  });
});
