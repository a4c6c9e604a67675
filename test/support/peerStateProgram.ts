/**
 * One `pulumi up` of a one-server program under the SDK mocks, from a given stack state: the
 * unit of the peer-state property tests. Runs in this process (`runStep`) or in a fresh Node
 * process (`runStepInNewProcess`: this file as a script, JSON on stdin/stdout), so the tests
 * can hand state over both ways.
 */
import { spawnSync } from "child_process";
import * as pulumi from "@pulumi/pulumi";
import { WgKitError } from "@wgkit/core";
import { WireGuardServer } from "@wgkit/pulumi";
import { Op, RecordingMocks, settle, Snapshot, useMocks, value } from "./mocks";
import { Declared, declarePeerStateOnly } from "./peerStateOnly";

export interface ProgramPeer { address?: string; rotation?: string; enabled?: boolean }
export interface Program { subnet: string; subnet6?: string; peers: Record<string, ProgramPeer> }

export interface PeerResult { address: string; address6?: string; publicKey: string; privateKey: string; presharedKey: string }
export interface StepResult {
  /** The state after the update (for an interrupted update: what the engine had saved). */
  snapshot: Snapshot;
  peers?: Record<string, PeerResult>;
  serverPublicKey?: string;
  error?: { field?: string; rule?: string; message: string };
  /** The model's steps of a completed update, by URN (see RecordingMocks.plannedOps). */
  ops?: Record<string, Op>;
}

export interface StepOptions {
  preview?: boolean;
  /** Interrupt the update after this many creations (in registration order). */
  interruptAfterCreates?: number;
  /** Declare the server's peer state alone (peerStateOnly.ts), not the whole server. */
  only?: "peer-state";
}

/** The whole server, and what its devices get. */
function declareServer(program: Program): Declared {
  const s = new WireGuardServer("wg", { serverUrl: "vpn.example.com", subnet: program.subnet, subnet6: program.subnet6, peers: program.peers });
  const names = Object.keys(program.peers);
  const peers = pulumi.all([s.config, pulumi.all(names.map((n) => pulumi.all([
    s.peers[n].address, s.peers[n].address6, s.peers[n].publicKey, s.peers[n].privateKey, s.peers[n].presharedKey,
  ])))]).apply(([_conf, vals]) => Object.fromEntries(names.map((n, i) => {
    const [address, address6, publicKey, privateKey, presharedKey] = vals[i];
    return [n, { address, address6, publicKey, privateKey: privateKey!, presharedKey: presharedKey! }];
  })));
  return { peers, serverPublicKey: s.publicKey };
}

function errorOf(e: unknown): StepResult["error"] {
  const err = e as WgKitError;
  return { field: err?.field, rule: err?.rule, message: String(err?.message ?? e) };
}

export async function runStep(previous: Snapshot, program: Program, opts: StepOptions = {}): Promise<StepResult> {
  const mocks = useMocks(new RecordingMocks(previous), opts.preview ?? false);
  let result: StepResult;
  // As under `pulumi up`, an error inside an Output (e.g. a pin colliding with a remembered
  // address) surfaces as an unhandled rejection: the language host reports it and fails the update.
  let unhandled: unknown;
  const onUnhandled = (e: unknown) => { unhandled ??= e; };
  process.on("unhandledRejection", onUnhandled);
  try {
    const declared = opts.only === "peer-state" ? declarePeerStateOnly(program) : declareServer(program);
    result = { snapshot: {}, peers: await value(declared.peers), serverPublicKey: await value(declared.serverPublicKey) };
  } catch (e) {
    result = { snapshot: {}, error: errorOf(e) };
  }
  await settle();
  process.off("unhandledRejection", onUnhandled);
  if (unhandled !== undefined && !result.error) result = { snapshot: {}, error: errorOf(unhandled) };
  if (opts.preview) result.snapshot = previous; // a preview changes no state
  else if (result.error) result.snapshot = mocks.snapshot(() => false); // a failed update: what it created stays, nothing is deleted
  else if (opts.interruptAfterCreates !== undefined) {
    const keep = new Set([...mocks.created].slice(0, opts.interruptAfterCreates));
    result.snapshot = mocks.snapshot((r) => !keep.has(r.urn));
    delete result.peers; // nothing of an interrupted update reaches a device
  } else {
    result.snapshot = mocks.snapshot();
    result.ops = mocks.plannedOps();
  }
  return result;
}

/** The same step in a new Node process: nothing of this process's state can leak into it. */
export function runStepInNewProcess(previous: Snapshot, program: Program, opts: StepOptions = {}): StepResult {
  const r = spawnSync(process.execPath, [__filename], { input: JSON.stringify({ previous, program, opts }), encoding: "utf8", maxBuffer: 64 * 2 ** 20 });
  // After a refused update the SDK's leak check sets exit code 1 on its own; the step's result
  // is the JSON document it printed, complete or missing.
  try {
    return JSON.parse(r.stdout) as StepResult;
  } catch {
    throw new Error(`step process failed (${r.status}): ${r.stderr}`);
  }
}

if (require.main === module) {
  let input = "";
  process.stdin.setEncoding("utf8");
  process.stdin.on("data", (d) => { input += d; });
  process.stdin.on("end", () => {
    const { previous, program, opts } = JSON.parse(input);
    // exit explicitly: after a refused update the SDK reports its unresolved promises and sets a failing code
    runStep(previous, program, opts).then((r) => { process.stdout.write(JSON.stringify(r), () => process.exit(0)); }, (e) => { console.error(e); process.exit(1); });
  });
}
