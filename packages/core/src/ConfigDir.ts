/**
 * The adopt reader's only way into a linuxserver.io `/config` directory, which it treats as
 * HOSTILE: the container's user can write anything there (symlinks, FIFOs, device nodes, hard
 * links, huge files), and `wgkit adopt` may run as root.
 *
 * Invariants — a file's bytes are read only when all of these hold, else ONE WgKitError whose
 * field is the file (relative to the directory) and whose message names the rule, never the
 * file's content nor where a link points:
 * - `outside-dir`: the file's real path (every symlink resolved) lies inside the directory's real
 *   path. A symlink that stays inside is followed; one that leaves it (or a symlinked folder on
 *   the way) is refused. Checked before opening (realpath) and again after opening, on the path
 *   the kernel actually opened (/proc/self/fd), so a component swapped for a symlink between the
 *   two is caught.
 * - `not-a-file`: it is a regular file, checked with stat BEFORE opening (so a device is never
 *   opened and a FIFO never blocks the reader) and with fstat after opening (same inode, still a
 *   regular file). The open itself is O_NOFOLLOW | O_NONBLOCK | O_NOCTTY.
 * - `hard-link`: it has one link. A hard link can make a file from elsewhere on the filesystem
 *   (e.g. /etc/shadow) appear inside the directory; the image never makes one.
 * - `too-large`: at most MAX_CONFIG_FILE_BYTES, by fstat and by the bytes actually read (at most
 *   one more than the limit is ever read, so a file that grows meanwhile is still refused).
 * - Listing a folder (`list`) applies `outside-dir` to the folder too, so no name from outside the
 *   directory is ever reported; so does `dirs` to a wanted folder reached through a symlink.
 *
 * Failure modes: a permission problem is `unreadable` (the errno code only); a missing file is
 * "missing" only for ENOENT/ENOTDIR. Without /proc (not Linux) the post-open path check is
 * skipped; the pre-open realpath check and O_NOFOLLOW still hold.
 */
import * as fs from "fs";
import * as path from "path";
import { check, WgKitError } from "./WgKitError";

/** The largest file the adopt reader reads: 1 MiB (the image's files are a few hundred bytes). */
export const MAX_CONFIG_FILE_BYTES = 1024 * 1024;

const errno = (e: unknown) => (e as NodeJS.ErrnoException).code;

export const unreadable = (rel: string, e: unknown) =>
  new WgKitError(rel, "unreadable", `cannot be read (${errno(e) ?? "error"}); run as root or as the image's PUID`);

const outside = (rel: string) =>
  new WgKitError(rel, "outside-dir", "is, or lies under, a symbolic link that leads out of the config dir; not followed");

function kind(st: fs.Stats): string {
  if (st.isFIFO()) return "a FIFO";
  if (st.isCharacterDevice()) return "a character device";
  if (st.isBlockDevice()) return "a block device";
  if (st.isSocket()) return "a socket";
  if (st.isDirectory()) return "a directory";
  return "not a regular file";
}
const notAFile = (rel: string, st: fs.Stats) => new WgKitError(rel, "not-a-file", `is ${kind(st)}, not a regular file; not read`);
const tooLarge = (rel: string) => new WgKitError(rel, "too-large", `is larger than ${MAX_CONFIG_FILE_BYTES} bytes; not read`);

/** True when `p` is `root` or lies under it (both real, absolute paths). */
function within(root: string, p: string): boolean {
  const r = path.relative(root, p);
  return r === "" || (r !== ".." && !r.startsWith(`..${path.sep}`) && !path.isAbsolute(r));
}

/** Where the kernel says an open descriptor points, or undefined without /proc. */
function openedPath(fd: number): string | undefined {
  try {
    return fs.readlinkSync(`/proc/self/fd/${fd}`);
  } catch {
    return undefined;
  }
}

export class ConfigDir {
  private real?: string;
  constructor(readonly root: string) {}
  abs(rel: string): string { return path.join(this.root, ...rel.split("/")); }

