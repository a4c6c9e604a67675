/**
 * RealStack: one Pulumi stack of an e2e scenario on the REAL engine — the CLI, the docker, command
 * and random provider plugins that `npm run toolchain` builds, found through `findToolchain()` —
 * driven by the Automation API with an inline program, on a file backend in a temp directory of
 * its own. Every scenario of the e2e suite deploys through this module; nothing in the e2e process
 * installs the SDK's mocks (up() refuses to run if something did: inline programs share the SDK's
 * runtime state with the mocha process).
 *
 * INVARIANTS
 *  - Every `up` is followed by `preview --expect-no-changes` of the same program: a program that
 *    does not converge in one update fails the `up` that showed it, naming what the preview wanted
 *    to change.
 *  - `refresh()` is `refresh --expect-no-changes`: what the engine reads back from Docker equals
 *    its state.
 *  - `destroy()` fails unless no container, volume or network of the stack is left afterwards:
 *    neither one the stack's state named (by id or name) nor one carrying the stack's label.
 *    Images may stay (`keepLocally`, derived images).
 *  - Every Docker container, volume and network the program declares carries the labels
 *    `wgkit.e2e.stack=<id>` and `wgkit.e2e.owner=<pid of the mocha process>` (a stack
 *    transformation adds them), so leftovers of a crashed run are found by their owner being
 *    gone (`sweepDeadOwners`), and nobody else's objects are ever touched.
 *
 * FAILURE MODES
 *  - No toolchain built: `create()` throws with findToolchain's reason (run `npm run toolchain`).
 *  - A failed `up` leaves what the engine created in the state; `destroy()`/`dispose()` remove it.
 *  - A killed mocha process leaves the stack's objects behind with its pid: the next run's hooks
 *    sweep them (`sweepDeadOwners`); the backend directory is in the OS temp dir.
 *  - Ops reported per resource come from the engine's own events (resourcePreEvent), not a model.
 */
import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import Docker from "dockerode";
import * as pulumi from "@pulumi/pulumi";
import { EngineEvent, LocalWorkspace, OpType, PulumiCommand, Stack } from "@pulumi/pulumi/automation";
import { findToolchain } from "../../../cli/Toolchain";
import { alive } from "./exec";

/** gRPC's words when the inline program cannot reach the engine (grpc-js, code 14). */
const TRANSPORT_ERROR = /14 UNAVAILABLE: No connection established/;
/** How many `up`s were run again after TRANSPORT_ERROR in this process (reported by the hooks). */
export let transportRetries = 0;

/** Labels on every Docker object a RealStack's program declares. */
export const STACK_LABEL = "wgkit.e2e.stack";
export const OWNER_LABEL = "wgkit.e2e.owner";

const LABELLED_TYPES = new Set(["docker:index/container:Container", "docker:index/volume:Volume", "docker:index/network:Network"]);
const CONTAINER = "docker:index/container:Container";
const VOLUME = "docker:index/volume:Volume";
const NETWORK = "docker:index/network:Network";

export type Program = () => Promise<Record<string, unknown>> | Record<string, unknown>;

/** What the engine did to one resource in an operation, in its own words (op of each step). */
export type Op = "same" | "create" | "update" | "replace" | "delete" | "read" | "refresh" | string;

export interface StateResource {
  urn: string;
  type: string;
  /** The last segment of the URN (the resource's logical name). */
  name: string;
  id?: string;
  inputs: Record<string, any>;
  outputs: Record<string, any>;
}

export interface UpResult {
  /** Stack outputs as plain values (secrets read back as their values). */
  outputs: Record<string, any>;
  /** Names of the outputs the engine holds as secrets. */
  secret: Set<string>;
  /** `type::name` → what the update did (same, create, update, replace, delete). */
  ops: Map<string, Op>;
  /** The engine's change summary of the update (e.g. { same: 12, update: 1 }). */
  changes: Record<string, number>;
  resources: StateResource[];
  /** Wall time of the update and of the preview after it. */
  ms: number;
  previewMs: number;
}

export interface UpFailure {
  /** The engine's error diagnostics (what a user reads), joined. */
  message: string;
  ops: Map<string, Op>;
  ms: number;
}

