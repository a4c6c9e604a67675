/**
 * The default stack beyond one machine: a real S3-compatible server (SeaweedFS, built and cached
 * by `npm run toolchain:s3`, Apache-2.0) holds the state; two separate working copies of the
 * repository deploy and update the same stack in turn, the second getting the stack's config the
 * way a team does (the committed Pulumi.<stack>.yaml) and the passphrase from the environment;
 * two `up`s at once are refused by the backend's own lock. PULUMI_BACKEND_URL is honoured and
 * printed.
 */
import { strict as assert } from "assert";
import { ChildProcess, spawn, spawnSync } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as http from "http";
import * as os from "os";
import * as path from "path";
import { docker, isolatedStack, main, REPO, removeLeftovers, StackDirs } from "./support";

function request(method: string, url: string): Promise<number> {
  return new Promise((resolve) => {
    const req = http.request(url, { method }, (res) => { res.resume(); res.on("end", () => resolve(res.statusCode ?? 0)); });
    req.on("error", () => resolve(0));
    req.end();
  });
}

/** A working copy of the repository at HEAD, sharing this one's node_modules (as after `npm ci`). */
function workingCopy(dir: string): string {
  const r = spawnSync("git", ["clone", "-q", "--no-hardlinks", REPO, dir], { encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  fs.symlinkSync(path.join(REPO, "node_modules"), path.join(dir, "node_modules"));
  return dir;
}

describe("the default stack on an S3 backend (SeaweedFS), shared by two working copies", function () {
  this.timeout(1_800_000);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "wgkit-s3-"));
  let weed: ChildProcess | undefined;
  let a: StackDirs, b: StackDirs;
  let copyA: string, copyB: string;
  const port = 20000 + crypto.randomInt(10000);
  const bucket = `wgkit-${crypto.randomBytes(3).toString("hex")}`;

  before(async function () {
    const built = spawnSync("bash", [path.join(REPO, "toolchain", "seaweedfs.sh")], { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] });
    assert.equal(built.status, 0, "npm run toolchain:s3 builds SeaweedFS");
    const bin = built.stdout.trim().split("\n").pop()!;
    fs.mkdirSync(path.join(tmp, "weed"));
    weed = spawn(bin, ["server", `-dir=${path.join(tmp, "weed")}`, "-s3", `-s3.port=${port}`, `-master.port=${port + 1}`, `-volume.port=${port + 2}`,
      `-filer.port=${port + 3}`, "-ip=127.0.0.1", "-ip.bind=127.0.0.1"], { stdio: ["ignore", fs.openSync(path.join(tmp, "weed.log"), "a"), fs.openSync(path.join(tmp, "weed.log"), "a")] });
    const t0 = Date.now();
    while ((await request("GET", `http://127.0.0.1:${port}/`)) === 0) {
      assert.ok(Date.now() - t0 < 120_000, `SeaweedFS's S3 did not answer within 120 s:\n${fs.readFileSync(path.join(tmp, "weed.log"), "utf8").slice(-2000)}`);
      await new Promise((r) => setTimeout(r, 500));
    }
    let made = 0;
    for (let i = 0; i < 60 && !(made >= 200 && made < 300); i++) { made = await request("PUT", `http://127.0.0.1:${port}/${bucket}`); if (made >= 300 || made === 0) await new Promise((r) => setTimeout(r, 1000)); }
    assert.ok(made >= 200 && made < 300, `bucket made (HTTP ${made})`);
    removeLeftovers();
    copyA = workingCopy(path.join(tmp, "a"));
    copyB = workingCopy(path.join(tmp, "b"));
    const shared = {
      PULUMI_BACKEND_URL: `s3://${bucket}?endpoint=http://127.0.0.1:${port}&use_path_style=true&region=us-east-1&disable_https=true`,
      AWS_ACCESS_KEY_ID: "wgkit", AWS_SECRET_ACCESS_KEY: "wgkit-test",
      PULUMI_CONFIG_PASSPHRASE: crypto.randomBytes(24).toString("base64url"),
      WGKIT_STACK: `team-${crypto.randomBytes(3).toString("hex")}`,
      WGKIT_PEERS: "laptop,phone",
    };
    a = isolatedStack({ ...shared, WGKIT_STATE_DIR: path.join(copyA, ".wgkit-state"), WGKIT_OUT_DIR: path.join(copyA, ".wgkit-out") }, copyA);
    b = isolatedStack({ ...shared, WGKIT_STATE_DIR: path.join(copyB, ".wgkit-state"), WGKIT_OUT_DIR: path.join(copyB, ".wgkit-out") }, copyB);
  });

  after(async () => {
    if (a) main(a, ["down", "--forget"], {}, copyA);
    removeLeftovers();
    if (weed?.pid) {
      weed.kill("SIGTERM");
      const gone = await Promise.race([new Promise((r) => weed!.once("exit", () => r(true))), new Promise((r) => setTimeout(() => r(false), 10_000))]);
      if (!gone) weed.kill("SIGKILL");
    }
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it("copy A deploys; copy B, with the committed stack config and the passphrase from the environment, finds no changes and the same devices", () => {
    const up = main(a, ["up"], {}, copyA);
    assert.equal(up.status, 0, up.out);
    assert.match(up.out, /backend: s3:\/\/wgkit-.*\(PULUMI_BACKEND_URL, set by you\)/);
    assert.match(up.out, /secrets: passphrase from PULUMI_CONFIG_PASSPHRASE \(set by you\)/);
    const cfg = `Pulumi.${a.stack}.yaml`;
    assert.ok(fs.existsSync(path.join(copyA, cfg)), "the stack's config file is in copy A");
    fs.copyFileSync(path.join(copyA, cfg), path.join(copyB, cfg)); // as `git commit` + `git pull` would
    const second = main(b, ["up"], {}, copyB);
    assert.equal(second.status, 0, second.out);
    assert.match(second.out, /no changes: \d+ resources unchanged/);
    for (const n of ["laptop", "phone"]) {
      assert.ok(fs.readFileSync(path.join(copyB, ".wgkit-out", `${n}.conf`)).equals(fs.readFileSync(path.join(copyA, ".wgkit-out", `${n}.conf`))), `${n}: the same conf from both copies`);
    }
  });

  it("updates in turn: B adds a peer, A then finds the stack up to date with the same setting", () => {
    const add = main(b, ["up"], { WGKIT_PEERS: "laptop,phone,nas" }, copyB);
    assert.equal(add.status, 0, add.out);
    assert.match(add.out, /changes: .*create/);
    assert.equal(docker(["exec", "wireguard", "wg", "show", "wg0", "peers"]).stdout.split("\n").length, 3);
    const fromA = main(a, ["up"], { WGKIT_PEERS: "laptop,phone,nas" }, copyA);
    assert.equal(fromA.status, 0, fromA.out);
    assert.match(fromA.out, /no changes/);
  });

  it("two ups at once from the two copies: the backend's lock refuses one, the other completes", async () => {
    // Copy A is stopped (SIGSTOP, whole group) in the middle of its `pulumi up`, holding the
    // backend's lock, while copy B runs; then A continues.
    const first = spawn("bash", [path.join(copyA, "cli", "stack.sh"), "up"], { cwd: copyA, env: { ...a.env, WGKIT_PEERS: "laptop,phone,nas" }, detached: true, stdio: ["ignore", "pipe", "pipe"] });
    let outA = "";
    const inUpdate = new Promise<void>((resolve) => {
      const on = (d: Buffer) => { outA += d.toString(); if (/Updating \(/.test(outA)) resolve(); };
      first.stdout!.on("data", on); first.stderr!.on("data", on);
    });
    const doneA = new Promise<number | null>((r) => first.on("close", r));
    await inUpdate;
    process.kill(-first.pid!, "SIGSTOP");
    let second;
    try {
      second = main(b, ["up"], { WGKIT_PEERS: "laptop,phone,nas" }, copyB);
    } finally {
      process.kill(-first.pid!, "SIGCONT");
    }
    const statusA = await doneA;
    assert.equal(statusA, 0, outA);
    assert.equal(second.status, 1, second.out);
    assert.match(second.out, /another run holds the stack .*\(pid \d+\)/);
  });
});
