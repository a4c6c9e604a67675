/**
 * Runs in its own process (as smokeProgram.ts): inline Automation API programs on a file backend
 * through the real toolchain, with a WireGuardServer's peer-state resources only (a
 * `wgkit:index:WireGuardServer` component holding the server's key seed and, per peer, the key
 * seed and the address memory — no container). Prints one JSON line of what the engine did and
 * what its state file holds; the key material itself never leaves this process.
 *
 *   node seedMigrationProgram.js <scratchDir> migrate|fresh
 *
 * migrate: `up` of the layout every version before RandomPassword seeds left (each seed a
 * 64-byte RandomBytes of the same name, keepers and options; keys derived from its bytes as
 * that code did), then `wgkit migrate-state` (the built CLI: stack export --show-secrets, the
 * transformation, stack import) twice, then `up` of this version's program (PeerState.ts,
 * KeySeed.ts) with one newcomer, then `preview --expect-no-changes`.
 * fresh: `up` of this version's program on a new stack.
 */
import * as crypto from "crypto";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { EngineEvent, LocalWorkspace, PulumiCommand, Stack } from "@pulumi/pulumi/automation";
import * as bcrypt from "bcryptjs";
import { creationStamp, presharedKeyFromSeed, privateKeyFromSeed, publicKeyOf, seedMaterial } from "@wgkit/core";
import { keySeed, keysOfSeed } from "@wgkit/pulumi/dist/KeySeed";
import { peerState } from "@wgkit/pulumi/dist/PeerState";
import { findToolchain } from "../../cli/Toolchain";

const SUBNET = "10.13.13.0/24";
const PROJECT = "wgkit-seeds";
const STACK = "dev";
const PASSPHRASE = "seed-migration-passphrase";
/** The devices of the old stack, on addresses a fresh plan would not give (so "kept" is not "recomputed"). */
const OLD_PEERS: Record<string, string> = { laptop: "10.13.13.7", phone: "10.13.13.3", tablet: "10.13.13.12" };
const NEWCOMER = "watch";
const RB = "random:index/randomBytes:RandomBytes";
const RP = "random:index/randomPassword:RandomPassword";

class Server extends pulumi.ComponentResource {
  constructor() { super("wgkit:index:WireGuardServer", "wg", {}, {}); }
}

interface Keys { privateKey: pulumi.Output<string>; publicKey: pulumi.Output<string>; presharedKey: pulumi.Output<string> }
const exportKeys = (k: Keys, address: pulumi.Input<string>) => ({ publicKey: k.publicKey, privateKey: k.privateKey, presharedKey: k.presharedKey, address });

/** The RandomBytes layout (the code before this version): seeds as 64-byte RandomBytes, keys from their bytes. */
function bytesProgram() {
  const srv = new Server();
  const stamp = creationStamp(Date.now(), crypto.randomUUID());
  const seed = (name: string) => new random.RandomBytes(name, { length: 64, keepers: { rotation: "", createdIn: stamp } },
    { parent: srv, ignoreChanges: ["keepers.createdIn"], additionalSecretOutputs: ["base64", "hex"] });
  const keysOf = (s: random.RandomBytes): Keys => {
    const k = s.base64.apply((b) => {
      const bytes = Buffer.from(b, "base64");
      const privateKey = privateKeyFromSeed(bytes.subarray(0, 32));
      return { privateKey, publicKey: publicKeyOf(privateKey), presharedKey: presharedKeyFromSeed(bytes.subarray(32, 64).toString("base64")) };
    });
    return { privateKey: pulumi.secret(k.apply((x) => x.privateKey)), presharedKey: pulumi.secret(k.apply((x) => x.presharedKey)), publicKey: pulumi.unsecret(k.apply((x) => x.publicKey)) };
  };
  const server = seed("wg-key");
  const out: Record<string, unknown> = { server: exportKeys(keysOf(server), "10.13.13.1"), seeds: {} as Record<string, pulumi.Output<string>> };
  (out.seeds as Record<string, pulumi.Output<string>>)["wg-key"] = server.base64;
  for (const [n, address] of Object.entries(OLD_PEERS)) {
    const s = seed(`wg/${n}/keys`);
    new random.RandomBytes(`wg/${n}/address-10.13.13.0_24`, { length: 1, keepers: { address, address6: "" } }, { parent: srv, ignoreChanges: ["keepers"] });
    out[n] = exportKeys(keysOf(s), address);
    (out.seeds as Record<string, pulumi.Output<string>>)[`wg/${n}/keys`] = s.base64;
  }
  return out;
}

