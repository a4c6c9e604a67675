import { spawnSync } from "child_process";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { WireGuardServer } from "@wgkit/pulumi";
import { RecordingMocks, settle, useMocks } from "../support/mocks";
import { Figure } from "./coreBench";
import { scalingFigure, withFloor } from "./programFigures";

/** Evaluates a one-server program with N peers under the SDK mocks until every output has resolved. */
export async function programEval(peers: number): Promise<Figure> {
  const mocks = useMocks(new RecordingMocks());
  const t0 = process.hrtime.bigint();
  const spec: Record<string, object> = {};
  for (let i = 0; i < peers; i++) spec[`peer${i}`] = {};
  const s = new WireGuardServer("bench", { serverUrl: "vpn.example.com", subnet: "10.20.0.0/16", peers: spec });
  const all = pulumi.all([s.config, s.install.stdout, s.status.apply((x) => JSON.stringify(x)), ...Object.values(s.peers).flatMap((p) => [p.config, p.qrCode, p.nixos])]);
  await (all as any).promise();
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  await settle(); // let registerOutputs finish before the next run swaps the mocks
  // Per-peer resources are named `<server>/<peer>/<kind>` (ChildName.ts).
  const perPeer = mocks.registrations.filter((r) => /^bench\/peer\d+\//.test(r.name)).length / peers;
  const customPerPeer = mocks.registrations.filter((r) => r.custom && /^bench\/peer\d+\//.test(r.name)).length / peers;
  return { bench: "program-eval", peers, ms: Math.round(ms), resources: mocks.registrations.length, resourcesPerPeer: perPeer, customResourcesPerPeer: customPerPeer };
}

/**
 * The SDK's own floor for the same resource shape: one component, and under it per peer the same
 * two resources (a RandomPassword key seed and a 1-byte RandomBytes memory, with keepers, the same
 * options — two aliases each, as URNs, as wgkit's carry for stacks made by earlier layouts), every
 * output awaited — no wgkit logic at all. What any program declaring these resources pays under
 * mocks. `aliases: false` is the same without the aliases (the floor as it was measured before issue 29).
 */
export async function sdkFloor(peers: number, aliases = true): Promise<Figure> {
  useMocks(new RecordingMocks());
  const t0 = process.hrtime.bigint();
  class Bare extends pulumi.ComponentResource {
    readonly outs: pulumi.Output<unknown>[] = [];
    constructor(n: string) {
      super("bench:index:Bare", n, {}, {});
      const prefix = new Promise<string>((resolve) => { this.urn.apply((u) => resolve(u.substring(0, u.lastIndexOf("::")))); });
      const urns = (name: string) => (aliases ? [prefix.then((p) => `${p}$bench:index:Old$${RANDOM_BYTES}::${name}`), prefix.then((p) => `${p}$${RANDOM_BYTES}::old-${name}`)] : []);
      for (let i = 0; i < peers; i++) {
        const a = new random.RandomPassword(`${n}-p${i}-keys`, { length: 64, special: false, keepers: { rotation: "", createdIn: "x" } }, { parent: this, ignoreChanges: ["keepers.createdIn"], aliases: urns(`${n}-p${i}-keys`) });
        const b = new random.RandomBytes(`${n}-p${i}-address`, { length: 1, keepers: { address: "10.0.0.1", address6: "" } }, { parent: this, ignoreChanges: ["keepers"], aliases: urns(`${n}-p${i}-address`) });
        this.outs.push(a.result, b.keepers);
      }
      this.registerOutputs({});
    }
  }
  const bare = new Bare("floor");
  await (pulumi.all(bare.outs) as any).promise();
  await settle();
  return { bench: aliases ? "program-eval-sdk-floor" : "program-eval-sdk-floor-no-aliases", peers, ms: Math.round(Number(process.hrtime.bigint() - t0) / 1e6) };
}

const RANDOM_BYTES = "random:index/randomBytes:RandomBytes";

/** Runs one evaluation in a fresh Node process with this process's flags (see programChild.ts). */
function inChild(which: "wgkit" | "floor" | "floor-no-aliases", peers: number): Figure {
  const r = spawnSync(process.execPath, [...process.execArgv, path.join(__dirname, "programChild.js"), which, String(peers)], { encoding: "utf8", maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`program-eval ${which} ${peers}: exit ${r.status}\n${r.stderr}`);
  return JSON.parse(r.stdout.trim().split("\n").pop()!) as Figure;
}

/**
 * wgkit's program and the SDK floor at each size, each in a process of its own, the floors first,
 * in the same run; then the scaling figure (wgkit against wgkit, the floor's beside it).
 */
export async function runProgramBench(): Promise<Figure[]> {
  const sizes = (process.env.WGKIT_BENCH_PEERS ?? "10,250,1000,10000").split(",").map(Number);
  const out: Figure[] = [];
  for (const n of sizes) {
    const bare = inChild("floor-no-aliases", n);
    const floor = inChild("floor", n);
    const ours = inChild("wgkit", n);
    out.push(bare, floor, withFloor(ours, floor, bare));
  }
  const scaling = scalingFigure(out);
  if (scaling) out.push(scaling);
  return out;
}
