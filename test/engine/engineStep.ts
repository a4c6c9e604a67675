/**
 * The real engine for one random sequence, in a process of its own (so the test can `kill -9` it,
 * the Pulumi CLI and its plugins mid-update; and because the mocha process has the SDK's mocks
 * installed, which an inline program must not share). It drives the toolchain's CLI
 * (findToolchain) through the Automation API on a file backend, one stack for the process's
 * life: each line on stdin is a step (a program and actions run in order), as an Automation API
 * host runs many updates in one process. It prints one line per changing engine step as it
 * starts (`E <json>`) and as it ends (`D <json>`) — the test kills on these — and one result line
 * per step (`R <json>`).
 *
 * Actions: `up` (the peer-state program of `program`; ops folded per URN from the engine's own
 * events, outputs, or the program's error), `preview` (`--expect-no-changes`), `recover` (after a
 * kill: a stale lock of this host is cleared as the main command clears it (cli/StaleLock.ts),
 * then `refresh --clear-pending-creates`), `export` (the deployment, secrets in plaintext).
 *
 *   node engineStep.js <dir>    then lines {"program":…, "actions":["up","export"]}
 */
import * as fs from "fs";
import { EngineEvent, LocalWorkspace, PulumiCommand, Stack } from "@pulumi/pulumi/automation";
import { findToolchain } from "../../cli/Toolchain";
import { isStale, lockFile, parseLockError } from "../../cli/StaleLock";
import { declareLegacyPeerState, declarePeerStateOnly, LegacyLayout } from "../support/peerStateOnly";
import type { Op } from "../support/mocks";
import type { PeerResult, Program } from "../support/peerStateProgram";

export type Action = "up" | "preview" | "recover" | "export";

export interface StepInput {
  program: Program;
  actions: Action[];
  /** Declare the peer state as an earlier version laid it out (the `address` pins are what the memories hold). */
  legacy?: LegacyLayout;
}

/** What the engine did to one resource in an update, folded from the ops of its steps (in the model's terms). */
export type EngineOp = Op;

export interface UpResult {
  ok: boolean;
  /** Custom resources (providers left out) by URN, with the raw ops of their steps. */
  ops: Record<string, { op: EngineOp; steps: string[]; type: string }>;
  changes?: Record<string, number>;
  peers?: Record<string, PeerResult>;
  serverPublicKey?: string;
  /** The program's or the engine's error, when the update failed. */
  error?: string;
  ms: number;
}

export interface StepOutput {
  up?: UpResult;
  preview?: { ok: boolean; error?: string; ms: number };
  recover?: { clearedLocks: string[]; refreshed: boolean; error?: string; ms: number };
  export?: any;
}

/** As the mocks name them (test/support/mocks.ts useMocks), so that URNs are the same. */
const PROJECT = "wgkit-test";
const STACK = "test";
const PASSPHRASE = "wgkit-engine-model-test";

function fold(steps: string[]): EngineOp | undefined {
  if (steps.some((s) => s === "create-replacement" || s === "replace")) return "replace";
  if (steps.includes("create")) return "create";
  if (steps.includes("delete")) return "delete";
  if (steps.includes("update")) return "update";
  if (steps.includes("delete-replaced")) return "delete-replaced";
  return undefined;
}

/** The sequence's stack; its backend lives in `<dir>/state`. Each update gets its program in `up`. */
async function openStack(dir: string): Promise<Stack> {
  const tc = findToolchain();
  if ("missing" in tc) throw new Error(tc.missing);
  const backend = `${dir}/state`;
  fs.mkdirSync(backend, { recursive: true, mode: 0o700 });
  return LocalWorkspace.createOrSelectStack({ stackName: STACK, projectName: PROJECT, program: async () => ({}) }, {
    pulumiCommand: await PulumiCommand.get({ root: tc.root }),
    workDir: dir,
    projectSettings: { name: PROJECT, runtime: "nodejs", backend: { url: `file://${backend}` } },
    envVars: { ...tc.env, PULUMI_CONFIG_PASSPHRASE: PASSPHRASE },
  });
}

function programOf(p: Program, legacy?: LegacyLayout) {
  return async () => {
    const d = legacy ? declareLegacyPeerState(p, legacy) : declarePeerStateOnly(p);
    return { peers: d.peers, serverPublicKey: d.serverPublicKey };
  };
}

const say = (kind: "E" | "D" | "R", v: unknown) => new Promise<void>((r) => process.stdout.write(`${kind} ${JSON.stringify(v)}\n`, () => r()));
const message = (e: unknown) => String((e as Error)?.message ?? e);