  /** The directory's own real path (the user chose it: a symlink to it is fine). */
  private realRoot(): string {
    if (this.real === undefined) {
      try {
        this.real = fs.realpathSync(this.root);
      } catch (e) {
        throw unreadable(".", e);
      }
    }
    return this.real;
  }

  /** The real path of an entry, refused when it leaves the directory. */
  private resolve(rel: string): string {
    let real: string;
    try {
      real = fs.realpathSync(this.abs(rel));
    } catch (e) {
      throw unreadable(rel, e);
    }
    if (!within(this.realRoot(), real)) throw outside(rel);
    return real;
  }

  /** False only when the entry does not exist: a permission problem is an error, not "missing". */
  exists(rel: string): boolean {
    try {
      fs.statSync(this.abs(rel));
      return true;
    } catch (e) {
      if (errno(e) === "ENOENT" || errno(e) === "ENOTDIR") return false;
      throw unreadable(rel, e);
    }
  }

  read(rel: string): string {
    check(this.exists(rel), rel, "missing-file", "is missing");
    const real = this.resolve(rel);
    let before: fs.Stats;
    try {
      before = fs.statSync(real);
    } catch (e) {
      throw unreadable(rel, e);
    }
    if (!before.isFile()) throw notAFile(rel, before);
    if (before.size > MAX_CONFIG_FILE_BYTES) throw tooLarge(rel);
    let fd: number;
    try {
      fd = fs.openSync(real, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW | fs.constants.O_NONBLOCK | fs.constants.O_NOCTTY);
    } catch (e) {
      // ELOOP: the last component became a symlink after realpath.
      if (errno(e) === "ELOOP") throw outside(rel);
      throw unreadable(rel, e);
    }
    try {
      const st = fs.fstatSync(fd);
      if (!st.isFile() || st.ino !== before.ino || st.dev !== before.dev) throw notAFile(rel, st);
      const opened = openedPath(fd);
      if (opened !== undefined && !within(this.realRoot(), opened)) throw outside(rel);
      if (st.nlink > 1) throw new WgKitError(rel, "hard-link", `has ${st.nlink} hard links (it may be a file from outside the config dir); not read`);
      if (st.size > MAX_CONFIG_FILE_BYTES) throw tooLarge(rel);
      const buf = Buffer.alloc(MAX_CONFIG_FILE_BYTES + 1);
      let n = 0;
      for (let got = -1; got !== 0 && n < buf.length;) {
        got = fs.readSync(fd, buf, n, buf.length - n, null);
        n += got;
      }
      if (n > MAX_CONFIG_FILE_BYTES) throw tooLarge(rel);
      return buf.subarray(0, n).toString("utf8");
    } catch (e) {
      if (e instanceof WgKitError) throw e;
      throw unreadable(rel, e);
    } finally {
      fs.closeSync(fd);
    }
  }

  /** A folder's entries, sorted by name; the folder itself must lie inside the directory. */
  list(rel: string): fs.Dirent[] {
    const real = rel === "." ? this.realRoot() : this.resolve(rel);
    try {
      return fs.readdirSync(real, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    } catch (e) {
      throw unreadable(rel, e);
    }
  }

  /**
   * The directory's folders whose name `wanted` accepts. A symlink to a folder counts when it
   * stays inside the directory, and is refused (`outside-dir`) when it leaves it — never skipped
   * silently, which would make an adopted peer look folderless. A dangling symlink is no folder.
   */
  dirs(wanted: (name: string) => boolean = () => true): string[] {
    return this.list(".").filter((e) => wanted(e.name) && (e.isDirectory() || (e.isSymbolicLink() && this.linksToFolder(e.name)))).map((e) => e.name);
  }

  private linksToFolder(rel: string): boolean {
    if (!this.exists(rel)) return false;
    return fs.statSync(this.resolve(rel)).isDirectory();
  }
}
