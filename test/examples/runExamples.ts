/**
 * Every Node.js example, as a user runs it, on the real Pulumi CLI (`npm run examples`; a phase of
 * .ci/run). Each examples/<name>/Pulumi.yaml whose runtime is nodejs is an example: a new one is
 * run without editing this file.
 *
 * What it does, as the examples' headers tell a user:
 *  1. a clean checkout of HEAD (`git clone` into a temporary folder: uncommitted changes are not
 *     in it), `npm ci` and `npm run build` once;
 *  2. per example, in its own folder of that checkout, with the toolchain's `pulumi` first on PATH
 *     (findToolchain) and a passphrase file: `pulumi stack init dev`, the config a user sets on
 *     this machine (only `userspace: true`, and only when the host kernel has no WireGuard: the
 *     examples' defaults must deploy on one machine), `pulumi up --yes`,
 *     `pulumi preview --expect-no-changes`, `pulumi destroy --yes`, `pulumi stack rm --yes`;
 *     then every container, volume and network the stack's state held must be gone from Docker;
 *  3. an example whose program names another example's stack (`<org>/<project>/<stack>`, a
 *     StackReference) runs while that one is up: the referenced example is deployed first, the
 *     referencing one runs whole, then the referenced one is destroyed.
 *
 * One example (or pair) at a time, each inside `flock /tmp/wgkit-51820.lock` (six bind 51820/udp;
 * compose-as-code's container is named `wireguard`, like the default stack's). Prints one line per
 * example with its result and times, a summary, and exits 1 when any failed (2 when it could not
 * start). Logs stay in the printed folder; the checkout is removed (WGKIT_EXAMPLES_KEEP=1 keeps it).
 * WGKIT_EXAMPLES=a,b runs only those (and what they reference).
 */
import { ChildProcess, spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parse } from "yaml";
import { findToolchain } from "../../cli/Toolchain";

const repo = path.resolve(__dirname, "../../..");
const LOCK = "/tmp/wgkit-51820.lock";
const STACK = "dev";
/** Per pulumi command; a hung command fails its example instead of the CI run. */
const STEP_TIMEOUT_MS = 15 * 60_000;

interface Example { name: string; dir: string; project: string; references: string[] }
interface Step { step: string; ms: number; ok: boolean; output: string }
interface Result { name: string; ok: boolean; ms: number; steps: Step[]; failure?: string }

let current: ChildProcess | undefined;
let stopping = false;
for (const sig of ["SIGINT", "SIGTERM"] as const) process.on(sig, () => { stopping = true; current?.kill("SIGINT"); });

const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/** Runs a command to its end, its output (both streams) appended to `log`; never throws. */
function run(cmd: string, args: string[], opts: { cwd: string; env: NodeJS.ProcessEnv; log: string; timeoutMs?: number }): Promise<{ ok: boolean; ms: number; output: string }> {
  const t0 = Date.now();
  fs.appendFileSync(opts.log, `\n$ ${[cmd, ...args].join(" ")}   (in ${opts.cwd})\n`);
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: opts.cwd, env: opts.env, stdio: ["ignore", "pipe", "pipe"] });
    current = child;
    let output = "";
    const take = (b: Buffer) => { output += b.toString(); fs.appendFileSync(opts.log, b); };
    child.stdout!.on("data", take);
    child.stderr!.on("data", take);
    const timer = setTimeout(() => { output += `\n(runner: killed after ${secs(opts.timeoutMs ?? STEP_TIMEOUT_MS)})\n`; child.kill("SIGINT"); setTimeout(() => child.kill("SIGKILL"), 30_000).unref(); }, opts.timeoutMs ?? STEP_TIMEOUT_MS);
    child.on("error", (e) => { output += String(e); });
    child.on("close", (code) => { clearTimeout(timer); current = undefined; resolve({ ok: code === 0, ms: Date.now() - t0, output }); });
  });
}

/** Holds `flock LOCK` (taken by a child that keeps it until its stdin closes) while `body` runs. */
async function locked<T>(body: () => Promise<T>): Promise<T> {
  const t0 = Date.now();
  const holder = spawn("flock", [LOCK, "sh", "-c", "echo locked; read _"], { stdio: ["pipe", "pipe", "inherit"] });
  await new Promise<void>((resolve, reject) => {
    holder.stdout!.once("data", () => resolve());
    holder.once("exit", (code) => reject(new Error(`flock ${LOCK} exited (${code})`)));
  });
  if (Date.now() - t0 > 2000) console.log(`examples: waited ${secs(Date.now() - t0)} for ${LOCK} (held by another process on this machine)`);
  try {
    return await body();
  } finally {
    holder.stdin!.end();
  }
}

