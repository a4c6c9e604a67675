/**
 * cli/PeerFiles.ts: the files a user picks up after `npm run up`, written through PrivateDir's
 * one atomic private write.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { writePeerFiles } from "../../cli/PeerFiles";

const peer = (config: string) => ({ address: "10.13.13.2", publicKey: "pk", config, qrCode: Buffer.from("png:" + config).toString("base64") });

describe("PeerFiles: each device's conf and QR code in .wgkit-out", () => {
  let dir = "";
  beforeEach(() => { dir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "wgkit-peer-files-")), "out"); });
  afterEach(() => fs.rmSync(path.dirname(dir), { recursive: true, force: true }));

  it("writes 0600 files in a 0700 folder; a second run with the same confs writes nothing (same inode and mtime)", () => {
    const first = writePeerFiles(dir, { laptop: peer("[Interface]\nA\n"), phone: peer("[Interface]\nB\n") }, path.dirname(dir));
    assert.deepEqual(first.map((l) => l.replace(/.*-> /, "")), ["out/laptop.conf (written)", "out/phone.conf (written)"]);
    assert.equal(fs.statSync(dir).mode & 0o777, 0o700);
    for (const f of ["laptop.conf", "laptop.png", "phone.conf", "phone.png"]) assert.equal(fs.statSync(path.join(dir, f)).mode & 0o777, 0o600, f);
    assert.equal(fs.readFileSync(path.join(dir, "phone.png"), "utf8"), "png:[Interface]\nB\n");
    const before = fs.statSync(path.join(dir, "laptop.conf"));
    const second = writePeerFiles(dir, { laptop: peer("[Interface]\nA\n"), phone: peer("[Interface]\nB\n") }, path.dirname(dir));
    assert.ok(second.every((l) => l.endsWith("(unchanged)")), second.join("\n"));
    const after = fs.statSync(path.join(dir, "laptop.conf"));
    assert.deepEqual([after.ino, after.mtimeMs], [before.ino, before.mtimeMs]);
  });

  it("a changed conf is replaced by rename (new inode); a file others could read is rewritten 0600; a symlink is replaced, never followed", () => {
    writePeerFiles(dir, { laptop: peer("old\n"), phone: peer("same\n") }, dir);
    const ino = fs.statSync(path.join(dir, "laptop.conf")).ino;
    fs.chmodSync(path.join(dir, "phone.conf"), 0o644);
    const victim = path.join(path.dirname(dir), "victim");
    fs.writeFileSync(victim, "untouched");
    fs.rmSync(path.join(dir, "phone.png"));
    fs.symlinkSync(victim, path.join(dir, "phone.png"));
    writePeerFiles(dir, { laptop: peer("new\n"), phone: peer("same\n") }, dir);
    assert.equal(fs.readFileSync(path.join(dir, "laptop.conf"), "utf8"), "new\n");
    assert.notEqual(fs.statSync(path.join(dir, "laptop.conf")).ino, ino);
    assert.equal(fs.statSync(path.join(dir, "phone.conf")).mode & 0o777, 0o600);
    assert.equal(fs.lstatSync(path.join(dir, "phone.png")).isSymbolicLink(), false);
    assert.equal(fs.readFileSync(victim, "utf8"), "untouched");
  });

  it("removes the files of a peer no longer declared (saying so) and a killed run's temporary file (silently); refuses a name that is no file name", () => {
    writePeerFiles(dir, { laptop: peer("a\n"), phone: peer("b\n") }, dir);
    fs.writeFileSync(path.join(dir, ".laptop.conf.4242.0011aabbccdd"), "half");
    const lines = writePeerFiles(dir, { laptop: peer("a\n") }, dir);
    assert.deepEqual(lines.filter((l) => l.startsWith("removed")).sort(), ["removed ./phone.conf (peer no longer declared)", "removed ./phone.png (peer no longer declared)"]);
    assert.deepEqual(fs.readdirSync(dir).sort(), ["laptop.conf", "laptop.png"]);
    assert.throws(() => writePeerFiles(dir, { "../x": peer("a\n") }, dir), /cannot be a file name/);
    assert.throws(() => writePeerFiles(dir, { ".hidden": peer("a\n") }, dir), /cannot be a file name/);
  });
});
