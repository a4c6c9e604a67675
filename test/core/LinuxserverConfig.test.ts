import { strict as assert } from "assert";
import { execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { generateKeyPair, generatePresharedKey, LinuxserverAdoption, publicKeyOf, readLinuxserverConfig, WgKitError } from "@wgkit/core";
import { buildLinuxserverConfig, edit, Fixture, FixtureOptions, hashTree } from "../support/linuxserverFixture";
import { ScratchInterface, tmpDir, wg, wgQuickStrip } from "../support/wgTools";

const dirs: string[] = [];
function fixture(o: FixtureOptions): Fixture {
  const d = tmpDir("wgkit-adopt-");
  dirs.push(d);
  return buildLinuxserverConfig(path.join(d, "config"), o);
}
after(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

/** The usual deployment: PEERS=laptop,3,nas with a routed LAN behind nas and keepalive for the phone-like peer3. */
const USUAL: FixtureOptions = {
  peers: [{ id: "laptop" }, { id: 3, keepalive: true }, { id: "nas", lans: ["192.168.50.0/24", "192.168.51.0/24"] }],
};

/** Every key string in the fixture and in the extra keys, searched for in `text`. */
function assertNoKeys(text: string, f: Fixture, extra: string[] = []): void {
  for (const k of [...f.allKeys(), ...extra]) {
    assert.ok(!text.includes(k), `key material leaked: ${k.slice(0, 6)}… in ${JSON.stringify(text.slice(0, 200))}`);
  }
}

describe("readLinuxserverConfig: adopting an image's server-mode /config", () => {
  it("fixture keys are real WireGuard keys: `wg pubkey` of every private key file equals its public key file", () => {
    const f = fixture(USUAL);
    const pairs = [["server/privatekey-server", "server/publickey-server"],
      ...Object.keys(f.peers).map((p) => [`${p}/privatekey-${p}`, `${p}/publickey-${p}`])];
    for (const [priv, pub] of pairs) {
      assert.equal(wg(["pubkey"], fs.readFileSync(f.file(priv), "utf8")), fs.readFileSync(f.file(pub), "utf8").trim(), priv);
    }
    // The layout's modes: files 0600 in 0700 folders.
    assert.equal(fs.statSync(f.file("peer_laptop")).mode & 0o777, 0o700);
    assert.equal(fs.statSync(f.file("peer_laptop/presharedkey-peer_laptop")).mode & 0o777, 0o600);
    // The image's own confs are valid wg-quick confs (oracle: wg-quick strip).
    wgQuickStrip(fs.readFileSync(f.file("wg_confs/wg0.conf"), "utf8"), "wg0");
    wgQuickStrip(f.deviceConf("peer3"), "peer3");
  });

  it("named, numbered, keepalive and routed-LAN peers: args carry the same keys, addresses, keepalive and LANs", () => {
    const f = fixture(USUAL);
    const r = readLinuxserverConfig(f.dir);
    const p = f.peers;
    assert.deepEqual(r.args, {
      serverUrl: "vpn.example.com",
      serverPort: 51820,
      subnet: "10.13.13.0/24",
      dns: ["10.13.13.1"],
      allowedIps: ["0.0.0.0/0", "::/0"],
      privateKey: f.server.privateKey,
      peers: {
        laptop: { address: "10.13.13.2", privateKey: p.peer_laptop.privateKey, presharedKey: p.peer_laptop.presharedKey },
        peer3: { address: "10.13.13.3", privateKey: p.peer3.privateKey, presharedKey: p.peer3.presharedKey, persistentKeepalive: 25 },
        nas: {
          address: "10.13.13.4", privateKey: p.peer_nas.privateKey, presharedKey: p.peer_nas.presharedKey,
          serverAllowedIps: ["192.168.50.0/24", "192.168.51.0/24"],
        },
      },
    });
    assert.deepEqual(r.leftovers, []);
    // What differs in the image's default layout: keepalive on the server side only, the devices' ListenPort line.
    assert.deepEqual(r.warnings.map((w) => [w.rule, w.peer ?? w.file]), [
      ["device-keepalive", "peer3"],
      ["device-listen-port", "peer_laptop/peer_laptop.conf, peer3/peer3.conf, peer_nas/peer_nas.conf"],
    ]);
    assert.deepEqual(r.files.peers.peer3, { folder: "peer3", privateKey: "peer3/privatekey-peer3", presharedKey: "peer3/presharedkey-peer3" });
    assert.equal(r.files.serverPrivateKey, "server/privatekey-server");
  });

  it("oracle: what `wg` makes of the image's wg0.conf is what the adopted args declare (keys, PSKs, AllowedIPs, keepalive)", function () {
    if (process.getuid?.() !== 0) this.skip();
    const f = fixture(USUAL);
    const r = readLinuxserverConfig(f.dir);
    const scratch = new ScratchInterface("ad");
    try {
      scratch.setconf(wgQuickStrip(fs.readFileSync(f.file("wg_confs/wg0.conf"), "utf8"), "wg0"));
      const dump = execFileSync("ip", ["netns", "exec", scratch.ns, "wg", "show", scratch.iface, "dump"], { encoding: "utf8" }).trim().split("\n");
      const [ifaceLine, ...peerLines] = dump.map((l) => l.split("\t"));
      assert.equal(ifaceLine[0], r.args.privateKey);
      assert.equal(ifaceLine[2], "51820");
      const expected = Object.values(r.args.peers).map((a) => [
        publicKeyOf(a.privateKey!), a.presharedKey ?? "(none)", [`${a.address}/32`, ...(a.serverAllowedIps ?? [])].join(","), String(a.persistentKeepalive ?? "off"),
      ]).sort();
      const actual = peerLines.map((l) => [l[0], l[1], l[3], l[7]]).sort();
      assert.deepEqual(actual, expected);
    } finally {
      scratch.close();
    }
  });

  it("a deployment from before preshared keys: no PSK files, no PresharedKey lines, no presharedKey in the args", () => {
    const f = fixture({ psk: false, peers: [{ id: "phone" }, { id: 2 }] });
    assert.ok(!fs.existsSync(f.file("peer_phone/presharedkey-peer_phone")));
    const r = readLinuxserverConfig(f.dir);
    assert.deepEqual(Object.keys(r.args.peers), ["phone", "peer2"]);
    for (const [n, a] of Object.entries(r.args.peers)) {
      assert.ok(!("presharedKey" in a), n);
      assert.ok(!("presharedKey" in r.files.peers[n]), n);
    }
    assert.equal(r.args.peers.phone.privateKey, f.peers.peer_phone.privateKey);
  });

  it("one peer without a PSK among peers with one: only that peer has none", () => {
    const f = fixture({ peers: [{ id: "a" }, { id: "b", psk: false }] });
    const r = readLinuxserverConfig(f.dir);
    assert.equal(r.args.peers.a.presharedKey, f.peers.peer_a.presharedKey);
    assert.equal(r.args.peers.b.presharedKey, undefined);
  });

  it("the legacy /config/wg0.conf at the root is adopted, with a warning naming it", () => {
    const f = fixture({ ...USUAL, legacy: true });
    assert.ok(!fs.existsSync(f.file("wg_confs")));
    const r = readLinuxserverConfig(f.dir);
    assert.deepEqual(Object.keys(r.args.peers), ["laptop", "peer3", "nas"]);
    assert.equal(r.args.privateKey, f.server.privateKey);
    assert.ok(r.warnings.some((w) => w.file === "wg0.conf" && w.rule === "legacy-location"));
  });

  it("edited templates: values come from the confs written (port, DNS, AllowedIPs); custom PostUp and another ListenPort are warnings", () => {
    const f = fixture({
      ...USUAL, serverPort: 443, peerDns: "1.1.1.1", allowedIps: "10.13.13.0/24, 192.168.1.0/24", listenPort: 51000,
      extraPostUp: ["iptables -A FORWARD -i %i -o eth0 -d 192.168.1.0/24 -j ACCEPT"],
    });
    const r = readLinuxserverConfig(f.dir);
    assert.equal(r.args.serverPort, 443);
    assert.deepEqual(r.args.dns, ["1.1.1.1"]);
    assert.deepEqual(r.args.allowedIps, ["10.13.13.0/24", "192.168.1.0/24"]);
    const hook = r.warnings.find((w) => w.rule === "custom-hook");
    assert.ok(hook && hook.file === "wg_confs/wg0.conf" && hook.message.includes("iptables -A FORWARD -i %i -o eth0 -d 192.168.1.0/24 -j ACCEPT"), JSON.stringify(r.warnings));
    assert.equal(r.warnings.filter((w) => w.rule === "custom-hook").length, 1, "the image's own forwarding/NAT hooks are recognised, not reported");
    assert.ok(r.warnings.some((w) => w.rule === "listen-port" && w.message.includes("51000")));
    assert.equal(r.args.masquerade, undefined, "the image's MASQUERADE is wgkit's default");
  });

  it("a device whose conf was edited keeps its own DNS and AllowedIPs (per-peer overrides)", () => {
    const f = fixture(USUAL);
    edit(f, "peer3/peer3.conf", (t) => t.replace("DNS = 10.13.13.1", "DNS = 9.9.9.9").replace("AllowedIPs = 0.0.0.0/0, ::/0", "AllowedIPs = 10.13.13.0/24"));
    const r = readLinuxserverConfig(f.dir);
    assert.deepEqual(r.args.dns, ["10.13.13.1"]);
    assert.deepEqual(r.args.peers.peer3.dns, ["9.9.9.9"]);
    assert.deepEqual(r.args.peers.peer3.allowedIps, ["10.13.13.0/24"]);
    assert.equal(r.args.peers.laptop.dns, undefined);
  });

  it("a folder the server conf does not name is a leftover: reported with its address, not adopted", () => {
    const f = fixture({ peers: [{ id: "laptop" }, { id: "phone", leftover: true }, { id: "nas" }] });
    const r = readLinuxserverConfig(f.dir);
    assert.deepEqual(Object.keys(r.args.peers), ["laptop", "nas"]);
    assert.equal(r.args.peers.nas.address, "10.13.13.4");
    assert.deepEqual(r.leftovers, [{ folder: "peer_phone", name: "phone", address: "10.13.13.3" }]);
  });

  it("a server without masquerade is adopted as masquerade: false, with a warning", () => {
    const f = fixture(USUAL);
    edit(f, "wg_confs/wg0.conf", (t) => t.replace(/; iptables -t nat -[AD] POSTROUTING -o eth\+ -j MASQUERADE/g, ""));
    const r = readLinuxserverConfig(f.dir);
    assert.equal(r.args.masquerade, false);
    assert.ok(r.warnings.some((w) => w.rule === "masquerade"));
  });

  it("a key inside a custom hook is not repeated in the warning", () => {
    const f = fixture(USUAL);
    const secret = generatePresharedKey();
    edit(f, "wg_confs/wg0.conf", (t) => t.replace("PostDown =", `PostUp = echo ${secret} > /tmp/x\nPostDown =`));
    const r = readLinuxserverConfig(f.dir);
    const w = r.warnings.find((x) => x.rule === "custom-hook")!;
    assert.ok(w.message.includes("echo (key not shown) > /tmp/x"), w.message);
    assertNoKeys(JSON.stringify(r.warnings), f, [secret]);
  });

  it("never writes: every file's bytes, every mode and every mtime are the same after reading", () => {
    const f = fixture({ ...USUAL, peers: [...USUAL.peers, { id: "old", leftover: true }] });
    const before = hashTree(f.dir);
    readLinuxserverConfig(f.dir);
    assert.deepEqual(hashTree(f.dir), before);
    assert.ok(Object.keys(before).length > 20);
  });
});

/** A broken variant: how to damage the usual fixture, and the one error expected. */
interface Broken { name: string; options?: FixtureOptions; damage: (f: Fixture, extra: string[]) => void; field: string | RegExp; rule: string }
const other = (extra: string[]) => { const k = generateKeyPair(); extra.push(k.privateKey, k.publicKey); return k; };
const replaceLine = (key: string, value: string) => (t: string) => t.replace(new RegExp(`^${key} = .*$`, "m"), `${key} = ${value}`);

const BROKEN: Broken[] = [
  { name: "a peer's private key does not derive its public key file", field: "peer_laptop/publickey-peer_laptop", rule: "key-pair",
    damage: (f, x) => fs.writeFileSync(f.file("peer_laptop/privatekey-peer_laptop"), `${other(x).privateKey}\n`) },
  { name: "the server's private key does not derive its public key file", field: "server/publickey-server", rule: "key-pair",
    damage: (f, x) => fs.writeFileSync(f.file("server/publickey-server"), `${other(x).publicKey}\n`) },
  { name: "wg0.conf holds another server key than server/privatekey-server", field: "wg_confs/wg0.conf", rule: "server-key",
    damage: (f, x) => edit(f, "wg_confs/wg0.conf", replaceLine("PrivateKey", other(x).privateKey)) },
  { name: "a device conf dials another server key", field: "peer3/peer3.conf", rule: "server-key",
    damage: (f, x) => edit(f, "peer3/peer3.conf", replaceLine("PublicKey", other(x).publicKey)) },
  { name: "a [Peer] of wg0.conf has no folder", field: "wg_confs/wg0.conf", rule: "peer-without-folder",
    damage: (f, x) => edit(f, "wg_confs/wg0.conf", (t) => t.replace(f.peers.peer_nas.publicKey, other(x).publicKey)) },
  { name: "the `# <id>` comment names another folder than the key's", field: "wg_confs/wg0.conf", rule: "peer-folder-mismatch",
    damage: (f) => edit(f, "wg_confs/wg0.conf", (t) => t.replace("# peer_laptop", "# peer_TMP").replace("# peer3", "# peer_laptop").replace("# peer_TMP", "# peer3")) },
  { name: "a device conf holds another private key than its file", field: "peer_nas/peer_nas.conf", rule: "device-key",
    damage: (f, x) => edit(f, "peer_nas/peer_nas.conf", replaceLine("PrivateKey", other(x).privateKey)) },
  { name: "the device conf's PresharedKey differs from the server conf's", field: "peer_laptop/peer_laptop.conf", rule: "preshared-key",
    damage: (f, x) => { const k = generatePresharedKey(); x.push(k); edit(f, "peer_laptop/peer_laptop.conf", replaceLine("PresharedKey", k)); } },
  { name: "the preshared key file differs from both confs", field: "wg_confs/wg0.conf", rule: "preshared-key",
    damage: (f, x) => { const k = generatePresharedKey(); x.push(k); fs.writeFileSync(f.file("peer3/presharedkey-peer3"), `${k}\n`); } },
  { name: "the confs use a preshared key whose file is gone", field: "peer3/presharedkey-peer3", rule: "missing-file",
    damage: (f) => fs.rmSync(f.file("peer3/presharedkey-peer3")) },
  { name: "the server's private key file is gone", field: "server/privatekey-server", rule: "missing-file",
    damage: (f) => fs.rmSync(f.file("server/privatekey-server")) },
  { name: "an active peer's device conf is gone", field: "peer_nas/peer_nas.conf", rule: "missing-file",
    damage: (f) => fs.rmSync(f.file("peer_nas/peer_nas.conf")) },
  { name: "no server conf at all", field: "wg_confs/wg0.conf", rule: "missing-file",
    damage: (f) => fs.rmSync(f.file("wg_confs/wg0.conf")) },
  { name: "a device's Address is not what the server routes to it", field: "wg_confs/wg0.conf", rule: "address-mismatch",
    damage: (f) => edit(f, "peer3/peer3.conf", replaceLine("Address", "10.13.13.9")) },
  { name: "two peers share an address", field: "peer_nas/peer_nas.conf", rule: "duplicate-address",
    damage: (f) => { edit(f, "peer_nas/peer_nas.conf", replaceLine("Address", "10.13.13.2")); edit(f, "wg_confs/wg0.conf", (t) => t.replace("AllowedIPs = 10.13.13.4/32", "AllowedIPs = 10.13.13.2/32")); } },
  { name: "a peer's address is outside the server's subnet", field: "peer_nas/peer_nas.conf", rule: "outside-subnet",
    damage: (f) => { edit(f, "peer_nas/peer_nas.conf", replaceLine("Address", "10.99.0.4")); edit(f, "wg_confs/wg0.conf", (t) => t.replace("AllowedIPs = 10.13.13.4/32", "AllowedIPs = 10.99.0.4/32")); } },
  { name: "two peers route overlapping LANs (wgkit refuses the adopted settings)", field: "wg_confs/wg0.conf", rule: "overlap",
    options: { peers: [{ id: "a", lans: ["192.168.50.0/24"] }, { id: "b", lans: ["192.168.50.128/25"] }] }, damage: () => undefined },
  { name: "two folders hold the same key", field: /^peer_(laptop|zcopy)\/publickey-peer_(laptop|zcopy)$/, rule: "duplicate-key",
    damage: (f) => {
      fs.mkdirSync(f.file("peer_zcopy"), { mode: 0o700 });
      for (const k of ["privatekey", "publickey"]) fs.copyFileSync(f.file(`peer_laptop/${k}-peer_laptop`), f.file(`peer_zcopy/${k}-peer_zcopy`));
    } },
  { name: "a key file is not a key", field: "peer3/privatekey-peer3", rule: "key-format",
    damage: (f) => fs.writeFileSync(f.file("peer3/privatekey-peer3"), `${f.peers.peer3.privateKey.slice(0, 20)}!!\n`) },
  { name: "a numbered and a named folder give the same peer name", field: "peer_peer3", rule: "name-collision",
    options: { peers: [{ id: 3 }, { id: "peer3" }] }, damage: () => undefined },
  { name: "wg0.conf has a line that is a pasted key, not Key = Value", field: "wg_confs/wg0.conf:line 3", rule: "unknown-key",
    damage: (f) => edit(f, "wg_confs/wg0.conf", (t) => t.replace(/^ListenPort = 51820$/m, f.server.privateKey)) },
  { name: "a value the parser quotes in its error is a key (ListenPort = <key>): not repeated", field: "wg_confs/wg0.conf:line 3", rule: "integer",
    damage: (f) => edit(f, "wg_confs/wg0.conf", (t) => t.replace(/^ListenPort = 51820$/m, `ListenPort = ${f.server.privateKey}`)) },
  { name: "no device conf has an Endpoint and nothing records SERVERURL", field: ".donoteditthisfile", rule: "no-endpoint",
    options: { peers: [] }, damage: (f) => edit(f, ".donoteditthisfile", (t) => t.replace(/^ORIG_SERVERURL=.*\n/m, "")) },
];

describe("readLinuxserverConfig: one error per broken rule, naming the file, with no key in it", () => {
  const messages: string[] = [];
  for (const b of BROKEN) {
    it(`${b.rule}: ${b.name}`, () => {
      const f = fixture(b.options ?? USUAL);
      const extra: string[] = [];
      b.damage(f, extra);
      let result: LinuxserverAdoption | undefined;
      let error: unknown;
      try { result = readLinuxserverConfig(f.dir); } catch (e) { error = e; }
      assert.ok(result === undefined, "no partial result"); // (not deepEqual: it would print keys)
      assert.ok(error instanceof WgKitError, `expected a WgKitError, got ${String(error)}`);
      assert.equal(error.rule, b.rule, error.message);
      if (typeof b.field === "string") assert.equal(error.field, b.field, error.message);
      else assert.match(error.field, b.field);
      assert.ok(error.message.includes(error.field));
      assertNoKeys(`${error.message} ${error.stack}`, f, extra);
      messages.push(error.message);
    });
  }
  it("the catalogue covers at least 15 distinct rules, and every message names its file", () => {
    assert.ok(new Set(BROKEN.map((b) => b.rule)).size >= 15);
    assert.equal(messages.length, BROKEN.length, "every broken variant above threw");
  });
});

/**
 * The directory is hostile (the container's user writes it; `wgkit adopt` may run as root). The
 * content of every planted file is a marker the error must not repeat: without the fix, the
 * parser quotes it (`ListenPort = <marker>` is an `integer` error that shows the value).
 */
const MARKER = "ROOT-ONLY-SECRET-4f1c9e";
const MARKER_CONF = `[Interface]\nListenPort = ${MARKER}\n`;
interface Hostile { name: string; plant: (f: Fixture, outside: string) => void; field: string; rule: string; root?: boolean }
const swap = (f: Fixture, rel: string, make: (p: string) => void) => { fs.rmSync(f.file(rel), { recursive: true, force: true }); make(f.file(rel)); };
const outsideFile = (outside: string, content = MARKER_CONF) => { const p = path.join(outside, "shadow"); fs.writeFileSync(p, content, { mode: 0o600 }); return p; };
const HOSTILE: Hostile[] = [
  { name: "the server conf is a symlink to a file outside the directory", field: "wg_confs/wg0.conf", rule: "outside-dir",
    plant: (f, o) => swap(f, "wg_confs/wg0.conf", (p) => fs.symlinkSync(outsideFile(o), p)) },
  { name: "a relative symlink climbing out with ../..", field: "wg_confs/wg0.conf", rule: "outside-dir",
    plant: (f, o) => { outsideFile(o); swap(f, "wg_confs/wg0.conf", (p) => fs.symlinkSync("../../shadow", p)); } },
  { name: "the wg_confs folder is a symlink to a folder outside (its names are not listed either)", field: "wg_confs", rule: "outside-dir",
    plant: (f, o) => {
      const d = path.join(o, "elsewhere");
      fs.mkdirSync(d);
      fs.writeFileSync(path.join(d, "wg0.conf"), MARKER_CONF);
      fs.writeFileSync(path.join(d, `${MARKER}.conf`), "");
      swap(f, "wg_confs", (p) => fs.symlinkSync(d, p));
    } },
  { name: "an active peer folder is a symlink to a copy of it outside the directory", field: "peer3", rule: "outside-dir",
    plant: (f, o) => {
      const d = path.join(o, "peer3-elsewhere");
      fs.cpSync(f.file("peer3"), d, { recursive: true });
      fs.appendFileSync(path.join(d, "peer3.conf"), `# ${MARKER}\n`);
      swap(f, "peer3", (p) => fs.symlinkSync(d, p));
    } },
  { name: "a preshared key file is a symlink to /dev/null", field: "peer3/presharedkey-peer3", rule: "outside-dir",
    plant: (f) => swap(f, "peer3/presharedkey-peer3", (p) => fs.symlinkSync("/dev/null", p)) },
  { name: "a preshared key file is a symlink to a device node", field: "peer3/presharedkey-peer3", rule: "outside-dir",
    plant: (f) => swap(f, "peer3/presharedkey-peer3", (p) => fs.symlinkSync("/dev/zero", p)) },
  { name: "a preshared key file is a character device made inside the directory (mknod c 1 3)", field: "peer3/presharedkey-peer3", rule: "not-a-file", root: true,
    plant: (f) => swap(f, "peer3/presharedkey-peer3", (p) => execFileSync("mknod", [p, "c", "1", "3"])) },
  { name: "a key file is a directory", field: "server/privatekey-server", rule: "not-a-file",
    plant: (f) => swap(f, "server/privatekey-server", (p) => fs.mkdirSync(p)) },
  { name: "a key file is a hard link to a file outside the directory", field: "server/publickey-server", rule: "hard-link",
    plant: (f, o) => swap(f, "server/publickey-server", (p) => fs.linkSync(outsideFile(o, `${MARKER}\n`), p)) },
  { name: "a file over 1 MiB (1 MiB + 1 byte)", field: ".donoteditthisfile", rule: "too-large",
    plant: (f) => fs.writeFileSync(f.file(".donoteditthisfile"), `${MARKER}\n`.padEnd(1024 * 1024 + 1, "#")) },
];

describe("readLinuxserverConfig: a hostile directory (symlinks out, FIFOs, devices, hard links, huge files)", () => {
  for (const h of HOSTILE) {
    it(`${h.rule}: ${h.name}; the file's content is not in the error`, function () {
      if (h.root && process.getuid?.() !== 0) this.skip();
      const f = fixture(USUAL);
      const outside = path.dirname(f.dir); // the fixture's temp dir: it holds .../config
      const target = path.join(outside, "shadow");
      h.plant(f, outside);
      const targetBefore = fs.existsSync(target) ? fs.readFileSync(target, "utf8") : undefined;
      let error: unknown;
      try { readLinuxserverConfig(f.dir); } catch (e) { error = e; }
      assert.ok(error instanceof WgKitError, `expected a WgKitError, got ${String(error)}`);
      assert.equal(error.rule, h.rule, error.message);
      assert.equal(error.field, h.field, error.message);
      assert.ok(!`${error.message} ${error.stack}`.includes(MARKER), `the planted content leaked: ${error.message}`);
      assert.ok(!error.message.includes(outside), "where a link points is not shown");
      if (targetBefore !== undefined) assert.equal(fs.readFileSync(target, "utf8"), targetBefore);
    });
  }

  it("not-a-file: a FIFO in place of a device conf is refused without opening it (the reader does not block)", () => {
    const f = fixture(USUAL);
    swap(f, "peer_nas/peer_nas.conf", (p) => execFileSync("mkfifo", [p]));
    // In a child with a deadline: a reader that opens the FIFO blocks forever (nobody writes to it).
    const core = require.resolve("@wgkit/core");
    const r = spawnSync(process.execPath, ["-e", `try { require(${JSON.stringify(core)}).readLinuxserverConfig(${JSON.stringify(f.dir)}); console.log("adopted"); }
      catch (e) { console.log(JSON.stringify({ rule: e.rule, field: e.field, message: e.message })); }`], { encoding: "utf8", timeout: 20_000 });
    assert.equal(r.error, undefined, `the reader blocked on the FIFO (${String(r.error)})`);
    assert.deepEqual(JSON.parse(r.stdout), { rule: "not-a-file", field: "peer_nas/peer_nas.conf", message: "peer_nas/peer_nas.conf: is a FIFO, not a regular file; not read [rule: not-a-file]" });
  });

  it("a FIFO as a leftover folder's conf: the leftover is reported without address, nothing blocks", () => {
    const f = fixture({ peers: [{ id: "laptop" }, { id: "old", leftover: true }] });
    swap(f, "peer_old/peer_old.conf", (p) => execFileSync("mkfifo", [p]));
    const core = require.resolve("@wgkit/core");
    const r = spawnSync(process.execPath, ["-e", `console.log(JSON.stringify(require(${JSON.stringify(core)}).readLinuxserverConfig(${JSON.stringify(f.dir)}).leftovers))`],
      { encoding: "utf8", timeout: 20_000 });
    assert.equal(r.error, undefined, `the reader blocked on the FIFO (${String(r.error)})`);
    assert.deepEqual(JSON.parse(r.stdout), [{ folder: "peer_old", name: "old" }]);
  });

  it("what stays allowed: a symlink that stays inside the directory is followed; a file of exactly 1 MiB is read", () => {
    const f = fixture(USUAL);
    const want = readLinuxserverConfig(f.dir).args;
    fs.renameSync(f.file("wg_confs/wg0.conf"), f.file("wg_confs/wg0.conf.orig"));
    fs.symlinkSync("wg0.conf.orig", f.file("wg_confs/wg0.conf"));
    fs.symlinkSync("../peer3/peer3.conf", f.file("server/peer3-copy"));
    const text = fs.readFileSync(f.file("peer3/peer3.conf"), "utf8");
    fs.writeFileSync(f.file("peer3/peer3.conf"), `${text}\n`.padEnd(1024 * 1024, "#"));
    assert.equal(fs.statSync(f.file("peer3/peer3.conf")).size, 1024 * 1024);
    assert.deepEqual(readLinuxserverConfig(f.dir).args, want);
  });

  it("the config dir itself may be reached through a symlink (the user chose it)", () => {
    const f = fixture(USUAL);
    const link = path.join(path.dirname(f.dir), "link");
    fs.symlinkSync(f.dir, link);
    assert.equal(readLinuxserverConfig(link).args.privateKey, f.server.privateKey);
  });
});