/**
 * The cause of a failed pulumi command: the resources' errors from its last "Diagnostics:" section
 * (`up` prints the preview's first), else its last lines. Pulumi's `running "<script>"` quotes a
 * whole install script: it is shortened to what follows it.
 */
export function causeOf(output: string): string {
  const lines = output.split("\n");
  const diag = lines.map((l) => /^Diagnostics:/.test(l)).lastIndexOf(true);
  if (diag < 0) return lines.filter((l) => l.trim()).slice(-15).join("\n");
  const end = lines.findIndex((l, i) => i > diag && /^\S/.test(l));
  const blocks: string[][] = [];
  for (const l of lines.slice(diag + 1, end > diag ? end : undefined)) {
    if (/^  \S/.test(l)) blocks.push([l]);
    else if (l.trim() && blocks.length) blocks[blocks.length - 1].push(l.replace(/running "(?:[^"\\]|\\.)*":?\s*/, "running <script>: ").trimEnd());
  }
  const errors = blocks.filter((b) => b.some((l) => /error/i.test(l)) && !b.slice(1).every((l) => /error: update failed/.test(l)));
  return (errors.length ? errors : blocks).map((b) => b.join("\n")).join("\n").slice(-3000);
}

/** Docker objects (containers, volumes, networks) a stack's state holds, by their Docker ids. */
function dockerObjectsOf(stackExport: string): { kind: string; id: string }[] {
  const kinds: Record<string, string> = { "docker:index/container:Container": "container", "docker:index/volume:Volume": "volume", "docker:index/network:Network": "network" };
  const deployment = JSON.parse(stackExport).deployment ?? {};
  return (deployment.resources ?? []).filter((r: any) => kinds[r.type] && r.id).map((r: any) => ({ kind: kinds[r.type], id: r.id as string }));
}

/** Who holds host port 51820/udp besides this run (the lock does not stop a deployment that stays up). */
function portHolders(): string {
  const r = spawnSync("docker", ["ps", "--filter", "publish=51820/udp", "--format", "{{.Names}}"], { encoding: "utf8" });
  return r.stdout?.trim().split("\n").filter(Boolean).join(", ") ?? "";
}

/** True when the host kernel can make a WireGuard interface (otherwise the examples need `userspace: true`). */
function kernelHasWireGuard(): boolean {
  const probe = `wgkitprobe${process.pid % 10000}`;
  const ok = spawnSync("ip", ["link", "add", "dev", probe, "type", "wireguard"], { stdio: "ignore" }).status === 0;
  if (ok) spawnSync("ip", ["link", "del", "dev", probe], { stdio: "ignore" });
  return ok;
}

/** Every examples/<name>/Pulumi.yaml whose runtime is nodejs, with the other examples' stacks its program names. */
function discover(checkout: string): Example[] {
  const root = path.join(checkout, "examples");
  const found = fs.readdirSync(root).sort().flatMap((name) => {
    const file = path.join(root, name, "Pulumi.yaml");
    if (!fs.existsSync(file)) return [];
    const project = parse(fs.readFileSync(file, "utf8"));
    const runtime = typeof project.runtime === "string" ? project.runtime : project.runtime?.name;
    return runtime === "nodejs" ? [{ name, dir: path.join(root, name), project: String(project.name), references: [] as string[] }] : [];
  });
  for (const e of found) {
    const source = fs.readdirSync(e.dir).filter((f) => /\.(ts|js)$/.test(f)).map((f) => fs.readFileSync(path.join(e.dir, f), "utf8")).join("\n");
    e.references = found.filter((o) => o !== e && source.includes(`/${o.project}/`)).map((o) => o.name);
  }
  return found;
}

class Runner {
  readonly results: Result[] = [];
  constructor(private readonly env: NodeJS.ProcessEnv, private readonly config: [string, string][], private readonly logs: string) {}