const verbose = () => process.env.WGKIT_E2E_VERBOSE === "1" || process.env.WGKIT_E2E_VERBOSE === "true";

/** Is the SDK's mock monitor installed in this process (pulumi.runtime.setMocks)? */
function mocksInstalled(): boolean {
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const settings = require("@pulumi/pulumi/runtime/settings");
  return settings.options?.().monitorAddr === "mock";
}

const keyOf = (type: string, urn: string) => `${type}::${urn.slice(urn.lastIndexOf("::") + 2)}`;

/** Folds the steps of one resource into one word: a replacement's steps read as "replace". */
function fold(prev: Op | undefined, op: OpType | string): Op {
  const o = op === "create-replacement" || op === "delete-replaced" || op === "replace" ? "replace"
    : op === "discard" || op === "discard-replaced" ? "delete" : op;
  if (prev === "replace") return prev;
  if (prev && prev !== "same" && o === "same") return prev;
  return o;
}

class EventLog {
  readonly ops = new Map<string, Op>();
  readonly errors: string[] = [];
  private readonly changes = new Set<string>();
  /** Steps that change something (a refresh step that read back a difference reports `update`). */
  get changed(): string[] {
    return [...this.changes];
  }
  readonly onEvent = (e: EngineEvent) => {
    const step = e.resourcePreEvent?.metadata;
    if (step && step.type !== "pulumi:pulumi:Stack") {
      const k = keyOf(step.type, step.urn);
      this.ops.set(k, fold(this.ops.get(k), step.op));
    }
    const m = step ?? e.resOutputsEvent?.metadata;
    if (m && m.type !== "pulumi:pulumi:Stack" && !["same", "read", "refresh"].includes(m.op)) {
      const diffs = m.diffs?.length ? ` [${m.diffs.join(", ")}]` : "";
      this.changes.add(`${m.op} ${keyOf(m.type, m.urn)}${diffs}`);
    }
    const d = e.diagnosticEvent;
    if (d && d.severity === "error") this.errors.push(d.message.trim());
  };
}

/** The labels of this process's stacks: a stack transformation, registered inside each program. */
function labelTransformation(stackId: string): pulumi.ResourceTransformation {
  return (a) => {
    if (!LABELLED_TYPES.has(a.type)) return undefined;
    const ours = [{ label: STACK_LABEL, value: stackId }, { label: OWNER_LABEL, value: String(process.pid) }];
    const labels = pulumi.output(a.props.labels ?? []).apply((l: { label: string; value: string }[]) => [...(l ?? []), ...ours]);
    return { props: { ...a.props, labels }, opts: a.opts };
  };
}

export class RealStack {
  private destroyed = false;
  private retired = false;
  private lastResources: StateResource[] = [];

  private constructor(
    /** The stack's label value: `<name>-<hex>`. */
    readonly id: string,
    readonly stack: Stack,
    readonly dir: string,
    private readonly docker: Docker,
    private readonly passphrase: string,
  ) {}

