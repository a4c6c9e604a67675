/**
 * SeedMigration (`wgkit migrate-state`'s transformation) on deployments shaped as
 * `pulumi stack export --show-secrets` prints them (the shape observed from the real engine with
 * random 4.19.1; test/toolchain/SeedMigrationEngine.test.ts checks the result on the engine),
 * and the command itself against a recording stand-in for `pulumi`.
 */
import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as bcrypt from "bcryptjs";
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import { keysOfSeedMaterial, MOVED_SEED_PREFIX, privateKeyFromSeed, seedMaterial, WgKitError } from "@wgkit/core";
import { DeploymentResource, ExportedDeployment, migrateKeySeeds, plaintextSecret, plaintextSecrets, SECRET_SIG, SECRET_SIG_KEY } from "@wgkit/pulumi/dist/SeedMigration";
import { tmpDir } from "../support/wgTools";

const RB = "random:index/randomBytes:RandomBytes";
const RP = "random:index/randomPassword:RandomPassword";
const HEAD = "urn:pulumi:dev::home-vpn";
const STACK = `${HEAD}::pulumi:pulumi:Stack::home-vpn-dev`;
const PROVIDER = `${HEAD}::pulumi:providers:random::default_4_19_1`;
const urn = (chain: string, name: string) => `${HEAD}::${chain}::${name}`;

/** One RandomBytes as the random provider leaves it in an export with --show-secrets. */
function bytesResource(chain: string, name: string, parent: string, length: number, keepers: Record<string, string>, extra: Partial<DeploymentResource> = {}) {
  const bytes = crypto.randomBytes(length);
  const b64 = bytes.toString("base64");
  const r: DeploymentResource = {
    urn: urn(`${chain}$${RB}`, name), custom: true, id: b64, type: RB,
    inputs: { keepers, length },
    outputs: {
      __pulumi_raw_state_delta: { obj: { ps: { keepers: { map: {} } } } },
      base64: plaintextSecret(b64), hex: plaintextSecret(bytes.toString("hex")), keepers, length,
    },
    parent, provider: `${PROVIDER}::0f8e`, propertyDependencies: { keepers: [], length: [] },
    additionalSecretOutputs: ["base64", "hex", "base64", "hex"], ignoreChanges: ["keepers.createdIn"],
    created: "2026-12-01T10:00:00Z", modified: "2026-12-01T10:00:00Z", sourcePosition: "project:///index.ts#12,5",
    ...extra,
  };
  return { r, bytes };
}

const component = (type: string, name: string, chain = type) => ({ urn: urn(chain, name), custom: false, type, parent: STACK });

