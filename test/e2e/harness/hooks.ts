/**
 * Mocha root hooks for the e2e suite (loaded by test/e2e/.mocharc.json).
 *
 * beforeAll: fails at once without the real toolchain (`npm run toolchain`; every scenario runs
 *            on the real Pulumi engine), runs test/e2e/setup.sh (apt packages if missing, dockerd, stand-in
 *            image) and sweeps leftovers of e2e runs whose process is gone (Docker objects
 *            labelled with a dead owner pid, wgke2e-* namespaces recorded as a dead pid's) —
 *            never another engineer's running suite on this shared daemon.
 * afterAll:  removes this process's own leftovers (none when every stack was destroyed),
 *            then runs test/e2e/teardown.sh (dead owners again; stops the dockerd that
 *            setup.sh started, if it did).
 *
 * Environment:
 *   WGKIT_E2E_SKIP_SETUP=1   do not run setup.sh (the machine is already prepared)
 *   WGKIT_E2E_KEEP_DOCKER=1  leave the daemon running afterwards (faster re-runs)
 *   WGKIT_E2E_SKIP_TEARDOWN=1  do not run teardown.sh at all
 */
import * as fs from "fs";
import * as path from "path";
import { spawnSync } from "child_process";
import { sweepDeadOwners, sweepOwn, transportRetries } from "./realStack";
import { findToolchain } from "../../../cli/Toolchain";
import { sweepStaleNetns } from "./netns";

/** test/e2e in the source tree, found from build/test/e2e/harness or test/e2e/harness. */
export function e2eSourceDir(): string {
  let dir = __dirname;
  for (let i = 0; i < 6; i++) {
    const candidate = path.join(dir, "test", "e2e", "setup.sh");
    if (fs.existsSync(candidate)) return path.dirname(candidate);
    dir = path.dirname(dir);
  }
  throw new Error(`cannot find test/e2e/setup.sh above ${__dirname}`);
}

/** The image the tests run: the stand-in's content tag (set by setup), else the alias of the real image. */
export function standinImage(): string {
  return process.env.WGKIT_E2E_IMAGE || "lscr.io/linuxserver/wireguard:1.0.20250521";
}

function runScript(name: string): string {
  const script = path.join(e2eSourceDir(), name);
  const t0 = Date.now();
  const r = spawnSync("bash", [script], { stdio: ["ignore", "pipe", "inherit"], encoding: "utf8", timeout: 30 * 60 * 1000 });
  if (r.status !== 0) throw new Error(`${name} failed (exit ${r.status ?? r.signal}); see its messages above`);
  console.log(`  [e2e] ${name} done in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  return r.stdout;
}

export const mochaHooks = {
  async beforeAll(this: Mocha.Context) {
    this.timeout(30 * 60 * 1000);
    if (process.getuid && process.getuid() !== 0) throw new Error("the e2e suite needs root (netns, dockerd, /dev/net/tun)");
    const tc = findToolchain();
    if ("missing" in tc) throw new Error(`the e2e suite runs on the real Pulumi engine: ${tc.missing}`);
    if (process.env.WGKIT_E2E_SKIP_SETUP !== "1") {
      const out = runScript("setup.sh").trim().split("\n");
      const tag = out[out.length - 1];
      if (/^wgkit-standin:[0-9a-f]{12}$/.test(tag)) process.env.WGKIT_E2E_IMAGE = tag;
    }
    sweepStaleNetns();
    await sweepDeadOwners();
  },
  async afterAll(this: Mocha.Context) {
    this.timeout(5 * 60 * 1000);
    if (transportRetries) console.log(`  [e2e] ${transportRetries} up(s) run again after the program lost its connection to the engine (see realStack.ts)`);
    if (process.env.WGKIT_E2E_KEEP_ON_FAILURE !== "1") {
      const left = await sweepOwn();
      if (left) console.log(`  [e2e] removed ${left} Docker object(s) this run left behind`);
    }
    if (process.env.WGKIT_E2E_SKIP_TEARDOWN === "1") return;
    runScript("teardown.sh");
  },
};
