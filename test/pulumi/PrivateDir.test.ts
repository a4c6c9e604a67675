import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { userspaceDockerfile, userspaceImageName, WgKitError } from "@wgkit/core";
import { WireGuardServer } from "@wgkit/pulumi";
import { privateDir, writePrivateFile } from "@wgkit/pulumi/dist/PrivateDir";
import { RecordingMocks, settle, useMocks, value } from "../support/mocks";
import { tmpDir } from "../support/wgTools";

const uid = process.getuid!();
const isRoot = uid === 0;

/** A stand-in for /tmp: world-writable and sticky. */
function sharedTmp(): string {
  const d = tmpDir("wgkit-privdir-");
  fs.chmodSync(d, 0o1777);
  return d;
}

/** A victim file somewhere else, and its bytes, to prove it is never written. */
function victim(base: string): { dir: string; file: string; bytes: string } {
  const dir = fs.mkdtempSync(path.join(base, "..", "victim-"));
  const file = path.join(dir, "Dockerfile");
  fs.writeFileSync(file, "victim's own file\n");
  return { dir, file, bytes: "victim's own file\n" };
}

function refused(fn: () => unknown, pattern: RegExp): void {
  assert.throws(fn, (e: unknown) => e instanceof WgKitError && e.rule === "private-dir" && pattern.test(e.message));
}

