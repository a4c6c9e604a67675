/**
 * Driving the main command (`npm run up|down|pulumi` = `bash cli/stack.sh …`) as a user does, each
 * run a new process group, with its own state, output, passphrase and stack name, so that these
 * tests never touch a default stack someone deployed by hand (they do share its container name
 * `wireguard` and port 51820: .ci/run runs them under `flock /tmp/wgkit-51820.lock`).
 */
import { spawn, spawnSync } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

export const REPO = path.resolve(__dirname, "../../..");

/** One isolated default stack. */
export interface StackDirs {
  dir: string;
  env: NodeJS.ProcessEnv;
  out: string;
  state: string;
  stack: string;
}

export function isolatedStack(extra: NodeJS.ProcessEnv = {}, repo = REPO): StackDirs {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "wgkit-main-"));
  const stack = `wgkit-test-${crypto.randomBytes(3).toString("hex")}`;
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    WGKIT_STATE_DIR: path.join(dir, "state"),
    WGKIT_OUT_DIR: path.join(dir, "out"),
    WGKIT_PASSPHRASE_FILE: path.join(dir, "config", "passphrase"),
    WGKIT_STACK: stack,
    WGKIT_SERVER_URL: "127.0.0.1",
    ...extra,
  };
  for (const k of ["WGKIT_USERSPACE", "PULUMI_CONFIG_PASSPHRASE", "PULUMI_CONFIG_PASSPHRASE_FILE", "PULUMI_BACKEND_URL", "PULUMI_HOME"]) if (!(k in extra)) delete env[k];
  return { dir, env, out: String(env.WGKIT_OUT_DIR), state: String(env.WGKIT_STATE_DIR), stack: String(env.WGKIT_STACK) };
}

export interface Run { status: number | null; out: string; ms: number }

/** `npm run <verb>` in `repo`, to the end. */
export function main(s: StackDirs, args: string[], extra: NodeJS.ProcessEnv = {}, repo = REPO): Run {
  const t0 = Date.now();
  const r = spawnSync("bash", [path.join(repo, "cli", "stack.sh"), ...args], { cwd: repo, env: { ...s.env, ...extra }, encoding: "utf8", timeout: 900_000 });
  return { status: r.status, out: `${r.stdout}\n${r.stderr}`, ms: Date.now() - t0 };
}

/**
 * `npm run <verb>` in its own process group, killed with SIGKILL (the whole group) the moment its
 * output matches `at`. Resolves with what it printed and whether the kill happened.
 */
export function mainKilledAt(s: StackDirs, args: string[], at: RegExp, extra: NodeJS.ProcessEnv = {}): Promise<{ killed: boolean; out: string; status: number | null }> {
  return new Promise((resolve) => {
    const child = spawn("bash", [path.join(REPO, "cli", "stack.sh"), ...args], { cwd: REPO, env: { ...s.env, ...extra }, detached: true, stdio: ["ignore", "pipe", "pipe"] });
    let out = "", killed = false;
    const watch = (d: Buffer) => {
      out += d.toString("utf8");
      if (!killed && at.test(out)) {
        killed = true;
        try { process.kill(-child.pid!, "SIGKILL"); } catch { /* already gone */ }
      }
    };
    child.stdout!.on("data", watch);
    child.stderr!.on("data", watch);
    child.on("close", (status) => resolve({ killed, out, status }));
  });
}

export function conf(s: StackDirs, peer: string): Buffer {
  return fs.readFileSync(path.join(s.out, `${peer}.conf`));
}

export function docker(args: string[]): { status: number | null; stdout: string } {
  const r = spawnSync("docker", args, { encoding: "utf8" });
  return { status: r.status, stdout: r.stdout.trim() };
}

/** The peers the running interface serves (`wg show wg0 peers` in the container). */
export function servedPeers(): string[] {
  const r = docker(["exec", "wireguard", "wg", "show", "wg0", "peers"]);
  return r.status === 0 ? r.stdout.split("\n").filter(Boolean).sort() : [];
}

/** The public key a peer's conf derives (`wg pubkey`, an independent oracle). */
export function publicKeyOfConf(c: Buffer): string {
  const priv = /^PrivateKey = (\S+)$/m.exec(c.toString("utf8"))![1];
  return spawnSync("wg", ["pubkey"], { input: priv + "\n", encoding: "utf8" }).stdout.trim();
}

/** Every file under `dir` whose bytes contain any of `needles`. */
export function filesContaining(dir: string, needles: string[]): string[] {
  const hits: string[] = [];
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile()) {
        const b = fs.readFileSync(p);
        if (needles.some((n) => b.includes(n))) hits.push(p);
      }
    }
  };
  if (fs.existsSync(dir)) walk(dir);
  return hits;
}

/** Removes what an earlier main-command run left on this machine (a `wireguard` container dockerd restarted). */
export function removeLeftovers(): void {
  docker(["rm", "-f", "wireguard"]);
}
