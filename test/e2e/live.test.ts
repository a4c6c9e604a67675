/**
 * Live operations on the real engine (issue: live operations). Each `pulumi up` is an update of the
 * same stack with a changed program (peers added, removed, rotated, disabled, the port changed);
 * what the engine did to each resource is read from its own events (harness/realStack.ts).
 */
import * as assert from "assert";
import { parseWgQuick, parseWgShowDump } from "@wgkit/core";
import { ServerPeerArgs, WireGuardServer } from "@wgkit/pulumi";
import { dockerExec } from "./harness/exec";
import { figure } from "./harness/figures";
import { standinImage } from "./harness/hooks";
import { RealStack, scenarioEnd } from "./harness/realStack";
import { ServerOut, serverOutputs } from "./harness/wgkitOutputs";
import { CleanupRegistry, Netns, WgQuickHandle, allocateLink, createNetns, dialFrom, nsPing, nsSpawn, nsWgDump, waitFor, wgQuickDown, wgQuickUp } from "./harness/netns";

const CONTAINER = "docker:index/container:Container";

describe("Live operations on a real engine", function () {
  const cleanup = new CleanupRegistry();
  let stack: RealStack | undefined;
  const port = 40000 + Math.floor(Math.random() * 10000);
  let name: string;

  before(async () => {
    stack = await RealStack.create("live");
    name = `e2e-live-${stack.id.slice(-6)}`;
  });

  /** One `pulumi up` of the program with these peers (and extra server args). */
  async function up(peers: Record<string, ServerPeerArgs>, extra: Partial<ConstructorParameters<typeof WireGuardServer>[1]> = {}) {
    const r = await stack!.up(() => ({
      server: serverOutputs(new WireGuardServer(name, {
        serverUrl: "vpn.example.com", serverPort: port, allowedIps: ["10.13.13.0/24"], userspace: true, image: standinImage(), peers, ...extra,
      })),
    }));
    const server: ServerOut = r.outputs.server;
    return { server, installed: server.install, status: server.status, ms: r.ms, ops: r.ops };
  }
  const peerUp = async (server: ServerOut, n: string, p: number = port): Promise<{ ns: Netns; config: string; ifname: string; wg: WgQuickHandle }> => {
    const config = server.peers[n].config;
    const ns = createNetns(cleanup, { link: allocateLink() });
    const wg = wgQuickUp(cleanup, ns.name, dialFrom(ns, config, p));
    return { ns, config, ifname: wg.ifname, wg };
  };
  const serverDump = () => parseWgShowDump(dockerExec(name, ["wg", "show", "wg0", "dump"]));

  type PeerNs = Awaited<ReturnType<typeof peerUp>>;
  let alice: PeerNs;
  let bob: PeerNs;
  let carol: PeerNs;
  let containerId: string;

  it("first up: the tunnel is checked up with the expected key before `up` returns", async () => {
    const r = await up({ alice: { persistentKeepalive: 5 }, bob: {} });
    assert.match(r.installed, new RegExp(`wg0 up in ${name} with public key .*, listen port 51820`));
    containerId = r.server.containerId;
    alice = await peerUp(r.server, "alice");
    bob = await peerUp(r.server, "bob");
    assert.ok(nsPing(alice.ns.name, "10.13.13.1", 2, 3).ok && nsPing(bob.ns.name, "10.13.13.1", 2, 3).ok);
  });

  it("adding carol and removing bob is applied live: same container, 0 packets lost by alice", async () => {
    const count = 200; // 10 s at 50 ms
    const pinger = nsSpawn(cleanup, alice.ns.name, "ping", ["-n", "-i", "0.05", "-c", String(count), "-W", "1", "10.13.13.1"]);
    let out = "";
    pinger.stdout!.on("data", (d) => { out += d; });
    const done = new Promise((r) => pinger.on("exit", r));
    await new Promise((r) => setTimeout(r, 1500));
    const r = await up({ alice: { persistentKeepalive: 5 }, carol: {} });
    await done;
    const m = /(\d+) packets transmitted, (\d+) received/.exec(out)!;
    const sent = Number(m[1]), lost = sent - Number(m[2]);
    figure({ bench: "peer-change", lost, sent, upMs: r.ms, change: "+carol -bob while alice pings every 50 ms" });
    assert.equal(r.ops.get(`${CONTAINER}::${name}`), "same", "the engine did not touch the container");
    assert.equal(r.server.containerId, containerId);
    assert.equal(r.ops.get(`command:local:Command::${name}-install`), "update", "the conf install ran again (wg syncconf)");
    assert.equal(lost, 0, out);
    const keys = serverDump().peers.map((p) => p.publicKey);
    assert.ok(!keys.includes(nsWgDump(bob.ns.name, bob.ifname).publicKey), "bob is gone from the running interface");
    carol = await peerUp(r.server, "carol");
    assert.ok(nsPing(carol.ns.name, "10.13.13.1", 3, 2).ok, "carol connects without a restart");
    assert.ok(!nsPing(bob.ns.name, "10.13.13.1", 2, 1).ok, "bob no longer passes traffic");
    assert.equal(r.status.alice.present, true);
    assert.ok(r.status.alice.latestHandshake > 0 && r.status.alice.rxBytes > 0, JSON.stringify(r.status.alice));
    assert.equal(r.status.carol.present, true);
  });

  it("rotation gives alice new keys live; the old key no longer handshakes. Disabling carol removes her, re-enabling restores her", async () => {
    const oldPub = nsWgDump(alice.ns.name, alice.ifname).publicKey;
    const carolPub = nsWgDump(carol.ns.name, carol.ifname).publicKey;
    const r = await up({ alice: { persistentKeepalive: 5, rotation: "2026-11-26" }, carol: { enabled: false } });
    assert.equal(r.server.containerId, containerId, "still the same container");
    assert.equal(r.ops.get(`${CONTAINER}::${name}`), "same");
    const newPub = r.server.peers.alice.publicKey;
    assert.notEqual(newPub, oldPub);
    const keys = serverDump().peers.map((p) => p.publicKey);
    assert.ok(keys.includes(newPub) && !keys.includes(oldPub) && !keys.includes(carolPub));
    // the old conf: fresh handshake attempts fail
    wgQuickDown(alice.wg);
    const stale = createNetns(cleanup, { link: allocateLink() });
    const staleWg = wgQuickUp(cleanup, stale.name, dialFrom(stale, alice.config, port));
    assert.ok(!nsPing(stale.name, "10.13.13.1", 3, 2).ok, "the old key is refused");
    assert.equal(nsWgDump(stale.name, staleWg.ifname).peers[0].latestHandshake, 0);
    const fresh = await peerUp(r.server, "alice");
    assert.ok(nsPing(fresh.ns.name, "10.13.13.1", 3, 2).ok, "the new key works");
    assert.equal(r.server.peers.alice.address, "10.13.13.2", "rotation kept the address");
    assert.equal(r.status.carol.present, false);
    assert.ok(!nsPing(carol.ns.name, "10.13.13.1", 2, 1).ok, "disabled carol cannot pass traffic");

    const r2 = await up({ alice: { persistentKeepalive: 5, rotation: "2026-11-26" }, carol: {} });
    assert.equal(r2.server.peers.carol.publicKey, carolPub, "re-enabled with the same keys");
    assert.equal(r2.status.carol.present, true);
    await waitFor("carol passes traffic again", () => nsPing(carol.ns.name, "10.13.13.1", 1, 1).ok, 30_000, 500);
  });

  it("always converged: a port change replaces the container and the running conf equals the rendered conf", async () => {
    const newPort = port + 1;
    const r = await up({ alice: { persistentKeepalive: 5, rotation: "2026-11-26" }, carol: {} }, { serverPort: newPort });
    assert.equal(r.ops.get(`${CONTAINER}::${name}`), "replace");
    assert.notEqual(r.server.containerId, containerId);
    const rendered = parseWgQuick(r.server.config);
    const running = parseWgQuick(dockerExec(name, ["wg", "showconf", "wg0"]));
    assert.equal(running.interface.privateKey, rendered.interface.privateKey);
    assert.equal(running.interface.listenPort, rendered.interface.listenPort);
    const norm = (c: typeof rendered) => c.peers.map((p) => ({ k: p.publicKey, psk: p.presharedKey, a: [...p.allowedIps].sort(), ka: p.persistentKeepalive })).sort((a, b) => a.k.localeCompare(b.k));
    assert.deepEqual(norm(running), norm(rendered));
    const carol2 = await peerUp(r.server, "carol", newPort);
    assert.ok(nsPing(carol2.ns.name, "10.13.13.1", 3, 2).ok, "peers reach the replaced container on the new port");
  });

  it("loud deployment check: without /dev/net/tun on a kernel lacking WireGuard, `up` fails with an actionable message", async () => {
    const notun = await RealStack.create("live-notun");
    try {
      const f = await notun.upFails(() => ({
        server: serverOutputs(new WireGuardServer(`e2e-notun-${notun.id.slice(-6)}`, { serverUrl: "vpn.example.com", serverPort: port + 2, userspace: false, image: standinImage(), readyTimeoutSeconds: 5, peers: { x: {} } })),
      }));
      // The command provider's error quotes the whole install script first; the verdict is wgkit's last line.
      figure({ bench: "deployment-check", message: f.message.split("\n").filter((l) => l.startsWith("wgkit: ")).pop(), ms: f.ms });
      assert.match(f.message, /no WireGuard module and the container has no \/dev\/net\/tun/);
      assert.match(f.message, /modprobe wireguard|userspace: true/);
      assert.ok(!/PrivateKey|PresharedKey/.test(f.message), "no key material in the error");
      assert.equal(f.ops.get(`command:local:Command::e2e-notun-${notun.id.slice(-6)}-install`), "create", "the install step is what failed");
    } finally {
      await notun.destroy();
    }
  });

  scenarioEnd(() => stack, cleanup);
});
