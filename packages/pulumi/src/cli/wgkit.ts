#!/usr/bin/env node
/**
 * The `wgkit` command (a `bin` of @wgkit/pulumi). Subcommands:
 *   wgkit adopt <config dir>   adopt a linuxserver.io image's server-mode /config (see adopt.ts)
 * Exit codes: 0 done, 1 the directory fails a check (one error naming the file and the rule),
 * 2 usage. Errors are printed through core's terminalText (they may name files from the directory).
 */
import { redactKeys, terminalText, WgKitError } from "@wgkit/core";
import { adoptReport } from "./adopt";

const USAGE = `usage: wgkit adopt <config dir>

Reads the /config directory of a linuxserver.io WireGuard container in server mode (read only)
and prints: a summary of the peers, a Pulumi program fragment (TypeScript) with a WireGuardServer
that keeps every key, address, keepalive and routed LAN, and the \`pulumi config set --secret\`
commands that load each key from its file. No key is ever printed.
`;

export function main(argv: string[]): number {
  const [cmd, ...rest] = argv;
  if (cmd === "-h" || cmd === "--help" || cmd === "help") { process.stdout.write(USAGE); return 0; }
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