/** This version: KeySeed.ts for the server, PeerState.ts for the peers. */
function passwordProgram(peers: string[]) {
  const srv = new Server();
  const server = keySeed("wg-key", undefined, { parent: srv });
  const state = peerState(srv, "wg", (f) => f(), peers.map((name) => ({ name, rotation: undefined })), SUBNET,
    pulumi.output({ subnet: SUBNET, peers: peers.map((name) => ({ name })) }));
  const out: Record<string, unknown> = { server: exportKeys(server, state.plan.apply((p) => p.server.address)) };
  for (const n of peers) out[n] = exportKeys(keysOfSeed(state.seeds[n]), state.plan.apply((p) => p.peers[n].address));
  return out;
}

interface PeerKeys { publicKey: string; privateKey: string; presharedKey: string; address: string }
type Outputs = Record<string, PeerKeys>;
const outputsOf = (o: Record<string, { value: any }>): Outputs => Object.fromEntries(Object.entries(o).filter(([k]) => k !== "seeds").map(([k, v]) => [k, v.value]));

interface StateResource { urn: string; type: string; id?: string; inputs?: Record<string, any>; outputs?: Record<string, any>; [k: string]: any }

function stateFile(backend: string): string {
  return path.join(backend, ".pulumi", "stacks", PROJECT, `${STACK}.json`);
}

/** What the backend's own state file shows: its text, its resources. */
function readState(backend: string): { text: string; resources: StateResource[] } {
  const text = fs.readFileSync(stateFile(backend), "utf8");
  return { text, resources: JSON.parse(text).checkpoint.latest.resources };
}

/** Every key-material string of the given keys and seeds (base64 and hex of the seed bytes too). */
function material(outs: Outputs, seeds: string[]): string[] {
  const m = new Set<string>();
  for (const k of Object.values(outs)) m.add(k.privateKey).add(k.presharedKey);
  for (const s of seeds) {
    m.add(s);
    const bytes = Buffer.from(seedMaterial(s));
    m.add(bytes.toString("base64")).add(bytes.toString("hex"));
    if (!s.startsWith("wgkit-seed-b64:")) continue;
    m.add(s.slice("wgkit-seed-b64:".length));
  }
  return [...m];
}

/** The state file's findings for a set of secrets. */
function audit(backend: string, secrets: string[]) {
  const { text, resources } = readState(backend);
  return {
    secretsChecked: secrets.length,
    secretsInClear: secrets.filter((s) => text.includes(s)).length,
    idsEqualToASecret: resources.filter((r) => r.id !== undefined && secrets.includes(r.id)).length,
    ciphertexts: (text.match(/"ciphertext"/g) ?? []).length,
    seedIds: resources.filter((r) => r.type === RP).map((r) => r.id),
    bytesResourcesOver1Byte: resources.filter((r) => r.type === RB && r.inputs?.length !== 1).length,
    types: [...new Set(resources.map((r) => r.type))].sort(),
  };
}

/** The shape of a RandomPassword in an export: every field's name, and the values that are not secret. */
function shape(r: StateResource) {
  const plainOf = (v: any) => (v && typeof v === "object" && "plaintext" in v ? "(secret)" : v);
  return {
    id: r.id,
    inputs: Object.fromEntries(Object.entries(r.inputs ?? {}).map(([k, v]) => [k, k === "keepers" ? Object.keys(v).sort() : v])),
    outputs: Object.fromEntries(Object.keys(r.outputs ?? {}).sort().map((k) => [k, k === "keepers" ? Object.keys(r.outputs![k]).sort() : plainOf(r.outputs![k])])),
    propertyDependencies: Object.keys(r.propertyDependencies ?? {}).sort(),
    additionalSecretOutputs: r.additionalSecretOutputs,
    ignoreChanges: r.ignoreChanges,
    fields: Object.keys(r).filter((k) => !["created", "modified", "sourcePosition", "stackTrace"].includes(k)).sort(),
  };
}

const plaintext = (v: any) => JSON.parse(v.plaintext);