async function up(stack: Stack, p: Program, legacy?: LegacyLayout): Promise<UpResult> {
  const steps = new Map<string, { steps: string[]; type: string }>();
  const onEvent = (e: EngineEvent) => {
    const done = e.resOutputsEvent?.metadata;
    if (done && (done.new?.custom ?? done.old?.custom) && !done.type.startsWith("pulumi:providers:") && !["same", "read", "refresh"].includes(done.op)) {
      void say("D", { op: done.op, urn: done.urn });
    }
    const m = e.resourcePreEvent?.metadata;
    if (!m) return;
    const custom = m.new?.custom ?? m.old?.custom;
    if (!custom || m.type.startsWith("pulumi:providers:")) return;
    const s = steps.get(m.urn) ?? { steps: [], type: m.type };
    s.steps.push(m.op);
    steps.set(m.urn, s);
    if (!["same", "read", "refresh"].includes(m.op)) void say("E", { op: m.op, urn: m.urn });
  };
  const t0 = Date.now();
  const opsOf = () => {
    const ops: UpResult["ops"] = {};
    for (const [urn, s] of steps) {
      const op = fold(s.steps);
      if (op) ops[urn] = { op, steps: s.steps, type: s.type };
    }
    return ops;
  };
  let out = "";
  try {
    const r = await stack.up({ program: programOf(p, legacy), onEvent, onOutput: (s) => { out += s; }, color: "never" });
    return {
      ok: true, ops: opsOf(), changes: r.summary.resourceChanges as Record<string, number>, ms: Date.now() - t0,
      peers: r.outputs.peers?.value, serverPublicKey: r.outputs.serverPublicKey?.value,
    };
  } catch (e) {
    return { ok: false, ops: opsOf(), error: `${message(e)}\n${out}`, ms: Date.now() - t0 };
  }
}

async function recover(stack: Stack, dir: string): Promise<StepOutput["recover"]> {
  const t0 = Date.now();
  const clearedLocks: string[] = [];
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      await stack.refresh({ clearPendingCreates: true, color: "never" });
      return { clearedLocks, refreshed: true, ms: Date.now() - t0 };
    } catch (e) {
      const locks = parseLockError(message(e));
      if (!locks?.length) return { clearedLocks, refreshed: false, error: message(e), ms: Date.now() - t0 };
      for (const l of locks) {
        const file = lockFile(l, dir);
        if (!isStale(l) || !file) return { clearedLocks, refreshed: false, error: `a lock that is not stale: ${message(e)}`, ms: Date.now() - t0 };
        if (clearedLocks.includes(file)) continue;
        fs.rmSync(file, { force: true });
        clearedLocks.push(file);
      }
    }
  }
  return { clearedLocks, refreshed: false, error: "still locked", ms: Date.now() - t0 };
}

async function step(stack: Stack, dir: string, input: StepInput): Promise<StepOutput> {
  const result: StepOutput = {};
  for (const a of input.actions) {
    const t0 = Date.now();
    switch (a) {
      case "up": result.up = await up(stack, input.program, input.legacy); break;
      case "preview":
        try {
          await stack.preview({ program: programOf(input.program), expectNoChanges: true, color: "never" });
          result.preview = { ok: true, ms: Date.now() - t0 };
        } catch (e) {
          result.preview = { ok: false, error: message(e), ms: Date.now() - t0 };
        }
        break;
      case "recover": result.recover = await recover(stack, dir); break;
      case "export": result.export = await stack.exportStack(); break;
    }
  }
  return result;
}

if (require.main === module) {
  const dir = process.argv[2];
  // One step at a time, in the order they arrive.
  let queue = openStack(dir);
  let buf = "";
  process.stdin.setEncoding("utf8");
  process.stdin.on("data", (d: string) => {
    buf += d;
    let i: number;
    while ((i = buf.indexOf("\n")) >= 0) {
      const input = JSON.parse(buf.slice(0, i)) as StepInput;
      buf = buf.slice(i + 1);
      queue = queue.then(async (stack) => { await say("R", await step(stack, dir, input)); return stack; });
      queue.catch((e) => { process.stderr.write(String(e?.stack ?? e) + "\n"); process.exit(1); });
    }
  });
  // Exit explicitly: after a refused update the SDK reports its unresolved promises and sets a failing code.
  process.stdin.on("end", () => { queue.then(() => process.exit(0)); });
}
