import * as fs from "fs";
import * as path from "path";

/** Where the e2e run leaves its figures for `npm run bench` (build/figures/e2e.jsonl). */
export const FIGURES_FILE = path.resolve(__dirname, "../../../figures/e2e.jsonl");

let started = false;

/** Prints a figure as one JSON line and records it (with the time) for the benchmark report. */
export function figure(f: Record<string, unknown>): void {
  const line = JSON.stringify(f);
  console.log(`      ${line}`);
  fs.mkdirSync(path.dirname(FIGURES_FILE), { recursive: true });
  if (!started) {
    fs.writeFileSync(FIGURES_FILE, "");
    started = true;
  }
  fs.appendFileSync(FIGURES_FILE, JSON.stringify({ ...f, at: new Date().toISOString() }) + "\n");
}
