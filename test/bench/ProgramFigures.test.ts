import { strict as assert } from "assert";
import { FLOOR, FLOOR_NO_ALIASES, PROGRAM, scalingFigure, TARGET_RATIO_TO_FLOOR, TARGET_SCALING_10K_TO_1K, withFloor } from "./programFigures";

/** The figures `npm run bench` prints about program evaluation compare what they say they compare. */
describe("bench: program-eval figures", () => {
  // As runProgramBench orders them: at each size the floor first, then wgkit. The numbers differ
  // everywhere, so a figure computed from a wrong entry cannot come out right by chance.
  const run = [
    { bench: FLOOR, peers: 1000, ms: 2000, rssMiB: 300 },
    { bench: PROGRAM, peers: 1000, ms: 3000, rssMiB: 400 },
    { bench: FLOOR, peers: 10000, ms: 21000, rssMiB: 1900 },
    { bench: PROGRAM, peers: 10000, ms: 36000, rssMiB: 2100 },
  ];

  it("program-eval-scaling is wgkit's 10k time over wgkit's 1k time, with the floor's own ratio beside it", () => {
    const s = scalingFigure(run)!;
    assert.equal(s.bench, "program-eval-scaling");
    assert.equal(s.ratio10kTo1k, 12, "36000 / 3000: wgkit against wgkit");
    assert.equal(s.floorRatio10kTo1k, 10.5, "21000 / 2000: the floor against the floor");
    assert.equal(s.target, TARGET_SCALING_10K_TO_1K);
    assert.equal(s.met, false);
    // the same figures in any order give the same answer
    assert.deepEqual(scalingFigure([...run].reverse()), s);
    assert.deepEqual(scalingFigure([run[1], run[3], run[0], run[2]]), s);
  });

  it("program-eval-scaling needs wgkit at both sizes (floor figures alone give none)", () => {
    assert.equal(scalingFigure(run.filter((f) => f.bench === FLOOR)), undefined);
    assert.equal(scalingFigure(run.filter((f) => f.peers === 1000)), undefined);
    assert.equal(scalingFigure([run[1], run[3]])!.floorRatio10kTo1k, undefined);
  });

  it("the ratio to the floor divides wgkit's time by the floor's of the same size, and checks the targets", () => {
    const at10k = withFloor(run[3], run[2]);
    assert.equal(at10k.ratioToFloor, 1.71);
    assert.equal(at10k.ratioTarget, TARGET_RATIO_TO_FLOOR);
    assert.equal(at10k.ratioMet, true);
    assert.equal(at10k.floorRssMiB, 1900);
    assert.equal(at10k.rssMet, false, "2100 MiB is not below 2 GiB");
    assert.equal(withFloor({ ...run[3], rssMiB: 2047 }, run[2]).rssMet, true);
    assert.equal(withFloor(run[1], run[0]).rssMet, undefined, "the memory target is about 10,000 peers");
    assert.throws(() => withFloor(run[1], run[2]), /withFloor/, "different sizes");
    assert.throws(() => withFloor(run[0], run[1]), /withFloor/, "arguments swapped");
    const bare = { bench: FLOOR_NO_ALIASES, peers: 10000, ms: 18000, rssMiB: 1800 };
    const both = withFloor(run[3], run[2], bare);
    assert.equal(both.ratioToFloor, 1.71, "the target is judged against the floor with the same options");
    assert.equal(both.ratioToFloorNoAliases, 2, "36000 / 18000, printed beside it");
    assert.throws(() => withFloor(run[3], run[2], { ...bare, peers: 1000 }), /withFloor/, "a floor of another size");
    assert.throws(() => withFloor(run[3], bare, run[2]), /withFloor/, "the floors swapped");
  });
});