  /** A new stack named `name` on a file backend in a fresh temp directory. */
  static async create(name: string, docker = new Docker()): Promise<RealStack> {
    const id = `${name}-${crypto.randomBytes(3).toString("hex")}`;
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), `wgkit-e2e-stack-${name}-`));
    fs.chmodSync(dir, 0o700);
    fs.mkdirSync(path.join(dir, "state"), { mode: 0o700 });
    return RealStack.open(name, id, dir, docker, crypto.randomBytes(16).toString("hex"));
  }

  private static async open(name: string, id: string, dir: string, docker: Docker, passphrase: string): Promise<RealStack> {
    const tc = findToolchain();
    if ("missing" in tc) throw new Error(`the e2e suite runs on the real Pulumi engine: ${tc.missing}`);
    const pulumiCommand = await PulumiCommand.get({ root: tc.root });
    const stack = await LocalWorkspace.createOrSelectStack(
      { stackName: name, projectName: "wgkit-e2e", program: async () => ({}) },
      {
        pulumiCommand,
        workDir: dir,
        projectSettings: { name: "wgkit-e2e", runtime: "nodejs", backend: { url: `file://${path.join(dir, "state")}` } },
        envVars: { ...tc.env, PULUMI_CONFIG_PASSPHRASE: passphrase },
      });
    return new RealStack(id, stack, dir, docker, passphrase);
  }

  /**
   * The same stack through a new workspace, as another process would find it: nothing but the
   * backend's files and the passphrase carries over (every CLI run reads the state from them).
   */
  async reopen(): Promise<RealStack> {
    if (this.destroyed) throw new Error(`stack ${this.id} was destroyed`);
    const again = await RealStack.open(this.stack.name, this.id, this.dir, this.docker, this.passphrase);
    this.retired = true; // the new handle owns the stack now
    return again;
  }

  private wrap(program: Program): () => Promise<Record<string, unknown>> {
    return async () => {
      pulumi.runtime.registerStackTransformation(labelTransformation(this.id));
      return await program();
    };
  }

  private guard(): void {
    if (mocksInstalled()) {
      throw new Error("the SDK's mocks are installed in this process (pulumi.runtime.setMocks): an inline program would run against them, not the engine");
    }
    if (this.destroyed) throw new Error(`stack ${this.id} was destroyed`);
    if (this.retired) throw new Error(`this handle of stack ${this.id} was reopened; use the new one`);
  }

  private streams(log: EventLog) {
    const out = (s: string) => { if (verbose()) process.stdout.write(s.replace(/^/gm, "      | ")); };
    return { onEvent: log.onEvent, onOutput: out, onError: out, color: "never" as const };
  }

  /**
   * `pulumi up` of `program` (the program may differ from the previous update's: that is how a
   * scenario changes its peers), then `pulumi preview --expect-no-changes` of the same program.
   */
  async up(program: Program): Promise<UpResult> {
    this.guard();
    let log = new EventLog();
    const fn = this.wrap(program);
    const t0 = Date.now();
    let result;
    try {
      result = await this.stack.up({ program: fn, ...this.streams(log) });
    } catch (e) {
      const why = log.errors.join("\n") || String((e as Error).message ?? e);
      // The inline program's gRPC client once could not reach the engine (1 `up` in 4 e2e runs;
      // cause not found): that transport error, and only it, gets one more `up`, said aloud. The
      // update it interrupted is converged by the next one, as a user's second `up` would.
      if (!TRANSPORT_ERROR.test(why)) throw new Error(`pulumi up of ${this.id} failed:\n${why}`);
      process.stdout.write(`      [realStack] ${this.id}: the program lost its connection to the engine (${why.split("\n")[0].slice(0, 160)}); one more up\n`);
      transportRetries++;
      const again = new EventLog();
      try {
        result = await this.stack.up({ program: fn, ...this.streams(again) });
      } catch (e2) {
        throw new Error(`pulumi up of ${this.id} failed twice:\n${why}\n${again.errors.join("\n") || String((e2 as Error).message ?? e2)}`);
      }
      log = again; // what the update that completed did
    }
    const ms = Date.now() - t0;
    const previewLog = new EventLog();
    const t1 = Date.now();
    try {
      await this.stack.preview({ program: fn, expectNoChanges: true, ...this.streams(previewLog) });
    } catch (e) {
      throw new Error(`pulumi preview --expect-no-changes after an up of ${this.id} found changes:\n  ${previewLog.changed.join("\n  ") || String((e as Error).message ?? e)}`);
    }
    const previewMs = Date.now() - t1;
    const outputs: Record<string, any> = {};
    const secret = new Set<string>();
    for (const [k, v] of Object.entries(result.outputs)) {
      outputs[k] = v.value;
      if (v.secret) secret.add(k);
    }
    const resources = await this.resources();
    if (verbose()) console.log(`      [real engine] up ${this.id}: ${JSON.stringify(result.summary.resourceChanges)} in ${ms} ms, preview ${previewMs} ms`);
    return { outputs, secret, ops: log.ops, changes: (result.summary.resourceChanges ?? {}) as Record<string, number>, resources, ms, previewMs };
  }

  /** `pulumi up` of a program expected to fail: what the engine said (its error diagnostics). */
  async upFails(program: Program): Promise<UpFailure> {
    this.guard();
    const log = new EventLog();
    const t0 = Date.now();
    try {
      await this.stack.up({ program: this.wrap(program), ...this.streams(log) });
    } catch (e) {
      return { message: log.errors.join("\n") || String((e as Error).message ?? e), ops: log.ops, ms: Date.now() - t0 };
    }
    throw new Error(`pulumi up of ${this.id} succeeded; it was expected to fail`);
  }

  /** `pulumi refresh --expect-no-changes`: what the providers read back equals the state. */
  async refresh(): Promise<{ ms: number }> {
    this.guard();
    const log = new EventLog();
    const t0 = Date.now();
    try {
      await this.stack.refresh({ expectNoChanges: true, ...this.streams(log) });
    } catch (e) {
      throw new Error(`pulumi refresh --expect-no-changes of ${this.id} found changes:\n  ${log.changed.join("\n  ") || log.errors.join("\n")}\n${String((e as Error).message ?? e)}`);
    }
    return { ms: Date.now() - t0 };
  }

  /** The stack's resources as the backend holds them (secrets decrypted; this process only). */
  async resources(): Promise<StateResource[]> {
    const d = await this.stack.exportStack();
    const rs: any[] = (d.deployment as any)?.resources ?? [];
    this.lastResources = rs.filter((r) => r.urn).map((r) => ({
      urn: r.urn, type: r.type, name: r.urn.slice(r.urn.lastIndexOf("::") + 2), id: r.id, inputs: r.inputs ?? {}, outputs: r.outputs ?? {},
    }));
    return this.lastResources;
  }

  /** Resources of one type (and logical name) in the state after the last operation. */
  find(type: string, name?: string): StateResource[] {
    return this.lastResources.filter((r) => r.type === type && (name === undefined || r.name === name));
  }

  /** Docker objects of this stack that exist now: by label, and those the state names. */
  async leftovers(named: StateResource[] = []): Promise<string[]> {
    const left: string[] = [];
    const f = { label: [`${STACK_LABEL}=${this.id}`] };
    for (const c of await this.docker.listContainers({ all: true, filters: f })) left.push(`container ${c.Names?.[0] ?? c.Id}`);
    for (const n of await this.docker.listNetworks({ filters: f })) left.push(`network ${n.Name}`);
    const vols: { Name: string }[] = ((await this.docker.listVolumes({ filters: f } as any)) as any)?.Volumes ?? [];
    for (const v of vols) left.push(`volume ${v.Name}`);
    const exists = (p: Promise<unknown>) => p.then(() => true, (e) => { if (e?.statusCode === 404) return false; throw e; });
    for (const r of named) {
      if (!r.id) continue;
      const what = r.type === CONTAINER ? "container" : r.type === VOLUME ? "volume" : r.type === NETWORK ? "network" : undefined;
      if (!what) continue;
      const probe = what === "container" ? this.docker.getContainer(r.id).inspect() : what === "volume" ? this.docker.getVolume(r.id).inspect() : this.docker.getNetwork(r.id).inspect();
      if (await exists(probe) && !left.some((l) => l.startsWith(what) && (l.includes(r.id!) || l.includes(String(r.outputs.name))))) left.push(`${what} ${r.outputs.name ?? r.id} (named by the state)`);
    }
    return left;
  }

  /** `pulumi destroy`; fails if any container, volume or network of the stack is left. */
  async destroy(): Promise<{ ms: number; deleted: number }> {
    const named = (await this.resources()).filter((r) => LABELLED_TYPES.has(r.type));
    const log = new EventLog();
    const t0 = Date.now();
    let result;
    try {
      result = await this.stack.destroy({ ...this.streams(log) });
    } catch (e) {
      throw new Error(`pulumi destroy of ${this.id} failed:\n${log.errors.join("\n") || String((e as Error).message ?? e)}`);
    }
    this.destroyed = true;
    const ms = Date.now() - t0;
    const left = await this.leftovers(named);
    if (left.length) throw new Error(`pulumi destroy of ${this.id} left: ${left.join(", ")}`);
    await this.stack.workspace.removeStack(this.stack.name).catch(() => undefined);
    fs.rmSync(this.dir, { recursive: true, force: true });
    return { ms, deleted: (result.summary.resourceChanges as any)?.delete ?? 0 };
  }

  /** Best effort, never throws (for `after` hooks): destroys unless done; removes leftovers by label. */
  async dispose(): Promise<void> {
    if (this.destroyed || this.retired) return;
    try {
      await this.destroy();
    } catch (e) {
      console.warn(`      [real engine] ${String((e as Error).message ?? e).split("\n").slice(0, 6).join("\n      ")}`);
      await sweepLabelled(this.docker, `${STACK_LABEL}=${this.id}`);
      fs.rmSync(this.dir, { recursive: true, force: true });
    }
  }
}

