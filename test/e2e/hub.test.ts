/**
 * WireGuardServer as a hub (issue 20), proven by packets, on the real Pulumi engine
 * (harness/realStack.ts): every change (a spoke added, access removed) is an update of one stack.
 *
 * Topology: one hub container (dual stack, userspace); three spokes, each a namespace running the
 * spoke's conf with a LAN behind it (a second namespace, one host, routed through the spoke, no
 * NAT); two road warriors (laptop in group admins, phone). Default deny; the rules below. Every
 * pair is tested in both directions (each end starts a ping). Allowed pairs run over the confs
 * exactly as rendered (derived AllowedIPs); denied pairs run after every peer widened its own
 * AllowedIPs to reach the target, so a block is the hub's firewall, not the peer's routing.
 */
import * as assert from "assert";
import Docker from "dockerode";
import { ServerPeerArgs, WireGuardServer, WireGuardServerArgs } from "@wgkit/pulumi";
import { figure } from "./harness/figures";
import { run, tryRun } from "./harness/exec";
import { standinImage } from "./harness/hooks";
import {
  CleanupRegistry, NETNS_PREFIX, Netns, WgQuickHandle, addNetns, allocateLink, createNetns, dialFrom, nsPing, nsRun, nsSpawn, nsTryRun, nsWgDump, waitFor,
  wgQuickDown, wgQuickUp,
} from "./harness/netns";
import { RealStack, UpResult, scenarioEnd } from "./harness/realStack";
import { ServerOut, serverOutputs } from "./harness/wgkitOutputs";

const CONTAINER = "docker:index/container:Container";
const ACCESS: WireGuardServerArgs["access"] = {
  default: "deny",
  rules: [
    { from: "group:admins", to: "*" },
    { from: "*", to: "group:admins" },
    { from: "group:sites", to: "group:sites" },
    { from: "phone", to: "siteC" },
    { from: "siteC", to: "phone" },
    { from: "*", to: "server", protocol: "icmp" },
  ],
};
const LANS: Record<string, string> = { siteA: "192.168.110", siteB: "192.168.120", siteC: "192.168.130", siteD: "192.168.140" };
const PEERS: Record<string, ServerPeerArgs> = {
  laptop: { groups: ["admins"] },
  phone: {},
  siteA: { serverAllowedIps: [`${LANS.siteA}.0/24`], groups: ["sites"] },
  siteB: { serverAllowedIps: [`${LANS.siteB}.0/24`], groups: ["sites"] },
  siteC: { serverAllowedIps: [`${LANS.siteC}.0/24`] },
};

