import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import * as ts from "typescript";
import { buildLinuxserverConfig, edit, Fixture, hashTree } from "../support/linuxserverFixture";
import { tmpDir } from "../support/wgTools";
import { terminalControls } from "../support/terminalOracle";

const ROOT = path.resolve(__dirname, "..", "..", "..");
const PKG = path.join(ROOT, "packages", "pulumi");
/** The CLI as the published package declares it: its `bin` entry. */
const BIN = path.join(PKG, (JSON.parse(fs.readFileSync(path.join(PKG, "package.json"), "utf8")) as { bin: Record<string, string> }).bin.wgkit);

function cli(args: string[], env: NodeJS.ProcessEnv = process.env) {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: "utf8", env });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function assertNoKeys(text: string, f: Fixture): void {
  for (const k of f.allKeys()) assert.ok(!text.includes(k), `key material in the CLI's output (${k.slice(0, 6)}…)`);
}

describe("wgkit adopt (the built CLI, run as a child process)", () => {
  let base: string;
  let f: Fixture;
  before(() => {
    base = tmpDir("wgkit-cli-");
    // A path with a space and a single quote: the printed commands must quote it.
    f = buildLinuxserverConfig(path.join(base, "my vpn's", "config"), {
      peers: [{ id: "laptop" }, { id: 3, keepalive: true }, { id: "nas", lans: ["192.168.50.0/24"] }, { id: "tv", psk: false }, { id: "old", leftover: true }],
      extraPostUp: ["iptables -A FORWARD -i %i -o eth0 -j ACCEPT"],
    });
  });
  after(() => fs.rmSync(base, { recursive: true, force: true }));

  it("the bin entry is the built CLI with a node shebang", () => {
    assert.ok(fs.readFileSync(BIN, "utf8").startsWith("#!/usr/bin/env node\n"));
  });

  it("prints the summary table, the warnings and the leftovers; no key material; the directory is byte-identical after", () => {
    const before = hashTree(f.dir);
    const r = cli(["adopt", f.dir]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, "");
    assertNoKeys(r.stdout + r.stderr, f);
    assert.deepEqual(hashTree(f.dir), before);
    const rows = r.stdout.split("\n").map((l) => l.trim().split(/\s{2,}/));
    const row = (name: string) => rows.find((c) => c[0] === name);
    assert.deepEqual(rows.find((c) => c[0] === "peer"), ["peer", "address", "keepalive", "routed LANs", "PSK", "warnings"]);
    assert.deepEqual(row("laptop"), ["laptop", "10.13.13.2", "-", "-", "yes", "-"]);
    assert.deepEqual(row("peer3"), ["peer3", "10.13.13.3", "25", "-", "yes", "device-keepalive"]);
    assert.deepEqual(row("nas"), ["nas", "10.13.13.4", "-", "192.168.50.0/24", "yes", "-"]);
    assert.deepEqual(row("tv"), ["tv", "10.13.13.5", "-", "-", "no", "-"]);
    assert.equal(row("old"), undefined, "a leftover is not adopted");
    assert.match(r.stdout, /peer_old \(address 10\.13\.13\.6\)/);
    assert.match(r.stdout, /\[custom-hook\]: PostUp commands are not carried over: iptables -A FORWARD -i %i -o eth0 -j ACCEPT/);
  });

  it("the printed `pulumi config set` commands load each key from its file on stdin, never in argv (run with a recording stub)", () => {
    const r = cli(["adopt", f.dir]);
    const commands = r.stdout.split("\n").filter((l) => l.startsWith("pulumi config set "));
    // The fragment's config names and the commands' keys are the same set.
    const used = [...r.stdout.matchAll(/keys\.require(?:Secret)?\("([^"]+)"\)/g)].map((m) => `wireguard:${m[1]}`).sort();
    assert.equal(used.length, 8, "server key + 4 private keys + 3 preshared keys");
    const stubDir = fs.mkdtempSync(path.join(base, "stub-"));
    const log = path.join(stubDir, "log");
    fs.mkdirSync(log);
    fs.writeFileSync(path.join(stubDir, "pulumi"), [
      "#!/bin/bash",
      "# records argv (one per line) and stdin, as pulumi would receive them",
      `n=$(ls ${JSON.stringify(log)} | wc -l)`,
      `printf '%s\\n' "$@" > ${JSON.stringify(log)}/$n.argv`,
      `cat > ${JSON.stringify(log)}/$n.stdin`,
      "",
    ].join("\n"), { mode: 0o755 });
    const run = spawnSync("bash", ["-euo", "pipefail", "-c", commands.join("\n")], {
      encoding: "utf8", env: { ...process.env, PATH: `${stubDir}:${process.env.PATH}` }, cwd: stubDir,
    });
    assert.equal(run.status, 0, run.stderr);
    const calls = fs.readdirSync(log).filter((n) => n.endsWith(".argv")).map((n) => ({
      argv: fs.readFileSync(path.join(log, n), "utf8").trim().split("\n"),
      stdin: fs.readFileSync(path.join(log, n.replace(".argv", ".stdin")), "utf8"),
    }));
    assert.equal(calls.length, commands.length);
    const stored: Record<string, string> = {};
    for (const c of calls) {
      assert.deepEqual(c.argv.slice(0, 3), ["config", "set", "--secret"]);
      assert.equal(c.argv.length, 4, "the key name only: no value on the command line");
      assertNoKeys(c.argv.join(" "), f);
      // pulumi reads stdin to EOF and drops one trailing newline (pulumi/pulumi#880).
      stored[c.argv[3]] = c.stdin.replace(/\r?\n$/, "");
    }
    assert.deepEqual(Object.keys(stored).sort(), used);
    const p = f.peers;
    assert.deepEqual(stored, {
      "wireguard:server_privateKey": f.server.privateKey,
      "wireguard:peer_laptop_privateKey": p.peer_laptop.privateKey,
      "wireguard:peer_laptop_presharedKey": p.peer_laptop.presharedKey,
      "wireguard:peer3_privateKey": p.peer3.privateKey,
      "wireguard:peer3_presharedKey": p.peer3.presharedKey,
      "wireguard:peer_nas_privateKey": p.peer_nas.privateKey,
      "wireguard:peer_nas_presharedKey": p.peer_nas.presharedKey,
      "wireguard:peer_tv_privateKey": p.peer_tv.privateKey,
    });
  });

  it("the program fragment is valid TypeScript (syntax) that declares one WireGuardServer with every peer", () => {
    const r = cli(["adopt", f.dir]);
    const start = r.stdout.indexOf('import * as pulumi from "@pulumi/pulumi";');
    const fragment = r.stdout.slice(start, r.stdout.indexOf("# ----", start));
    const out = ts.transpileModule(fragment, { reportDiagnostics: true, compilerOptions: { module: ts.ModuleKind.CommonJS } });
    assert.deepEqual(out.diagnostics?.map((d) => ts.flattenDiagnosticMessageText(d.messageText, "\n")), []);
    assert.equal((fragment.match(/new WireGuardServer\(/g) ?? []).length, 1);
    for (const n of ["laptop", "peer3", "nas", "tv"]) assert.match(fragment, new RegExp(`^    ${n}: \\{$`, "m"));
  });

  it("a broken directory: one error naming the file and the rule on stderr, exit 1, nothing on stdout, no key, nothing written", () => {
    const g = buildLinuxserverConfig(path.join(base, "broken", "config"), { peers: [{ id: "laptop" }, { id: 2 }] });
    edit(g, "peer2/peer2.conf", (t) => t.replace(g.peers.peer2.privateKey, g.peers.peer_laptop.privateKey));
    const before = hashTree(g.dir);
    const r = cli(["adopt", g.dir]);
    assert.equal(r.code, 1);
    assert.equal(r.stdout, "");
    assert.equal(r.stderr, "wgkit adopt: peer2/peer2.conf: its PrivateKey is not the key in peer2/privatekey-peer2 [rule: device-key]\n");
    assertNoKeys(r.stderr, g);
    assert.deepEqual(hashTree(g.dir), before);
  });

  it("run by a user who cannot read the files (as when they belong to the image's PUID): exit 1, rule unreadable, not \"missing\"", () => {
    const asNobody = () => spawnSync("setpriv", ["--reuid=65534", "--regid=65534", "--clear-groups", process.execPath, BIN, "adopt", f.dir], { encoding: "utf8" });
    let r = asNobody();
    assert.equal(r.status, 1, r.stderr);
    assert.equal(r.stdout, "");
    assert.equal(r.stderr, "wgkit adopt: .: cannot be read (EACCES); run as root or as the image's PUID [rule: unreadable]\n");
    // The directory itself open to all, its folders 0700 and files 0600 as the image leaves them: the first key file is named.
    const opened = [base, path.dirname(f.dir), f.dir];
    const modes = opened.map((d) => fs.statSync(d).mode & 0o777);
    const before = hashTree(f.dir);
    try {
      opened.forEach((d) => fs.chmodSync(d, 0o755));
      r = asNobody();
    } finally {
      opened.forEach((d, i) => fs.chmodSync(d, modes[i]));
    }
    assert.equal(r.status, 1, r.stderr);
    assert.equal(r.stderr, "wgkit adopt: server/privatekey-server: cannot be read (EACCES); run as root or as the image's PUID [rule: unreadable]\n");
    assert.deepEqual(hashTree(f.dir), before);
  });

  it("a directory that does not exist: exit 1 with the not-a-directory rule; no arguments: usage and exit 2", () => {
    const r = cli(["adopt", path.join(base, "nope")]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /\[rule: not-a-directory\]/);
    const u = cli([]);
    assert.equal(u.code, 2);
    assert.match(u.stderr, /^usage: wgkit adopt <config dir>/);
  });
});

/** Renames a peer folder and the files in it that carry its name. */
function renameFolder(f: Fixture, from: string, to: string): void {
  fs.renameSync(f.file(from), f.file(to));
  for (const n of fs.readdirSync(f.file(to))) if (n.includes(from)) fs.renameSync(path.join(f.file(to), n), path.join(f.file(to), n.split(from).join(to)));
}

describe("wgkit adopt: names from the directory cannot forge a line or drive the terminal", () => {
  let base: string;
  before(() => { base = tmpDir("wgkit-cli-names-"); });
  after(() => fs.rmSync(base, { recursive: true, force: true }));
  const EVIL = "\x1b]0;owned\x07\x1b[2J\x9b31m\u202e\u2066\u2028\r\nFORGED: all keys adopted\x7f";
  /** A peer folder's name cannot hold a line break (it would not be a peer folder): the rest of EVIL. */
  const EVIL_NAME = "\x1b]0;owned\x07\x1b[2J\x9b31m\u202e\u2066FORGED\x7f";

  it("leftover folders, unknown files in wg_confs, hook text and the directory's own path: escaped in the summary; the fragment compiles; the commands load the keys through real bash", () => {
    // The directory's path itself holds a newline and a bidi override: the commands must still name it exactly.
    const f = buildLinuxserverConfig(path.join(base, "vpn\u202e\nx", "config"), {
      peers: [{ id: "laptop" }, { id: "old", leftover: true }, { id: "gone", leftover: true }],
      extraPostUp: ["echo \u202eevil\x9b31m"],
    });
    renameFolder(f, "peer_old", `peer_old${EVIL_NAME}`);
    fs.mkdirSync(f.file(`peer_x${EVIL_NAME}`));
    fs.writeFileSync(f.file(`wg_confs/x${EVIL}.conf`), "");
    const r = cli(["adopt", f.dir]);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(terminalControls(r.stdout, { newline: true }), []);
    assert.ok(!/^FORGED/m.test(r.stdout), "no line of the output starts with the planted text");
    assert.ok(r.stdout.includes("  - peer_old\\x1b]0;owned\\x07\\x1b[2J\\x9b31m\\u202e\\u2066FORGED\\x7f (address 10.13.13.3)\n"), r.stdout);
    assert.ok(r.stdout.includes("  - peer_x\\x1b]0;owned\\x07\\x1b[2J\\x9b31m\\u202e\\u2066FORGED\\x7f\n"), r.stdout);
    assert.ok(r.stdout.includes("  - wg_confs/x\\x1b]0;owned\\x07\\x1b[2J\\x9b31m\\u202e\\u2066\\u2028\\x0d\\x0aFORGED: all keys adopted\\x7f.conf [ignored-conf]"), r.stdout);
    assert.match(r.stdout, /\[custom-hook\]: PostUp commands are not carried over: echo \\u202eevil\\x9b31m/);
    const start = r.stdout.indexOf('import * as pulumi from "@pulumi/pulumi";');
    const fragment = r.stdout.slice(start, r.stdout.indexOf("# ----", start));
    const out = ts.transpileModule(fragment, { reportDiagnostics: true, compilerOptions: { module: ts.ModuleKind.CommonJS } });
    assert.deepEqual(out.diagnostics?.map((d) => ts.flattenDiagnosticMessageText(d.messageText, "\n")), []);
    // The commands, run by bash with `pulumi` a function that echoes what it reads on stdin.
    const commands = r.stdout.split("\n").filter((l) => l.startsWith("pulumi config set "));
    const run = spawnSync("bash", ["-euo", "pipefail", "-c", `pulumi() { printf '%s ' "$4"; cat; }\n${commands.join("\n")}`], { encoding: "utf8" });
    assert.equal(run.status, 0, run.stderr);
    const p = f.peers.peer_laptop;
    assert.equal(run.stdout, `wireguard:server_privateKey ${f.server.privateKey}\nwireguard:peer_laptop_privateKey ${p.privateKey}\nwireguard:peer_laptop_presharedKey ${p.presharedKey}\n`);
  });

  it("an error naming a hostile folder (a peer folder renamed with escape sequences and bidi overrides) is printed escaped, on one line", () => {
    const f = buildLinuxserverConfig(path.join(base, "err", "config"), { peers: [{ id: "bad" }] });
    renameFolder(f, "peer_bad", `peer_bad${EVIL_NAME}`);
    const r = cli(["adopt", f.dir]);
    assert.equal(r.code, 1);
    assert.deepEqual(terminalControls(r.stderr, { newline: true }), []);
    assert.equal(r.stderr.split("\n").length, 2, r.stderr);
    assert.match(r.stderr, /^wgkit adopt: wg_confs\/wg0\.conf: .* folder peer_bad\\x1b\]0;owned\\x07\\x1b\[2J\\x9b31m\\u202e\\u2066FORGED\\x7f \[rule: peer-folder-mismatch\]\n$/);
  });
});

describe("wgkit adopt: an error about a file's content never shows the content (issue 19, class 1)", () => {
  let base: string;
  before(() => { base = tmpDir("wgkit-cli-content-"); });
  after(() => fs.rmSync(base, { recursive: true, force: true }));
  /** Planted in one field per case; invalid for every field it goes in (no number, CIDR, host name or key). */
  const MARK = "Zq7$TOPSECRET";
  const server = "wg_confs/wg0.conf";
  const device = "peer_laptop/peer_laptop.conf";
  const cases: { what: string; file: string; rule: string; damage: (t: string) => string; other?: { file: string; damage: (t: string) => string } }[] = [
    { what: "server ListenPort", file: server, rule: "integer", damage: (t) => t.replace(/^ListenPort = .*$/m, `ListenPort = ${MARK}`) },
    { what: "server Address", file: server, rule: "cidr", damage: (t) => t.replace(/^Address = .*$/m, `Address = ${MARK}`) },
    { what: "server AllowedIPs", file: server, rule: "cidr", damage: (t) => t.replace(/^AllowedIPs = .*$/m, `AllowedIPs = 10.13.13.2/32, ${MARK}`) },
    { what: "server PersistentKeepalive", file: server, rule: "integer", damage: (t) => t.replace(/^AllowedIPs = .*$/m, `$&\nPersistentKeepalive = ${MARK}`) },
    { what: "server Table", file: server, rule: "table", damage: (t) => t.replace(/^ListenPort = .*$/m, `$&\nTable = ${MARK}`) },
    { what: "server FwMark", file: server, rule: "fwmark", damage: (t) => t.replace(/^ListenPort = .*$/m, `$&\nFwMark = ${MARK}`) },
    { what: "an unknown key's name", file: server, rule: "unknown-key", damage: (t) => t.replace(/^ListenPort = .*$/m, "$&\nZqTOPSECRET = 1") },
    { what: "a [Peer] comment naming another folder", file: server, rule: "peer-folder-mismatch", damage: (t) => t.replace("# peer_laptop", "# peer_ZqTOPSECRET") },
    { what: "device Endpoint", file: device, rule: "host", damage: (t) => t.replace(/^Endpoint = .*$/m, `Endpoint = ${MARK}:51820`) },
    { what: "device DNS", file: device, rule: "dns", damage: (t) => t.replace(/^DNS = .*$/m, `DNS = 1.1.1.1, ${MARK}`) },
    { what: "device PublicKey", file: device, rule: "key-format", damage: (t) => t.replace(/^PublicKey = .*$/m, `PublicKey = ${MARK}`) },
    { what: "device MTU", file: device, rule: "integer", damage: (t) => t.replace(/^DNS = .*$/m, `$&\nMTU = ${MARK}`) },
    { what: "device Address", file: device, rule: "cidr", damage: (t) => t.replace(/^Address = .*$/m, `Address = ${MARK}`) },
    {
      what: "ORIG_SERVERURL (the device confs have no Endpoint)", file: ".donoteditthisfile", rule: "host",
      damage: (t) => t.replace(/^ORIG_SERVERURL=.*$/m, `ORIG_SERVERURL="${MARK}"`),
      other: { file: device, damage: (t) => t.replace(/^Endpoint = .*\n/m, "") },
    },
  ];
  for (const c of cases) {
    it(`${c.what}: exit 1, the file and the rule on stderr, the planted value nowhere`, () => {
      const f = buildLinuxserverConfig(path.join(base, c.what.replace(/\W+/g, "-"), "config"), { peers: [{ id: "laptop" }] });
      edit(f, c.file, c.damage);
      if (c.other) edit(f, c.other.file, c.other.damage);
      assert.ok(fs.readFileSync(f.file(c.file), "utf8").includes(c.what.startsWith("an unknown") || c.what.startsWith("a [Peer]") ? "ZqTOPSECRET" : MARK), "the value was planted");
      const r = cli(["adopt", f.dir]);
      assert.equal(r.code, 1, r.stdout);
      assert.equal(r.stdout, "");
      assert.ok(!`${r.stdout}${r.stderr}`.includes("TOPSECRET"), `the planted value is shown: ${r.stderr}`);
      assert.match(r.stderr, new RegExp(`^wgkit adopt: (${c.file.replace(/\./g, "\\.")}|${server.replace(/\./g, "\\.")})\\b.*\\[rule: ${c.rule}\\]\\n$`));
    });
  }
});
