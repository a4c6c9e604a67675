/**
 * The main command: `npm run up`, `npm run down [-- --forget]`, `npm run pulumi -- <args>` — the
 * default stack (index.ts through the root Pulumi.yaml) on this machine's Docker Engine, with the
 * real `pulumi up`. cli/stack.sh takes wgkit's lock and builds first, then runs this.
 *
 *   up      refresh (what was removed by hand comes back), then `pulumi up`, streamed; a summary
 *           ("no changes: …" when nothing changed); each device's conf and QR code into
 *           .wgkit-out/ (0600, rewritten only when it changed, atomically).
 *   down    removes the deployment from Docker and keeps keys and addresses (every resource but
 *           the key seeds and address memories that hold them is destroyed); `--forget` destroys
 *           the stack and its state.
 *   pulumi  the CLI itself against the default stack: `npm run pulumi -- preview --expect-no-changes`.
 *
 * Settings: WGKIT_PEERS, WGKIT_SERVER_URL and WGKIT_USERSPACE go into the stack's config when set;
 * when absent the stack's config stands. On the first run without WGKIT_USERSPACE the host's
 * kernel is probed for WireGuard and the choice is recorded. The backend is a file backend in
 * .wgkit-state/pulumi unless PULUMI_BACKEND_URL is set (it wins over Pulumi.yaml's); secrets are
 * encrypted with a passphrase generated once (cli/Passphrase.ts) unless you set your own. Crashes:
 * a stale Pulumi lock of this host is cleared (cli/StaleLock.ts), creates left in flight are cleaned
 * up (cli/PendingCreates.ts), a file backend's attribute files a kill left empty are removed
 * (cli/FileBackend.ts), a stack config file a kill left empty is restored from the last good run's
 * copy (cli/StackConfigFile.ts), and the next run converges. A stack whose key seeds an earlier wgkit
 * kept in RandomBytes (ids = the keys, in clear) has them moved into RandomPasswords first, keys
 * unchanged (`wgkit migrate-state`, packages/pulumi/src/SeedMigration.ts).
 *
 * Printing: every value that does not come from Pulumi's own display goes through core's
 * TerminalText, so nothing a container or a command printed can forge a line or drive the terminal.
 */
import { spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import * as readline from "readline";
import { terminalBlock, terminalText as t } from "@wgkit/core";
import { choosePulumi, CliResult, PulumiCli, runPulumi } from "./PulumiCli";
import { ensurePassphrase, passphraseFile } from "./Passphrase";
import { isStale, lockFile, parseLockError } from "./StaleLock";
import { fileBackendPath, removeEmptyAttrs } from "./FileBackend";
import { keepStackConfig, restoreStackConfig } from "./StackConfigFile";
import { PendingOperation, plannedCleanups, removeDockerObject } from "./PendingCreates";
import { kernelWireGuard } from "./KernelWireGuard";
import { writePeerFiles, PeerOutput } from "./PeerFiles";
import { deploymentFromHarness, HarnessState, harnessObjects } from "./HarnessMigration";
import { rekeyFromEmpty, saltOf, writeSalt } from "./Rekey";
import { migrateState } from "@wgkit/pulumi/dist/cli/migrateState";
import * as crypto from "crypto";
import * as os from "os";

const repo = path.resolve(__dirname, "../..");
const stateDir = path.resolve(process.env.WGKIT_STATE_DIR ?? path.join(repo, ".wgkit-state"));
const outDir = path.resolve(process.env.WGKIT_OUT_DIR ?? path.join(repo, ".wgkit-out"));
const stack = process.env.WGKIT_STACK ?? "dev";
/** The stack's config file (kept whole across kills: cli/StackConfigFile.ts). */
const configFile = path.join(repo, `Pulumi.${stack}.yaml`);
/** What holds keys and addresses: key seeds (RandomPassword; RandomBytes before) and address memories (RandomBytes). */
const KEEP_ON_DOWN = ["random:index/randomBytes:RandomBytes", "random:index/randomPassword:RandomPassword"];

/** Stack config keys the environment sets (`wgkit:<key>`), when present. */
const SETTINGS: Record<string, string> = { WGKIT_PEERS: "peers", WGKIT_SERVER_URL: "serverUrl", WGKIT_USERSPACE: "userspace" };

interface Context {
  cli: PulumiCli;
  /** Backend and passphrase, on top of the CLI's environment. */
  env: NodeJS.ProcessEnv;
  backend: string;
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

function fail(what: string, r: CliResult): never {
  throw new Error(`${what} failed (exit ${r.status}):\n${(r.stderr || r.stdout).trim()}`);
}

async function prepare(): Promise<Context> {
  fs.mkdirSync(stateDir, { recursive: true, mode: 0o700 });
  fs.chmodSync(stateDir, 0o700);
  const cli = choosePulumi(repo);
  console.log(`pulumi: ${t(cli.describe)}`);
  const userBackend = process.env.PULUMI_BACKEND_URL;
  const backend = userBackend ?? `file://${path.join(stateDir, "pulumi")}`;
  if (!userBackend) fs.mkdirSync(path.join(stateDir, "pulumi"), { recursive: true, mode: 0o700 });
  console.log(`backend: ${t(backend)}${userBackend ? " (PULUMI_BACKEND_URL, set by you)" : ""}`);
  const dir = fileBackendPath(backend, repo);
  for (const f of dir ? removeEmptyAttrs(dir) : []) console.log(`recover: removed ${t(f)}, an attribute file a killed run left empty (with it every command on the stack fails: "failed to load checkpoint: EOF")`);
  const restored = restoreStackConfig(configFile, stateDir);
  if (restored) console.log(t(restored));
  const pass = ensurePassphrase();
  console.log(`secrets: passphrase from ${t(pass.describe)}`);
  return { cli, backend, env: { PULUMI_BACKEND_URL: backend, ...pass.env } };
}

const pulumi = (ctx: Context, args: string[], opts: { stream?: boolean } = {}) => runPulumi(ctx.cli, args, { cwd: repo, env: ctx.env, stream: opts.stream });

/**
 * Selects (or makes) the stack, and makes sure the passphrase opens it: the state's own salt
 * decides (`stack export --show-secrets` decrypts with it); a config file whose salt differs from
 * the state's (a re-key killed half way) takes the state's. A stack an earlier wgkit encrypted
 * with the empty passphrase is re-keyed to the generated one (cli/Rekey.ts); any other mismatch is
 * refused, naming the fix.
 */
async function selectStack(ctx: Context, create: boolean): Promise<void> {
  const r = await pulumi(ctx, ["stack", "select", stack, ...(create ? ["--create"] : []), "--non-interactive"]);
  if (r.status !== 0) fail(`pulumi stack select ${stack}`, r);
  const opens = async (env: NodeJS.ProcessEnv) =>
    (await runPulumi(ctx.cli, ["stack", "export", "--show-secrets", "--stack", stack, "--file", "/dev/null"], { cwd: repo, env: { ...ctx.env, ...env } })).status === 0;
  if (await opens({})) {
    const exp = await pulumi(ctx, ["stack", "export", "--stack", stack]);
    const stateSalt = exp.status === 0 ? JSON.parse(exp.stdout).deployment?.secrets_providers?.state?.salt as string | undefined : undefined;
    const configSalt = fs.existsSync(configFile) ? saltOf(fs.readFileSync(configFile, "utf8")) : undefined;
    if (stateSalt && configSalt && stateSalt !== configSalt) {
      writeSalt(configFile, stateSalt);
      console.log(`secrets: ${t(path.basename(configFile))} named another salt than the stack's state (a re-key was interrupted); it now names the state's`);
    }
    return;
  }
  const userSet = process.env.PULUMI_CONFIG_PASSPHRASE !== undefined || !!process.env.PULUMI_CONFIG_PASSPHRASE_FILE;
  if (!userSet && await opens({ PULUMI_CONFIG_PASSPHRASE: "", PULUMI_CONFIG_PASSPHRASE_FILE: undefined })) {
    await rekeyFromEmpty((args, env) => runPulumi(ctx.cli, args, { cwd: repo, env: { ...ctx.env, ...env } }), stack, configFile, ctx.env as Record<string, string>);
    console.log(`secrets: the stack was encrypted with the empty passphrase; re-keyed to ${t(passphraseFile())}`);
    return;
  }
  throw new Error(`the passphrase does not open the stack ${stack} (its secrets were encrypted with another one). ` +
    `Use the passphrase the stack was made with: put it in ${passphraseFile()} (mode 600), or set PULUMI_CONFIG_PASSPHRASE_FILE. ` +
    "Without it the keys cannot be read, and every device would have to be enrolled again.");
}

/** Writes the settings the environment gives into the stack's config; probes the kernel once. */
async function applySettings(ctx: Context): Promise<void> {
  for (const [envName, key] of Object.entries(SETTINGS)) {
    const v = process.env[envName];
    if (v === undefined) continue;
    const r = await pulumi(ctx, ["config", "set", `wgkit:${key}`, "--stack", stack, "--non-interactive", "--", v]);
    if (r.status !== 0) fail(`pulumi config set ${key}`, r);
  }
  if (process.env.WGKIT_USERSPACE === undefined) {
    const cur = await pulumi(ctx, ["config", "get", "wgkit:userspace", "--stack", stack]);
    if (cur.status !== 0) {
      const k = kernelWireGuard();
      const userspace = !k.available;
      console.log(`userspace: ${userspace ? "true" : "false"} (${userspace ? "wireguard-go in the container: this kernel has no WireGuard" : "kernel WireGuard"}; ${t(k.why)}); recorded in the stack's config`);
      const r = await pulumi(ctx, ["config", "set", "wgkit:userspace", String(userspace), "--stack", stack, "--non-interactive"]);
      if (r.status !== 0) fail("pulumi config set userspace", r);
    }
  }
}

/**
 * Runs a CLI command that takes the stack's lock; when the engine names only stale locks of this
 * host, clears them (saying so) and runs it once more.
 */
async function withStaleLocksCleared(ctx: Context, args: string[], stream: boolean): Promise<CliResult> {
  const r = await pulumi(ctx, args, { stream });
  const locks = parseLockError(r.stderr + r.stdout);
  if (r.status === 0 || !locks) return r;
  const live = locks.filter((l) => !isStale(l));
  if (live.length || locks.length === 0) {
    throw new Error(`another run holds the stack ${stack}: ${live.map((l) => `${l.user}@${l.host} (pid ${l.pid}) since ${l.time}`).join(", ") || "a lock Pulumi did not describe"}. ` +
      "Nothing was changed; wait for it to finish (a lock of another host is never cleared here).");
  }
  for (const l of locks) {
    const file = lockFile(l, repo);
    console.log(`lock: cleared a stale lock of pid ${Number(l.pid)} on this host (the process is gone), taken at ${t(l.time)}`);
    if (file) fs.rmSync(file, { force: true });
  }
  if (locks.some((l) => !lockFile(l, repo))) {
    const c = await pulumi(ctx, ["cancel", "--yes", "--stack", stack]);
    if (c.status !== 0) fail("pulumi cancel", c);
  }
  return pulumi(ctx, args, { stream });
}

/** Cleans up creates a crashed run left in flight; returns the refresh flags that clear them. */
async function cleanPendingCreates(ctx: Context): Promise<string[]> {
  const r = await pulumi(ctx, ["stack", "export", "--stack", stack]);
  if (r.status !== 0) fail("pulumi stack export", r);
  const ops = (JSON.parse(r.stdout).deployment?.pending_operations ?? []) as PendingOperation[];
  const cleanups = plannedCleanups(ops);
  if (!cleanups.length) return [];
  for (const c of cleanups) {
    if (c.refuse) throw new Error(`a create of ${c.urn} was interrupted and cannot be cleaned up here: ${c.refuse}`);
    console.log(`recover: a create was interrupted (${t(c.urn.split("::").pop()!)}): ${t(removeDockerObject(c))}; it is created again now`);
  }
  return ["--clear-pending-creates"];
}

/**
 * A stack deployed by the old main command (`.wgkit-state/harness.json`): its keys and addresses
 * are imported once into the (empty) stack, the harness's Docker objects removed, and the file —
 * which holds the keys in clear — deleted. See cli/HarnessMigration.ts.
 */
async function migrateHarness(ctx: Context): Promise<void> {
  const file = path.join(stateDir, "harness.json");
  if (!fs.existsSync(file)) return;
  const h = JSON.parse(fs.readFileSync(file, "utf8")) as HarnessState;
  const exp = await pulumi(ctx, ["stack", "export", "--stack", stack]);
  if (exp.status !== 0) fail("pulumi stack export", exp);
  const existing = (JSON.parse(exp.stdout).deployment?.resources ?? []) as unknown[];
  if (existing.length === 0) {
    for (const o of harnessObjects(h)) {
      const args = o.kind === "container" ? ["rm", "-f", o.ref] : [o.kind, "rm", o.ref];
      if (spawnSync("docker", [o.kind === "container" ? "container" : o.kind, "inspect", o.ref], { stdio: "ignore" }).status === 0) {
        const r = spawnSync("docker", args, { encoding: "utf8" });
        if (r.status !== 0) throw new Error(`could not remove the old harness's ${o.kind} ${o.ref}: ${r.stderr.trim()}`);
      }
    }
    const randomVersion = require("@pulumi/random/package.json").version as string;
    const deployment = deploymentFromHarness(h, { stack, project: "wgkit", randomVersion, providerId: crypto.randomUUID() }) as { deployment: Record<string, unknown> };
    // The stack's own secrets provider (its salt): the import encrypts the plaintext secrets with it.
    deployment.deployment.secrets_providers = JSON.parse(exp.stdout).deployment?.secrets_providers;
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "wgkit-import-"));
    try {
      const f = path.join(tmp, "deployment.json");
      fs.writeFileSync(f, JSON.stringify(deployment), { mode: 0o600 });
      const r = await pulumi(ctx, ["stack", "import", "--stack", stack, "--file", f]);
      if (r.status !== 0) fail("pulumi stack import of the harness's keys and addresses", r);
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
    // The devices it served stay declared (the old command took WGKIT_PEERS afresh on every run),
    // and so does userspace (its default): the first `up` after the move changes neither.
    const peers = h.resources.map((r) => /^wireguard\/([^/]+)\/keys$/.exec(r.name)?.[1]).filter((n): n is string => !!n);
    const container = h.resources.find((r) => r.type === "docker:index/container:Container");
    const settings: Record<string, string> = { peers: peers.join(","), userspace: String((container?.inputs.devices ?? []).length > 0) };
    for (const [k, v] of Object.entries(settings)) {
      const r = await pulumi(ctx, ["config", "set", `wgkit:${k}`, "--stack", stack, "--non-interactive", "--", v]);
      if (r.status !== 0) fail(`pulumi config set ${k}`, r);
    }
    console.log(`migrated: the old main command's state (devices ${t(settings.peers)}: keys and addresses) is now in the stack ${t(stack)}; its Docker objects were removed`);
  }
  fs.rmSync(file);
  fs.rmSync(path.join(stateDir, "engine"), { force: true });
  console.log("migrated: deleted .wgkit-state/harness.json (it held the keys in clear)");
}

/**
 * Key seeds an earlier wgkit kept in RandomBytes — whose ids are the keys, in clear in the state —
 * move into RandomPasswords holding the same bytes, before anything declares the new ones (an
 * `up` first would give every device new keys). A stack without such seeds is not touched.
 */
function migrateSeeds(ctx: Context): void {
  const { moved } = migrateState({ stack, cwd: repo, env: { ...ctx.cli.env, ...ctx.env } });
  if (!moved.length) return;
  console.log(`migrated: ${Number(moved.length)} key seed(s) moved from RandomBytes (their ids held the keys in clear) to RandomPassword; every key is kept. The backend's older history and backup files still hold the old ids.`);
}

interface HistoryEntry { kind: string; result: string; resourceChanges?: Record<string, number> }

async function lastUpdate(ctx: Context): Promise<HistoryEntry | undefined> {
  const r = await pulumi(ctx, ["stack", "history", "--stack", stack, "--json", "--page-size", "5"]);
  if (r.status !== 0) return undefined;
  return (JSON.parse(r.stdout) as HistoryEntry[]).find((h) => h.kind === "update");
}

async function up(): Promise<void> {
  const ctx = await prepare();
  const setup = await runShowingStderr("bash", [path.join(repo, "test", "e2e", "setup.sh")]);
  if (setup.status !== 0) throw new Error("preparing Docker failed (test/e2e/setup.sh; its messages are above)");
  console.log(`docker: ready (image ${t(setup.stdout.trim().split("\n").pop() ?? "")})`);
  await selectStack(ctx, true);
  await migrateHarness(ctx);
  migrateSeeds(ctx);
  await applySettings(ctx);
  keepStackConfig(configFile, stateDir);
  const clear = await cleanPendingCreates(ctx);
  const refreshed = await withStaleLocksCleared(ctx, ["refresh", "--yes", "--skip-preview", "--non-interactive", "--stack", stack, ...clear], false);
  if (refreshed.status !== 0) fail("pulumi refresh", refreshed);
  const drift = /(\d+) (?:deleted|updated)/.exec(refreshed.stdout);
  console.log(`refresh: ${drift ? "the engine's state was brought in line with Docker (what was removed by hand is created again)" : "Docker matches the stack's state"}`);
  const r = await withStaleLocksCleared(ctx, ["up", "--yes", "--skip-preview", "--non-interactive", "--stack", stack], true);
  if (r.status !== 0) throw new Error(`pulumi up failed (exit ${r.status}); its messages are above`);
  const outputs = await pulumi(ctx, ["stack", "output", "--stack", stack, "--json", "--show-secrets"]);
  if (outputs.status !== 0) fail("pulumi stack output", outputs);
  const o = JSON.parse(outputs.stdout) as { peers: Record<string, PeerOutput>; endpoint: string; serverPublicKey: string };
  console.log(`endpoint: ${t(o.endpoint)}  server public key: ${t(o.serverPublicKey)}`);
  for (const line of writePeerFiles(outDir, o.peers, repo)) console.log(t(line));
  const last = await lastUpdate(ctx);
  const changes = Object.entries(last?.resourceChanges ?? {}).filter(([k, n]) => k !== "same" && n > 0);
  const same = last?.resourceChanges?.same ?? 0;
  console.log(changes.length === 0
    ? `no changes: ${Number(same)} resources unchanged (same keys, addresses and container)`
    : `changes: ${t(changes.map(([k, n]) => `${n} ${k}`).join(", "))}; ${Number(same)} unchanged`);
}

async function down(forget: boolean): Promise<void> {
  const ctx = await prepare();
  await selectStack(ctx, false);
  keepStackConfig(configFile, stateDir);
  if (forget) {
    const d = await withStaleLocksCleared(ctx, ["destroy", "--yes", "--skip-preview", "--non-interactive", "--stack", stack], true);
    if (d.status !== 0) throw new Error("pulumi destroy failed; the state is kept");
    const rm = await pulumi(ctx, ["stack", "rm", stack, "--yes", "--non-interactive"]);
    if (rm.status !== 0) fail("pulumi stack rm", rm);
    fs.rmSync(outDir, { recursive: true, force: true });
    for (const f of fs.readdirSync(stateDir)) if (f !== "run.lock" && f !== "run.pid") fs.rmSync(path.join(stateDir, f), { recursive: true, force: true });
    console.log(`forgot the stack ${t(stack)}: its state and the peer confs in ${t(path.relative(repo, outDir))} are deleted (the passphrase file stays)`);
    return;
  }
  const exp = await pulumi(ctx, ["stack", "export", "--stack", stack]);
  if (exp.status !== 0) fail("pulumi stack export", exp);
  const resources = (JSON.parse(exp.stdout).deployment?.resources ?? []) as { urn: string; type: string; custom?: boolean }[];
  const targets = resources.filter((r) => r.custom && !KEEP_ON_DOWN.includes(r.type) && !r.type.startsWith("pulumi:providers:")).map((r) => r.urn);
  if (targets.length) {
    const d = await withStaleLocksCleared(ctx, ["destroy", "--yes", "--skip-preview", "--non-interactive", "--stack", stack,
      ...targets.flatMap((u) => ["--target", u])], true);
    if (d.status !== 0) throw new Error("pulumi destroy failed");
  }
  console.log(`removed the deployment (${Number(targets.length)} resources); kept keys and addresses (npm run down -- --forget deletes them)`);
}

async function passthrough(args: string[]): Promise<number> {
  const ctx = await prepare();
  await selectStack(ctx, false);
  keepStackConfig(configFile, stateDir);
  const r = spawnSync(ctx.cli.bin, args, { cwd: repo, env: { ...ctx.cli.env, ...ctx.env }, stdio: "inherit" });
  return r.status ?? 1;
}

async function main(): Promise<number> {
  const [verb = "up", ...rest] = process.argv.slice(2);
  if (verb === "up") { await up(); return 0; }
  if (verb === "down") { await down(rest.includes("--forget")); return 0; }
  if (verb === "pulumi") return passthrough(rest);
  throw new Error(`unknown verb ${verb} (up, down, pulumi)`);
}

main().then((code) => process.exit(code), (e) => { console.error(terminalBlock(`wgkit: ${String(e?.message ?? e)}`)); process.exit(1); });
