/**
 * Pulumi's own stack lock, left behind by a run that died (`kill -9` of `pulumi up`).
 *
 * INVARIANT. A lock is cleared only when it was taken on this host and its process is gone (no
 * such pid, or the pid now belongs to a process that is not Pulumi). A lock of another host, or of
 * a live Pulumi process here, is never touched: the run is refused with Pulumi's own words.
 *
 * How: the engine refuses a locked stack with "the stack is currently locked by N lock(s)" and one
 * line per lock — `<backend url>/<key>: created by <user>@<host> (pid <pid>) at <time>` (the diy
 * backend's checkForLock, pkg/backend/diy/lock.go, v3.248.0). On a file backend the stale lock file
 * itself is deleted; on any other backend `pulumi cancel` deletes the stack's locks, and it is run
 * only when every listed lock is stale.
 *
 * FAILURE MODES.
 *  - On a shared (S3) backend another host may take a lock between the check and `pulumi cancel`;
 *    wgkit's own lock (cli/stack.sh) excludes only runs on this host.
 *  - A pid reused by another Pulumi process after a crash is taken as live: the run is refused,
 *    which is safe.
 */
import * as fs from "fs";
import * as os from "os";
import { fileBackendPath } from "./FileBackend";

/** One lock as the engine lists it. */
export interface PulumiLock {
  url: string;
  user: string;
  host: string;
  pid: number;
  time: string;
}

/** The locks named in an engine error, or undefined when the error is not about a lock. */
export function parseLockError(text: string): PulumiLock[] | undefined {
  if (!/the stack is currently locked by \d+ lock\(s\)/.test(text)) return undefined;
  const locks: PulumiLock[] = [];
  const re = /^\s*(\S+): created by ([^@\s]*)@(\S+) \(pid (\d+)\) at (\S+)\s*$/gm;
  for (let m = re.exec(text); m; m = re.exec(text)) locks.push({ url: m[1], user: m[2], host: m[3], pid: Number(m[4]), time: m[5] });
  return locks;
}

/** Is `pid` a live Pulumi process on this host? (`/proc/<pid>/cmdline` names pulumi.) */
export function isLivePulumi(pid: number): boolean {
  try {
    const cmd = fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").filter(Boolean);
    return cmd.some((a) => /(^|\/)pulumi$/.test(a) || /pulumi-language-|pulumi-resource-/.test(a));
  } catch {
    return false;
  }
}

/** Stale: taken on this host by a process that is gone. */
export function isStale(lock: PulumiLock, hostname = os.hostname(), live: (pid: number) => boolean = isLivePulumi): boolean {
  return lock.host === hostname && !live(lock.pid);
}

/** The local file a lock URL names on a file backend (relative URLs from `cwd`), else undefined. */
export function lockFile(lock: PulumiLock, cwd: string): string | undefined {
  return fileBackendPath(lock.url, cwd);
}