async function main(): Promise<void> {
  const [scratch, kind] = process.argv.slice(2);
  const tc = findToolchain();
  if ("missing" in tc) throw new Error(tc.missing);
  const backend = path.join(scratch, "state");
  const work = path.join(scratch, "work");
  fs.mkdirSync(backend, { recursive: true, mode: 0o700 });
  fs.mkdirSync(work, { recursive: true, mode: 0o700 });
  const env = { ...tc.env, PULUMI_CONFIG_PASSPHRASE: PASSPHRASE };
  let program: () => Promise<Record<string, unknown>> = async () => passwordProgram([...Object.keys(OLD_PEERS), NEWCOMER]);
  const stack: Stack = await LocalWorkspace.createOrSelectStack(
    { stackName: STACK, projectName: PROJECT, program: () => program() },
    { pulumiCommand: await PulumiCommand.get({ root: tc.root }), workDir: work, envVars: env,
      projectSettings: { name: PROJECT, runtime: "nodejs", backend: { url: `file://${backend}` } } });
  const out: Record<string, any> = { kind };
  const ms: Record<string, number> = {};
  const timed = async <T>(what: string, f: () => Promise<T> | T): Promise<T> => {
    const t0 = Date.now();
    try { return await f(); } finally { ms[what] = Date.now() - t0; }
  };
  /** Engine steps by resource name (the `op` of each resource's pre-event). */
  const steps = (): { onEvent: (e: EngineEvent) => void; ops: Record<string, string> } => {
    const ops: Record<string, string> = {};
    return { ops, onEvent: (e) => { const m = e.resourcePreEvent?.metadata; if (m && m.type !== "pulumi:pulumi:Stack") ops[`${m.type.split(":").pop()}::${m.urn.split("::").slice(3).join("::")}`] = m.op; } };
  };

  if (kind === "fresh") {
    const s = steps();
    const up = await timed("up", () => stack.up({ onEvent: s.onEvent }));
    out.upChanges = up.summary.resourceChanges;
    out.ops = s.ops;
    const outs = outputsOf(up.outputs);
    const exported = (await stack.exportStack()).deployment.resources as StateResource[];
    const seeds = exported.filter((r) => r.type === RP).map((r) => plaintext(r.outputs!.result) as string);
    out.seeds = seeds.length;
    out.seedsAlphanumeric64 = seeds.every((x) => /^[A-Za-z0-9]{64}$/.test(x));
    out.publicKeysMatch = Object.values(outs).every((k) => publicKeyOf(k.privateKey) === k.publicKey);
    out.addresses = Object.fromEntries(Object.entries(outs).map(([n, k]) => [n, k.address]));
    out.audit = audit(backend, material(outs, seeds));
    out.realShape = shape(exported.find((r) => r.type === RP)!);
    const providerHash = exported.find((r) => r.type === RP)!;
    out.providerBcryptVerifiedByBcryptjs = bcrypt.compareSync(plaintext(providerHash.outputs!.result), plaintext(providerHash.outputs!.bcryptHash));
    await timed("previewNoChanges", () => stack.preview({ expectNoChanges: true }));
    out.ms = ms;
    process.stdout.write(JSON.stringify(out) + "\n");
    return;
  }

  // 1. The RandomBytes layout.
  program = async () => bytesProgram();
  const oldUp = await timed("oldUp", () => stack.up());
  out.oldUpChanges = oldUp.summary.resourceChanges;
  const oldOuts = outputsOf(oldUp.outputs);
  const oldSeeds = Object.values(oldUp.outputs.seeds.value as Record<string, string>);
  const oldState = readState(backend);
  out.oldLayout = {
    seeds: oldSeeds.length,
    // The defect: each seed's id is its base64 value, in clear in the state file.
    idsEqualToASeed: oldState.resources.filter((r) => oldSeeds.includes(r.id!)).length,
    seedsInClear: oldSeeds.filter((s) => oldState.text.includes(s)).length,
  };

  // 2. `wgkit migrate-state`, twice.
  const pkg = path.dirname(require.resolve("@wgkit/pulumi/package.json"));
  const wgkit = path.join(pkg, JSON.parse(fs.readFileSync(path.join(pkg, "package.json"), "utf8")).bin.wgkit);
  const migrate = () => spawnSync(process.execPath, [wgkit, "migrate-state", "--stack", STACK, "--cwd", work], { encoding: "utf8", env: { ...process.env, ...env } });
  const m1 = await timed("migrate", migrate);
  const afterFirst = fs.readFileSync(stateFile(backend), "utf8");
  const m2 = await timed("migrateAgain", migrate);
  const oldSecrets = material(oldOuts, oldSeeds.map((b) => `wgkit-seed-b64:${b}`));
  out.migrate = {
    status: m1.status, stdout: m1.stdout, stderr: m1.stderr,
    againStatus: m2.status, againStdout: m2.stdout, againStderr: m2.stderr,
    secondRunLeftStateUnchanged: fs.readFileSync(stateFile(backend), "utf8") === afterFirst,
    outputHasASecret: oldSecrets.some((s) => (m1.stdout + m1.stderr + m2.stdout + m2.stderr).includes(s)),
  };
  const migratedState = readState(backend);
  out.afterMigrate = { seedIdsInClear: migratedState.resources.filter((r) => oldSeeds.includes(r.id!)).length, secretsInClear: oldSecrets.filter((s) => migratedState.text.includes(s)).length };

  // 3. This version's program, with a newcomer.
  program = async () => passwordProgram([...Object.keys(OLD_PEERS), NEWCOMER]);
  const s = steps();
  const newUp = await timed("newUp", () => stack.up({ onEvent: s.onEvent }));
  out.newUpChanges = newUp.summary.resourceChanges;
  out.ops = s.ops;
  const newOuts = outputsOf(newUp.outputs);
  out.kept = Object.fromEntries(["server", ...Object.keys(OLD_PEERS)].map((n) => [n, {
    publicKey: newOuts[n].publicKey === oldOuts[n].publicKey,
    privateKey: newOuts[n].privateKey === oldOuts[n].privateKey,
    presharedKey: newOuts[n].presharedKey === oldOuts[n].presharedKey,
    address: newOuts[n].address === oldOuts[n].address,
  }]));
  out.addresses = Object.fromEntries(Object.entries(newOuts).map(([n, k]) => [n, k.address]));
  out.publicKeysMatch = Object.values(newOuts).every((k) => publicKeyOf(k.privateKey) === k.publicKey);
  await timed("previewNoChanges", () => stack.preview({ expectNoChanges: true }));
  out.previewNoChanges = true;

  // 4. The state file: no key, seed or preshared key in clear (old and new), no id equal to one.
  const exported = (await stack.exportStack()).deployment.resources as StateResource[];
  const newSeeds = exported.filter((r) => r.type === RP).map((r) => plaintext(r.outputs!.result) as string);
  out.audit = audit(backend, [...new Set([...oldSecrets, ...oldSeeds, ...material(newOuts, newSeeds)])]);
  // 5. A moved seed against the one the provider just made for the newcomer.
  const moved = exported.find((r) => r.type === RP && r.urn.endsWith("::wg/laptop/keys"))!;
  const made = exported.find((r) => r.type === RP && r.urn.endsWith(`::wg/${NEWCOMER}/keys`))!;
  out.movedShape = shape(moved);
  out.realShape = shape(made);
  out.rawStateDeltaEqual = JSON.stringify(moved.outputs!.__pulumi_raw_state_delta) === JSON.stringify(made.outputs!.__pulumi_raw_state_delta);
  out.movedBcryptVerifies = bcrypt.compareSync(plaintext(moved.outputs!.result).slice(0, 72), plaintext(moved.outputs!.bcryptHash));
  out.providerBcryptVerifiedByBcryptjs = bcrypt.compareSync(plaintext(made.outputs!.result), plaintext(made.outputs!.bcryptHash));
  // 6. What the backend keeps besides the state file: history and backups of the old checkpoints.
  const others = fs.readdirSync(path.join(backend, ".pulumi"), { recursive: true, encoding: "utf8" })
    .filter((f) => /\.json(\.bak)?$/.test(f) && path.join(backend, ".pulumi", f) !== stateFile(backend))
    .map((f) => fs.readFileSync(path.join(backend, ".pulumi", f), "utf8"));
  out.otherBackendFiles = others.length;
  out.otherBackendFilesWithAnOldSeed = others.filter((t) => oldSeeds.some((x) => t.includes(x))).length;
  out.ms = ms;
  process.stdout.write(JSON.stringify(out) + "\n");
}

main().catch((e) => { process.stderr.write(String(e?.stack ?? e) + "\n"); process.exit(1); });