  private async step(r: Result, e: Example, step: string, args: string[]): Promise<Step> {
    const out = await run("pulumi", args, { cwd: e.dir, env: this.env, log: path.join(this.logs, `${e.name}.log`) });
    const s = { step, ms: out.ms, ok: out.ok, output: out.output };
    r.steps.push(s);
    if (!out.ok && r.failure === undefined) {
      const held = /port is already allocated/.test(out.output) ? `\n(host port 51820/udp is held by: ${portHolders() || "nothing now"})` : "";
      // A preview that expected no changes: which resources it would change, then its error.
      const changes = step === "preview" ? out.output.split("\n").filter((l) => /^\s+(~|\+\+|--|\+-|-\+|\+|-)\s+\S+:\S+/.test(l)).join("\n") : "";
      r.failure = `${step} failed after ${secs(out.ms)}:\n${changes ? `${changes}\n` : ""}${causeOf(out.output)}${held}`;
    }
    return s;
  }

  /** stack init, config, up, preview --expect-no-changes; returns the Docker objects its state holds. */
  async up(e: Example, r: Result): Promise<{ kind: string; id: string }[]> {
    if (stopping || !(await this.step(r, e, "init", ["stack", "init", STACK])).ok) return [];
    for (const [k, v] of this.config) if (!(await this.step(r, e, "config", ["config", "set", k, v])).ok) return [];
    const up = await this.step(r, e, "up", ["up", "--yes"]);
    const exported = await run("pulumi", ["stack", "export"], { cwd: e.dir, env: this.env, log: "/dev/null" });
    const objects = exported.ok ? dockerObjectsOf(exported.output) : [];
    if (up.ok && !stopping) await this.step(r, e, "preview", ["preview", "--expect-no-changes"]);
    return objects;
  }

  /** destroy, stack rm; then none of `objects` may be left in Docker. Runs even after a failure. */
  async down(e: Example, r: Result, objects: { kind: string; id: string }[]): Promise<void> {
    if (!r.steps.some((s) => s.step === "init" && s.ok)) return;
    const destroyed = (await this.step(r, e, "destroy", ["destroy", "--yes", "--skip-preview"])).ok;
    await this.step(r, e, "rm", destroyed ? ["stack", "rm", "--yes", STACK] : ["stack", "rm", "--yes", "--force", STACK]);
    const left = objects.filter((o) => spawnSync("docker", [o.kind, "inspect", o.id], { stdio: "ignore" }).status === 0);
    if (left.length && r.failure === undefined) r.failure = `destroy left ${left.map((o) => `${o.kind} ${o.id.slice(0, 12)}`).join(", ")} in Docker`;
  }

  /** Records and prints a result; `ms`: its own steps' wall time (not that of examples run meanwhile). */
  private finish(r: Result, ms: number): void {
    r.ms = ms;
    r.ok = r.failure === undefined && !stopping;
    if (stopping && r.failure === undefined) r.failure = "interrupted";
    this.results.push(r);
    const times = r.steps.filter((s) => s.step !== "config").map((s) => `${s.step} ${secs(s.ms)}${s.ok ? "" : " ✗"}`).join(", ");
    console.log(`example ${r.name.padEnd(20)} ${r.ok ? "PASS" : "FAIL"} ${secs(r.ms).padStart(8)}  (${times})`);
    if (!r.ok) console.log(`  ${r.failure!.replace(/\n/g, "\n  ")}\n  log: ${path.join(this.logs, `${r.name}.log`)}`);
  }

  /** An example, run whole; with `dependents`, they run whole while it is up. */
  async example(e: Example, dependents: Example[]): Promise<void> {
    await locked(async () => {
      const t0 = Date.now();
      const r: Result = { name: e.name, ok: false, ms: 0, steps: [] };
      const objects = await this.up(e, r);
      const upMs = Date.now() - t0;
      for (const d of dependents) {
        const td = Date.now();
        const rd: Result = { name: d.name, ok: false, ms: 0, steps: [] };
        if (d.references.length > 1) rd.failure = `references ${d.references.join(", ")}: the runner keeps one example up at a time`;
        else if (r.failure !== undefined) rd.failure = `not run: ${e.name}, whose stack it reads, did not deploy`;
        else await this.down(d, rd, await this.up(d, rd));
        this.finish(rd, Date.now() - td);
      }
      const t1 = Date.now();
      await this.down(e, r, objects);
      this.finish(r, upMs + Date.now() - t1);
    });
  }
}

