import * as fs from "fs";
import * as os from "os";
import * as path from "path";
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
  figures.push(...(await (require("./engineBench") as typeof import("./engineBench")).runEngineBench()));
  // Figures only a real engine gives (peer-change loss, restart recovery, throughput, load) come
  // from the last `npm run e2e` on this machine, marked with when they were measured.
  const e2e = path.resolve(__dirname, "../../figures/e2e.jsonl");
  if (fs.existsSync(e2e)) {
    for (const line of fs.readFileSync(e2e, "utf8").split("\n").filter(Boolean)) figures.push({ ...JSON.parse(line), source: "npm run e2e" });
  } else {
    figures.push({ bench: "e2e", note: "no e2e figures yet: run `npm run e2e` (root, Docker) first" });
  }
  for (const f of figures) console.log(JSON.stringify(f));
  console.log("");
  console.log("figure".padEnd(24) + "detail");
  for (const { bench, ...rest } of figures) console.log(String(bench).padEnd(24) + Object.entries(rest).map(([k, v]) => `${k}=${typeof v === "object" ? JSON.stringify(v) : v}`).join("  "));
}

main().catch((e) => { console.error(e); process.exit(1); });
