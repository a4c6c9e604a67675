/**
 * The passphrase that encrypts the default stack's secrets (every private key in its state).
 *
 * INVARIANT. It is generated once, at random, into a 0600 file in a 0700 directory outside the
 * state directory (so deleting or copying `.wgkit-state/` never takes it along), and never
 * overwritten: the file appears whole or not at all (written to a private temp file, then
 * hard-linked into place, which fails if another run made it first). It reaches Pulumi only as
 * PULUMI_CONFIG_PASSPHRASE_FILE, never on a command line or in the environment as a value.
 * A passphrase the user set (PULUMI_CONFIG_PASSPHRASE or PULUMI_CONFIG_PASSPHRASE_FILE) wins.
 *
 * FAILURE MODES.
 *  - Lost: the state cannot be decrypted; every device must be enrolled again. Back it up.
 *  - Killed while generating: a temp file may stay (removed on the next run); the passphrase
 *    file is either absent (a new one is generated) or complete.
 */
import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

/** Where the generated passphrase lives: $WGKIT_PASSPHRASE_FILE, else ~/.config/wgkit/passphrase. */
export function passphraseFile(env: NodeJS.ProcessEnv = process.env): string {
  if (env.WGKIT_PASSPHRASE_FILE) return path.resolve(env.WGKIT_PASSPHRASE_FILE);
  return path.join(env.XDG_CONFIG_HOME || path.join(os.homedir(), ".config"), "wgkit", "passphrase");
}

/** How the passphrase reaches Pulumi, and from where. */
export interface PassphraseSource {
  env: Record<string, string>;
  /** For the user: where it comes from. */
  describe: string;
  /** True when this run made it. */
  created: boolean;
}

/** The user's own passphrase if set, else the generated file (made now when absent). */
export function ensurePassphrase(env: NodeJS.ProcessEnv = process.env): PassphraseSource {
  if (env.PULUMI_CONFIG_PASSPHRASE !== undefined) return { env: {}, describe: "PULUMI_CONFIG_PASSPHRASE (set by you)", created: false };
  if (env.PULUMI_CONFIG_PASSPHRASE_FILE) return { env: {}, describe: `PULUMI_CONFIG_PASSPHRASE_FILE=${env.PULUMI_CONFIG_PASSPHRASE_FILE} (set by you)`, created: false };
  const file = passphraseFile(env);
  const dir = path.dirname(file);
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  let created = false;
  if (!fs.existsSync(file)) {
    for (const f of fs.readdirSync(dir)) if (f.startsWith(`${path.basename(file)}.tmp-`)) fs.rmSync(path.join(dir, f), { force: true });
    const tmp = `${file}.tmp-${process.pid}-${crypto.randomBytes(4).toString("hex")}`;
    const fd = fs.openSync(tmp, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL | fs.constants.O_NOFOLLOW, 0o600);
    try {
      fs.writeSync(fd, crypto.randomBytes(32).toString("base64url") + "\n");
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    try {
      fs.linkSync(tmp, file);
      created = true;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
    } finally {
      fs.rmSync(tmp, { force: true });
    }
  }
  const st = fs.lstatSync(file);
  if (!st.isFile()) throw new Error(`${file} is not a regular file: refusing to use it as the passphrase`);
  if ((st.mode & 0o077) !== 0) throw new Error(`${file} is readable by others (mode ${(st.mode & 0o777).toString(8)}): chmod 600 it first`);
  return { env: { PULUMI_CONFIG_PASSPHRASE_FILE: file }, describe: `${file}${created ? " (generated now: back it up)" : ""}`, created };
}
