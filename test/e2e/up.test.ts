/**
 * The README's main command, as a user runs it: `npm run up` twice changes nothing; a changed
 * WGKIT_PEERS applies only the difference (same container, existing confs byte for byte);
 * `npm run down` keeps keys and addresses; `--forget` deletes the state. Each run is a new
 * process (`node build/test/e2e/harness/up.js`), with its own state and output directories.
 */
import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import Docker from "dockerode";

const UP = path.resolve(__dirname, "harness/up.js");

describe("npm run up / down: the default stack keeps its state", function () {
  const docker = new Docker();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "wgkit-up-"));
  const env = { ...process.env, WGKIT_STATE_DIR: path.join(dir, "state"), WGKIT_OUT_DIR: path.join(dir, "out"), WGKIT_ENGINE: "harness" };
  const run = (args: string[], extra: Record<string, string> = {}) => {
    const r = spawnSync(process.execPath, [UP, ...args], { env: { ...env, ...extra }, encoding: "utf8", timeout: 600_000 });
    assert.equal(r.status, 0, `up.js ${args.join(" ")} failed:\n${r.stdout}\n${r.stderr}`);
    return r.stdout;
  };
  const conf = (n: string) => fs.readFileSync(path.join(dir, "out", `${n}.conf`));
  const containerId = async () => (await docker.getContainer("wireguard").inspect()).Id;

  before(async function () {
    // Never touch a default stack someone deployed on this machine.
    const existing = await docker.getContainer("wireguard").inspect().catch(() => undefined);
    if (existing) this.skip();
  });
  after(() => {
    spawnSync(process.execPath, [UP, "down", "--forget"], { env, encoding: "utf8" });
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("twice: the second run changes nothing; WGKIT_PEERS applies only the difference; down keeps identity", async () => {
    const first = run([]);
    assert.match(first, /deploying the default stack/);
    const id = await containerId();
    const laptop = conf("laptop"), phone = conf("phone");
    assert.equal(fs.statSync(path.join(dir, "state")).mode & 0o777, 0o700);
    assert.equal(fs.statSync(path.join(dir, "state", "harness.json")).mode & 0o777, 0o600);
    assert.equal(fs.statSync(path.join(dir, "out", "laptop.conf")).mode & 0o777, 0o600);

    const second = run([]);
    assert.match(second, /no changes: \d+ resources unchanged/);
    assert.equal(await containerId(), id, "same container");
    assert.ok(conf("laptop").equals(laptop) && conf("phone").equals(phone), "same confs");

    const third = run([], { WGKIT_PEERS: "laptop,phone,nas" });
    assert.match(third, /created wireguard\/nas\/keys/);
    assert.ok(!/replaced/.test(third), third);
    assert.equal(await containerId(), id, "peer added live: same container");
    assert.ok(conf("laptop").equals(laptop) && conf("phone").equals(phone), "existing devices' confs byte for byte");
    const served = (await import("child_process")).execFileSync("docker", ["exec", "wireguard", "wg", "show", "wg0", "peers"], { encoding: "utf8" }).trim().split("\n");
    assert.equal(served.length, 3);

    run(["down"]);
    assert.ok(!(await docker.getContainer("wireguard").inspect().catch(() => undefined)), "down removed the container");
    const back = run([], { WGKIT_PEERS: "laptop,phone,nas" });
    assert.match(back, /updating the default stack/);
    assert.ok(conf("laptop").equals(laptop), "after down and up the same device conf works");

    run(["down", "--forget"]);
    assert.ok(!fs.existsSync(path.join(dir, "state")), "--forget deleted the state");
  });
});
