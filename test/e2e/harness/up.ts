/**
 * `npm run up`: deploys the default stack (index.ts / Pulumi.yaml) on this machine's Docker
 * Engine and keeps its state in `.wgkit-state/` (0700, files 0600, git-ignored), so that the next
 * `npm run up` is an update of the same stack: unchanged settings change nothing, a changed
 * `WGKIT_PEERS` applies only the difference, live.
 *
 * Engine: when a `pulumi` CLI is on PATH, the real `pulumi up` runs against a local file backend
 * in `.wgkit-state/pulumi` (secrets encrypted with PULUMI_CONFIG_PASSPHRASE, empty by default).
 * Otherwise the program runs under the SDK's mocks and EngineMocks applies every resource to the
 * real engine (see README, "What the harness proves"); its state file holds the stack's state
 * in plain JSON, keys included — which is why it is 0600 in a 0700 directory.
 *
 * Settings, as the image takes them: WGKIT_PEERS (a comma list of names, or a count like PEERS=3;
 * default laptop,phone), WGKIT_SERVER_URL (default wireguard.example.com), WGKIT_USERSPACE
 * (default true: these machines have no WireGuard module). Peer confs and QR codes go to
 * .wgkit-out/ (0600); a file is rewritten only when its content changes.
 *
 * `npm run down` removes the deployment from Docker and keeps the keys and addresses (the next
 * `up` brings the same devices back); `npm run down -- --forget` also deletes the state.
 *
 * Printing: every value this script prints goes through core's TerminalText (`t` for one line,
 * `terminalBlock` for an error, whose lines after the first — container logs, a command's
 * stderr — are marked `  | `), and setup.sh's stderr (the image build's output) is passed on
 * line by line the same way, so nothing from a container or a command can forge a line of ours
 * or drive the terminal. The Pulumi CLI's own display (engine: pulumi) is passed through as it is.
 */
import { spawn, spawnSync } from "child_process";
import * as readline from "readline";
import * as fs from "fs";
import * as path from "path";
import Docker from "dockerode";
import * as pulumi from "@pulumi/pulumi";
import { terminalBlock, terminalText as t } from "@wgkit/core";
import { EngineMocks, HarnessState } from "./engine-mocks";
import { e2eSourceDir } from "./hooks";

/** Labels the default stack's Docker objects so `npm run down` removes only them. */
const RUN_ID = "default-stack";
const root = path.resolve(e2eSourceDir(), "../..");
// Overridable for the e2e test of this command (WGKIT_STATE_DIR, WGKIT_OUT_DIR).
const stateDir = path.resolve(process.env.WGKIT_STATE_DIR ?? path.join(root, ".wgkit-state"));
const stateFile = path.join(stateDir, "harness.json");
const outDir = path.resolve(process.env.WGKIT_OUT_DIR ?? path.join(root, ".wgkit-out"));
const RANDOM_BYTES = "random:index/randomBytes:RandomBytes";

const settings = {
  serverUrl: process.env.WGKIT_SERVER_URL ?? "wireguard.example.com",
  peers: process.env.WGKIT_PEERS ?? "laptop,phone",
  userspace: process.env.WGKIT_USERSPACE ?? "true",
};

function ensureStateDir(): void {
  fs.mkdirSync(stateDir, { recursive: true, mode: 0o700 });
  fs.chmodSync(stateDir, 0o700);
}

function writePrivate(file: string, content: string | Buffer): boolean {
  if (fs.existsSync(file) && Buffer.compare(fs.readFileSync(file), Buffer.from(content)) === 0) return false;
  fs.writeFileSync(file, content, { mode: 0o600 });
  fs.chmodSync(file, 0o600);
  return true;
}

/** Writes each peer's conf and QR code; removes those of peers no longer declared. */
function writeOutputs(peers: Record<string, { address: string; publicKey: string; config: string; qrCode?: string }>): void {
  fs.mkdirSync(outDir, { recursive: true, mode: 0o700 });
  const keep = new Set<string>();
  for (const [name, p] of Object.entries(peers)) {
    const changed = writePrivate(path.join(outDir, `${name}.conf`), p.config);
    keep.add(`${name}.conf`);
    if (p.qrCode) { writePrivate(path.join(outDir, `${name}.png`), Buffer.from(p.qrCode, "base64")); keep.add(`${name}.png`); }
    console.log(`peer ${t(name)}: ${t(p.address)} ${t(p.publicKey)} -> ${t(path.relative(root, outDir))}/${t(name)}.conf${changed ? " (written)" : " (unchanged)"}`);
  }
  for (const f of fs.readdirSync(outDir)) if (!keep.has(f)) { fs.rmSync(path.join(outDir, f)); console.log(`removed .wgkit-out/${t(f)} (peer no longer declared)`); }
}

