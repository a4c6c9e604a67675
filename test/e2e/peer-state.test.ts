/**
 * The first promise on the real Pulumi engine: a device configured from the first `up` keeps
 * working through a sequence of updates of the same stack — others added, removed, rotated,
 * disabled, a container restart — each update either through the same workspace or through a
 * new one that finds the stack only by its backend's files (as another process would). Then
 * random sequences (fast-check) through the same stack, checking the device with real packets
 * after each update.
 */
import * as assert from "assert";
import * as fc from "fast-check";
import Docker from "dockerode";
import { ServerPeerArgs, WireGuardServer } from "@wgkit/pulumi";
import { standinImage } from "./harness/hooks";
import { RealStack, scenarioEnd } from "./harness/realStack";
import { ServerOut, serverOutputs } from "./harness/wgkitOutputs";
import { CleanupRegistry, allocateLink, createNetns, nsPing, nsWgDump, waitFor, wgQuickUp } from "./harness/netns";
import { dialFrom } from "./harness/netns";
import { dockerExec } from "./harness/exec";
import { figure } from "./harness/figures";

const CONTAINER = "docker:index/container:Container";

describe("Peer state on a real engine: the first device keeps working", function () {
  const dockerApi = new Docker();
  const cleanup = new CleanupRegistry();
  let stack: RealStack | undefined;
  let name: string;
  const port = 30000 + Math.floor(Math.random() * 9000);

  before(async () => {
    stack = await RealStack.create("peer-state");
    name = `e2e-state-${stack.id.slice(-6)}`;
  });

  /** One `pulumi up`; `handover` says how the update finds the stack (this workspace, or a new one). */
  async function up(peers: Record<string, ServerPeerArgs>, handover: "same-process" | "new-process") {
    if (handover === "new-process") stack = await stack!.reopen();
    const r = await stack!.up(() => ({
      server: serverOutputs(new WireGuardServer(name, { serverUrl: "vpn.example.com", serverPort: port, allowedIps: ["10.13.13.0/24"], userspace: true, image: standinImage(), peers })),
    }));
    const server: ServerOut = r.outputs.server;
    const out: Record<string, { address: string; publicKey: string; config: string }> = {};
    for (const n of Object.keys(peers)) out[n] = { address: server.peers[n].address, publicKey: server.peers[n].publicKey, config: server.peers[n].config };
    return { installed: server.install, peers: out, containerId: server.containerId, ops: r.ops };
  }

  let first: { address: string; publicKey: string; config: string };
  let device: ReturnType<typeof createNetns>;
  let deviceIf: string;
  const deviceWorks = async (why: string) => {
    await waitFor(`the first device passes traffic (${why})`, () => nsPing(device.name, "10.13.13.1", 1, 1).ok, 40_000, 500);
  };

  it("a device configured from the first up survives adds, removes, rotations, a disable and a restart", async () => {
    const r1 = await up({ phone: { persistentKeepalive: 5 }, laptop: {} }, "same-process");
    first = r1.peers.phone;
    device = createNetns(cleanup, { link: allocateLink() });
    deviceIf = wgQuickUp(cleanup, device.name, dialFrom(device, first.config, port)).ifname;
    await deviceWorks("first up");
    const steps: [string, Record<string, ServerPeerArgs>, "same-process" | "new-process"][] = [
      ["add tablet and nas", { phone: { persistentKeepalive: 5 }, laptop: {}, tablet: {}, nas: { serverAllowedIps: ["192.168.77.0/24"] } }, "new-process"],
      ["remove laptop", { phone: { persistentKeepalive: 5 }, tablet: {}, nas: { serverAllowedIps: ["192.168.77.0/24"] } }, "same-process"],
      ["rotate tablet, add laptop back", { phone: { persistentKeepalive: 5 }, tablet: { rotation: "r1" }, nas: { serverAllowedIps: ["192.168.77.0/24"] }, laptop: {} }, "new-process"],
      ["disable nas", { phone: { persistentKeepalive: 5 }, tablet: { rotation: "r1" }, nas: { enabled: false, serverAllowedIps: ["192.168.77.0/24"] }, laptop: {} }, "new-process"],
    ];
    let containerId = r1.containerId;
    const seen: Record<string, string> = { phone: first.address, laptop: r1.peers.laptop.address };
    for (const [what, peers, handover] of steps) {
      const r = await up(peers, handover);
      assert.equal(r.containerId, containerId, `${what}: same container`);
      assert.equal(r.ops.get(`${CONTAINER}::${name}`), "same", `${what}: the engine did not touch the container`);
      // Issue 20: a peer without allowedIps of its own routes the spoke LANs it may reach, so
      // the conf gains the spokes' LANs (nothing else changes; a disabled spoke keeps its place,
      // so enabling it again changes no device); the device keeps its first conf below and keeps
      // working, it just does not reach the new LAN until updated.
      const spokeLans = Object.values(peers)
        .flatMap((p) => (p.serverAllowedIps as string[] | undefined) ?? []);
      const expected = first.config.replace(/^AllowedIPs = (.*)$/m, (_l, base) => `AllowedIPs = ${[base, ...spokeLans].join(", ")}`);
      assert.equal(r.peers.phone.config, expected, `${what}: the device's conf is unchanged but for the reachable spoke LANs`);
      const addrs = Object.values(r.peers).map((p) => p.address);
      assert.equal(new Set(addrs).size, addrs.length, `${what}: unique addresses ${addrs}`);
      for (const [n, p] of Object.entries(r.peers)) if (n !== "laptop" || what !== "rotate tablet, add laptop back") { if (seen[n]) assert.equal(p.address, seen[n], `${what}: ${n} kept its address`); seen[n] = p.address; }
      await deviceWorks(what);
      containerId = r.containerId;
    }
    // A restart of the container (the image raises wg0 from the installed conf again).
    const t0 = Date.now();
    dockerExec(name, ["true"]);
    await dockerApi.getContainer(containerId).restart({ t: 5 });
    await deviceWorks("container restarted");
    figure({ bench: "peer-state-restart", msToTraffic: Date.now() - t0 });
    const handshake = nsWgDump(device.name, deviceIf).peers[0].latestHandshake;
    assert.ok(handshake > 0, "the device handshakes with its original key");
  });

  it("random update sequences through the real engine keep the first device working (fast-check)", async () => {
    const others = ["alice", "bob", "carol", "dave"];
    let runs = 0, updates = 0;
    await fc.assert(fc.asyncProperty(fc.array(fc.record({
      op: fc.constantFrom("add", "remove", "rotate", "toggle"),
      who: fc.nat(others.length - 1),
      handover: fc.constantFrom("same-process" as const, "new-process" as const),
    }), { minLength: 2, maxLength: 4 }), async (ops) => {
      runs++;
      const peers: Record<string, ServerPeerArgs> = { phone: { persistentKeepalive: 5 } };
      const before: Record<string, { address: string; publicKey: string }> = {};
      for (const o of ops) {
        const n = others[o.who];
        if (o.op === "add") peers[n] = peers[n] ?? {};
        else if (o.op === "remove") delete peers[n];
        else if (o.op === "rotate" && peers[n]) peers[n] = { ...peers[n], rotation: `r${updates}` };
        else if (o.op === "toggle" && peers[n]) peers[n] = { ...peers[n], enabled: peers[n].enabled === false ? undefined : false };
        const r = await up(peers, o.handover);
        updates++;
        assert.equal(r.peers.phone.config, first.config, "the first device's conf never changes");
        for (const [k, p] of Object.entries(r.peers)) {
          const b = before[k];
          if (b && !(o.op === "rotate" && k === n)) assert.equal(p.publicKey, b.publicKey, `${k} keys`);
          if (b) assert.equal(p.address, b.address, `${k} address`);
        }
        for (const k of Object.keys(before)) if (!r.peers[k]) delete before[k];
        for (const [k, p] of Object.entries(r.peers)) before[k] = { address: p.address, publicKey: p.publicKey };
        await deviceWorks(`after ${o.op} ${n}`);
      }
    }), { numRuns: Number(process.env.WGKIT_E2E_PROPERTY_RUNS ?? 3) });
    figure({ bench: "peer-state-property-e2e", runs, updates });
  });

  scenarioEnd(() => stack, cleanup);
});
