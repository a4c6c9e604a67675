import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { WireGuardServer } from "@wgkit/pulumi";
import { RecordingMocks, settle, useMocks } from "../support/mocks";
import { Figure } from "./coreBench";

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
  const perPeer = mocks.registrations.filter((r) => /^bench-peer\d+(-|$)/.test(r.name)).length / peers;
  const customPerPeer = mocks.registrations.filter((r) => r.custom && /^bench-peer\d+(-|$)/.test(r.name)).length / peers;
  return { bench: "program-eval", peers, ms: Math.round(ms), resources: mocks.registrations.length, resourcesPerPeer: perPeer, customResourcesPerPeer: customPerPeer, rssMiB: Math.round(process.memoryUsage().rss / 2 ** 20) };
}

/**
 * The SDK's own floor for the same resource shape: one component, and under it per peer the same
 * two resources (a RandomPassword key seed and a 1-byte RandomBytes memory, with keepers, the same options), every output
 * awaited — no wgkit logic at all. What any program declaring these resources pays under mocks.
 */
export async function sdkFloor(peers: number): Promise<Figure> {
  useMocks(new RecordingMocks());
  const t0 = process.hrtime.bigint();
  class Bare extends pulumi.ComponentResource {
    readonly outs: pulumi.Output<unknown>[] = [];
    constructor(n: string) {
      super("bench:index:Bare", n, {}, {});
      for (let i = 0; i < peers; i++) {
        const a = new random.RandomPassword(`${n}-p${i}-keys`, { length: 64, special: false, keepers: { rotation: "", createdIn: "x" } }, { parent: this, ignoreChanges: ["keepers.createdIn"] });
        const b = new random.RandomBytes(`${n}-p${i}-address`, { length: 1, keepers: { address: "10.0.0.1", address6: "" } }, { parent: this, ignoreChanges: ["keepers"] });
        this.outs.push(a.result, b.keepers);
      }
      this.registerOutputs({});
    }
  }
  const bare = new Bare("floor");
  await (pulumi.all(bare.outs) as any).promise();
  await settle();
  return { bench: "program-eval-sdk-floor", peers, ms: Math.round(Number(process.hrtime.bigint() - t0) / 1e6), rssMiB: Math.round(process.memoryUsage().rss / 2 ** 20) };
}

export async function runProgramBench(): Promise<Figure[]> {
  const sizes = (process.env.WGKIT_BENCH_PEERS ?? "10,250,1000,10000").split(",").map(Number);
  const out: Figure[] = [];
  for (const n of sizes) {
    const floor = await sdkFloor(n);
    const ours = await programEval(n);
    out.push(floor, { ...ours, ratioToFloor: Math.round(((ours.ms as number) / (floor.ms as number)) * 100) / 100 });
  }
  const k1 = out.find((f) => f.peers === 1000), k10 = out.find((f) => f.peers === 10000);
  if (k1 && k10) out.push({ bench: "program-eval-scaling", ratio10kTo1k: Math.round(((k10.ms as number) / (k1.ms as number)) * 100) / 100 });
  return out;
}
