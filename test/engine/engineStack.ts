/**
 * A stack on the real engine for one random sequence: a scratch directory with its file
 * backend, its steps run by engineStep.js in a child process of its own process group, which
 * can be killed with `kill -9` mid-update together with every process it started (the Pulumi CLI,
 * and the provider plugins the CLI starts in process groups of their own), found by their
 * parent pids. The next step after a kill starts a new process.
 */
import { ChildProcessWithoutNullStreams, spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { Snapshot } from "../support/mocks";
import type { LegacyLayout } from "../support/peerStateOnly";
import type { Program } from "../support/peerStateProgram";
import { Action, StepInput, StepOutput } from "./engineStep";
import { removeEmptyAttrs } from "../../cli/FileBackend";

/** Every live descendant of `pid` (from /proc's parent pids). */
export function descendants(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const d of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${d}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(d)]);
    } catch { /* gone */ }
  }
  const out: number[] = [];
  const walk = (p: number) => { for (const c of children.get(p) ?? []) { out.push(c); walk(c); } };
  walk(pid);
  return out;
}

export interface Run {
  output?: StepOutput;
  /** The step was killed: after `killedAfter` changing steps had started or ended (as `Kill.on` says). */
  killed: boolean;
  killedAfter?: number;
  /** The processes killed with it (the CLI, its plugins). */
  killedPids?: number[];
  /** The backend's attribute files the kill left empty, removed (cli/FileBackend.ts removeEmptyAttrs). */
  emptyAttrs?: string[];
  /** Changing steps the engine started, in order. */
  started: { op: string; urn: string }[];
  /** Changing steps the engine reported done, in order. */
  done: { op: string; urn: string }[];
}

/** Kill the step's processes once `after` changing steps (of the op `op`, when given) have started (`on: "start"`) or ended (`on: "done"`). */
export interface Kill { on: "start" | "done"; after: number; op?: string }

interface Pending { run: Run; kill?: Kill; resolve: (r: Run) => void; reject: (e: Error) => void }

export class EngineStack {
  readonly dir = fs.mkdtempSync(path.join(os.tmpdir(), "wgkit-engine-"));
  /** Processes started for this stack (a new one after each kill). */
  processes = 0;
  private child?: ChildProcessWithoutNullStreams;
  private pending?: Pending;
  private stderr = "";