/** A stack made by wgkit before RandomPassword seeds, with every kind of seed name and some look-alikes. */
function fixture() {
  const srv = component("wgkit:index:WireGuardServer", "wg");
  const legacyPeer = component("wgkit:index:Peer", "wg-old", "wgkit:index:WireGuardServer$wgkit:index:Peer");
  const peer = component("wgkit:index:Peer", "dev");
  const link = component("wgkit:index:SiteLink", "hq");
  const k = (createdIn: string) => ({ createdIn, rotation: "" });
  const seeds = {
    server: bytesResource("wgkit:index:WireGuardServer", "wg-key", srv.urn, 64, k("1.a")),
    laptop: bytesResource("wgkit:index:WireGuardServer", "wg/laptop/keys", srv.urn, 64, k("2.b")),
    phone: bytesResource("wgkit:index:WireGuardServer", "wg-phone-keys", srv.urn, 64, k("3.c")), // a `-` name (before ChildName)
    old: bytesResource("wgkit:index:WireGuardServer$wgkit:index:Peer", "wg-old-keys", legacyPeer.urn, 64, k("4.d")), // the 0.1 layout
    device: bytesResource("wgkit:index:Peer", "dev-keys", peer.urn, 64, k("5.e")),
    site: bytesResource("wgkit:index:SiteLink", "hq/a/key", link.urn, 64, k("6.f")),
    replaced: bytesResource("wgkit:index:WireGuardServer", "wg/laptop/keys", srv.urn, 64, k("2.b"), { delete: true }), // left by an interrupted replacement
  };
  const kept = {
    memory: bytesResource("wgkit:index:WireGuardServer", "wg/laptop/address-10.13.13.0_24", srv.urn, 1, { address: "10.13.13.2", address6: "" }),
    userTopLevel: bytesResource("pulumi:pulumi:Stack", "api-key", STACK, 64, {}, { urn: urn(RB, "api-key") }),
    short: bytesResource("wgkit:index:WireGuardServer", "wg/x/key", srv.urn, 32, {}),
  };
  const seedUrns = Object.values(seeds).map((s) => s.r.urn);
  const install = {
    urn: urn("wgkit:index:WireGuardServer$command:local:Command", "wg-install"), custom: true, id: "wg-install-1", type: "command:local:Command",
    inputs: { create: "install" }, outputs: { stdout: "" }, parent: srv.urn,
    dependencies: [seeds.server.r.urn, seeds.laptop.r.urn, kept.memory.r.urn],
    propertyDependencies: { stdin: [seeds.server.r.urn, seeds.laptop.r.urn], create: [] },
    deletedWith: seeds.site.r.urn,
  };
  const resources: DeploymentResource[] = [
    { urn: STACK, custom: false, type: "pulumi:pulumi:Stack", outputs: { note: "plain" } },
    { urn: PROVIDER, custom: true, id: "0f8e", type: "pulumi:providers:random", inputs: { version: "4.19.1" }, outputs: { version: "4.19.1" } },
    srv, legacyPeer, peer, link, ...Object.values(seeds).map((s) => s.r), ...Object.values(kept).map((s) => s.r), install,
  ];
  const exported: ExportedDeployment = {
    version: 3,
    deployment: { manifest: { time: "2026-12-06T00:00:00Z", magic: "x", version: "v3.248.0" }, secrets_providers: { type: "passphrase", state: { salt: "v1:x" } }, resources, metadata: {} },
  };
  return { exported, seeds, kept, seedUrns, install };
}

const passwordUrn = (u: string) => u.replace(`$${RB}::`, `$${RP}::`);
const plain = (v: any) => (v && v[SECRET_SIG_KEY] === SECRET_SIG ? JSON.parse(v.plaintext) : v);

/** Paths of strings outside secret values that contain one of `needles`. */
function inClear(v: any, needles: string[], p = ""): string[] {
  if (typeof v === "string") return needles.some((n) => v.includes(n)) ? [p] : [];
  if (Array.isArray(v)) return v.flatMap((x, i) => inClear(x, needles, `${p}[${i}]`));
  if (v && typeof v === "object") return v[SECRET_SIG_KEY] === SECRET_SIG ? [] : Object.entries(v).flatMap(([k, x]) => inClear(x, needles, `${p}.${k}`));
  return [];
}

