import { programEval, sdkFloor } from "./programBench";

/**
 * One program evaluation in a process of its own (`node programChild.js wgkit|floor|floor-no-aliases <peers>`),
 * so that its time and its peak RSS are its own: no garbage or heap growth left by the run
 * before it. Prints one JSON line.
 */
async function main(): Promise<void> {
  const [which, n] = [process.argv[2], Number(process.argv[3])];
  if (!["wgkit", "floor", "floor-no-aliases"].includes(which) || !Number.isInteger(n) || n < 1) throw new Error("usage: programChild.js wgkit|floor|floor-no-aliases <peers>");
  const f = which === "wgkit" ? await programEval(n) : await sdkFloor(n, which === "floor");
  // Peak resident set of this process (KiB on Linux): what a machine must have to evaluate it.
  f.rssMiB = Math.round(process.resourceUsage().maxRSS / 1024);
  process.stdout.write(`${JSON.stringify(f)}\n`);
}

main().then(() => process.exit(0), (e) => { console.error(e); process.exit(1); });
