/**
 * The README's main command on the real engine: `npm run up` twice changes nothing; settings go
 * into the stack's config; what was removed by hand comes back; `npm run pulumi -- preview
 * --expect-no-changes` passes; no key in clear under the state directory; `down` keeps keys and
 * addresses, `--forget` destroys. Then one writer (a concurrent run is refused at once) and
 * crash safety (`kill -9` of the whole process group at points chosen from what the engine
 * prints, then one `npm run up` converges). Oracles: Docker, `wg` in the container and `wg pubkey`,
 * the engine's own `preview --expect-no-changes`, the bytes of the state directory.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import {
  conf, docker, filesContaining, isolatedStack, main, mainKilledAt, publicKeyOfConf, removeLeftovers, REPO, servedPeers, StackDirs,
} from "./support";

/**
 * Every secret value of the stack in plaintext (`stack export --show-secrets` through the main
 * command). Not the docker provider's `__inputs`: its copy of a resource's own inputs, wrapped
 * whole as one secret (an image's build context path, its name), whose secret parts are secret
 * in the resource's inputs too and found there.
 */
function plaintextSecrets(s: StackDirs): string[] {
  const r = main(s, ["pulumi", "stack", "export", "--show-secrets"]);
  assert.equal(r.status, 0, r.out);
  const json = r.out.slice(r.out.indexOf("{"), r.out.lastIndexOf("}") + 1);
  const found: string[] = [];
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === "object") {
      const o = v as Record<string, unknown>;
      if (o["4dabf18193072939515e22adb298388d"] === "1b47061264138c4ac30d75fd1eb44270" && typeof o.plaintext === "string") {
        const p = JSON.parse(o.plaintext);
        const leaves = (x: unknown): void => { if (typeof x === "string") found.push(x); else if (x && typeof x === "object") Object.values(x).forEach(leaves); };
        leaves(p);
      } else Object.entries(o).forEach(([k, x]) => { if (k !== "__inputs") walk(x); });
    }
  };
  walk(JSON.parse(json));
  return found;
}

/** Key material: every key line of the device confs and of the server's conf in the container. */
function keyMaterial(s: StackDirs, peers: string[]): string[] {
  const keys = new Set<string>();
  const texts = peers.map((p) => conf(s, p).toString("utf8"));
  texts.push(docker(["exec", "wireguard", "cat", "/config/wg_confs/wg0.conf"]).stdout);
  for (const t of texts) for (const m of t.matchAll(/^(?:PrivateKey|PresharedKey) = (\S+)$/gm)) keys.add(m[1]);
  return [...keys];
}