describe("SeedMigration: RandomBytes key seeds become RandomPasswords in an exported deployment", () => {
  it("moves every wgkit seed name (/keys, -keys, /key, -key, the 0.1 layout, a Peer, a SiteLink, a pending delete) and nothing else", () => {
    const f = fixture();
    const before = JSON.parse(JSON.stringify(f.exported));
    const { deployment, moved } = migrateKeySeeds(f.exported);
    assert.deepEqual(f.exported, before, "the input is not modified");
    assert.deepEqual(moved.sort(), f.seedUrns.map(passwordUrn).sort());
    const out = deployment.deployment.resources!;
    assert.equal(out.length, before.deployment.resources.length);
    // Untouched: the address memory, the user's own RandomBytes, a 32-byte one, the components, the provider.
    for (const k of Object.values(f.kept)) assert.deepEqual(out.find((r) => r.urn === k.r.urn), k.r);
    assert.equal(out.filter((r) => r.type === RB).length, 3);
    assert.deepEqual(deployment.deployment.manifest, before.deployment.manifest);
    assert.deepEqual(deployment.deployment.secrets_providers, before.deployment.secrets_providers);
  });

  it("each moved seed: same name and parent, id none, keepers kept, result gives back its old bytes and keys, a bcrypt hash of it", () => {
    const f = fixture();
    const out = migrateKeySeeds(f.exported).deployment.deployment.resources!;
    for (const [what, s] of Object.entries(f.seeds)) {
      const r = out.find((x) => x.urn === passwordUrn(s.r.urn) && !!x.delete === !!s.r.delete)!;
      assert.ok(r, what);
      assert.equal(r.type, RP);
      assert.equal(r.urn.split("::").slice(3).join("::"), s.r.urn.split("::").slice(3).join("::"), "same name");
      assert.equal(r.parent, s.r.parent);
      assert.equal(r.provider, s.r.provider);
      assert.equal(r.id, "none");
      assert.deepEqual(r.inputs, { keepers: s.r.inputs!.keepers, length: 64, special: false });
      assert.deepEqual(r.outputs!.keepers, s.r.inputs!.keepers);
      assert.deepEqual(r.ignoreChanges, ["keepers.createdIn"]);
      assert.equal(r.created, s.r.created);
      for (const k of ["result", "bcryptHash"]) assert.equal(r.outputs![k][SECRET_SIG_KEY], SECRET_SIG, `${k} is a secret`);
      const result = plain(r.outputs!.result);
      assert.ok(result.startsWith(MOVED_SEED_PREFIX));
      assert.deepEqual(Buffer.from(seedMaterial(result)), s.bytes, `${what}: the same 64 bytes`);
      assert.equal(keysOfSeedMaterial(result).privateKey, privateKeyFromSeed(s.bytes.subarray(0, 32)));
      const hash = plain(r.outputs!.bcryptHash);
      assert.match(hash, /^\$2a\$10\$[./A-Za-z0-9]{53}$/);
      assert.ok(bcrypt.compareSync(result.slice(0, 72), hash), "bcrypt of the first 72 bytes, as the provider hashes");
      assert.deepEqual(Object.keys(r.outputs!).sort(), ["__meta", "__pulumi_raw_state_delta", "bcryptHash", "id", "keepers", "length", "lower", "minLower",
        "minNumeric", "minSpecial", "minUpper", "number", "numeric", "result", "special", "upper"]);
      assert.deepEqual(Object.keys(r.propertyDependencies).sort(), ["keepers", "length", "special"]);
    }
  });

  it("references follow the moved URNs (dependencies, property dependencies, deletedWith)", () => {
    const f = fixture();
    const out = migrateKeySeeds(f.exported).deployment.deployment.resources!;
    const install = out.find((r) => r.urn === f.install.urn)!;
    assert.deepEqual(install.dependencies, [passwordUrn(f.seeds.server.r.urn), passwordUrn(f.seeds.laptop.r.urn), f.kept.memory.r.urn]);
    assert.deepEqual(install.propertyDependencies, { stdin: [passwordUrn(f.seeds.server.r.urn), passwordUrn(f.seeds.laptop.r.urn)], create: [] });
    assert.equal(install.deletedWith, passwordUrn(f.seeds.site.r.urn));
    const all = new Set(out.map((r) => r.urn));
    for (const r of out) for (const d of [...(r.dependencies ?? []), ...Object.values<string[]>(r.propertyDependencies ?? {}).flat()]) assert.ok(all.has(d), `${r.urn} → ${d}`);
  });

  it("no seed value is left outside a secret: no id, no output or input holds the old base64 or hex in clear", () => {
    const f = fixture();
    const seedValues = Object.values(f.seeds).flatMap((s) => [s.bytes.toString("base64"), s.bytes.toString("hex")]);
    assert.ok(inClear(f.exported, seedValues).length >= Object.keys(f.seeds).length, "the old layout has them in clear (its ids)");
    const migrated = migrateKeySeeds(f.exported).deployment;
    assert.deepEqual(inClear(migrated, seedValues), []);
    assert.ok(migrated.deployment.resources!.every((r) => !seedValues.includes(r.id!)));
  });

  it("is idempotent: a migrated deployment moves nothing and comes back unchanged; so does one without seeds", () => {
    const once = migrateKeySeeds(fixture().exported);
    const twice = migrateKeySeeds(once.deployment);
    assert.deepEqual(twice.moved, []);
    assert.deepEqual(twice.deployment, once.deployment);
    const none: ExportedDeployment = { version: 3, deployment: { resources: [fixture().kept.memory.r] } };
    assert.deepEqual(migrateKeySeeds(none), { deployment: none, moved: [] });
  });

  it("refuses, naming the URN and never a value: an export without --show-secrets, a malformed seed, a pending operation, a non-v3 deployment", () => {
    const refused = (d: ExportedDeployment, rule: string, secret?: string) => assert.throws(() => migrateKeySeeds(d), (e: WgKitError) => {
      assert.ok(e instanceof WgKitError, String(e));
      assert.equal(e.rule, rule, e.message);
      if (secret) assert.ok(!e.message.includes(secret), "the value is not shown");
      return true;
    });
    let f = fixture();
    f.seeds.laptop.r.outputs!.base64 = { [SECRET_SIG_KEY]: SECRET_SIG, ciphertext: "v1:abc" };
    refused(f.exported, "encrypted");
    f = fixture();
    const short = crypto.randomBytes(48).toString("base64");
    f.seeds.laptop.r.outputs!.base64 = plaintextSecret(short);
    refused(f.exported, "seed-format", short);
    f = fixture();
    f.exported.deployment.pending_operations = [{ resource: f.seeds.phone.r, type: "creating" }];
    refused(f.exported, "pending-operation");
    f = fixture();
    refused({ ...f.exported, version: 2 }, "version");
    // A pending operation on anything else is carried over, its references renamed.
    f = fixture();
    f.exported.deployment.pending_operations = [{ resource: { ...f.install, urn: f.install.urn + "2" }, type: "updating" }];
    const out = migrateKeySeeds(f.exported).deployment.deployment.pending_operations!;
    assert.deepEqual(out[0].resource.dependencies, [passwordUrn(f.seeds.server.r.urn), passwordUrn(f.seeds.laptop.r.urn), f.kept.memory.r.urn]);
  });

  it("plaintextSecrets lists every secret value (what the command keeps out of anything it prints)", () => {
    const f = fixture();
    const migrated = migrateKeySeeds(f.exported).deployment;
    const secrets = plaintextSecrets(migrated);
    for (const r of migrated.deployment.resources!.filter((x) => x.type === RP)) {
      assert.ok(secrets.has(plain(r.outputs!.result)) && secrets.has(plain(r.outputs!.bcryptHash)));
    }
    assert.ok(!secrets.has("plain") && !secrets.has("4.19.1"));
  });
});

