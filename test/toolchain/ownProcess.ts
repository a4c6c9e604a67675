/**
 * The real-engine programs of test/toolchain run in their own process (the mocha process has the
 * SDK's mocks installed, and an inline Automation API program must not share that runtime state),
 * in a fresh scratch directory removed afterwards, with what a developer may have set for Pulumi
 * dropped: the toolchain must be offline and self-contained by itself.
 */
import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { findToolchain } from "../../cli/Toolchain";

/** Runs `<script> <scratch> <kind>` (a sibling of this file) and returns the last JSON line it printed. */
export function runOwnProcess(script: string, kind: string): Record<string, any> {
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), `wgkit-${path.basename(script, ".js")}-`));
  try {
    const env = { ...process.env };
    for (const k of ["PULUMI_SKIP_UPDATE_CHECK", "PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION", "PULUMI_HOME", "PULUMI_BACKEND_URL", "PULUMI_CONFIG_PASSPHRASE"]) delete env[k];
    const r = spawnSync(process.execPath, [path.join(__dirname, script), scratch, kind], { encoding: "utf8", env, timeout: 280_000 });
    assert.equal(r.status, 0, `${script} ${kind} failed:\n${r.stderr}`);
    return JSON.parse(r.stdout.trim().split("\n").pop()!);
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}

/** A mocha `before` hook: skips the suite (saying why) when `npm run toolchain` has not built the toolchain. */
export function skipWithoutToolchain(this: Mocha.Context): void {
  const found = findToolchain();
  if ("missing" in found) {
    console.log(`      SKIPPED: ${found.missing}`);
    this.skip();
  }
}
