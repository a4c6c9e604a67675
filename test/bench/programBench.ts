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
  return { bench: "program-eval", peers, ms: Math.round(ms), resources: mocks.registrations.length, resourcesPerPeer: perPeer, rssMiB: Math.round(process.memoryUsage().rss / 2 ** 20) };
}

/** The SDK's own floor: a component and two RandomBytes per peer, nothing else (what 3 resources/peer cost under mocks). */
export async function sdkFloor(peers: number): Promise<Figure> {
  useMocks(new RecordingMocks());
  const t0 = process.hrtime.bigint();
  class Bare extends pulumi.ComponentResource {
    readonly a: random.RandomBytes;
    constructor(n: string) {
      super("bench:index:Bare", n, {}, {});
      this.a = new random.RandomBytes(`${n}-a`, { length: 64 }, { parent: this });
      new random.RandomBytes(`${n}-b`, { length: 1 }, { parent: this });
      this.registerOutputs({ a: this.a.base64 });
    }
  }
  const outs = Array.from({ length: peers }, (_, i) => new Bare(`floor${i}`).a.base64);
  await (pulumi.all(outs) as any).promise();
  await settle();
  return { bench: "program-eval-sdk-floor", peers, ms: Math.round(Number(process.hrtime.bigint() - t0) / 1e6) };
}

export async function runProgramBench(): Promise<Figure[]> {
  const sizes = (process.env.WGKIT_BENCH_PEERS ?? "10,250,1000,10000").split(",").map(Number);
  const out: Figure[] = [];
  for (const n of sizes) out.push(await programEval(n), await sdkFloor(n));
  const k1 = out.find((f) => f.peers === 1000), k10 = out.find((f) => f.peers === 10000);
  if (k1 && k10) out.push({ bench: "program-eval-scaling", ratio10kTo1k: Math.round(((k10.ms as number) / (k1.ms as number)) * 100) / 100 });
  return out;
}
