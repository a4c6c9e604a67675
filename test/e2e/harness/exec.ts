/**
 * Process helpers for the e2e harness. Every command is an argv array handed to
 * execFile/spawn without a shell, so no value is ever interpreted by /bin/sh.
 */
import { execFileSync, spawn, SpawnOptions } from "child_process";

export interface RunOptions {
  /** Bytes written to the child's stdin. */
  input?: string | Buffer;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Milliseconds; default 120 s. */
  timeoutMs?: number;
}

export class CommandError extends Error {
  constructor(
    readonly argv: string[],
    readonly status: number | null,
    readonly stdout: string,
    readonly stderr: string,
  ) {
    super(
      `command failed (exit ${status}): ${argv.map(quoteForLog).join(" ")}\n` +
        (stderr.trim() ? `stderr: ${stderr.trim()}\n` : "") +
        (stdout.trim() ? `stdout: ${stdout.trim().slice(0, 2000)}` : ""),
    );
    this.name = "CommandError";
  }
}

/** Only for messages: quotes an argument the way a reader would type it. */
export function quoteForLog(a: string): string {
  return /^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`;
}

/** Runs argv synchronously and returns stdout; throws CommandError with stderr on failure. */
export function run(cmd: string, args: string[], opts: RunOptions = {}): string {
  try {
    return execFileSync(cmd, args, {
      input: opts.input,
      env: opts.env,
      cwd: opts.cwd,
      timeout: Math.ceil(opts.timeoutMs ?? 120_000),
      encoding: "utf8",
      stdio: ["pipe", "pipe", "pipe"],
      maxBuffer: 64 * 1024 * 1024,
    });
  } catch (e: any) {
    throw new CommandError([cmd, ...args], e.status ?? null, String(e.stdout ?? ""), String(e.stderr ?? e.message ?? ""));
  }
}

/** Like run() but returns the outcome instead of throwing. */
export function tryRun(cmd: string, args: string[], opts: RunOptions = {}): { ok: boolean; stdout: string; stderr: string; status: number | null } {
  try {
    return { ok: true, stdout: run(cmd, args, opts), stderr: "", status: 0 };
  } catch (e) {
    if (e instanceof CommandError) return { ok: false, stdout: e.stdout, stderr: e.stderr, status: e.status };
    throw e;
  }
}

export interface AsyncResult {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs argv asynchronously, collecting output; never throws for a non-zero exit. */
export function runAsync(cmd: string, args: string[], opts: RunOptions = {}): Promise<AsyncResult> {
  return new Promise((resolve, reject) => {
    const so: SpawnOptions = { env: opts.env, cwd: opts.cwd, stdio: ["pipe", "pipe", "pipe"] };
    const child = spawn(cmd, args, so);
    let stdout = "";
    let stderr = "";
    child.stdout!.setEncoding("utf8").on("data", (d: string) => (stdout += d));
    child.stderr!.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), opts.timeoutMs ?? 600_000);
    child.on("error", (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on("close", (status, signal) => {
      clearTimeout(timer);
      resolve({ status, signal, stdout, stderr });
    });
    child.stdin!.on("error", () => undefined); // child may exit without reading stdin
    child.stdin!.end(opts.input ?? "");
  });
}

/** Is `pid` a live process on this host? (Owners of e2e leftovers: a dead owner's objects may be swept.) */
export function alive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e: any) {
    return e?.code === "EPERM";
  }
}

/** `docker exec <container> argv…` (no shell); returns stdout, throws CommandError. */
export function dockerExec(container: string, argv: string[]): string {
  return run("docker", ["exec", container, ...argv]);
}