function pulumiCli(): string | undefined {
  if (process.env.WGKIT_ENGINE === "harness") return undefined;
  const r = spawnSync("pulumi", ["version"], { encoding: "utf8" });
  return r.status === 0 ? r.stdout.trim() : undefined;
}

/** The real engine: `pulumi up` against a file backend in the state directory. */
function upWithPulumi(version: string): void {
  console.log(`engine: the Pulumi CLI ${t(version)}, file backend ${t(path.join(stateDir, "pulumi"))}`);
  ensureStateDir();
  fs.mkdirSync(path.join(stateDir, "pulumi"), { recursive: true, mode: 0o700 });
  const env = { ...process.env, PULUMI_BACKEND_URL: `file://${path.join(stateDir, "pulumi")}`, PULUMI_CONFIG_PASSPHRASE: process.env.PULUMI_CONFIG_PASSPHRASE ?? "" };
  const run = (args: string[], capture = false) => {
    const r = spawnSync("pulumi", args, { cwd: root, env, stdio: capture ? ["ignore", "pipe", "inherit"] : "inherit", encoding: "utf8" });
    if (r.status !== 0) throw new Error(`pulumi ${args[0]} failed`);
    return r.stdout;
  };
  run(["stack", "select", "dev", "--create", "--non-interactive"]);
  for (const [k, v] of Object.entries(settings)) run(["config", "set", k, v, "--non-interactive"]);
  run(["up", "--yes", "--non-interactive", "--skip-preview"]);
  writeOutputs(JSON.parse(run(["stack", "output", "peers", "--show-secrets", "--json"], true)));
}

/** Drops from a saved state what no longer exists on the engine (a container removed by hand). */
async function refresh(saved: HarnessState, docker: Docker): Promise<HarnessState> {
  const gone = new Set<string>();
  for (const o of saved.objects) {
    if (o.kind !== "container" && o.kind !== "volume") continue;
    const probe = o.kind === "container" ? docker.getContainer(o.ref).inspect() : docker.getVolume(o.ref).inspect();
    await probe.catch((e) => { if (e?.statusCode === 404) gone.add(o.owner); });
  }
  if (gone.size) console.log(`refresh: ${t([...gone].join(", "))} no longer on the engine`);
  return { ...saved, resources: saved.resources.filter((r) => !gone.has(`${r.type}::${r.name}`)), objects: saved.objects.filter((o) => !gone.has(o.owner)) };
}

/** Runs a command; its stderr is shown as it comes, each line escaped and marked `  | `. */
function runShowingStderr(cmd: string, args: string[]): Promise<{ status: number | null; stdout: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
    readline.createInterface({ input: child.stderr, crlfDelay: Infinity }).on("line", (l) => console.error(`  | ${t(l)}`));
    child.on("error", reject);
    child.on("close", (status) => resolve({ status, stdout }));
  });
}

async function upWithHarness(): Promise<void> {
  console.log("engine: wgkit's harness (SDK mocks applying resources to the local Docker Engine; no Pulumi CLI on PATH)");
  const setup = await runShowingStderr("bash", [path.join(e2eSourceDir(), "setup.sh")]);
  if (setup.status !== 0) throw new Error("setup.sh failed");
  const tag = setup.stdout.trim().split("\n").pop()!;
  const docker = new Docker();
  const saved = fs.existsSync(stateFile) ? await refresh(JSON.parse(fs.readFileSync(stateFile, "utf8")) as HarnessState, docker) : undefined;
  const previous = saved ? EngineMocks.fromState(saved, docker) : undefined;
  const mocks = new EngineMocks({ docker, runId: RUN_ID, previous, log: process.env.WGKIT_VERBOSE ? (m) => console.log(`  ${t(m)}`) : undefined }).install("wgkit", "dev");
  for (const [k, v] of Object.entries(settings)) pulumi.runtime.setConfig(`wgkit:${k}`, v);
  console.log(`${saved ? "updating" : "deploying"} the default stack (image ${t(tag)}; peers ${t(settings.peers)})`);
  const stack = require(path.join(root, "build", "index.js")) as { serverPublicKey: pulumi.Output<string>; endpoint: pulumi.Output<string>; containerId: pulumi.Output<string>; peers: Record<string, Record<string, pulumi.Output<any>>> };
  const [serverPublicKey, endpoint, containerId, peers] = await mocks.value(pulumi.all([stack.serverPublicKey, stack.endpoint, stack.containerId, pulumi.output(stack.peers)]));
  await mocks.settle();
  const retired = [...new Set([...(await mocks.retireUnseen()),
    ...(saved?.resources ?? []).map((r) => `${r.type}::${r.name}`).filter((k) => !mocks.actions.has(k))])];
  ensureStateDir();
  writePrivate(stateFile, JSON.stringify(mocks.toState(), null, 1));
  console.log(`serverPublicKey: ${t(serverPublicKey)}`);
  console.log(`endpoint:        ${t(endpoint)}`);
  console.log(`container:       wireguard ${t(String(containerId).slice(0, 12))}`);
  writeOutputs(peers as Record<string, { address: string; publicKey: string; config: string; qrCode?: string }>);
  const counts: Record<string, number> = {};
  for (const a of mocks.actions.values()) counts[a] = (counts[a] ?? 0) + 1;
  const changed = Object.entries(counts).filter(([a]) => a !== "kept").reduce((n, [, c]) => n + c, 0) + retired.length;
  const detail = [...mocks.actions].filter(([, a]) => a !== "kept").map(([k, a]) => `${a} ${k.split("::")[1]}`).concat(retired.map((k) => `deleted ${k.split("::")[1]}`));
  console.log(changed === 0
    ? `no changes: ${Number(counts.kept ?? 0)} resources unchanged (same keys, addresses and container)`
    : `changes: ${t(detail.join(", "))}; ${Number(counts.kept ?? 0)} unchanged`);
}