/** Removes containers, networks and volumes carrying `label` (k=v). Returns how many. */
export async function sweepLabelled(docker: Docker, label: string, keep: (labels: Record<string, string> | undefined) => boolean = () => false): Promise<number> {
  const f = { label: [label] };
  let n = 0;
  for (const c of await docker.listContainers({ all: true, filters: f })) {
    if (keep(c.Labels)) continue;
    await docker.getContainer(c.Id).remove({ force: true, v: true }).catch(() => undefined);
    n++;
  }
  for (const net of await docker.listNetworks({ filters: f })) {
    if (keep(net.Labels)) continue;
    await docker.getNetwork(net.Id).remove().catch(() => undefined);
    n++;
  }
  const vols: { Name: string; Labels?: Record<string, string> }[] = ((await docker.listVolumes({ filters: f } as any)) as any)?.Volumes ?? [];
  for (const v of vols) {
    if (keep(v.Labels)) continue;
    await docker.getVolume(v.Name).remove().catch(() => undefined);
    n++;
  }
  return n;
}

/**
 * Leftovers of e2e runs whose mocha process is gone (killed mid-scenario): only objects carrying
 * OWNER_LABEL with a dead pid. Another engineer's running suite (a live pid) is never touched.
 */
export async function sweepDeadOwners(docker = new Docker()): Promise<number> {
  return sweepLabelled(docker, OWNER_LABEL, (labels) => alive(Number(labels?.[OWNER_LABEL])));
}

