/**
 * A Pulumi project folder driven with the real CLI of the toolchain (`npm run toolchain`, found by
 * cli/Toolchain.ts), the way a user runs it: `pulumi <args>` in the folder, argv without a shell,
 * the toolchain's environment (its PULUMI_HOME, no downloads) plus the caller's additions.
 * Reads what only the engine and its file backend know: the `--json` event stream's summary and
 * the backend's own files (never `pulumi stack export`, which can decrypt).
 *
 * Failure modes: a command that exits non-zero rejects with its argv, exit status and the tail of
 * its output, unless `allowFail`; one that runs past `timeoutMs` is killed (SIGKILL) and rejects.
 */
import * as fs from "fs";
import * as path from "path";
import { AsyncResult, quoteForLog, runAsync } from "./exec";

export interface PulumiResult extends AsyncResult {
  ms: number;
}

export interface StateResource {
  urn: string;
  type: string;
  id?: string;
  outputs?: Record<string, unknown>;
}

/** The key and value Pulumi marks a secret with in state (`{ [SECRET_SIG]: SECRET_VALUE, ciphertext }`). */
export const SECRET_SIG = "4dabf18193072939515e22adb298388d";
export const SECRET_VALUE = "1b47061264138c4ac30d75fd1eb44270";

/** True for a secret as the passphrase secrets provider writes it in a state file. */
export function isCiphertext(v: unknown): boolean {
  const o = v as Record<string, unknown> | null;
  return o !== null && typeof o === "object" && o[SECRET_SIG] === SECRET_VALUE && typeof o.ciphertext === "string" && !("plaintext" in o);
}

export class PulumiProject {
  /** `bin`: the toolchain's `pulumi`; `env`: the whole environment of every command. */
  constructor(readonly dir: string, readonly bin: string, readonly env: NodeJS.ProcessEnv, readonly log: (line: string) => void = () => undefined) {}

  async run(args: string[], opts: { allowFail?: boolean; timeoutMs?: number } = {}): Promise<PulumiResult> {
    const t0 = Date.now();
    const r = await runAsync(this.bin, args, { cwd: this.dir, env: this.env, timeoutMs: opts.timeoutMs ?? 20 * 60_000 });
    const ms = Date.now() - t0;
    this.log(`pulumi ${args.map(quoteForLog).join(" ")} → ${r.status ?? r.signal} in ${(ms / 1000).toFixed(1)} s`);
    if (r.status !== 0 && !opts.allowFail) {
      const tail = (s: string) => s.trim().split("\n").slice(-40).join("\n");
      throw new Error(`pulumi ${args.map(quoteForLog).join(" ")} failed (exit ${r.status ?? r.signal}) in ${this.dir}\n${tail(r.stdout)}\n${tail(r.stderr)}`);
    }
    return { ...r, ms };
  }

  /** `pulumi stack output --json` (secrets stay "[secret]" unless showSecrets). */
  async outputs(showSecrets = false): Promise<Record<string, unknown>> {
    return JSON.parse((await this.run(["stack", "output", "--json", ...(showSecrets ? ["--show-secrets"] : [])])).stdout);
  }

  /** Where `backend.url: file://./state` keeps everything: checkpoints, history, backups. */
  get backendDir(): string {
    return path.join(this.dir, "state", ".pulumi");
  }

  /** Every file the backend wrote, as text. */
  backendFiles(): { file: string; text: string }[] {
    if (!fs.existsSync(this.backendDir)) return [];
    return (fs.readdirSync(this.backendDir, { recursive: true, encoding: "utf8" }) as string[])
      .map((f) => path.join(this.backendDir, f))
      .filter((f) => fs.statSync(f).isFile())
      .map((file) => ({ file, text: fs.readFileSync(file, "utf8") }));
  }

  /** The stack's latest checkpoint in the backend's own file. */
  checkpoint(project: string, stack: string): { resources: StateResource[] } {
    const file = path.join(this.backendDir, "stacks", project, `${stack}.json`);
    const latest = JSON.parse(fs.readFileSync(file, "utf8")).checkpoint?.latest ?? {};
    return { resources: latest.resources ?? [] };
  }
}

/** The resource changes of a `--json` run (the summary event of its event stream), e.g. `{ same: 13 }`. */
export function summaryChanges(jsonLines: string): Record<string, number> {
  for (const line of jsonLines.split("\n")) {
    if (!line.includes("summaryEvent")) continue;
    const e = JSON.parse(line) as { summaryEvent?: { resourceChanges?: Record<string, number> } };
    if (e.summaryEvent) return e.summaryEvent.resourceChanges ?? {};
  }
  throw new Error(`no summaryEvent in the --json output:\n${jsonLines.slice(-2000)}`);
}

/** How many resources a summary says were touched (everything but `same`). */
export function changedCount(changes: Record<string, number>): number {
  return Object.entries(changes).filter(([op]) => op !== "same").reduce((n, [, c]) => n + c, 0);
}
