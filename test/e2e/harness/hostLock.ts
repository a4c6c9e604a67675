/**
 * A host-wide lock shared with shell scripts and other worktrees: `flock <file>`, held by a child
 * process for as long as a test needs it. The team's rule: whatever creates the container named
 * `wireguard` or binds host port 51820 holds /tmp/wgkit-51820.lock (`flock /tmp/wgkit-51820.lock <cmd>`).
 *
 * INVARIANT. The lock is held from the moment `acquireHostLock` resolves until `release()` — or
 * until this process dies: the child is `flock <file> sh -c 'echo locked; exec cat'`, whose `cat`
 * exits when our end of its stdin closes, and flock releases with it. Nothing is left to clean up.
 *
 * Failure modes: another holder keeps the lock past `timeoutMs` → rejects (flock -w gives up);
 * `flock` missing → rejects with the spawn error.
 */
import { spawn } from "child_process";

export const WIREGUARD_NAME_LOCK = "/tmp/wgkit-51820.lock";

export function acquireHostLock(file: string, timeoutMs = 15 * 60_000): Promise<{ waitedMs: number; release: () => Promise<void> }> {
  const t0 = Date.now();
  const child = spawn("flock", ["-w", String(Math.ceil(timeoutMs / 1000)), file, "sh", "-c", "echo locked; exec cat"], { stdio: ["pipe", "pipe", "pipe"] });
  let out = "";
  let err = "";
  child.stderr!.setEncoding("utf8").on("data", (d: string) => (err += d));
  const exited = new Promise<void>((resolve) => child.on("close", () => resolve()));
  return new Promise((resolve, reject) => {
    child.on("error", reject);
    const early = (code: number | null) => reject(new Error(`flock ${file} gave up (exit ${code}) after ${Date.now() - t0} ms: ${err.trim() || "held by another process"}`));
    child.on("close", early);
    child.stdout!.setEncoding("utf8").on("data", (d: string) => {
      out += d;
      if (!out.startsWith("locked\n")) return;
      child.off("close", early);
      resolve({
        waitedMs: Date.now() - t0,
        release: async () => {
          child.stdin!.end();
          await exited;
        },
      });
    });
  });
}
