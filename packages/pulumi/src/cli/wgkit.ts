#!/usr/bin/env node
/**
 * The `wgkit` command (a `bin` of @wgkit/pulumi). Subcommands:
 *   wgkit adopt <config dir>   adopt a linuxserver.io image's server-mode /config (see adopt.ts)
 *   wgkit migrate-state [--stack <s>] [--cwd <dir>]   move RandomBytes key seeds (see migrateState.ts)
 * Exit codes: 0 done, 1 the directory (or the stack) fails a check (one error naming the file
 * or URN and the rule), 2 usage. Errors are printed through core's terminalText (they may name
 * files from the directory).
 */
import { redactKeys, terminalText, WgKitError } from "@wgkit/core";
import { adoptReport } from "./adopt";
import { migrateStateCommand } from "./migrateState";

const USAGE = `usage: wgkit adopt <config dir>
       wgkit migrate-state [--stack <stack>] [--cwd <project dir>]

adopt: reads the /config directory of a linuxserver.io WireGuard container in server mode (read only)
and prints: a summary of the peers, a Pulumi program fragment (TypeScript) with a WireGuardServer
that keeps every key, address, keepalive and routed LAN, and the \`pulumi config set --secret\`
commands that load each key from its file. No key is ever printed.

migrate-state: run once before the first \`pulumi up\` with this version on a stack made by an
older one. Moves each key seed from a RandomBytes (whose id, in the state file, is the key
material in clear) into a RandomPassword, keeping every key: \`pulumi stack export
--show-secrets\`, then \`pulumi stack import\` through a private temporary file. Uses the
\`pulumi\` on PATH; a second run moves nothing.
`;

export function main(argv: string[]): number {
  const [cmd, ...rest] = argv;
  if (cmd === "-h" || cmd === "--help" || cmd === "help") { process.stdout.write(USAGE); return 0; }
  if (cmd === "migrate-state") return migrateStateCommand(rest, USAGE);
  if (cmd !== "adopt" || rest.length !== 1 || rest[0].startsWith("-")) { process.stderr.write(USAGE); return 2; }
  try {
    process.stdout.write(adoptReport(rest[0]));
    return 0;
  } catch (e) {
    if (e instanceof WgKitError) {
      process.stderr.write(`wgkit adopt: ${terminalText(e.message)}\n`);
      return 1;
    }
    // Anything else (e.g. a directory that cannot be listed): its message with anything key-shaped removed, no stack.
    process.stderr.write(`wgkit adopt: ${e instanceof Error ? terminalText(`${e.name}: ${redactKeys(e.message)}`) : "unexpected error"}\n`);
    return 3;
  }
}

if (require.main === module) process.exitCode = main(process.argv.slice(2));
