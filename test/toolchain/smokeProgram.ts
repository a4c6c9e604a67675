/**
 * Runs in its own process (the mocha process has the SDK's mocks installed, and an inline
 * Automation API program must not share that runtime state). Given a toolchain root and a
 * scratch directory, it drives the real Pulumi CLI through the Automation API on a file
 * backend and prints one JSON line with what the engine reported.
 *
 *   node smokeProgram.js <toolchainRoot> <scratchDir> component|random
 */
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { LocalWorkspace, PulumiCommand } from "@pulumi/pulumi/automation";
import * as fs from "fs";
import * as path from "path";

class Box extends pulumi.ComponentResource {
  constructor(name: string, opts?: pulumi.ComponentResourceOptions) {
    super("wgkit:smoke:Box", name, {}, opts);
    this.registerOutputs({});
  }
}

export const SECRET_MARKER = "wgkit-smoke-secret-4f1d";

async function main(): Promise<void> {
  const [root, scratch, kind] = process.argv.slice(2);
  const backend = path.join(scratch, "state");
  fs.mkdirSync(backend, { recursive: true, mode: 0o700 });
  const pulumiCommand = await PulumiCommand.get({ root });
  const program = kind === "random"
    ? async () => { const b = new random.RandomBytes("bytes", { length: 16 }); return { base64: b.base64 }; }
    : async () => { new Box("box"); return { secret: pulumi.secret(SECRET_MARKER), plain: "hello" }; };
  const stack = await LocalWorkspace.createOrSelectStack(
    { stackName: "smoke", projectName: "wgkit-smoke", program },
    {
      pulumiCommand,
      workDir: scratch,
      projectSettings: { name: "wgkit-smoke", runtime: "nodejs", backend: { url: `file://${backend}` } },
      envVars: { PULUMI_CONFIG_PASSPHRASE: "smoke-passphrase", PULUMI_HOME: path.join(scratch, "home") },
    });
  const out: Record<string, unknown> = { version: pulumiCommand.version?.toString() };
  if (kind === "random") {
    const t0 = Date.now();
    try {
      await stack.up();
      out.upSucceeded = true;
    } catch (e) {
      out.upSucceeded = false;
      out.error = String((e as Error).message ?? e);
    }
    out.ms = Date.now() - t0;
  } else {
    const first = await stack.up();
    out.firstChanges = first.summary.resourceChanges;
    out.secretIsSecret = first.outputs.secret?.secret === true;
    const preview = await stack.preview({ expectNoChanges: true });
    out.previewChanges = preview.changeSummary;
    const second = await stack.up();
    out.secondChanges = second.summary.resourceChanges;
    // The backend's own file, not `stack export` (the Automation API exports with --show-secrets).
    const files = fs.readdirSync(backend, { recursive: true, encoding: "utf8" })
      .filter((f) => f.endsWith("smoke.json")).map((f) => fs.readFileSync(path.join(backend, f), "utf8"));
    out.stateFiles = files.length;
    out.stateHasPlaintextSecret = files.some((f) => f.includes(SECRET_MARKER));
    out.stateHasCiphertext = files.some((f) => f.includes("ciphertext"));
    out.boxUrn = (await stack.exportStack()).deployment.resources
      ?.map((r: { urn: string }) => r.urn).find((u: string) => u.includes("wgkit:smoke:Box"));
  }
  process.stdout.write(JSON.stringify(out) + "\n");
}

main().catch((e) => { process.stderr.write(String(e?.stack ?? e) + "\n"); process.exit(1); });
