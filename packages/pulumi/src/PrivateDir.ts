/**
 * PrivateDir: a stable, private directory for the files evaluation must hand to a provider by
 * path (the userspace image's build context: docker.Image takes a directory, not a string).
 *
 * Why: the path and the file's content are inputs of the provider's resource, so they must be
 * the same on every run (`preview --expect-no-changes`); a predictable path in the shared temp
 * directory is also where another local user can plant a symlink, so that evaluation — often as
 * root — writes through it.
 *
 * Invariants:
 * - The directory is `<os.tmpdir()>/wgkit-<uid>/<name>`: the same on every run of one user.
 * - Before anything is written or read, `wgkit-<uid>` and `<name>` are each checked with lstat
 *   (never following a symlink): a real directory, owned by the current user, mode 0700 (no
 *   group or other bit). The temp directory holding them must be the user's own, or sticky (as
 *   /tmp is), so nobody else can rename them away. Created when missing, with mode 0700.
 * - A file is never written through a symlink: its content goes to a fresh temp file opened with
 *   O_CREAT | O_EXCL | O_NOFOLLOW (mode 0600) in that directory, then renamed over the name
 *   (rename replaces a link, never writes its target). A file whose content is already right is
 *   left alone (read with O_NOFOLLOW), so an unchanged program touches nothing.
 *
 * Failure modes: a directory that fails a check (planted symlink, another owner, group/other
 * access, a non-sticky shared parent) is a WgKitError with rule `private-dir` naming the path and
 * the fix; nothing is written. When another user made it (which the user cannot undo in a sticky
 * /tmp), the fix given is a TMPDIR of the user's own, the same on every run. Without getuid (Windows) the owner and mode checks are skipped.
 */
import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { WgKitError } from "@wgkit/core";

const uid = () => process.getuid?.();

function refuse(field: string, dir: string, why: string): never {
  throw new WgKitError(field, "private-dir", `${JSON.stringify(dir)} ${why}; remove it (or fix it) and run again`);
}

/**
 * Another user made it first: in a sticky /tmp only they (or root) can remove it, so the way out
 * is a temp directory of one's own — the same one on every run, as the path is a resource input.
 */
function refuseForeign(field: string, dir: string, owner: number): never {
  throw new WgKitError(field, "private-dir", `${JSON.stringify(dir)} belongs to uid ${owner}, not to the user running the program (uid ${uid()}): `
    + "another user made it, and in a shared temp directory only they can remove it; set TMPDIR to a directory only you can write "
    + "(e.g. mkdir -m 700 ~/.cache/wgkit-tmp; export TMPDIR=~/.cache/wgkit-tmp), the same one on every run, and run again");
}

/** Creates `dir` (mode 0700) unless it exists, then checks it without following a symlink. */
function ensureOwnDir(field: string, dir: string): void {
  try {
    fs.mkdirSync(dir, { mode: 0o700 });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
  }
  const st = fs.lstatSync(dir);
  const me = uid();
  if (me !== undefined && st.uid !== me) refuseForeign(field, dir, st.uid);
  if (st.isSymbolicLink()) refuse(field, dir, "is a symbolic link (wgkit never writes through one)");
  if (!st.isDirectory()) refuse(field, dir, "is not a directory");
  if (me === undefined) return;
  if ((st.mode & 0o077) !== 0) refuse(field, dir, `has mode ${(st.mode & 0o777).toString(8)}: it must be private (0700)`);
}

/** The parent (the temp directory) must not let another user rename our directory away. */
function checkParent(field: string, dir: string): void {
  const st = fs.statSync(dir);
  const me = uid();
  if (me === undefined || st.uid === me) return;
  if ((st.mode & 0o022) !== 0 && (st.mode & 0o1000) === 0) { // 0o1000: the sticky bit
    refuse(field, dir, "is writable by others without the sticky bit (another user could swap wgkit's directory in it)");
  }
}

/**
 * The checked private directory `<os.tmpdir()>/wgkit-<uid>/<name>` (created when missing).
 * `field` names the argument the directory serves, for the error. `base` is for tests.
 */
export function privateDir(field: string, name: string, base: string = os.tmpdir()): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(name)) throw new Error(`privateDir: bad name ${JSON.stringify(name)}`);
  checkParent(field, base);
  const own = path.join(base, `wgkit-${uid() ?? os.userInfo().username}`);
  ensureOwnDir(field, own);
  const dir = path.join(own, name);
  ensureOwnDir(field, dir);
  return dir;
}

/** What `file` holds now, read without following a symlink; undefined when it is not our regular file. */
function current(file: string): Buffer | undefined {
  let fd: number;
  try {
    fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW | fs.constants.O_NONBLOCK);
  } catch {
    return undefined; // missing, or a symlink (ELOOP): replaced below
  }
  try {
    const st = fs.fstatSync(fd);
    const me = uid();
    if (!st.isFile() || (me !== undefined && st.uid !== me) || (st.mode & 0o077) !== 0) return undefined;
    return fs.readFileSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Writes `bytes` as `target`, mode 0600, through a new temporary file beside it (O_EXCL,
 * O_NOFOLLOW, fsync, rename: a reader sees the old file or the new one, never a part, and never a
 * symlink is followed), unless `target` already is our private regular file holding exactly
 * that. Returns whether it wrote. The one atomic private write (the main command's peer files use it too).
 */
export function writePrivateBytes(target: string, bytes: Buffer): boolean {
  const now = current(target);
  if (now !== undefined && now.equals(bytes)) return false;
  const temp = path.join(path.dirname(target), `.${path.basename(target)}.${process.pid}.${crypto.randomBytes(6).toString("hex")}`);
  const fd = fs.openSync(temp, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL | fs.constants.O_NOFOLLOW, 0o600);
  try {
    fs.writeFileSync(fd, bytes);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  try {
    fs.renameSync(temp, target);
  } catch (e) {
    fs.rmSync(temp, { force: true });
    throw e;
  }
  return true;
}

/**
 * Writes `content` as `<dir>/<file>` (dir from privateDir) unless it already holds exactly that;
 * never through a symlink. Returns the file's path.
 */
export function writePrivateFile(dir: string, file: string, content: string): string {
  const target = path.join(dir, file);
  writePrivateBytes(target, Buffer.from(content, "utf8"));
  return target;
}
