import * as crypto from "crypto";
import * as pulumi from "@pulumi/pulumi";
import { isDeepStrictEqual } from "util";
import { migrateKeySeeds, plaintextSecret } from "@wgkit/pulumi/dist/SeedMigration";
import { engineModel, findOld, processIgnoreChanges, Registration, RegistrationSink } from "./engineModel";

export type State = Record<string, any>;

/** One resource in the modelled stack state. */
export interface StoredResource {
  urn: string;
  type: string;
  name: string;
  /** Inputs after ignoreChanges (what the engine stores as inputs). */
  inputs: State;
  outputs: State;
  /**
   * Old copies of this resource that replacements left for deletion (the engine's `delete: true`
   * entries of the same URN): a replacement creates the new copy first and deletes the old one at
   * the end of the update, so an update that stops before its end leaves them; the next update
   * deletes them (its `delete-replaced` steps).
   */
  pendingDeletes?: number;
}

/** The stack's state between updates, by URN (plain JSON: it can be written to a file and read by another process). */
export type Snapshot = Record<string, StoredResource>;

/** What an update does to a custom resource, as the engine reports its steps (`same` left out). */
export type Op = "create" | "update" | "replace" | "delete" | "delete-replaced";

const RANDOM_BYTES = "random:index/randomBytes:RandomBytes";
const RANDOM_PASSWORD = "random:index/randomPassword:RandomPassword";
const ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/** The password the mocks make of random bytes: `length` alphanumerics, as the provider makes one with `special: false`. */
export function mockPassword(bytes: Buffer, length: number): string {
  if (bytes.length < length) throw new Error(`mockPassword: ${bytes.length} bytes for ${length} characters`);
  return Array.from(bytes.subarray(0, length), (b) => ALNUM[b % ALNUM.length]).join("");
}

/**
 * SDK mocks that record every registration and carry the stack's state from one update to the
 * next the way the Pulumi engine does for what wgkit relies on (see engineModel.ts): URNs with
 * aliases, ignoreChanges (old inputs substituted, also on replacement), RandomBytes and
 * RandomPassword keeping their value unless their inputs change (then they are replaced: a new
 * value; `bytes` gives a resource's random bytes by name, for tests that must know them), resources no longer declared
 * deleted. This is our model of the engine, not the engine; the e2e harness runs the same
 * programs against real Docker.
 */
export class RecordingMocks implements pulumi.runtime.Mocks, RegistrationSink {
  readonly registrations: (pulumi.runtime.MockResourceArgs & { urn: string; aliases: string[] })[] = [];
  /** This update's resulting state, by URN. */
  readonly states = new Map<string, StoredResource>();
  /** URNs this update created (no old state). */
  readonly created = new Set<string>();
  /** The model's step for each custom resource this update registered and changes (`same` left out). */
  readonly ops = new Map<string, Op>();
  current?: Registration;
  private readonly previous: Map<string, StoredResource>;

  constructor(previous: Snapshot | Map<string, StoredResource> = {}, private readonly bytes?: (name: string) => Buffer) {
    this.previous = previous instanceof Map ? previous : new Map(Object.entries(previous));
  }

  newResource(args: pulumi.runtime.MockResourceArgs): { id: string | undefined; state: State } {
    const reg = this.current ?? { urn: args.name, ignoreChanges: [], aliases: [] };
    this.current = undefined;
    this.registrations.push({ ...args, urn: reg.urn, aliases: reg.aliases });
    const old = findOld(this.previous, reg)?.state;
    const inputs: State = old ? processIgnoreChanges(args.inputs, old.inputs, reg.ignoreChanges) : JSON.parse(JSON.stringify(args.inputs ?? {}));
    let outputs: State = { ...inputs };
    switch (args.type) {
      case RANDOM_BYTES: {
        const same = old !== undefined && isDeepStrictEqual(old.inputs, inputs);
        const b = same ? Buffer.from(old!.outputs.base64, "base64") : (this.bytes?.(args.name) ?? crypto.randomBytes(inputs.length));
        outputs = { ...inputs, base64: b.toString("base64"), hex: b.toString("hex") };
        break;
      }
      case RANDOM_PASSWORD: {
        const same = old !== undefined && isDeepStrictEqual(old.inputs, inputs);
        const result = same ? old!.outputs.result : mockPassword(this.bytes?.(args.name) ?? crypto.randomBytes(inputs.length), inputs.length);
        outputs = { ...inputs, result };
        break;
      }
      case "docker:index/container:Container":
        outputs = { ...outputs, networkDatas: [{ networkName: "bridge", ipAddress: "198.18.0.2" }] };
        break;
      case "docker:index/remoteImage:RemoteImage":
        outputs = { ...outputs, imageId: `sha256:${"0".repeat(64)}`, repoDigest: "" };
        break;
    }
    if (!old) this.created.add(reg.urn);
    if (args.custom) {
      // Every input of the random provider's resources forces a replacement (its schema marks them
      // ForceNew); for other types the model does not know, and says update.
      const changed = old !== undefined && !isDeepStrictEqual(old.inputs, inputs);
      if (!old) this.ops.set(reg.urn, "create");
      else if (changed) this.ops.set(reg.urn, args.type.startsWith("random:") ? "replace" : "update");
    }
    if (args.custom) this.states.set(reg.urn, { urn: reg.urn, type: args.type, name: args.name, inputs, outputs });
    return { id: args.custom ? `${args.name}_id` : undefined, state: outputs };
  }

