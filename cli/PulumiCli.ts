/**
 * Which Pulumi CLI the main command runs, and how: a `pulumi` on PATH (the user's own), else the
 * toolchain's (cli/Toolchain.ts), built first with its progress shown when absent.
 */
import { spawn, spawnSync } from "child_process";
import * as path from "path";
import * as readline from "readline";
import { terminalText as t } from "@wgkit/core";
import { findToolchain } from "./Toolchain";

/** A CLI to run, with the environment to run it in. */
export interface PulumiCli {
  /** The executable. */
  bin: string;
  /** Its environment (the toolchain's PULUMI_HOME and offline switches, or the caller's own). */
  env: NodeJS.ProcessEnv;
  /** One line saying which CLI this is. */
  describe: string;
}

function onPath(env: NodeJS.ProcessEnv): { bin: string; version: string } | undefined {
  const which = spawnSync("sh", ["-c", "command -v pulumi"], { encoding: "utf8", env });
  const bin = which.status === 0 ? which.stdout.trim() : "";
  if (!bin) return undefined;
  const v = spawnSync(bin, ["version"], { encoding: "utf8", env });
  return v.status === 0 ? { bin, version: v.stdout.trim() } : undefined;
}

/** The CLI to use; builds the toolchain (`npm run toolchain`) when there is neither. */
export function choosePulumi(repo: string, env: NodeJS.ProcessEnv = process.env): PulumiCli {
  const own = onPath(env);
  if (own) return { bin: own.bin, env: { ...env }, describe: `the Pulumi CLI on PATH: ${t(own.bin)} (${t(own.version)})` };
  let tc = findToolchain(env);
  if ("missing" in tc) {
    console.log(`pulumi: none on PATH and ${t(tc.missing)}; building the toolchain now (cold: about 15 minutes on 2 cores) …`);
    const r = spawnSync("bash", [path.join(repo, "toolchain", "toolchain.sh")], { stdio: ["ignore", "inherit", "inherit"], env });
    if (r.status !== 0) throw new Error("npm run toolchain failed (its error is above)");
    tc = findToolchain(env);
    if ("missing" in tc) throw new Error(tc.missing);
  }
  return {
    bin: path.join(tc.binDir, "pulumi"),
    env: { ...env, ...tc.env },
    describe: `the toolchain's Pulumi CLI v${t(tc.manifest.pieces.pulumi.version)} (${t(tc.binDir)}; no pulumi on PATH)`,
  };
}

/** What a run of the CLI printed and how it ended. */
export interface CliResult {
  status: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs the CLI. `stream`: its display goes to the terminal as it comes (Pulumi's own output, as
 * `pulumi up` shows it) and is kept too; otherwise it is only kept.
 */
export function runPulumi(cli: PulumiCli, args: string[], opts: { cwd: string; env?: NodeJS.ProcessEnv; stream?: boolean; input?: string }): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cli.bin, args, { cwd: opts.cwd, env: { ...cli.env, ...opts.env }, stdio: [opts.input === undefined ? "ignore" : "pipe", "pipe", "pipe"] });
    let stdout = "", stderr = "";
    // Streamed line by line through TerminalText: Pulumi's display carries what containers and
    // commands printed (an install step's output, an image build's), which must not drive the terminal.
    readline.createInterface({ input: child.stdout!, crlfDelay: Infinity }).on("line", (l) => { stdout += `${l}\n`; if (opts.stream) console.log(t(l)); });
    readline.createInterface({ input: child.stderr!, crlfDelay: Infinity }).on("line", (l) => { stderr += `${l}\n`; if (opts.stream) console.error(t(l)); });
    if (opts.input !== undefined) child.stdin!.end(opts.input);
    child.on("error", reject);
    child.on("close", (code, signal) => resolve({ status: code ?? (signal ? 128 : 1), stdout, stderr }));
  });
}
