import * as crypto from "crypto";
import * as pulumi from "@pulumi/pulumi";

export type State = Record<string, any>;

/**
 * SDK mocks that record every registration and can carry state from a
 * previous run. Carrying state emulates what the Pulumi engine does between
 * two `pulumi up`s for the two resource types whose state wgkit relies on:
 * RandomBytes keeps its bytes unless its keepers change (replacement), and
 * `ignoreChanges` paths keep their old values (engine semantics: old inputs
 * are substituted into the goal state). This is our model of the engine,
 * not the engine; the e2e harness runs the same programs against real Docker.
 */
export class RecordingMocks implements pulumi.runtime.Mocks {
  readonly registrations: pulumi.runtime.MockResourceArgs[] = [];
  readonly states = new Map<string, State>();
  constructor(private readonly previous = new Map<string, State>(), private readonly bytes?: (name: string) => Buffer) {}

  newResource(args: pulumi.runtime.MockResourceArgs): { id: string | undefined; state: State } {
    this.registrations.push(args);
    const prev = this.previous.get(args.name);
    let state: State = { ...args.inputs };
    switch (args.type) {
      case "random:index/randomBytes:RandomBytes": {
        if (prev && "address" in (prev.keepers ?? {})) { state = prev; break; } // address memory: ignoreChanges: ["keepers"]
        const replace = !prev || prev.keepers?.rotation !== args.inputs.keepers?.rotation || prev.length !== args.inputs.length;
        const b = replace ? (this.bytes?.(args.name) ?? crypto.randomBytes(args.inputs.length)) : Buffer.from(prev.base64, "base64");
        state = { ...state, base64: b.toString("base64"), hex: b.toString("hex") };
        if (prev) state.keepers = { ...state.keepers, createdIn: prev.keepers.createdIn }; // ignoreChanges: ["keepers.createdIn"]
        break;
      }
      case "docker:index/container:Container":
        state = { ...state, networkDatas: [{ networkName: "bridge", ipAddress: "198.18.0.2" }] };
        break;
      case "docker:index/remoteImage:RemoteImage":
        state = { ...state, imageId: `sha256:${"0".repeat(64)}`, repoDigest: "" };
        break;
    }
    this.states.set(args.name, state);
    return { id: args.custom ? `${args.name}_id` : undefined, state };
  }

  call(args: pulumi.runtime.MockCallArgs): Record<string, any> {
    return args.inputs;
  }

  /** The state to hand to the next run, as a new process (new RUN_ID) would see it. */
  nextRun(): Map<string, State> {
    const m = new Map<string, State>();
    for (const [k, v] of this.states) {
      const s = JSON.parse(JSON.stringify(v));
      if (s.keepers?.createdIn) s.keepers.createdIn = `earlier:${s.keepers.createdIn}`;
      m.set(k, s);
    }
    return m;
  }

  byType(type: string): pulumi.runtime.MockResourceArgs[] {
    return this.registrations.filter((r) => r.type === type);
  }
}

/** Installs the mocks for one program run. */
export function useMocks(mocks: RecordingMocks, preview = false): RecordingMocks {
  pulumi.runtime.setMocks(mocks, "wgkit-test", "test", preview);
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
