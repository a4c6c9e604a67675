import { Figure } from "./coreBench";

/**
 * The program-evaluation figures and their targets, as pure functions of the figures of one run
 * (so a test can check that each figure compares what it says it compares).
 *
 * Targets (issue 29): wgkit's evaluation within 2× the SDK floor of the same resource shape at
 * every size, wgkit's own 10k/1k time ratio at most 11 (linear, with GC's share), and the peak
 * RSS of evaluating 10,000 peers below 2 GiB.
 */
export const PROGRAM = "program-eval";
export const FLOOR = "program-eval-sdk-floor";
/** The floor without the resources' aliases: the floor as measured before (printed beside, for comparison). */
export const FLOOR_NO_ALIASES = "program-eval-sdk-floor-no-aliases";
export const TARGET_RATIO_TO_FLOOR = 2;
export const TARGET_SCALING_10K_TO_1K = 11;
export const TARGET_RSS_MIB_AT_10K = 2048;

const round2 = (x: number) => Math.round(x * 100) / 100;

/**
 * wgkit's figure for `peers` beside the floor's of the same size: the ratio, and whether the
 * targets hold; with the alias-free floor's ratio too when given.
 */
export function withFloor(ours: Figure, floor: Figure, noAliases?: Figure): Figure {
  const same = (f: Figure | undefined, bench: string) => f === undefined || (f.bench === bench && f.peers === ours.peers);
  if (ours.bench !== PROGRAM || !same(floor, FLOOR) || !same(noAliases, FLOOR_NO_ALIASES)) {
    throw new Error(`withFloor: ${ours.bench}/${ours.peers} beside ${floor.bench}/${floor.peers}${noAliases ? ` and ${noAliases.bench}/${noAliases.peers}` : ""}`);
  }
  const ratio = round2((ours.ms as number) / (floor.ms as number));
  const out: Figure = { ...ours, floorMs: floor.ms, ratioToFloor: ratio, ratioTarget: TARGET_RATIO_TO_FLOOR, ratioMet: ratio <= TARGET_RATIO_TO_FLOOR, floorRssMiB: floor.rssMiB };
  if (noAliases) Object.assign(out, { floorNoAliasesMs: noAliases.ms, ratioToFloorNoAliases: round2((ours.ms as number) / (noAliases.ms as number)) });
  if (ours.peers === 10000) Object.assign(out, { rssTargetMiB: TARGET_RSS_MIB_AT_10K, rssMet: (ours.rssMiB as number) < TARGET_RSS_MIB_AT_10K });
  return out;
}

/**
 * How evaluation time grows from 1,000 to 10,000 peers: wgkit's own ratio (wgkit against wgkit),
 * with the floor's ratio (floor against floor) printed beside it. Undefined unless both sizes ran.
 */
export function scalingFigure(figures: readonly Figure[]): Figure | undefined {
  const at = (bench: string, peers: number) => figures.find((f) => f.bench === bench && f.peers === peers);
  const k1 = at(PROGRAM, 1000), k10 = at(PROGRAM, 10000), f1 = at(FLOOR, 1000), f10 = at(FLOOR, 10000);
  if (!k1 || !k10) return undefined;
  const ratio = round2((k10.ms as number) / (k1.ms as number));
  const out: Figure = { bench: "program-eval-scaling", ratio10kTo1k: ratio, target: TARGET_SCALING_10K_TO_1K, met: ratio <= TARGET_SCALING_10K_TO_1K };
  if (f1 && f10) out.floorRatio10kTo1k = round2((f10.ms as number) / (f1.ms as number));
  return out;
}
