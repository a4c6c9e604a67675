/**
 * Load, on the real Pulumi engine: one server container with N real peers (WGKIT_LOAD_PEERS, default 50 to keep CI bounded;
 * the closing figures use 250). Each peer is a network namespace running userspace WireGuard on
 * one host bridge (203.0.113.0/24, host at .1), using its conf from the stack outputs. All must
 * handshake and pass a ping. Figures: time to converge, memory of the server container.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parseWgShowDump } from "@wgkit/core";
import { WireGuardServer } from "@wgkit/pulumi";
import { run, runAsync, tryRun } from "./harness/exec";
import { standinImage } from "./harness/hooks";
import { CleanupRegistry, createNetns, isFreeOnHost } from "./harness/netns";
import { dockerExec } from "./harness/exec";
import { figure } from "./harness/figures";
import { RealStack, scenarioEnd } from "./harness/realStack";
import { ServerOut, serverOutputs } from "./harness/wgkitOutputs";

const N = Number(process.env.WGKIT_LOAD_PEERS ?? 50);
const BRIDGE = "wgkload0";

async function pool<T>(items: T[], width: number, fn: (t: T, i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: width }, async () => {
    while (next < items.length) { const i = next++; await fn(items[i], i); }
  }));
}

describe(`Load: one server, ${N} real peers`, function () {
  const cleanup = new CleanupRegistry();
  let stack: RealStack | undefined;

  it(`all ${N} peers handshake and pass a ping`, async function () {
    assert.ok(N >= 1 && N <= 250, "WGKIT_LOAD_PEERS is 1..250 (one /24 underlay bridge)");
    assert.ok(isFreeOnHost("203.0.113.1/24"), "203.0.113.0/24 must be unused on this host");
    // each wireguard-go watches its UAPI socket with inotify; the default of 128 instances per
    // user stops the 129th peer ("Unable to modify interface: Protocol not supported")
    const inotify = "/proc/sys/fs/inotify/max_user_instances";
    const before = Number(fs.readFileSync(inotify, "utf8"));
    if (before < N + 64) {
      fs.writeFileSync(inotify, String(N + 64));
      cleanup.add("restore inotify limit", () => fs.writeFileSync(inotify, String(before)));
    }
    run("ip", ["link", "add", BRIDGE, "type", "bridge"]);
    cleanup.add(`delete ${BRIDGE}`, () => void tryRun("ip", ["link", "del", BRIDGE]));
    run("ip", ["addr", "add", "203.0.113.1/24", "dev", BRIDGE]);
    run("ip", ["link", "set", BRIDGE, "up"]);

    stack = await RealStack.create("load");
    const name = `e2e-load-${stack.id.slice(-6)}`;
    const port = 40000 + Math.floor(Math.random() * 10000);
    const names = Array.from({ length: N }, (_, i) => `p${i}`);
    const r = await stack.up(() => ({
      server: serverOutputs(new WireGuardServer(name, {
        serverUrl: "203.0.113.1", serverPort: port, allowedIps: ["10.13.13.0/24"], userspace: true, image: standinImage(),
        peers: Object.fromEntries(names.map((n) => [n, {}])),
      })),
    }));
    const server: ServerOut = r.outputs.server;
    const configs = names.map((n) => server.peers[n].config);
    const deployMs = r.ms;

    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "wgkit-load-"));
    cleanup.add(`remove ${dir}`, () => fs.rmSync(dir, { recursive: true, force: true }));
    const t1 = Date.now();
    const nss: string[] = [];
    for (let i = 0; i < N; i++) {
      nss.push(createNetns(cleanup, { bridge: BRIDGE, bridgeAddr: { addr: `203.0.113.${i + 2}`, prefixLen: 24 } }).name);
    }
    await pool(names, 8, async (_, i) => {
      const file = path.join(dir, `wl${i}.conf`);
      fs.writeFileSync(file, configs[i].replace(/^DNS = .*\n/m, ""), { mode: 0o600 });
      const r = await runAsync("ip", ["netns", "exec", nss[i], "wg-quick", "up", file]);
      if (r.status !== 0) throw new Error(`wg-quick up in ${nss[i]}: ${r.stderr}`);
    });
    let failed: string[] = [];
    await pool(names, 16, async (n, i) => {
      const r = await runAsync("ip", ["netns", "exec", nss[i], "ping", "-n", "-c", "1", "-W", "5", "10.13.13.1"]);
      if (r.status !== 0) {
        const again = await runAsync("ip", ["netns", "exec", nss[i], "ping", "-n", "-c", "3", "-W", "5", "10.13.13.1"]);
        if (again.status !== 0) failed.push(n);
      }
    });
    const convergeMs = Date.now() - t1;
    const dump = parseWgShowDump(dockerExec(name, ["wg", "show", "wg0", "dump"]));
    const handshaken = dump.peers.filter((p) => p.latestHandshake > 0).length;
    const memUsage = run("docker", ["stats", "--no-stream", "--format", "{{.MemUsage}}", name]).trim().split(" / ")[0];
    figure({ bench: "load", peers: N, deployMs, previewMs: r.previewMs, convergeMs, handshaken, pinged: N - failed.length, serverMem: memUsage });
    assert.deepEqual(failed, []);
    assert.equal(dump.peers.length, N);
    assert.equal(handshaken, N);
  });

  scenarioEnd(() => stack, cleanup);
});
