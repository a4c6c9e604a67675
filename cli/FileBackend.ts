/**
 * The file backend (`file://<dir>`) as it lies on disk: where its folder is, and one repair.
 *
 * Invariant: after `removeEmptyAttrs`, no object of the backend has an empty `<object>.attrs`
 * side file older than a few seconds.
 *
 * Why: the backend stores each object (a stack's checkpoint, its history, its lock) through
 * gocloud's fileblob, which writes the object's attribute side file by creating it and then
 * writing it. A `kill -9` of the CLI between the two leaves the file empty, and from then on every
 * command on the stack, `stack ls` included, fails with `failed to load checkpoint: EOF`
 * (observed on the real engine by test/engine; reproduced by test/cli/FileBackend.test.ts). Pulumi
 * reads no attribute it needs from that file: without it the object reads as it is.
 *
 * Failure modes:
 *  - A file another process is writing at this moment is empty for an instant: only files empty
 *    for longer than `minAgeMs` (default 10 s) are removed, and the main command holds wgkit's
 *    lock, so only a plain `pulumi` run by hand could be writing.
 *  - Any other damage to the backend (a truncated checkpoint) is not repaired here: Pulumi's own
 *    `.bak` files and history are the way back, by hand.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

/** The folder of a `file://` backend URL (`~` and relative paths resolved), or undefined for any other backend. */
export function fileBackendPath(url: string, cwd: string): string | undefined {
  if (!url.startsWith("file://")) return undefined;
  let p = decodeURIComponent(url.slice("file://".length).replace(/\?.*$/, ""));
  if (p === "~" || p.startsWith("~/")) p = os.homedir() + p.slice(1);
  return path.resolve(cwd, p);
}

/**
 * Removes the empty attribute files (`*.attrs`, size 0, unchanged for `minAgeMs`) under a file
 * backend's folder; returns them, relative to it. A folder that does not exist has none.
 */
export function removeEmptyAttrs(dir: string, minAgeMs = 10_000, now = Date.now()): string[] {
  const removed: string[] = [];
  if (!fs.existsSync(dir)) return removed;
  for (const f of fs.readdirSync(dir, { recursive: true, encoding: "utf8" })) {
    if (!f.endsWith(".attrs")) continue;
    const p = path.join(dir, f);
    const st = fs.lstatSync(p, { throwIfNoEntry: false });
    if (!st || !st.isFile() || st.size !== 0 || now - st.mtimeMs < minAgeMs) continue;
    fs.rmSync(p, { force: true });
    removed.push(f);
  }
  return removed.sort();
}
