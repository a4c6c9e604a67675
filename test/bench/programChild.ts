import { programEval, sdkFloor } from "./programBench";

/**
 * One program evaluation in a process of its own (`node programChild.js wgkit|floor <peers>`),
 * so that its time and its peak RSS are its own: no garbage or heap growth left by the run
 * before it. Prints one JSON line.
 */
async function main(): Promise<void> {
  const [which, n] = [process.argv[2], Number(process.argv[3])];
  if ((which !== "wgkit" && which !== "floor") || !Number.isInteger(n) || n < 1) throw new Error("usage: programChild.js wgkit|floor <peers>");
  const f = which === "floor" ? await sdkFloor(n) : await programEval(n);
  // Peak resident set of this process (KiB on Linux): what a machine must have to evaluate it.
  f.rssMiB = Math.round(process.resourceUsage().maxRSS / 1024);
  process.stdout.write(`${JSON.stringify(f)}\n`);
}

main().then(() => process.exit(0), (e) => { console.error(e); process.exit(1); });
