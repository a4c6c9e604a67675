import * as os from "os";
import { Figure, runCoreBench } from "./coreBench";

/** `npm run bench`: one JSON line per figure, then a readable table. Figures, not assertions. */
async function main(): Promise<void> {
  const figures: Figure[] = [{ bench: "machine", cores: os.cpus().length, node: process.version, memGiB: Math.round(os.totalmem() / 2 ** 30) }];
  figures.push(...runCoreBench());
  const extra = process.env.WGKIT_BENCH_EXTRA;
  if (extra !== "0") {
    try {
      // eslint-disable-next-line @typescript-eslint/no-var-requires
      const { runProgramBench } = require("./programBench") as { runProgramBench: () => Promise<Figure[]> };
      figures.push(...(await runProgramBench()));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "MODULE_NOT_FOUND") throw e;
    }
  }
  for (const f of figures) console.log(JSON.stringify(f));
  console.log("");
  console.log("figure".padEnd(16) + "detail");
  for (const { bench, ...rest } of figures) console.log(bench.padEnd(16) + Object.entries(rest).map(([k, v]) => `${k}=${v}`).join("  "));
}

main().catch((e) => { console.error(e); process.exit(1); });