  call(args: pulumi.runtime.MockCallArgs): Record<string, any> {
    // Docker's default bridge, as the examples look it up (its gateway is this host on that bridge).
    if (args.token === "docker:index/getNetwork:getNetwork") return { ...args.inputs, id: "bridge0", driver: "bridge", ipamConfigs: [{ subnet: "172.17.0.0/16", gateway: "172.17.0.1" }] };
    return args.inputs;
  }

  /**
   * The state the next update starts from. A completed update: exactly what this one declared.
   * An interrupted one (`interrupted` lists URNs this update created whose creation is lost):
   * those are missing, and nothing was deleted yet (deletions come last) — neither what it no
   * longer declares nor the old copies of what it replaced, which stay as pending deletions.
   */
  snapshot(interrupted?: (r: StoredResource) => boolean): Snapshot {
    const out: Snapshot = {};
    if (interrupted) for (const [u, s] of this.previous) out[u] = s;
    for (const [u, s] of this.states) {
      if (interrupted && this.created.has(u) && interrupted(s)) continue;
      out[u] = JSON.parse(JSON.stringify(s));
      if (!interrupted) continue;
      const pending = (this.previous.get(u)?.pendingDeletes ?? 0) + (this.ops.get(u) === "replace" ? 1 : 0);
      if (pending) out[u].pendingDeletes = pending;
    }
    return out;
  }

  /**
   * The steps of a completed update by URN: creates, updates and replaces of what it registered,
   * then a delete of every resource of the previous state that nothing registered took over
   * (by its URN or an alias), and a `delete-replaced` of the old copies an earlier update left
   * (for a resource this update does nothing else to).
   */
  plannedOps(): Record<string, Op> {
    const out: Record<string, Op> = Object.fromEntries(this.ops);
    const claimed = new Set(this.registrations.flatMap((r) => [r.urn, ...r.aliases]));
    for (const [u, s] of this.previous) {
      if (!claimed.has(u)) out[u] = "delete";
      else if (s.pendingDeletes && !out[u]) out[u] = "delete-replaced";
    }
    return out;
  }

  /** The state to hand to the next run (kept for older call sites). */
  nextRun(): Map<string, StoredResource> {
    return new Map(Object.entries(this.snapshot()));
  }

  byType(type: string): pulumi.runtime.MockResourceArgs[] {
    return this.registrations.filter((r) => r.type === type);
  }
}

/** Installs the mocks for one program run, with the engine model's registration details. */
export function useMocks<M extends pulumi.runtime.Mocks & RegistrationSink>(mocks: M, preview = false): M {
  pulumi.runtime.setMocks(mocks, "wgkit-test", "test", preview);
  engineModel(mocks);
  return mocks;
}

export function value<T>(o: pulumi.Output<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    (o as any).promise().then(resolve, reject);
  });
}

/** Waits until all registrations started so far have settled. */
export async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
}

/**
 * `wgkit migrate-state` on a modelled stack: the snapshot as a v3 deployment (as `stack export
 * --show-secrets` prints it: every RandomBytes' value a plaintext secret), through the package's
 * migrateKeySeeds, and back (secrets unwrapped).
 */
export function migrateSnapshot(snap: Snapshot): { snapshot: Snapshot; moved: string[] } {
  const wrap = (r: StoredResource) => r.type !== RANDOM_BYTES ? r.outputs
    : { ...r.outputs, base64: plaintextSecret(r.outputs.base64), hex: plaintextSecret(r.outputs.hex) };
  const unwrap = (v: any): any => v && typeof v === "object" && typeof v.plaintext === "string" ? JSON.parse(v.plaintext) : v;
  const resources = Object.values(snap).map((r) => ({ urn: r.urn, custom: true, id: `${r.name}_id`, type: r.type, inputs: r.inputs, outputs: wrap(r) }));
  const { deployment, moved } = migrateKeySeeds({ version: 3, deployment: { manifest: {}, resources } });
  const out: Snapshot = {};
  for (const r of deployment.deployment.resources!) {
    const outputs = Object.fromEntries(Object.entries(r.outputs ?? {}).map(([k, v]) => [k, unwrap(v)]));
    out[r.urn] = { urn: r.urn, type: r.type, name: r.urn.split("::").slice(3).join("::"), inputs: r.inputs ?? {}, outputs };
  }
  return { snapshot: out, moved };
}
