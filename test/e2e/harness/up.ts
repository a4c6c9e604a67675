/**
 * `npm run up`: deploys the default stack (index.ts / Pulumi.yaml) on this machine's Docker
 * Engine without the Pulumi CLI: the program runs under the SDK's mocks and EngineMocks applies
 * every resource to the real engine (see README, "What the harness proves"). Peer confs and QR
 * codes are written to .wgkit-out/ (mode 0600); the containers keep running. `npm run down`
 * removes them. With the Pulumi CLI, `pulumi up` runs the same program for real.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { EngineMocks } from "./engine-mocks";
import { e2eSourceDir } from "./hooks";

/** Labels the default stack's Docker objects so `npm run down` removes only them. */
const RUN_ID = "default-stack";

async function main(): Promise<void> {
  const root = path.resolve(e2eSourceDir(), "../..");
  if (process.argv[2] === "down") {
    const n = await EngineMocks.sweep(undefined, RUN_ID);
    console.log(`removed ${n} Docker object(s) created by npm run up`);
    return;
  }
  const setup = spawnSync("bash", [path.join(e2eSourceDir(), "setup.sh")], { stdio: ["ignore", "pipe", "inherit"], encoding: "utf8" });
  if (setup.status !== 0) throw new Error("setup.sh failed");
  const tag = setup.stdout.trim().split("\n").pop()!;
  const mocks = new EngineMocks({ runId: RUN_ID, log: (m) => console.log(`  ${m}`) });
  pulumi.runtime.setMocks(mocks, "wgkit", "dev");
  const config: Record<string, string> = {
    "wgkit:serverUrl": process.env.WGKIT_SERVER_URL ?? "wireguard.example.com",
    // this machine's kernel has no WireGuard module: pass /dev/net/tun for wireguard-go
    "wgkit:userspace": process.env.WGKIT_USERSPACE ?? "true",
  };
  for (const [k, v] of Object.entries(config)) pulumi.runtime.setConfig(k, v);
  console.log(`deploying the default stack (image ${tag})`);
  const stack = require(path.join(root, "build", "index.js")) as { serverPublicKey: pulumi.Output<string>; endpoint: pulumi.Output<string>; peers: Record<string, Record<string, pulumi.Output<string>>> };
  const out = path.join(root, ".wgkit-out");
  fs.mkdirSync(out, { recursive: true, mode: 0o700 });
  console.log(`serverPublicKey: ${await mocks.value(stack.serverPublicKey)}`);
  console.log(`endpoint:        ${await mocks.value(stack.endpoint)}`);
  for (const [name, p] of Object.entries(stack.peers)) {
    const [address, publicKey, config, qr] = await mocks.value(pulumi.all([p.address, p.publicKey, p.config, p.qrCode]));
    fs.writeFileSync(path.join(out, `${name}.conf`), config, { mode: 0o600 });
    fs.writeFileSync(path.join(out, `${name}.png`), Buffer.from(qr, "base64"), { mode: 0o600 });
    console.log(`peer ${name}: ${address} ${publicKey} -> .wgkit-out/${name}.conf, .wgkit-out/${name}.png`);
  }
  await mocks.settle();
  console.log("done: the server container keeps running; `npm run down` removes it");
}

main().catch((e) => { console.error(e?.message ?? e); process.exit(1); });
