/**
 * `npm run bench`, the real engine (never CI): the real `pulumi up` (the toolchain's CLI,
 * findToolchain; a Pulumi.yaml project whose program is engineBenchProgram.js; a file backend)
 * of a WireGuardServer with N peers (userspace: true, the local stand-in image, a random high
 * port) — the first deploy, a run with no change, one peer added — each beside a floor program
 * in the same run, phase by phase: the same resources by type and count, with trivially computed
 * inputs and seed and install commands that run `true`.
 *
 * One line per size and phase:
 *   {"bench":"engine-up","peers":N,"phase":"first|nochange|addone","ms":…,"floorMs":…,"applyMs":…}
 * `ms`/`floorMs`: the wall time of `pulumi up --yes --skip-preview`, process start to exit.
 * `applyMs`: the install step's own time for the live change in the container (its success line,
 * core Deploy.ts applyScript), 0 when the step did not run. Then where the time goes
 * (`engine-up-where`, from the engine's events as they arrive in the `--event-log` file, read
 * every 10 ms): until the engine's first event (the CLI's start), until the program's first
 * resource step, until the last changing step ended (then the update's end, until the process
 * exited); the span of the address memories' steps (wgkit registers them one after another);
 * the program's time until every device's conf was known; the changing steps by type with the
 * time they took (each step, when there are few); whether both programs have the same resources
 * by type and count.
 *
 * WGKIT_BENCH_ENGINE_PEERS=10,100 picks the sizes (default 10,100,250,1000; 1,000 takes long);
 * WGKIT_BENCH_ENGINE=0 skips it. Docker objects are named `wgkit-bench-<N>-<random>` and
 * `wgkit-floor-<N>-<random>` and removed by name at the end (with the state: no `pulumi destroy`).
 */
import { spawn, spawnSync } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { DEFAULT_IMAGE } from "@wgkit/core";
import { findToolchain, Toolchain } from "../../cli/Toolchain";
import type { Figure } from "./coreBench";

const PHASES = ["first", "nochange", "addone"] as const;
type Phase = typeof PHASES[number];
const KINDS = ["floor", "wgkit"] as const;
type Kind = typeof KINDS[number];

/** One `pulumi up` as measured. */
interface Measured {
  ms: number;
  applyMs: number;
  /** Process start → the engine's first event; → the first resource step; → the last step's end. */
  firstEventMs: number;
  firstStepMs: number;
  lastStepMs: number;
  /** wgkit's program: start → every device's conf known. */
  configsMs?: number;
  /** From the first address memory's step to the last one's start: wgkit registers them one after another. */
  memoriesMs: number;
  /** With few changes: each changing step, `<name> <op> <ms>`. */
  steps?: string[];
  /** Steps by resource type: how many, how many changed, and the time (summed) the changing ones took. */
  types: Record<string, { count: number; changed: number; changedMs: number }>;
}

/** One stack: a project directory of its own (Pulumi.yaml → engineBenchProgram.js), its file backend. */
class BenchStack {
  readonly project: string;
  readonly backend: string;
  readonly name: string;
  readonly port: number;

  constructor(readonly tc: Toolchain, readonly kind: Kind, n: number, id: string, scratch: string) {
    this.name = `wgkit-${kind === "wgkit" ? "bench" : "floor"}-${n}-${id}`;
    this.port = 40000 + (crypto.randomBytes(2).readUInt16BE() % 20000);
    // Inside build/ so that the language host finds @pulumi/pulumi in the repository's node_modules.
    this.project = path.join(__dirname, `engine-${id}-${kind}`);
    this.backend = path.join(scratch, kind);
    fs.mkdirSync(this.project, { recursive: true });
    fs.mkdirSync(this.backend, { recursive: true, mode: 0o700 });
    fs.writeFileSync(path.join(this.project, "Pulumi.yaml"),
      `name: wgkit-bench-${kind}\nruntime: nodejs\nmain: ../engineBenchProgram.js\nbackend:\n  url: file://${this.backend}\n`);
    this.cli(["stack", "init", "bench"]);
  }

  private env(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
    const env: NodeJS.ProcessEnv = { ...process.env, ...this.tc.env, PULUMI_CONFIG_PASSPHRASE: "wgkit-bench", ...extra };
    delete env.PULUMI_BACKEND_URL;
    delete env.PULUMI_CONFIG_PASSPHRASE_FILE;
    return env;
  }

  cli(args: string[]): string {
    const r = spawnSync(path.join(this.tc.binDir, "pulumi"), [...args, "--non-interactive"], { cwd: this.project, env: this.env(), encoding: "utf8", maxBuffer: 256 * 2 ** 20 });
    if (r.status !== 0) throw new Error(`pulumi ${args.join(" ")} (${this.kind}): ${(r.stderr || r.stdout).slice(-2000)}`);
    return r.stdout;
  }

