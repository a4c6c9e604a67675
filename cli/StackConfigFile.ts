/**
 * The stack's config file (`Pulumi.<stack>.yaml`), kept whole across a kill.
 *
 * Invariant: a run of the main command never goes on with a config file that a killed run left
 * broken (empty, or not a YAML mapping): it is restored from the copy the last good run kept, or
 * the run stops and says what to do.
 *
 * Why: the CLI writes that file with a plain truncate-then-write (`os.WriteFile` in the SDK's
 * workspace/project.go, v3.248.0), on every `pulumi config set` and on `stack init`. A kill in
 * between leaves it empty, and the CLI then reads an empty config without a word — every setting
 * gone (`config get wgkit:peers` says "not found", test/cli/StackConfigFile.test.ts shows it), the
 * passphrase's salt too. The next `up` would run the default peers: every other peer deleted,
 * with its key seed. That is the first promise broken by a kill.
 *
 * Mechanism: once a run's settings are in, the file is copied (atomically, 0600) to
 * `<state dir>/stack-config/Pulumi.<stack>.yaml`; at the start of every run a broken file is
 * replaced by that copy (atomically), saying so. The copy is refreshed only from a file that
 * parses, so a broken file never overwrites it.
 *
 * Failure modes:
 *  - A file cut inside a value would still parse and is not detected; the CLI writes it with one
 *    write call (a few hundred bytes), which a kill does not cut in two.
 *  - Edits by hand between runs are kept: the copy is used only when the file is broken.
 *  - Broken with no copy (a killed first run, or a copy deleted): the run stops, naming the file
 *    and the fix (restore it from version control, or set the settings again).
 */
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { writePrivateBytes } from "@wgkit/pulumi/dist/PrivateDir";

/** Why the config file's text is broken, or undefined when it is a YAML mapping (or absent: a new stack). */
export function brokenStackConfig(text: string | undefined): string | undefined {
  if (text === undefined) return undefined;
  if (text.trim() === "") return "it is empty";
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (e) {
    return `it is not YAML (${String((e as Error).message).split("\n")[0].slice(0, 120)})`;
  }
  return doc !== null && typeof doc === "object" && !Array.isArray(doc) ? undefined : "it is not a YAML mapping";
}

const read = (file: string) => (fs.existsSync(file) ? fs.readFileSync(file, "utf8") : undefined);

/** Where the last good copy of `configFile` is kept under `stateDir`. */
export function copyOf(configFile: string, stateDir: string): string {
  return path.join(stateDir, "stack-config", path.basename(configFile));
}

/**
 * Restores `configFile` from its last good copy when it is broken; returns a line saying what it
 * did, or undefined when the file is whole (or absent). Throws when it is broken and there is no copy.
 */
export function restoreStackConfig(configFile: string, stateDir: string): string | undefined {
  const why = brokenStackConfig(read(configFile));
  if (why === undefined) return undefined;
  const copy = read(copyOf(configFile, stateDir));
  if (copy === undefined || brokenStackConfig(copy) !== undefined) {
    throw new Error(`${path.basename(configFile)} is broken (${why}: a run killed while Pulumi wrote it leaves it so) and no good copy of it was kept. ` +
      "Nothing was run: with it Pulumi would read no settings at all. Restore it from version control, or delete it and set the settings again (WGKIT_PEERS, WGKIT_SERVER_URL, WGKIT_USERSPACE).");
  }
  writePrivateBytes(configFile, Buffer.from(copy));
  return `recover: ${path.basename(configFile)} was broken (${why}; a run killed while Pulumi wrote it leaves it so); restored from the copy the last good run kept`;
}

/** Keeps a copy of `configFile` when it is whole; returns whether it did. */
export function keepStackConfig(configFile: string, stateDir: string): boolean {
  const text = read(configFile);
  if (text === undefined || brokenStackConfig(text) !== undefined) return false;
  const copy = copyOf(configFile, stateDir);
  fs.mkdirSync(path.dirname(copy), { recursive: true, mode: 0o700 });
  writePrivateBytes(copy, Buffer.from(text));
  return true;
}

/** Writes the config file's new text atomically (what wgkit itself writes into it: the salt). */
export function writeStackConfig(configFile: string, text: string): void {
  writePrivateBytes(configFile, Buffer.from(text));
}
