/**
 * `wgkit migrate-state [--stack <s>] [--cwd <dir>]`: moves a stack's RandomBytes key seeds into
 * RandomPassword (SeedMigration.ts) through the `pulumi` on PATH: `stack export --show-secrets`,
 * the transformation, `stack import`. Run it once, before the first `pulumi up` with this version
 * (an `up` before it gives every device new keys).
 *
 * Invariant: no secret is printed, put on a command line or left on disk. The export is read
 * from pulumi's stdout into memory; the deployment to import is written with mode 0600 into a
 * private (0700) temporary directory, which is removed afterwards, whatever happens. pulumi's
 * error output is printed with every secret value of the deployment, and anything key-shaped,
 * replaced. Nothing is imported when there is nothing to move: a second run changes nothing.
 * Failure modes: pulumi fails (not logged in, no such stack, the passphrase is missing): its
 * message, redacted, and a non-zero exit; the deployment holds something SeedMigration refuses:
 * its WgKitError (naming a URN), nothing imported.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { redactKeys, terminalBlock, terminalText, WgKitError } from "@wgkit/core";
import { ExportedDeployment, migrateKeySeeds, plaintextSecrets } from "../SeedMigration";

export interface MigrateStateOptions {
  stack?: string;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
}

export interface MigrateStateResult {
  /** URNs of the moved seeds (empty: nothing was imported). */
  moved: string[];
}

/** pulumi's failure, redacted: no secret of the deployment, nothing key-shaped. */
class PulumiFailed extends Error {}

function redact(text: string, secrets: Iterable<string>): string {
  let out = text;
  for (const s of [...secrets].sort((a, b) => b.length - a.length)) out = out.split(s).join("(secret not shown)");
  return redactKeys(out);
}

function pulumi(args: string[], opts: MigrateStateOptions, secrets: Iterable<string> = []): string {
  const stackArgs = opts.stack !== undefined ? ["--stack", opts.stack] : [];
  const r = spawnSync("pulumi", ["--non-interactive", ...args, ...stackArgs], {
    cwd: opts.cwd, env: opts.env ?? process.env, encoding: "utf8", maxBuffer: 2 ** 30, stdio: ["ignore", "pipe", "pipe"],
  });
  if (r.error) throw new PulumiFailed(`cannot run pulumi: ${(r.error as NodeJS.ErrnoException).code ?? r.error.message}`);
  if (r.status !== 0) throw new PulumiFailed(`\`pulumi ${args[0]} ${args[1]}\` failed: ${redact((r.stderr || r.stdout || "").trim(), secrets)}`);
  return r.stdout;
}

/** Export, move the seeds, import (see the header). */
export function migrateState(opts: MigrateStateOptions): MigrateStateResult {
  const text = pulumi(["stack", "export", "--show-secrets"], opts);
  let exported: ExportedDeployment;
  try {
    exported = JSON.parse(text);
  } catch {
    // JSON.parse's message quotes the text, which holds secrets.
    throw new PulumiFailed("`pulumi stack export` did not print a JSON deployment");
  }
  const { deployment, moved } = migrateKeySeeds(exported);
  if (moved.length === 0) return { moved };
  const secrets = plaintextSecrets(deployment);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "wgkit-migrate-"));
  try {
    fs.chmodSync(dir, 0o700);
    const file = path.join(dir, "deployment.json");
    fs.writeFileSync(file, JSON.stringify(deployment), { mode: 0o600, flag: "wx" });
    pulumi(["stack", "import", "--file", file], opts, secrets);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return { moved };
}

/** The command: parses its arguments, runs, prints what it did. Returns the exit code. */
export function migrateStateCommand(args: string[], usage: string, env: NodeJS.ProcessEnv = process.env): number {
  const opts: MigrateStateOptions = { env };
  for (let i = 0; i < args.length; i++) {
    const v = args[i + 1];
    if ((args[i] === "--stack" || args[i] === "--cwd") && v !== undefined && !v.startsWith("-")) {
      opts[args[i] === "--stack" ? "stack" : "cwd"] = v;
      i++;
    } else {
      process.stderr.write(usage);
      return 2;
    }
  }
  const stack = opts.stack !== undefined ? `stack ${opts.stack}` : "the selected stack";
  try {
    const { moved } = migrateState(opts);
    if (moved.length === 0) {
      process.stdout.write(terminalText(`wgkit migrate-state: ${stack} has no RandomBytes key seed: nothing to move.`) + "\n");
      return 0;
    }
    const names = moved.map((u) => `  ${u.substring(u.lastIndexOf("::") + 2)}`);
    process.stdout.write(terminalText(`wgkit migrate-state: moved ${moved.length} key seed(s) of ${stack} to RandomPassword; every key is unchanged:`) + "\n" +
      names.map((n) => terminalText(n)).join("\n") + "\n" +
      "Run `pulumi up` now: it should change no key. Older checkpoints in the backend's history and backups still hold the seeds in clear.\n");
    return 0;
  } catch (e) {
    if (e instanceof WgKitError || e instanceof PulumiFailed) {
      process.stderr.write(`wgkit migrate-state: ${e instanceof PulumiFailed ? terminalBlock(e.message) : terminalText(e.message)}\n`);
      return 1;
    }
    process.stderr.write(`wgkit migrate-state: ${e instanceof Error ? terminalText(`${e.name}: ${redactKeys(e.message)}`) : "unexpected error"}\n`);
    return 3;
  }
}