describe("wgkit migrate-state (the built CLI, against a recording stand-in for pulumi)", () => {
  const ROOT = path.resolve(__dirname, "..", "..", "..");
  const BIN = path.join(ROOT, "packages", "pulumi", "dist", "cli", "wgkit.js");
  let dir: string;
  let env: NodeJS.ProcessEnv;
  let f: ReturnType<typeof fixture>;
  beforeEach(() => {
    dir = tmpDir("wgkit-migrate-cli-");
    f = fixture();
    fs.writeFileSync(path.join(dir, "export.json"), JSON.stringify(f.exported));
    // Records its arguments and the file it is asked to import (mode, its directory's mode), then
    // fails the import printing the whole file on stderr: the worst pulumi could do.
    fs.writeFileSync(path.join(dir, "pulumi"), `#!/bin/sh
echo "$*" >> "${dir}/calls"
case "$*" in
  *"stack export --show-secrets"*) cat "${dir}/export.json" ;;
  *"stack import"*)
    file=$(echo "$*" | sed 's/.*--file \\([^ ]*\\).*/\\1/')
    stat -c '%a' "$file" "$(dirname "$file")" > "${dir}/modes"
    echo "$file" > "${dir}/imported-path"
    cp "$file" "${dir}/imported.json"
    if [ -e "${dir}/fail-import" ]; then cat "$file" >&2; exit 1; fi ;;
esac
`, { mode: 0o755 });
    env = { ...process.env, PATH: `${dir}${path.delimiter}${process.env.PATH}` };
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));
  const cli = (args: string[], e = env) => spawnSync(process.execPath, [BIN, "migrate-state", ...args], { encoding: "utf8", env: e });
  const secretsOf = () => [...plaintextSecrets(JSON.parse(fs.readFileSync(path.join(dir, "imported.json"), "utf8")))];

  it("exports with --show-secrets, imports the migrated deployment from a 0600 file in a 0700 directory removed after, and says what it moved", () => {
    const r = cli(["--stack", "dev", "--cwd", dir]);
    assert.equal(r.status, 0, r.stderr);
    const calls = fs.readFileSync(path.join(dir, "calls"), "utf8").trim().split("\n");
    assert.equal(calls.length, 2);
    assert.match(calls[0], /^--non-interactive stack export --show-secrets --stack dev$/);
    assert.match(calls[1], /^--non-interactive stack import --file \S+ --stack dev$/);
    assert.deepEqual(fs.readFileSync(path.join(dir, "modes"), "utf8").trim().split("\n"), ["600", "700"]);
    assert.ok(!fs.existsSync(fs.readFileSync(path.join(dir, "imported-path"), "utf8").trim()), "the file is removed");
    const imported = JSON.parse(fs.readFileSync(path.join(dir, "imported.json"), "utf8")) as ExportedDeployment;
    assert.equal(imported.deployment.resources!.filter((x) => x.type === RP).length, Object.keys(f.seeds).length);
    assert.match(r.stdout, new RegExp(`moved ${Object.keys(f.seeds).length} key seed\\(s\\) of stack dev`));
    assert.match(r.stdout, /wg\/laptop\/keys/);
    for (const s of secretsOf()) assert.ok(!r.stdout.includes(s) && !r.stderr.includes(s), "no secret printed");
    for (const s of Object.values(f.seeds)) assert.ok(!r.stdout.includes(s.bytes.toString("base64")));
  });

  it("nothing to move: no import, says so", () => {
    fs.writeFileSync(path.join(dir, "export.json"), JSON.stringify(migrateKeySeeds(f.exported).deployment));
    const r = cli([]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /the selected stack has no RandomBytes key seed: nothing to move/);
    assert.deepEqual(fs.readFileSync(path.join(dir, "calls"), "utf8").trim().split("\n"), ["--non-interactive stack export --show-secrets"]);
  });

  it("a failing import: pulumi's message with every secret (and anything key-shaped) replaced, exit 1, the file removed", () => {
    fs.writeFileSync(path.join(dir, "fail-import"), "");
    const r = cli(["--stack", "dev"]);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /`pulumi stack import` failed/);
    assert.match(r.stderr, /\(secret not shown\)/);
    const secrets = secretsOf();
    assert.ok(secrets.length >= 2 * Object.keys(f.seeds).length);
    for (const s of secrets) assert.ok(!r.stderr.includes(s), "no secret printed");
    for (const s of Object.values(f.seeds)) assert.ok(!r.stderr.includes(s.bytes.toString("base64")));
    assert.ok(!fs.existsSync(fs.readFileSync(path.join(dir, "imported-path"), "utf8").trim()));
  });

  it("usage errors exit 2; no pulumi on PATH exits 1 with a plain message", () => {
    assert.equal(cli(["--stack"]).status, 2);
    assert.equal(cli(["--bogus", "x"]).status, 2);
    const r = cli([], { ...process.env, PATH: path.join(dir, "empty") });
    assert.equal(r.status, 1);
    assert.match(r.stderr, /cannot run pulumi: ENOENT/);
  });
});
