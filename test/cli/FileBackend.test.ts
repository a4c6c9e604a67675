/**
 * cli/FileBackend.ts against the real CLI: an attribute file a kill left empty breaks every
 * command on the stack (the CLI's own failure is the oracle), and removing it, as the main command
 * does before anything else, brings the stack back as it was.
 */
import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { fileBackendPath, removeEmptyAttrs } from "../../cli/FileBackend";
import { findToolchain } from "../../cli/Toolchain";

describe("FileBackend: the file backend's folder, and the empty attribute files a kill leaves", function () {
  this.timeout(120_000);
  let scratch = "";
  let state = "";
  const pulumi = (...args: string[]) => {
    const found = findToolchain();
    if ("missing" in found) throw new Error(found.missing);
    const env: NodeJS.ProcessEnv = { ...process.env, ...found.env, PULUMI_BACKEND_URL: `file://${state}`, PULUMI_CONFIG_PASSPHRASE: "wgkit-file-backend-test" };
    delete env.PULUMI_ACCESS_TOKEN;
    delete env.PULUMI_CONFIG_PASSPHRASE_FILE;
    return spawnSync(path.join(found.binDir, "pulumi"), [...args, "--non-interactive"], { cwd: scratch, env, encoding: "utf8", timeout: 60_000 });
  };
  const attrs = (rel: string) => path.join(state, ".pulumi", rel + ".attrs");
  const ago = (p: string, s: number) => { const t = new Date(Date.now() - s * 1000); fs.utimesSync(p, t, t); };

  beforeEach(() => {
    scratch = fs.mkdtempSync(path.join(os.tmpdir(), "wgkit-file-backend-"));
    state = path.join(scratch, "state");
    fs.mkdirSync(state);
    fs.writeFileSync(path.join(scratch, "Pulumi.yaml"), "name: fb\nruntime: nodejs\n");
    const init = pulumi("stack", "init", "dev");
    assert.equal(init.status, 0, init.stderr);
  });
  afterEach(() => fs.rmSync(scratch, { recursive: true, force: true }));

  it("an empty checkpoint attribute file fails every stack command with EOF; removed, the stack reads as before", () => {
    const before = pulumi("stack", "export", "--stack", "dev");
    assert.equal(before.status, 0, before.stderr);
    for (const rel of ["stacks/fb/dev.json", "meta.yaml"]) {
      fs.writeFileSync(attrs(rel), "");
      ago(attrs(rel), 60);
    }
    const broken = pulumi("stack", "ls");
    assert.notEqual(broken.status, 0);
    assert.match(broken.stderr, /EOF/, "the CLI's own failure on an empty attribute file");
    const exportBroken = pulumi("stack", "export", "--stack", "dev");
    assert.notEqual(exportBroken.status, 0);

    assert.deepEqual(removeEmptyAttrs(state), [".pulumi/meta.yaml.attrs", ".pulumi/stacks/fb/dev.json.attrs"]);
    const ls = pulumi("stack", "ls", "--json");
    assert.equal(ls.status, 0, ls.stderr);
    assert.deepEqual(JSON.parse(ls.stdout).map((s: { name: string }) => s.name), ["dev"]);
    const after = pulumi("stack", "export", "--stack", "dev");
    assert.equal(after.status, 0, after.stderr);
    assert.deepEqual(JSON.parse(after.stdout), JSON.parse(before.stdout), "the checkpoint reads as it was");
    assert.deepEqual(removeEmptyAttrs(state), [], "nothing more to remove");
  });

  it("leaves attribute files that hold something, and an empty one being written now", () => {
    fs.writeFileSync(attrs("stacks/fb/dev.json"), "");
    assert.deepEqual(removeEmptyAttrs(state), [], "an empty file younger than 10 s may be a write in progress");
    assert.equal(fs.existsSync(attrs("stacks/fb/dev.json")), true);
    assert.deepEqual(removeEmptyAttrs(state, 10_000, Date.now() + 11_000), [".pulumi/stacks/fb/dev.json.attrs"]);
    assert.ok(fs.statSync(attrs("meta.yaml")).size > 0, "a full attribute file stays");
    assert.deepEqual(removeEmptyAttrs(path.join(scratch, "absent")), [], "a backend folder not made yet has none");
  });

  it("finds a file backend's folder (absolute, ~, relative to the project, with a query) and no other", () => {
    assert.equal(fileBackendPath("file:///srv/state", "/x"), "/srv/state");
    assert.equal(fileBackendPath("file://~/state", "/x"), path.join(os.homedir(), "state"));
    assert.equal(fileBackendPath("file://./state?no_tmp_dir=true", "/proj"), "/proj/state");
    assert.equal(fileBackendPath("file:///a%20b", "/x"), "/a b");
    assert.equal(fileBackendPath("s3://bucket/state", "/x"), undefined);
  });
});