async function down(forget: boolean): Promise<void> {
  const n = await EngineMocks.sweep(undefined, RUN_ID);
  console.log(`removed ${Number(n)} Docker object(s) created by npm run up`);
  if (forget) {
    fs.rmSync(stateDir, { recursive: true, force: true });
    fs.rmSync(outDir, { recursive: true, force: true });
    console.log("forgot the stack's state (.wgkit-state) and peer confs (.wgkit-out)");
  } else if (fs.existsSync(stateFile)) {
    // Keep the stack's identity (keys, remembered addresses): the next `up` brings the same devices back.
    const s = JSON.parse(fs.readFileSync(stateFile, "utf8")) as HarnessState;
    writePrivate(stateFile, JSON.stringify({ ...s, resources: s.resources.filter((r) => r.type === RANDOM_BYTES), objects: [] }, null, 1));
    console.log("kept keys and addresses in .wgkit-state (npm run down -- --forget deletes them)");
  }
}

/**
 * The engine that holds this stack's state. The two keep separate state, so switching would give
 * every device new keys: the first `up` records its engine and later runs refuse to switch.
 */
const engineFile = path.join(stateDir, "engine");
function engineOf(): "pulumi" | "harness" {
  const recorded = fs.existsSync(engineFile) ? fs.readFileSync(engineFile, "utf8").trim() : undefined;
  const now = pulumiCli() ? "pulumi" : "harness";
  if (recorded && recorded !== now) {
    throw new Error(`this stack's state is kept by the ${recorded === "pulumi" ? "Pulumi CLI" : "harness"}, but the ${now === "pulumi" ? "Pulumi CLI" : "harness"} would run now ` +
      `(switching would give every device new keys). Set WGKIT_ENGINE=${recorded === "harness" ? "harness" : "pulumi (and put pulumi on PATH)"}, or \`npm run down -- --forget\` first.`);
  }
  if (!recorded) { ensureStateDir(); writePrivate(engineFile, `${now}\n`); }
  return now;
}

/** `down` with the Pulumi CLI: only a full destroy is offered (it deletes the keys with the rest). */
function downWithPulumi(forget: boolean): void {
  if (!forget) {
    throw new Error("with the Pulumi CLI, `npm run down` keeps nothing back: use `npm run down -- --forget` (pulumi destroy: keys are deleted too), " +
      "or `pulumi destroy --target <urn>` for the container alone");
  }
  const env = { ...process.env, PULUMI_BACKEND_URL: `file://${path.join(stateDir, "pulumi")}`, PULUMI_CONFIG_PASSPHRASE: process.env.PULUMI_CONFIG_PASSPHRASE ?? "" };
  for (const args of [["destroy", "--yes", "--non-interactive", "--skip-preview", "--stack", "dev"], ["stack", "rm", "dev", "--yes", "--non-interactive"]]) {
    const r = spawnSync("pulumi", args, { cwd: root, env, stdio: "inherit" });
    if (r.status !== 0) throw new Error(`pulumi ${args[0]} failed: the state is kept`);
  }
  fs.rmSync(stateDir, { recursive: true, force: true });
  fs.rmSync(outDir, { recursive: true, force: true });
}

async function main(): Promise<void> {
  const forget = process.argv.includes("--forget") || process.env.WGKIT_FORGET === "1";
  const engine = engineOf();
  if (process.argv[2] === "down") return engine === "pulumi" ? downWithPulumi(forget) : down(forget);
  const cli = pulumiCli();
  if (engine === "pulumi" && cli) upWithPulumi(cli);
  else await upWithHarness();
}

main().then(() => process.exit(0), (e) => { console.error(terminalBlock(String(e?.message ?? e))); process.exit(1); });