/** This process's own leftovers (after every scenario destroyed its stack, there are none). */
export async function sweepOwn(docker = new Docker()): Promise<number> {
  return sweepLabelled(docker, `${OWNER_LABEL}=${process.pid}`);
}

const keepOnFailure = () => process.env.WGKIT_E2E_KEEP_ON_FAILURE === "1";

/**
 * The end of a scenario that spans a describe block, as its last two tests: `pulumi refresh
 * --expect-no-changes`, then `pulumi destroy` and the leftover check. An `after` hook runs the
 * cleanup registry (namespaces, processes) and disposes of the stack if the scenario stopped
 * before its end — unless WGKIT_E2E_KEEP_ON_FAILURE=1 and a test failed.
 */
export function scenarioEnd(stack: () => RealStack | undefined, cleanup?: { run(): Promise<void> }): void {
  let failed = false;
  afterEach(function () {
    if (this.currentTest?.state === "failed") failed = true;
  });
  it("pulumi refresh --expect-no-changes: Docker agrees with the stack's state", async function () {
    const s = stack();
    if (!s) this.skip();
    await s.refresh();
  });
  it("pulumi destroy leaves no container, volume or network of the stack", async function () {
    const s = stack();
    if (!s) this.skip();
    await s.destroy();
  });
  after(async function () {
    if (failed && keepOnFailure()) {
      console.log(`      WGKIT_E2E_KEEP_ON_FAILURE=1: leaving the stack (${stack()?.dir}), namespaces and containers for inspection`);
      return;
    }
    await cleanup?.run();
    await stack()?.dispose();
  });
}

/**
 * A scenario of one test on a stack of its own: `body`, then `refresh --expect-no-changes` and
 * `destroy` with the leftover check. On failure the stack is disposed of (or kept with
 * WGKIT_E2E_KEEP_ON_FAILURE=1) and the failure rethrown.
 */
export async function onRealStack<T>(name: string, body: (s: RealStack) => Promise<T>): Promise<T> {
  const s = await RealStack.create(name);
  try {
    const r = await body(s);
    await s.refresh();
    await s.destroy();
    return r;
  } catch (e) {
    if (keepOnFailure()) console.log(`      WGKIT_E2E_KEEP_ON_FAILURE=1: leaving stack ${s.id} (${s.dir})`);
    else await s.dispose();
    throw e;
  }
}