describe("PrivateDir: the userspace image's build context is written to a checked private directory, never through a symlink", () => {
  const made: string[] = [];
  const shared = () => { const d = sharedTmp(); made.push(d); return d; };
  after(() => made.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

  it("two runs give the same path and the same bytes; the second writes nothing (same inode and mtime); modes 0700 / 0600", () => {
    const base = shared();
    const a = privateDir("userspace", "userspace-abc", base);
    const fa = writePrivateFile(a, "Dockerfile", "FROM scratch\n");
    const st1 = fs.statSync(fa);
    const b = privateDir("userspace", "userspace-abc", base);
    const fb = writePrivateFile(b, "Dockerfile", "FROM scratch\n");
    const st2 = fs.statSync(fb);
    assert.equal(a, path.join(base, `wgkit-${uid}`, "userspace-abc"));
    assert.equal(b, a);
    assert.equal(fb, fa);
    assert.equal(fs.readFileSync(fb, "utf8"), "FROM scratch\n");
    assert.deepEqual([st2.ino, st2.mtimeMs], [st1.ino, st1.mtimeMs]);
    assert.equal(fs.lstatSync(path.join(base, `wgkit-${uid}`)).mode & 0o777, 0o700);
    assert.equal(fs.lstatSync(a).mode & 0o777, 0o700);
    assert.equal(st1.mode & 0o777, 0o600);
    assert.deepEqual(fs.readdirSync(a), ["Dockerfile"], "no temp file left behind");
    // New content replaces the file (by rename: a new inode).
    writePrivateFile(a, "Dockerfile", "FROM scratch\nRUN true\n");
    assert.equal(fs.readFileSync(fa, "utf8"), "FROM scratch\nRUN true\n");
  });

  it("a symlink planted at the predictable path (wgkit-<uid> in the shared temp dir) is refused; its target stays untouched", () => {
    const base = shared();
    const v = victim(base);
    made.push(v.dir);
    fs.mkdirSync(path.join(v.dir, "userspace-abc"));
    fs.symlinkSync(v.dir, path.join(base, `wgkit-${uid}`));
    refused(() => privateDir("userspace", "userspace-abc", base), /is a symbolic link/);
    assert.equal(fs.readFileSync(v.file, "utf8"), v.bytes);
    assert.deepEqual(fs.readdirSync(path.join(v.dir, "userspace-abc")), []);
  });

  it("a symlink in place of the per-recipe folder is refused", () => {
    const base = shared();
    const v = victim(base);
    made.push(v.dir);
    fs.mkdirSync(path.join(base, `wgkit-${uid}`), { mode: 0o700 });
    fs.symlinkSync(v.dir, path.join(base, `wgkit-${uid}`, "userspace-abc"));
    refused(() => privateDir("userspace", "userspace-abc", base), /is a symbolic link/);
    assert.equal(fs.readFileSync(v.file, "utf8"), v.bytes);
  });

  it("a symlink in place of the Dockerfile is replaced, not written through: its target stays untouched", () => {
    const base = shared();
    const v = victim(base);
    made.push(v.dir);
    const dir = privateDir("userspace", "userspace-abc", base);
    fs.symlinkSync(v.file, path.join(dir, "Dockerfile"));
    const f = writePrivateFile(dir, "Dockerfile", "FROM scratch\n");
    assert.equal(fs.readFileSync(v.file, "utf8"), v.bytes);
    assert.ok(fs.lstatSync(f).isFile());
    assert.equal(fs.readFileSync(f, "utf8"), "FROM scratch\n");
  });

  it("a directory with mode 0777 (or any group/other bit) is refused, at either level", () => {
    const base = shared();
    const own = path.join(base, `wgkit-${uid}`);
    fs.mkdirSync(own);
    fs.chmodSync(own, 0o777);
    refused(() => privateDir("userspace", "userspace-abc", base), /has mode 777: it must be private \(0700\)/);
    fs.chmodSync(own, 0o700);
    fs.mkdirSync(path.join(own, "userspace-abc"));
    fs.chmodSync(path.join(own, "userspace-abc"), 0o750);
    refused(() => privateDir("userspace", "userspace-abc", base), /has mode 750/);
  });

  it("a directory owned by another user is refused (root only: chown)", function () {
    if (!isRoot) this.skip();
    const base = shared();
    const own = path.join(base, `wgkit-${uid}`);
    fs.mkdirSync(own, { mode: 0o700 });
    fs.chownSync(own, 65534, 65534);
    refused(() => privateDir("userspace", "userspace-abc", base), /belongs to uid 65534/);
  });

  it("planted by another user (a directory or a symlink it owns): the message says to set TMPDIR, not to remove what the victim cannot remove (root only: chown)", function () {
    if (!isRoot) this.skip();
    for (const plant of ["dir", "symlink"] as const) {
      const base = shared();
      const own = path.join(base, `wgkit-${uid}`);
      if (plant === "dir") { fs.mkdirSync(own, { mode: 0o700 }); fs.chownSync(own, 65534, 65534); } else { fs.symlinkSync("/", own); fs.lchownSync(own, 65534, 65534); }
      assert.throws(() => privateDir("userspace", "userspace-abc", base), (e: unknown) => e instanceof WgKitError && e.rule === "private-dir"
        && /belongs to uid 65534.*another user made it/.test(e.message) && /set TMPDIR to a directory only you can write/.test(e.message)
        && !/; remove it/.test(e.message), plant);
      // The way out the message gives: a private TMPDIR of one's own works, and gives the same path on every run.
      const mine = tmpDir("wgkit-own-tmp-");
      made.push(mine);
      fs.chmodSync(mine, 0o700);
      assert.equal(privateDir("userspace", "userspace-abc", mine), privateDir("userspace", "userspace-abc", mine));
    }
  });

  it("a shared temp dir that is writable by others without the sticky bit is refused (root only: it must belong to another user)", function () {
    if (!isRoot) this.skip();
    const base = shared();
    fs.chownSync(base, 65534, 65534);
    fs.chmodSync(base, 0o777);
    refused(() => privateDir("userspace", "userspace-abc", base), /without the sticky bit/);
  });
});

describe("PrivateDir in WireGuardServer (userspace: true, SDK mocks)", () => {
  let base: string;
  let saved: string | undefined;
  before(() => {
    base = sharedTmp();
    saved = process.env.TMPDIR;
    process.env.TMPDIR = base; // os.tmpdir() reads it on every call
  });
  after(() => {
    if (saved === undefined) delete process.env.TMPDIR; else process.env.TMPDIR = saved;
    fs.rmSync(base, { recursive: true, force: true });
  });

  async function imageInputs(): Promise<Record<string, any>> {
    const m = useMocks(new RecordingMocks());
    const s = new WireGuardServer("wg", { serverUrl: "vpn.example.com", userspace: true, peers: { laptop: {} } });
    await value(s.config);
    await settle();
    return m.byType("docker:index/image:Image")[0].inputs;
  }

  it("two runs declare the image with the same context, Dockerfile path and content, in <tmp>/wgkit-<uid>/", async () => {
    const first = await imageInputs();
    const second = await imageInputs();
    const hash = userspaceImageName().split(":")[1];
    const dir = path.join(base, `wgkit-${uid}`, `userspace-${hash}`);
    assert.deepEqual(first.build, { context: dir, dockerfile: path.join(dir, "Dockerfile"), platform: "linux/amd64" });
    assert.deepEqual(second, first);
    assert.equal(fs.readFileSync(path.join(dir, "Dockerfile"), "utf8"), userspaceDockerfile());
  });

  it("a symlink planted at the old and the new predictable paths is never followed: the targets stay untouched", async () => {
    const hash = userspaceImageName().split(":")[1];
    for (const p of [`wgkit-${uid}`, `wgkit-userspace-${hash}`]) fs.rmSync(path.join(base, p), { recursive: true, force: true });
    const v = victim(base);
    // The path evaluation used to write through (mkdir -p + writeFile): <tmp>/wgkit-userspace-<hash>.
    fs.symlinkSync(v.dir, path.join(base, `wgkit-userspace-${hash}`));
    fs.symlinkSync(v.dir, path.join(base, `wgkit-${uid}`));
    try {
      const outcome = await imageInputs().then(() => undefined, (e: unknown) => e);
      assert.equal(fs.readFileSync(v.file, "utf8"), v.bytes, "the victim's file was written through the symlink");
      assert.deepEqual(fs.readdirSync(v.dir), ["Dockerfile"]);
      assert.ok(outcome instanceof WgKitError && outcome.rule === "private-dir" && outcome.field === "userspace", String(outcome));
    } finally {
      fs.rmSync(v.dir, { recursive: true, force: true });
      fs.rmSync(path.join(base, `wgkit-userspace-${hash}`), { force: true });
      fs.rmSync(path.join(base, `wgkit-${uid}`), { force: true });
    }
  });
});