  /** `pulumi up` of the program with `peers` peers, timed, its events read as they come. */
  async up(peers: number): Promise<Measured> {
    const log = path.join(this.backend, `events-${crypto.randomBytes(4).toString("hex")}.jsonl`);
    const timing = path.join(this.backend, "timing.jsonl");
    fs.rmSync(timing, { force: true });
    const types: Measured["types"] = {};
    const starts = new Map<string, number>();
    let firstEvent = 0, firstStep = 0, lastStep = 0, firstMemory = 0, lastMemory = 0, installed = "", installRan = false;
    const steps: string[] = [];
    const t0 = Date.now();
    const onEvent = (e: any) => {
      const now = Date.now();
      firstEvent ||= now;
      const pre = e.resourcePreEvent?.metadata;
      if (pre && pre.type !== "pulumi:pulumi:Stack" && !pre.type.startsWith("pulumi:providers:")) {
        firstStep ||= now;
        if (/\/address/.test(pre.urn.split("::").pop())) { firstMemory ||= now; lastMemory = now; }
        const t = (types[pre.type] ??= { count: 0, changed: 0, changedMs: 0 });
        t.count++;
        if (pre.op !== "same") {
          t.changed++;
          starts.set(`${pre.urn} ${pre.op}`, now);
          if (this.kind === "wgkit" && pre.urn.endsWith(`::${this.name}-install`)) installRan = true;
        }
      }
      const done = e.resOutputsEvent?.metadata;
      if (done && starts.has(`${done.urn} ${done.op}`)) {
        const took = now - starts.get(`${done.urn} ${done.op}`)!;
        types[done.type].changedMs += took;
        if (!isComponent(done.type)) steps.push(`${done.urn.split("::").pop()} ${done.op} ${took}`);
        lastStep = now;
        if (done.urn.endsWith(`::${this.name}-install`)) installed = String(done.new?.outputs?.stdout ?? "");
      }
    };
    // The event log is read every 10 ms as the CLI appends to it: each event is timed on arrival.
    let buf = "", pos = 0;
    const poll = () => {
      if (!fs.existsSync(log)) return;
      const fd = fs.openSync(log, "r");
      try {
        const chunk = Buffer.alloc(1 << 20);
        for (let n: number; (n = fs.readSync(fd, chunk, 0, chunk.length, pos)) > 0;) { pos += n; buf += chunk.toString("utf8", 0, n); }
      } finally { fs.closeSync(fd); }
      let i: number;
      while ((i = buf.indexOf("\n")) >= 0) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        if (line.trim()) onEvent(JSON.parse(line));
      }
    };
    const timer = setInterval(poll, 10);
    await new Promise<void>((resolve, reject) => {
      const p = spawn(path.join(this.tc.binDir, "pulumi"), ["up", "--yes", "--skip-preview", "--non-interactive", "--color", "never", "--event-log", log], {
        cwd: this.project,
        // PULUMI_DEBUG_COMMANDS: the CLI offers --event-log only with it (as the Automation API runs it).
        env: this.env({ PULUMI_DEBUG_COMMANDS: "true", WGKIT_BENCH_KIND: this.kind, WGKIT_BENCH_PEERS: String(peers), WGKIT_BENCH_NAME: this.name, WGKIT_BENCH_PORT: String(this.port), WGKIT_BENCH_TIMING: timing }),
        stdio: ["ignore", "pipe", "pipe"],
      });
      let out = "";
      p.stdout.setEncoding("utf8").on("data", (d) => { out += d; });
      p.stderr.setEncoding("utf8").on("data", (d) => { out += d; });
      p.on("error", reject);
      p.on("close", (c) => (c === 0 ? resolve() : reject(new Error(`pulumi up (${this.kind}, ${peers} peers) failed (${c}):\n${out.slice(-3000)}`))));
    }).finally(() => clearInterval(timer));
    const end = Date.now();
    poll();
    fs.rmSync(log, { force: true });
    const m = /applied in (\d+) ms/.exec(installed);
    if (installRan && !m) throw new Error(`the install step ran but said no duration: ${installed.slice(0, 300)}`);
    const configs = fs.existsSync(timing) ? JSON.parse(fs.readFileSync(timing, "utf8").trim().split("\n").pop()!).configsMs as number : undefined;
    return {
      ms: end - t0, applyMs: installRan ? Number(m![1]) : 0,
      firstEventMs: firstEvent - t0, firstStepMs: firstStep - t0, lastStepMs: lastStep ? lastStep - t0 : 0, configsMs: configs,
      memoriesMs: lastMemory - firstMemory, types, ...(steps.length <= 8 ? { steps } : {}),
    };
  }

  /**
   * The stack's Docker objects removed by name, then its project directory (the backend goes with
   * the scratch directory). Not `pulumi destroy`: at 1,000 peers it takes minutes per stack, and
   * nothing else of the stack is outside its state (the userspace image stays, as keepLocally says).
   */
  dispose(): void {
    spawnSync("docker", ["rm", "-f", this.name], { stdio: "ignore" });
    spawnSync("docker", ["volume", "rm", "-f", `${this.name}-config`], { stdio: "ignore" });
    fs.rmSync(this.project, { recursive: true, force: true });
  }
}

