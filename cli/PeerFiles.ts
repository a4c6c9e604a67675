/**
 * Each device's conf and QR code, written where the user picks them up (`.wgkit-out/`).
 *
 * INVARIANT. A file is rewritten only when its content changed, and then atomically (a private
 * temp file renamed over it), so a run killed while writing leaves the old conf or the new one,
 * never half of one. Files are 0600 in a 0700 directory: they hold private keys.
 */
import * as fs from "fs";
import * as path from "path";
import { terminalText as t } from "@wgkit/core";
import { writePrivateBytes } from "@wgkit/pulumi/dist/PrivateDir";

/** What the default stack exports per peer. */
export interface PeerOutput {
  address: string;
  publicKey: string;
  config: string;
  qrCode?: string;
}

/** Writes `content` to `file` (0600) unless it already holds exactly that; true when written (PrivateDir's atomic write). */
export function writePrivate(file: string, content: string | Buffer): boolean {
  return writePrivateBytes(file, Buffer.from(content));
}

/** Writes every peer's conf and QR PNG; removes those of peers no longer declared. Returns the lines to print. */
export function writePeerFiles(outDir: string, peers: Record<string, PeerOutput>, relativeTo: string): string[] {
  fs.mkdirSync(outDir, { recursive: true, mode: 0o700 });
  fs.chmodSync(outDir, 0o700);
  const keep = new Set<string>();
  const lines: string[] = [];
  const shown = path.relative(relativeTo, outDir) || ".";
  for (const [name, p] of Object.entries(peers)) {
    if (!/^[A-Za-z0-9_.-]+$/.test(name) || name.startsWith(".")) throw new Error(`peer name ${t(name)} cannot be a file name`);
    const changed = writePrivate(path.join(outDir, `${name}.conf`), p.config);
    keep.add(`${name}.conf`);
    if (p.qrCode) { writePrivate(path.join(outDir, `${name}.png`), Buffer.from(p.qrCode, "base64")); keep.add(`${name}.png`); }
    lines.push(`peer ${t(name)}: ${t(p.address)} ${t(p.publicKey)} -> ${t(shown)}/${t(name)}.conf${changed ? " (written)" : " (unchanged)"}`);
  }
  for (const f of fs.readdirSync(outDir)) {
    if (keep.has(f)) continue;
    fs.rmSync(path.join(outDir, f), { force: true });
    // A dot file is a temporary file a killed run left (writePrivateBytes); no peer's name starts with ".".
    if (!f.startsWith(".")) lines.push(`removed ${t(shown)}/${t(f)} (peer no longer declared)`);
  }
  return lines;
}