describe("WireGuardServer as a hub: spokes, access rules, names, health (real engine)", function () {
  const dockerApi = new Docker();
  const cleanup = new CleanupRegistry();
  const port = 40000 + Math.floor(Math.random() * 10000);
  let stack: RealStack | undefined;
  let NAME: string;
  let server: ServerOut;
  let last: UpResult;
  /** Where each end of a pair pings from and to. */
  const ends: Record<string, { ns: string; addr: string }> = {};
  const tunnels: Record<string, { spoke: Netns; wg: WgQuickHandle; address: string; address6: string; config: string }> = {};
  const fig = { spokes: 0, allowedPairs: 0, allowedPassed: 0, deniedPairs: 0, deniedBlocked: 0, widenedBlocked: false, namesResolved: 0, lostDuringAdd: -1, healthy: false };

  before(async () => {
    stack = await RealStack.create("hub");
    NAME = `hub-e2e-${stack.id.slice(-6)}`;
  });

  async function up(peers: Record<string, ServerPeerArgs>, withAccess = true) {
    last = await stack!.up(() => ({
      server: serverOutputs(new WireGuardServer(NAME, {
        serverUrl: "vpn.example.com", serverPort: port, subnet: "10.13.13.0/24", subnet6: "fd42:13:13::/64",
        allowedIps: ["10.13.13.0/24", "fd42:13:13::/64"], access: withAccess ? ACCESS : undefined, userspace: true, image: standinImage(), peers,
      })),
    }));
    server = last.outputs.server;
    return server.install;
  }

  /** A peer's namespace with its conf; a spoke also gets a LAN namespace with one host (.10) routed through it (.1). */
  async function peerUp(n: string) {
    const { config, address, address6 } = server.peers[n];
    const spoke = createNetns(cleanup, { link: allocateLink() });
    const wg = wgQuickUp(cleanup, spoke.name, dialFrom(spoke, config, port));
    tunnels[n] = { spoke, wg, address, address6: address6!, config };
    ends[n] = { ns: spoke.name, addr: address };
    ends[`${n}6`] = { ns: spoke.name, addr: address6! };
    const lan = LANS[n];
    if (lan !== undefined) {
      const lanNs = `${NETNS_PREFIX}hub${n.slice(-1).toLowerCase()}${process.pid % 10000}`;
      addNetns(cleanup, lanNs);
      const a = `hl${n.slice(-1)}${process.pid % 10000}`, b = `hm${n.slice(-1)}${process.pid % 10000}`;
      run("ip", ["link", "add", a, "type", "veth", "peer", "name", b]);
      run("ip", ["link", "set", a, "netns", spoke.name]);
      run("ip", ["link", "set", b, "netns", lanNs]);
      nsRun(spoke.name, "ip", ["addr", "add", `${lan}.1/24`, "dev", a]);
      nsRun(spoke.name, "ip", ["link", "set", a, "up"]);
      nsRun(spoke.name, "sysctl", ["-q", "-w", "net.ipv4.ip_forward=1"]);
      nsRun(lanNs, "ip", ["link", "set", "lo", "up"]);
      nsRun(lanNs, "ip", ["addr", "add", `${lan}.10/24`, "dev", b]);
      nsRun(lanNs, "ip", ["link", "set", b, "up"]);
      nsRun(lanNs, "ip", ["route", "add", "default", "via", `${lan}.1`]);
      ends[`${n}Lan`] = { ns: lanNs, addr: `${lan}.10` };
    }
    await waitFor(`${n} handshakes`, () => { nsPing(spoke.name, "10.13.13.1", 1, 1); return nsWgDump(spoke.name, wg.ifname).peers[0].latestHandshake > 0; }, 20_000, 200);
  }

  /** Both directions of a pair: [a→b passes?, b→a passes?]. */
  const both = (a: string, b: string) => [nsPing(ends[a].ns, ends[b].addr, 2, 1).ok, nsPing(ends[b].ns, ends[a].addr, 2, 1).ok];

  after(function () {
    figure({ bench: "hub", ...fig });
  });

  const ALLOWED: [string, string][] = [["laptop", "siteALan"], ["laptop6", "phone6"], ["siteALan", "siteBLan"], ["phone", "siteCLan"], ["laptop", "siteCLan"]];
  const DENIED: [string, string][] = [["phone", "siteALan"], ["phone", "siteBLan"], ["phone6", "siteA6"], ["siteCLan", "siteALan"], ["siteCLan", "siteBLan"]];

  it("deploys three spokes and two road warriors; every allowed pair passes both ways over the confs as rendered", async () => {
    const installed = await up(PEERS);
    assert.match(installed, new RegExp(`wg0 up in ${NAME}`));
    for (const n of Object.keys(PEERS)) await peerUp(n);
    fig.spokes = 3;
    const failed: string[] = [];
    for (const [a, b] of ALLOWED) {
      fig.allowedPairs++;
      const [ab, ba] = both(a, b);
      if (ab && ba) fig.allowedPassed++; else failed.push(`${a}${ab ? "→" : "-x→"}${b}, ${b}${ba ? "→" : "-x→"}${a}`);
    }
    assert.deepEqual(failed, []);
  });

  it("every denied pair is blocked both ways, even with every peer's own AllowedIPs widened to the target", async () => {
    for (const n of Object.keys(tunnels)) {
      const t = tunnels[n];
      const serverKey = nsWgDump(t.spoke.name, t.wg.ifname).peers[0].publicKey;
      nsRun(t.spoke.name, "wg", ["set", t.wg.ifname, "peer", serverKey, "allowed-ips", "10.13.13.0/24,fd42:13:13::/64,192.168.0.0/16"]);
      nsRun(t.spoke.name, "ip", ["route", "replace", "192.168.0.0/16", "dev", t.wg.ifname]);
    }
    const leaked: string[] = [];
    for (const [a, b] of DENIED) {
      fig.deniedPairs++;
      const [ab, ba] = both(a, b);
      if (!ab && !ba) fig.deniedBlocked++; else leaked.push(`${a}${ab ? "→" : "-x→"}${b}, ${b}${ba ? "→" : "-x→"}${a}`);
    }
    assert.deepEqual(leaked, []);
    const still = ALLOWED.filter(([a, b]) => !both(a, b).every(Boolean));
    assert.deepEqual(still, [], "allowed pairs still pass with widened confs");
  });

  it("a spoke whose own conf routes 0.0.0.0/0 into the tunnel still cannot reach a denied target", async () => {
    const c = tunnels.siteC;
    wgQuickDown(c.wg);
    const widened = c.config.replace(/^AllowedIPs = .*$/m, "AllowedIPs = 0.0.0.0/0, ::/0");
    c.wg = wgQuickUp(cleanup, c.spoke.name, dialFrom(c.spoke, widened, port));
    await waitFor("siteC handshakes again", () => { nsPing(c.spoke.name, "10.13.13.1", 1, 1); return nsWgDump(c.spoke.name, c.wg.ifname).peers[0].latestHandshake > 0; }, 20_000, 200);
    const denied = both("siteCLan", "siteBLan");
    const allowed = both("siteCLan", "phone");
    assert.deepEqual(allowed, [true, true], "the widened tunnel itself works");
    assert.deepEqual(denied, [false, false], "siteC's LAN still cannot reach siteB's LAN");
    fig.widenedBlocked = allowed.every(Boolean) && !denied.some(Boolean);
  });

  it("a peer resolves every other peer's name through the hub's DNS (getent)", async () => {
    const names = ["phone", "siteA", "siteB", "siteC"];
    for (const n of names) {
      const out = await waitFor(`${n}.wg.internal from laptop`, () => {
        const r = nsTryRun(ends.laptop.ns, "getent", ["ahostsv4", `${n.toLowerCase()}.wg.internal`]);
        return r.ok && r.stdout.includes(tunnels[n].address) && r.stdout;
      }, 15_000, 500);
      if (out) fig.namesResolved++;
    }
    assert.equal(fig.namesResolved, names.length);
  });

  it("adding a fourth spoke live loses 0 of 200 pings between an allowed pair; the container is kept; the new spoke passes and is named", async () => {
    const containerId = server.containerId;
    const count = 200;
    const pinger = nsSpawn(cleanup, ends.laptop.ns, "ping", ["-n", "-i", "0.05", "-c", String(count), "-W", "1", ends.siteALan.addr]);
    let out = "";
    pinger.stdout!.on("data", (d) => { out += d; });
    const done = new Promise((r) => pinger.on("exit", r));
    await new Promise((r) => setTimeout(r, 1500));
    await up({ ...PEERS, siteD: { serverAllowedIps: [`${LANS.siteD}.0/24`], groups: ["sites"] } });
    await done;
    const m = /(\d+) packets transmitted, (\d+) received/.exec(out)!;
    fig.lostDuringAdd = Number(m[1]) - Number(m[2]);
    assert.equal(Number(m[1]), count);
    assert.equal(last.ops.get(`${CONTAINER}::${NAME}`), "same", "the engine did not touch the container");
    assert.equal(server.containerId, containerId);
    assert.equal(fig.lostDuringAdd, 0, out);
    await peerUp("siteD");
    fig.spokes = 4;
    for (const [a, b] of [["laptop", "siteDLan"], ["siteDLan", "siteALan"]] as [string, string][]) {
      fig.allowedPairs++;
      if (both(a, b).every(Boolean)) fig.allowedPassed++;
    }
    fig.deniedPairs++;
    const d = both("phone", "siteDLan");
    if (!d.some(Boolean)) fig.deniedBlocked++;
    assert.equal(fig.allowedPassed, fig.allowedPairs);
    assert.equal(fig.deniedBlocked, fig.deniedPairs);
    const named = await waitFor("sited.wg.internal", () => {
      const r = nsTryRun(ends.laptop.ns, "getent", ["ahostsv4", "sited.wg.internal"]);
      return r.ok && r.stdout.includes(tunnels.siteD.address);
    }, 20_000, 500);
    if (named) fig.namesResolved++;
  });

  it("docker inspect reports the hub healthy; status has each peer's handshake age", async () => {
    const h = await waitFor("health: healthy", async () => (await dockerApi.getContainer(NAME).inspect()).State.Health?.Status === "healthy", 120_000, 2000);
    fig.healthy = h === true;
    assert.ok(fig.healthy);
    const status = server.status;
    assert.ok(status.laptop.handshakeAgeSeconds >= 0 && status.laptop.handshakeAgeSeconds < 300, JSON.stringify(status.laptop));
    // The health check fails when the interface disagrees with the declaration: a peer removed by hand.
    const key = tunnels.phone && nsWgDump(tunnels.phone.spoke.name, tunnels.phone.wg.ifname).publicKey;
    const r = tryRun("docker", ["exec", NAME, "sh", "-c", (await dockerApi.getContainer(NAME).inspect()).Config.Healthcheck!.Test![1]]);
    assert.equal(r.status, 0, "the health command passes now");
    run("docker", ["exec", NAME, "wg", "set", "wg0", "peer", key, "remove"]);
    const r2 = tryRun("docker", ["exec", NAME, "sh", "-c", (await dockerApi.getContainer(NAME).inspect()).Config.Healthcheck!.Test![1]]);
    assert.notEqual(r2.status, 0, "a missing peer is unhealthy");
  });

  it("removing access removes wgkit's chains live: a formerly denied pair passes, the container is kept", async () => {
    const containerId = server.containerId;
    await up({ ...PEERS, siteD: { serverAllowedIps: [`${LANS.siteD}.0/24`], groups: ["sites"] } }, false);
    assert.equal(server.containerId, containerId);
    assert.equal(last.ops.get(`${CONTAINER}::${NAME}`), "same");
    for (const t of ["iptables", "ip6tables"]) assert.doesNotMatch(run("docker", ["exec", NAME, t, "-S"]), /WGKIT/, `${t}: no chain or jump left`);
    // The phone was removed from wg0 by hand above and is back now: it re-handshakes first.
    await waitFor("phone passes to siteB's LAN and back: default allow again (with the widened confs)", () => both("phone", "siteBLan").every(Boolean), 30_000, 500);
  });

  scenarioEnd(() => stack, cleanup);
});
