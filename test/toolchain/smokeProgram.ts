/**
 * Runs in its own process (the mocha process has the SDK's mocks installed, and an inline
 * Automation API program must not share that runtime state). It drives the real Pulumi CLI of the
 * toolchain (`npm run toolchain`) through the Automation API on a file backend, with the
 * toolchain's own environment (its PULUMI_HOME and plugins), and prints one JSON line with what
 * the engine and Docker reported.
 *
 *   node smokeProgram.js <scratchDir> resources|missing-plugin
 */
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import * as docker from "@pulumi/docker";
import * as command from "@pulumi/command";
import { LocalWorkspace, PulumiCommand } from "@pulumi/pulumi/automation";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { findToolchain } from "../../cli/Toolchain";

async function main(): Promise<void> {
  const [scratch, kind] = process.argv.slice(2);
  const tc = findToolchain();
  if ("missing" in tc) throw new Error(tc.missing);
  const backend = path.join(scratch, "state");
  fs.mkdirSync(backend, { recursive: true, mode: 0o700 });
  const volumeName = `wgkit-smoke-${path.basename(scratch)}`;
  const pulumiCommand = await PulumiCommand.get({ root: tc.root });
  const program = kind === "missing-plugin"
    // A version of the random plugin the toolchain does not have.
    ? async () => { const b = new random.RandomBytes("bytes", { length: 16 }, { version: "4.99.0" }); return { base64: b.base64 }; }
    : async () => {
      const bytes = new random.RandomBytes("bytes", { length: 16 });
      const volume = new docker.Volume("volume", { name: volumeName, labels: [{ label: "wgkit.smoke", value: "1" }] });
      const cmd = new command.local.Command("command", { create: "printf '%s' \"$WGKIT_SMOKE\"", environment: { WGKIT_SMOKE: volume.name } });
      return { bytes: bytes.base64, volume: volume.name, stdout: cmd.stdout };
    };
  const stack = await LocalWorkspace.createOrSelectStack(
    { stackName: "smoke", projectName: "wgkit-smoke", program },
    {
      pulumiCommand,
      workDir: scratch,
      projectSettings: { name: "wgkit-smoke", runtime: "nodejs", backend: { url: `file://${backend}` } },
      envVars: { ...tc.env, PULUMI_CONFIG_PASSPHRASE: "smoke-passphrase" },
    });
  const out: Record<string, unknown> = { version: pulumiCommand.version?.toString() };
  let text = "";
  const onOutput = (s: string) => { text += s; };
  if (kind === "missing-plugin") {
    const t0 = Date.now();
    try {
      await stack.up({ onOutput });
      out.upSucceeded = true;
    } catch (e) {
      out.upSucceeded = false;
      out.error = String((e as Error).message ?? e);
    }
    out.ms = Date.now() - t0;
  } else {
    const first = await stack.up({ onOutput });
    out.firstChanges = first.summary.resourceChanges;
    out.secretIsSecret = first.outputs.bytes?.secret === true;
    out.stdout = first.outputs.stdout?.value;
    out.volumeAfterUp = spawnSync("docker", ["volume", "inspect", volumeName]).status === 0;
    const preview = await stack.preview({ expectNoChanges: true, onOutput });
    out.previewChanges = preview.changeSummary;
    const second = await stack.up({ onOutput });
    out.secondChanges = second.summary.resourceChanges;
    // The backend's own file, not `stack export` (the Automation API exports with --show-secrets).
    const files = fs.readdirSync(backend, { recursive: true, encoding: "utf8" })
      .filter((f) => f.endsWith("smoke.json")).map((f) => fs.readFileSync(path.join(backend, f), "utf8"));
    out.stateFiles = files.length;
    const resources = files.length ? JSON.parse(files[0]).checkpoint.latest.resources as { type: string; id?: string; outputs?: Record<string, unknown> }[] : [];
    const value = String(first.outputs.bytes?.value);
    // Outside the id, the secret is ciphertext everywhere (stack outputs, the resource's own outputs).
    out.outputsHavePlaintextSecret = resources.some((r) => JSON.stringify(r.outputs ?? {}).includes(value));
    out.stateHasCiphertext = files.some((f) => f.includes("ciphertext"));
    // The random provider makes a RandomBytes' id its base64 value, in clear: why wgkit keeps key
    // seeds in RandomPassword (id "none") and never in RandomBytes.
    out.randomBytesIdIsItsValue = resources.find((r) => r.type === "random:index/randomBytes:RandomBytes")?.id === value;
    const destroyed = await stack.destroy({ onOutput });
    out.destroyChanges = destroyed.summary.resourceChanges;
    out.volumeAfterDestroy = spawnSync("docker", ["volume", "inspect", volumeName]).status === 0;
    out.plugins = (await stack.workspace.listPlugins()).map((p) => `${p.kind}:${p.name}@${p.version}`).sort();
  }
  out.warnings = text.split("\n").filter((l) => /using .* from \$PATH|expected to have version|warning:/i.test(l));
  process.stdout.write(JSON.stringify(out) + "\n");
}

main().catch((e) => { process.stderr.write(String(e?.stack ?? e) + "\n"); process.exit(1); });