async function main(): Promise<number> {
  const wall = Date.now();
  const tc = findToolchain();
  if ("missing" in tc) { console.error(`examples: ${tc.missing}`); return 2; }
  if (spawnSync("docker", ["info"], { stdio: "ignore" }).status !== 0) { console.error("examples: no Docker daemon answers (run `bash test/e2e/setup.sh`)"); return 2; }
  const head = spawnSync("git", ["rev-parse", "HEAD"], { cwd: repo, encoding: "utf8" }).stdout.trim();
  if (spawnSync("git", ["status", "--porcelain", "--untracked-files=no"], { cwd: repo, encoding: "utf8" }).stdout.trim()) {
    console.log("examples: note: the working tree has uncommitted changes; the clean checkout has HEAD only");
  }
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "wgkit-examples-"));
  const checkout = path.join(scratch, "wgkit");
  const logs = path.join(scratch, "logs");
  fs.mkdirSync(logs);
  const prepLog = path.join(logs, "checkout.log");
  const hostEnv = { ...process.env };
  for (const k of ["PULUMI_BACKEND_URL", "PULUMI_CONFIG_PASSPHRASE", "PULUMI_CONFIG_PASSPHRASE_FILE", "PULUMI_HOME", "PULUMI_ACCESS_TOKEN"]) delete hostEnv[k];
  let prepared = true;
  const t0 = Date.now();
  for (const [cmd, args, cwd] of [
    ["git", ["clone", "--quiet", "--no-checkout", repo, checkout], scratch],
    ["git", ["checkout", "--quiet", "--detach", head], checkout],
    ["npm", ["ci", "--prefer-offline", "--no-audit", "--no-fund"], checkout],
    ["npm", ["run", "build"], checkout],
  ] as [string, string[], string][]) {
    const r = await run(cmd, args, { cwd, env: hostEnv, log: prepLog });
    if (!r.ok) { console.error(`examples: ${cmd} ${args.join(" ")} failed:\n${r.output.slice(-2000)}\nlog: ${prepLog}`); prepared = false; break; }
  }
  console.log(`examples: clean checkout of ${head.slice(0, 12)} in ${checkout}: clone, npm ci and build took ${secs(Date.now() - t0)}`);
  if (!prepared) return 2;

  // The passphrase that encrypts the stacks' secrets: a file, never an environment value or argument.
  const passphrase = path.join(scratch, "passphrase");
  fs.writeFileSync(passphrase, `wgkit-examples-${process.pid}-${Date.now()}\n`, { mode: 0o600 });
  const env = { ...hostEnv, ...tc.env, PULUMI_CONFIG_PASSPHRASE_FILE: passphrase };
  const config: [string, string][] = kernelHasWireGuard() ? [] : [["userspace", "true"]];
  console.log(`examples: pulumi ${tc.manifest.pieces.pulumi.version} from ${tc.binDir}; config set on this machine: ${config.map(([k, v]) => `${k}=${v}`).join(" ") || "none"} (${config.length ? "the kernel has no WireGuard" : "kernel WireGuard"})`);

  const all = discover(checkout);
  const only = process.env.WGKIT_EXAMPLES?.split(",").filter(Boolean);
  const wanted = only ? all.filter((e) => only.includes(e.name) || all.some((d) => only.includes(d.name) && d.references.includes(e.name))) : all;
  const runner = new Runner(env, config, logs);
  for (const e of wanted) {
    if (stopping) break;
    if (e.references.length) continue; // runs while the example it references is up
    await runner.example(e, wanted.filter((d) => d.references[0] === e.name));
  }
  for (const e of wanted) {
    if (!stopping && !runner.results.some((r) => r.name === e.name)) {
      runner.results.push({ name: e.name, ok: false, ms: 0, steps: [], failure: `not run: it references ${e.references.join(", ")}, which is not a standalone example here` });
      console.log(`example ${e.name.padEnd(20)} FAIL  not run: it references ${e.references.join(", ")}, which is not a standalone example here`);
    }
  }

  const failed = runner.results.filter((r) => !r.ok);
  console.log(`examples: ${runner.results.length - failed.length} passed, ${failed.length} failed${failed.length ? ` (${failed.map((r) => r.name).join(", ")})` : ""}; wall time ${secs(Date.now() - wall)}; logs in ${logs}`);
  if (process.env.WGKIT_EXAMPLES_KEEP !== "1") fs.rmSync(checkout, { recursive: true, force: true });
  return failed.length || wanted.length === 0 ? 1 : 0;
}

if (require.main === module) main().then((code) => process.exit(code), (e) => { console.error(e); process.exit(2); });