  private start(): ChildProcessWithoutNullStreams {
    const env = { ...process.env };
    for (const k of ["PULUMI_SKIP_UPDATE_CHECK", "PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION", "PULUMI_HOME", "PULUMI_BACKEND_URL", "PULUMI_CONFIG_PASSPHRASE", "PULUMI_CONFIG_PASSPHRASE_FILE"]) delete env[k];
    const child = spawn(process.execPath, [path.join(__dirname, "engineStep.js"), this.dir], { detached: true, env, stdio: ["pipe", "pipe", "pipe"] });
    this.processes++;
    this.stderr = "";
    let buf = "";
    child.stdout.setEncoding("utf8");
    child.stderr.setEncoding("utf8");
    child.stderr.on("data", (d) => { this.stderr += d; });
    child.stdout.on("data", (d: string) => {
      buf += d;
      let i: number;
      while ((i = buf.indexOf("\n")) >= 0) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        const p = this.pending;
        if (!p || p.run.killed) continue;
        if (line.startsWith("E ") || line.startsWith("D ")) {
          const list = line.startsWith("E ") ? p.run.started : p.run.done;
          list.push(JSON.parse(line.slice(2)));
          const k = p.kill;
          if (k && list === (k.on === "start" ? p.run.started : p.run.done) && list.filter((x) => !k.op || x.op === k.op).length >= k.after) this.kill(child, p);
        } else if (line.startsWith("R ")) {
          p.run.output = JSON.parse(line.slice(2));
          this.pending = undefined;
          p.resolve(p.run);
        }
      }
    });
    child.on("close", (code) => {
      if (this.child === child) this.child = undefined;
      const p = this.pending;
      if (!p) return;
      this.pending = undefined;
      if (p.run.killed) {
        p.run.emptyAttrs = removeEmptyAttrs(path.join(this.dir, "state"), 0); // as the main command does (cli/FileBackend.ts), at once
        p.resolve(p.run);
      }
      else p.reject(new Error(`the engine process ended (${code}):\n${this.stderr}`));
    });
    return child;
  }

  /** `kill -9` of the process group, and of every descendant (plugins run in groups of their own). */
  private kill(child: ChildProcessWithoutNullStreams, p: Pending): void {
    p.run.killed = true;
    p.run.killedAfter = (p.kill?.on === "done" ? p.run.done : p.run.started).length;
    const pids = descendants(child.pid!);
    p.run.killedPids = pids;
    try { process.kill(-child.pid!, "SIGKILL"); } catch { /* gone */ }
    for (const pid of pids) { try { process.kill(pid, "SIGKILL"); } catch { /* gone */ } }
  }

  /**
   * Runs `actions` for `program` in the stack's process (started when there is none). With
   * `kill`, the process and everything it started are killed with SIGKILL as soon as the engine
   * reports that many changing steps started or ended; the next run starts a new process.
   */
  run(program: Program, actions: Action[], kill?: Kill, legacy?: LegacyLayout): Promise<Run> {
    if (this.pending) throw new Error("one step at a time");
    this.child ??= this.start();
    const child = this.child;
    const input: StepInput = { program, actions, legacy };
    return new Promise((resolve, reject) => {
      this.pending = { run: { killed: false, started: [], done: [] }, kill, resolve, reject };
      child.stdin.write(JSON.stringify(input) + "\n");
    });
  }

  /** Ends the stack's process and removes the scratch directory (state included), unless `keep` (a failed sequence: it is kept to look at). */
  async dispose(keep = false): Promise<void> {
    const child = this.child;
    if (child) await new Promise((r) => { child.on("close", r); child.stdin.end(); });
    if (!keep) fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

const SECRET_SIG = "4dabf18193072939515e22adb298388d";

/** A value of `stack export --show-secrets` with every secret replaced by its plaintext value. */
export function unwrapSecrets(v: any): any {
  if (Array.isArray(v)) return v.map(unwrapSecrets);
  if (v && typeof v === "object") {
    if (v[SECRET_SIG] !== undefined) return unwrapSecrets(JSON.parse(v.plaintext));
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, unwrapSecrets(x)]));
  }
  return v;
}

export interface EngineState {
  /** The engine's custom resources (providers left out), as the model's stack state. */
  snapshot: Snapshot;
  /** Old copies kept for deletion (`delete: true`) with no live resource of their URN (the model has no place for them). */
  orphanDeletes: string[];
  /** Pending operations left in the deployment (none after `refresh --clear-pending-creates`, unless of another kind). */
  pendingOperations: { type: string; urn: string }[];
}

/** The engine's deployment (`stack export`) as the model's stack state. */
export function engineState(exported: any): EngineState {
  const d = exported?.deployment ?? {};
  const snapshot: Snapshot = {};
  const deletes: string[] = [];
  for (const r of d.resources ?? []) {
    if (!r.custom || String(r.type).startsWith("pulumi:providers:")) continue;
    if (r.delete) { deletes.push(r.urn); continue; }
    snapshot[r.urn] = { urn: r.urn, type: r.type, name: r.urn.split("::").slice(3).join("::"), inputs: unwrapSecrets(r.inputs ?? {}), outputs: unwrapSecrets(r.outputs ?? {}) };
  }
  const orphanDeletes: string[] = [];
  for (const u of deletes) {
    if (snapshot[u]) snapshot[u].pendingDeletes = (snapshot[u].pendingDeletes ?? 0) + 1;
    else orphanDeletes.push(u);
  }
  const pendingOperations = (d.pending_operations ?? []).map((o: any) => ({ type: o.type, urn: o.resource?.urn }));
  return { snapshot, orphanDeletes, pendingOperations };
}