/** The component's own type (its "step" lasts until its outputs are registered: no work of its own). */
const isComponent = (type: string) => type.startsWith("wgkit:index:") || type.startsWith("bench:index:");

/** Changing steps by type, slowest first: `<type> <n>x <ms>ms`. */
function changedByType(m: Measured): string[] {
  return Object.entries(m.types).filter(([type, t]) => t.changed > 0 && !isComponent(type)).sort((a, b) => b[1].changedMs - a[1].changedMs)
    .map(([type, t]) => `${type.split(":").pop()} ${t.changed}x ${t.changedMs}ms`);
}

/** Resources by type as counts (the component's own type aside): equal for wgkit and its floor. */
function shape(m: Measured): string {
  return Object.entries(m.types).filter(([t]) => !isComponent(t))
    .map(([t, v]) => `${t}=${v.count}`).sort().join(",");
}

/** One size: both stacks, phase by phase (floor first in each), then both removed. */
async function benchSize(tc: Toolchain, n: number): Promise<Figure[]> {
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), `wgkit-bench-engine-${n}-`));
  const id = crypto.randomBytes(3).toString("hex");
  const stacks: Partial<Record<Kind, BenchStack>> = {};
  const measured: Partial<Record<`${Kind} ${Phase}`, Measured>> = {};
  try {
    for (const kind of KINDS) stacks[kind] = new BenchStack(tc, kind, n, id, scratch);
    for (const phase of PHASES) {
      for (const kind of KINDS) measured[`${kind} ${phase}`] = await stacks[kind]!.up(phase === "addone" ? n + 1 : n);
    }
  } finally {
    for (const kind of KINDS) stacks[kind]?.dispose();
    fs.rmSync(scratch, { recursive: true, force: true });
  }
  const out: Figure[] = [];
  for (const phase of PHASES) {
    const w = measured[`wgkit ${phase}`]!, f = measured[`floor ${phase}`]!;
    out.push({ bench: "engine-up", peers: n, phase, ms: w.ms, floorMs: f.ms, applyMs: w.applyMs });
  }
  for (const phase of PHASES) {
    const w = measured[`wgkit ${phase}`]!, f = measured[`floor ${phase}`]!;
    const where = (m: Measured) => ({
      firstEventMs: m.firstEventMs, firstStepMs: m.firstStepMs, lastStepMs: m.lastStepMs, memoriesMs: m.memoriesMs,
      ...(m.configsMs !== undefined ? { configsMs: m.configsMs } : {}), changed: m.steps ?? changedByType(m),
    });
    out.push({
      bench: "engine-up-where", peers: n, phase,
      ratioToFloor: Math.round((w.ms - w.applyMs) / f.ms * 100) / 100,
      wgkit: where(w), floor: where(f),
      sameResources: shape(w) === shape(f) ? true : { wgkit: shape(w), floor: shape(f) },
    });
  }
  return out;
}

/** The figures of every size (WGKIT_BENCH_ENGINE_PEERS), or a note saying why there are none. */
export async function runEngineBench(): Promise<Figure[]> {
  if (process.env.WGKIT_BENCH_ENGINE === "0") return [];
  const tc = findToolchain();
  if ("missing" in tc) return [{ bench: "engine-up", note: `skipped: ${tc.missing}` }];
  if (spawnSync("docker", ["image", "inspect", DEFAULT_IMAGE], { stdio: "ignore" }).status !== 0) {
    return [{ bench: "engine-up", note: `skipped: no ${DEFAULT_IMAGE} on the Docker engine (run bash test/e2e/setup.sh)` }];
  }
  const out: Figure[] = [];
  for (const n of (process.env.WGKIT_BENCH_ENGINE_PEERS ?? "10,100,250,1000").split(",").map(Number)) {
    const t0 = Date.now();
    const figures = await benchSize(tc, n);
    // Printed as they come as well: the larger sizes take long.
    for (const f of figures) process.stderr.write(JSON.stringify(f) + "\n");
    process.stderr.write(`engine bench: ${n} peers in ${Math.round((Date.now() - t0) / 1000)} s\n`);
    out.push(...figures);
  }
  return out;
}

if (require.main === module) {
  runEngineBench().then((f) => { for (const x of f) console.log(JSON.stringify(x)); }, (e) => { console.error(e); process.exit(1); });
}