describe("npm run up / down / pulumi: the default stack on the real engine", function () {
  this.timeout(900_000);
  let s: StackDirs;

  before(() => {
    removeLeftovers();
    s = isolatedStack({ WGKIT_PEERS: "laptop,phone" });
  });
  after(() => {
    main(s, ["down", "--forget"]);
    removeLeftovers();
    fs.rmSync(s.dir, { recursive: true, force: true });
  });

  it("twice: the second run changes nothing; the passphrase is generated once, 0600, outside the state; no key in clear under the state; no warning or info diagnostic", () => {
    const first = main(s, ["up"]);
    assert.equal(first.status, 0, first.out);
    assert.match(first.out, /pulumi: the (toolchain's Pulumi CLI|Pulumi CLI on PATH)/);
    assert.match(first.out, /secrets: passphrase from .*\(generated now: back it up\)/);
    assert.match(first.out, /changes: \d+ create/);
    const pass = path.join(s.dir, "config", "passphrase");
    assert.equal(fs.statSync(pass).mode & 0o777, 0o600);
    assert.equal(fs.statSync(s.state).mode & 0o777, 0o700);
    assert.equal(fs.statSync(path.join(s.out, "laptop.conf")).mode & 0o777, 0o600);
    assert.doesNotMatch(first.out, /Diagnostics:|warning:/i, "a clean up prints no warning and no info diagnostic");
    const laptop = conf(s, "laptop"), phone = conf(s, "phone");
    assert.deepEqual(servedPeers(), [publicKeyOfConf(laptop), publicKeyOfConf(phone)].sort(), "the server serves exactly the two devices");

    const second = main(s, ["up"]);
    assert.equal(second.status, 0, second.out);
    assert.match(second.out, /no changes: \d+ resources unchanged/);
    assert.doesNotMatch(second.out, /generated now/);
    assert.ok(conf(s, "laptop").equals(laptop) && conf(s, "phone").equals(phone), "same confs");
    const preview = main(s, ["pulumi", "preview", "--expect-no-changes"]);
    assert.equal(preview.status, 0, preview.out);

    const secrets = [...keyMaterial(s, ["laptop", "phone"]), ...plaintextSecrets(s).filter((v) => v.length >= 16 && !v.includes("\n"))];
    assert.ok(secrets.length >= 8, `found ${secrets.length} secret values to look for`);
    assert.deepEqual(filesContaining(s.state, secrets), [], "no key or secret in clear anywhere under the state directory");
  });

  it("WGKIT_USERSPACE unset on the first run: the kernel was probed and the choice recorded in the stack's config", () => {
    const got = main(s, ["pulumi", "config", "get", "wgkit:userspace"]);
    assert.equal(got.status, 0, got.out);
    assert.match(got.out, /^(true|false)$/m);
  });

  it("settings go into the stack's config: WGKIT_PEERS adds only the difference, live; without it the config stands", () => {
    const id = docker(["inspect", "-f", "{{.Id}}", "wireguard"]).stdout;
    const laptop = conf(s, "laptop"), phone = conf(s, "phone");
    const added = main(s, ["up"], { WGKIT_PEERS: "laptop,phone,nas" });
    assert.equal(added.status, 0, added.out);
    assert.doesNotMatch(added.out, /replac/, "nothing replaced");
    assert.equal(docker(["inspect", "-f", "{{.Id}}", "wireguard"]).stdout, id, "same container");
    assert.ok(conf(s, "laptop").equals(laptop) && conf(s, "phone").equals(phone), "existing devices' confs byte for byte");
    assert.equal(servedPeers().length, 3);
    const { WGKIT_PEERS: _, ...withoutPeers } = s.env;
    const stands = main({ ...s, env: withoutPeers }, ["up"]);
    assert.equal(stands.status, 0, stands.out);
    assert.match(stands.out, /no changes/, "the stack's config (three peers) stands");
    assert.equal(servedPeers().length, 3);
    s.env.WGKIT_PEERS = "laptop,phone,nas";
  });

  it("what was removed by hand comes back: the refresh sees the container gone, up creates it with the same keys", () => {
    const laptop = conf(s, "laptop");
    docker(["rm", "-f", "wireguard"]);
    const r = main(s, ["up"]);
    assert.equal(r.status, 0, r.out);
    assert.match(r.out, /refresh: the engine's state was brought in line with Docker/);
    assert.ok(conf(s, "laptop").equals(laptop));
    assert.equal(servedPeers().length, 3);
  });

  it("one writer: a second concurrent run is refused at once, and the first completes", async () => {
    const firstRun = mainKilledAt(s, ["up"], /^(?!)$/); // never killed: just runs in the background
    await new Promise((r) => setTimeout(r, 1500));
    const second = main(s, ["up"]);
    assert.equal(second.status, 1);
    assert.match(second.out, /another run holds the default stack/);
    assert.ok(second.ms < 10_000, `refused after ${second.ms} ms`);
    const first = await firstRun;
    assert.equal(first.status, 0, first.out);
  });

  it("down keeps keys and addresses; the next up brings the same devices back; --forget destroys", () => {
    const laptop = conf(s, "laptop");
    const down = main(s, ["down"]);
    assert.equal(down.status, 0, down.out);
    assert.notEqual(docker(["inspect", "wireguard"]).status, 0, "down removed the container");
    const back = main(s, ["up"]);
    assert.equal(back.status, 0, back.out);
    assert.ok(conf(s, "laptop").equals(laptop), "after down and up the same device conf works");
    assert.equal(servedPeers().length, 3);
  });
});

describe("npm run up: crash-safe (kill -9 of the process group anywhere, then one up converges)", function () {
  this.timeout(1_800_000);
  let s: StackDirs;
  let confs: Record<string, Buffer>;
  const declared = ["laptop", "phone"];

  const converges = (label: string) => {
    const r = main(s, ["up"]);
    assert.equal(r.status, 0, `${label}: the next up failed:\n${r.out}`);
    for (const [n, c] of Object.entries(confs)) assert.ok(conf(s, n).equals(c), `${label}: ${n}'s conf changed`);
    const want = fs.readdirSync(s.out).filter((f) => f.endsWith(".conf")).map((f) => publicKeyOfConf(fs.readFileSync(path.join(s.out, f)))).sort();
    assert.deepEqual(servedPeers(), want, `${label}: the server serves exactly the declared peers`);
    assert.equal(want.length, (s.env.WGKIT_PEERS ?? "").split(",").length);
    return r.out;
  };

  before(() => {
    removeLeftovers();
    s = isolatedStack({ WGKIT_PEERS: declared.join(",") });
  });
  after(() => {
    main(s, ["down", "--forget"]);
    removeLeftovers();
    fs.rmSync(s.dir, { recursive: true, force: true });
  });

  it("killed right after the passphrase was generated (before the stack exists): the next up deploys", async () => {
    const k = await mainKilledAt(s, ["up"], /generated now/);
    assert.ok(k.killed, k.out);
    const r = main(s, ["up"]);
    assert.equal(r.status, 0, r.out);
    assert.doesNotMatch(r.out, /generated now/, "the passphrase made before the kill is used");
    confs = Object.fromEntries(declared.map((n) => [n, conf(s, n)]));
  });

  const points: { label: string; peers: string; before?: () => void; at: RegExp }[] = [
    { label: "after the lock and the build, before Pulumi runs", peers: "laptop,phone", at: /^pulumi: /m },
    { label: "while a new peer's key seed is created", peers: "laptop,phone,nas", at: /random:index:Random\w+ wireguard\/nas\/keys creating/ },
    { label: "while the container is created", peers: "laptop,phone,nas", before: () => void docker(["rm", "-f", "wireguard"]), at: /docker:index:Container wireguard creating/ },
    { label: "while the install step runs", peers: "laptop,phone", at: /command:local:Command wireguard-install (creating|updating)/ },
    { label: "while the peers' files are written", peers: "laptop,phone,tablet", at: /^peer laptop: /m },
  ];
  for (const p of points) {
    it(`killed ${p.label}`, async () => {
      s.env.WGKIT_PEERS = p.peers;
      for (const n of Object.keys(confs)) if (!p.peers.split(",").includes(n)) delete confs[n];
      p.before?.();
      const k = await mainKilledAt(s, ["up"], p.at);
      assert.ok(k.killed, `the kill point was never reached:\n${k.out}`);
      const out = converges(p.label);
      console.log(`      ${p.label}: ${(out.match(/^(lock|recover): .*$/gm) ?? ["converged with no recovery step"]).join("; ")}`);
      for (const n of p.peers.split(",")) if (!confs[n]) confs[n] = conf(s, n);
    });
  }

  it("killed while Pulumi wrote the stack's config file (it truncates, then writes: left empty): the next up, with no peers in the environment, restores it and changes nothing", () => {
    const file = path.join(REPO, `Pulumi.${s.stack}.yaml`);
    assert.ok(fs.existsSync(path.join(s.state, "stack-config", `Pulumi.${s.stack}.yaml`)), "the last good run kept a copy");
    fs.writeFileSync(file, "");
    const peers = s.env.WGKIT_PEERS!;
    delete s.env.WGKIT_PEERS; // the stack's config decides: without the restore, no peers would be read at all
    let r: ReturnType<typeof main>;
    try { r = main(s, ["up"]); } finally { s.env.WGKIT_PEERS = peers; }
    assert.equal(r.status, 0, r.out);
    assert.match(r.out, /^recover: Pulumi\.wgkit-test-\w+\.yaml was broken \(it is empty;/m);
    assert.match(r.out, /^no changes: /m, r.out);
    for (const [n, c] of Object.entries(confs)) assert.ok(conf(s, n).equals(c), `${n}'s conf changed`);
    assert.equal(servedPeers().length, peers.split(",").length, "the server serves every declared peer");
  });
});

describe("npm run up: a stack of the old main command (harness.json) moves to the real engine once, keeping every device", function () {
  this.timeout(900_000);
  const expected = JSON.parse(fs.readFileSync(path.join(__dirname, "../../../test/main/fixtures/harness-expected.json"), "utf8")) as
    { serverPublicKey: string; peers: Record<string, { publicKey: string; address: string; conf: string }> };
  let s: StackDirs;

  before(() => {
    removeLeftovers();
    s = isolatedStack({ WGKIT_SERVER_URL: "vpn.example.com" });
    delete s.env.WGKIT_PEERS;
    // The harness's own container, still running under the name the real engine will create.
    const standin = docker(["run", "-d", "--name", "wireguard", "--label", "wgkit.e2e.run=default-stack", "--entrypoint", "sleep", "lscr.io/linuxserver/wireguard:1.0.20250521", "3600"]);
    assert.equal(standin.status, 0, standin.stdout);
    const h = JSON.parse(fs.readFileSync(path.join(__dirname, "../../../test/main/fixtures/harness.json"), "utf8"));
    for (const o of h.objects) if (o.kind === "container") o.ref = standin.stdout;
    fs.mkdirSync(s.state, { recursive: true, mode: 0o700 });
    fs.writeFileSync(path.join(s.state, "harness.json"), JSON.stringify(h), { mode: 0o600 });
    fs.writeFileSync(path.join(s.state, "engine"), "harness\n", { mode: 0o600 });
  });
  after(() => {
    main(s, ["down", "--forget"]);
    removeLeftovers();
    fs.rmSync(s.dir, { recursive: true, force: true });
  });

  it("the first up imports the keys and addresses, replaces the harness's container, and every device's conf is the one the harness gave", () => {
    const r = main(s, ["up"]);
    assert.equal(r.status, 0, r.out);
    assert.match(r.out, /migrated: the old main command's state \(devices laptop,phone/);
    // The harness's seeds arrive as RandomBytes (ids = the keys) and move into RandomPasswords at once.
    assert.match(r.out, /migrated: 3 key seed\(s\) moved from RandomBytes/);
    assert.ok(!fs.existsSync(path.join(s.state, "harness.json")), "harness.json (keys in clear) is deleted");
    for (const [n, p] of Object.entries(expected.peers)) {
      assert.equal(publicKeyOfConf(conf(s, n)), p.publicKey, `${n} keeps its key`);
      assert.equal(conf(s, n).toString("utf8"), p.conf, `${n}'s conf is byte for byte the harness's`);
    }
    assert.deepEqual(servedPeers(), Object.values(expected.peers).map((p) => p.publicKey).sort());
    assert.equal(docker(["exec", "wireguard", "wg", "show", "wg0", "public-key"]).stdout, expected.serverPublicKey, "the server keeps its key");
    const again = main(s, ["up"]);
    assert.equal(again.status, 0, again.out);
    assert.match(again.out, /no changes/);
  });
});

describe("npm run up: the passphrase (a stack of the empty passphrase is re-keyed; another passphrase is refused)", function () {
  this.timeout(900_000);
  let s: StackDirs;
  before(() => { removeLeftovers(); s = isolatedStack({ WGKIT_PEERS: "laptop" }); });
  after(() => { main(s, ["down", "--forget"]); removeLeftovers(); fs.rmSync(s.dir, { recursive: true, force: true }); });

  it("a stack made with the empty passphrase (as an earlier wgkit did) is re-keyed to the generated one, keeping every device", () => {
    const old = main(s, ["up"], { PULUMI_CONFIG_PASSPHRASE: "" });
    assert.equal(old.status, 0, old.out);
    assert.match(old.out, /passphrase from PULUMI_CONFIG_PASSPHRASE \(set by you\)/);
    const laptop = conf(s, "laptop");
    const r = main(s, ["up"]);
    assert.equal(r.status, 0, r.out);
    assert.match(r.out, /re-keyed to /);
    assert.doesNotMatch(r.out, /replac|create|delete/, "nothing created, replaced or deleted by the re-key");
    assert.ok(conf(s, "laptop").equals(laptop));
    // Seen once: the run right after the re-key updates the install step's environment (live, no
    // restart); the next run changes nothing.
    assert.match(main(s, ["up"]).out, /no changes/);
    assert.equal(main(s, ["pulumi", "preview", "--expect-no-changes"]).status, 0, "the generated passphrase opens it");
    assert.notEqual(main(s, ["pulumi", "stack", "export", "--show-secrets"], { PULUMI_CONFIG_PASSPHRASE: "" }).status, 0, "the empty one no longer does");
    assert.deepEqual(fs.readdirSync(path.resolve(__dirname, "../../..")).filter((f) => /-rekey-/.test(f)), [], "no scratch config left in the clone");
  });

  it("a passphrase that does not open the stack is refused with what to do, and nothing changes", () => {
    const file = path.join(s.dir, "config", "passphrase");
    const good = fs.readFileSync(file);
    fs.writeFileSync(file, "not-the-passphrase\n", { mode: 0o600 });
    try {
      const r = main(s, ["up"]);
      assert.equal(r.status, 1, r.out);
      assert.match(r.out, /the passphrase does not open the stack/);
      assert.match(r.out, /every device would have to be enrolled again/);
    } finally {
      fs.writeFileSync(file, good, { mode: 0o600 });
    }
    assert.match(main(s, ["up"]).out, /no changes/);
  });
});
