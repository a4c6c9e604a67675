/**
 * SiteLink on the real Docker Engine, proven by packets between two "LANs".
 *
 * Each program, written as a user would (SiteLink from @wgkit/pulumi, docker.Network from
 * @pulumi/docker), deployed by `pulumi up` on the real engine (a stack per test, ending in
 * `refresh --expect-no-changes` and `destroy`), declares two Docker bridge networks in 198.19.0.0/16 (inside the daemon's
 * 198.18.0.0/15 pool) and a SiteLink whose site A container sits on LAN A and site B on LAN B.
 * Site A's endpoint is LAN B's gateway (the Docker host as site B sees it) and site A's published
 * port. A network namespace on each network's Linux bridge is a "LAN host"; it gets no default
 * route, only what the test adds, so no packet can go anywhere but the two LANs.
 *
 *  - routed: each LAN host gets the static route from the component's `routes` output;
 *    ping both ways, TCP both ways (the far end sees the real LAN address), iperf3.
 *  - masquerade: only the near LAN host has a route; the far host has none and still answers
 *    (it sees the far site container's LAN address).
 */
import * as assert from "assert";
import * as crypto from "crypto";
import * as docker from "@pulumi/docker";
import Docker from "dockerode";
import { SiteLink } from "@wgkit/pulumi";
import { figure } from "./harness/figures";
import { RealStack, onRealStack } from "./harness/realStack";
import { run, runAsync, tryRun } from "./harness/exec";
import { standinImage } from "./harness/hooks";
import {
  CleanupRegistry, Netns, createNetns, dockerBridgeName, hostIpv4Prefixes, isFreeOnHost, nsPing, nsRun, nsSpawn, parseWgDump, waitFor, WgDumpInterface,
} from "./harness/netns";


function wgDump(container: string): WgDumpInterface {
  return parseWgDump(run("docker", ["exec", container, "wg", "show", "wg0", "dump"]))[0];
}

/** Two distinct /24s in 198.19.128.0/17 that the host does not route yet (Docker networks included). */
function pickLans(): [number, number] {
  const used = hostIpv4Prefixes();
  const free: number[] = [];
  for (let x = 128; x < 250; x++) if (isFreeOnHost(`198.19.${x}.0/24`, used)) free.push(x);
  assert.ok(free.length >= 2, "two free /24s in 198.19.128.0/17");
  const i = Math.floor(Math.random() * free.length);
  let j = Math.floor(Math.random() * (free.length - 1));
  if (j >= i) j++;
  return [free[i], free[j]];
}

/** A TCP server in a namespace that answers every connection with "wgkit <peer address>". */
function tcpEcho(cleanup: CleanupRegistry, ns: string, bind: string, port: number): void {
  nsSpawn(cleanup, ns, "python3", ["-c",
    "import socket\ns=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)\n" +
    `s.bind(("${bind}", ${port})); s.listen(4)\n` +
    "while True:\n  c,a=s.accept(); c.sendall(('wgkit '+a[0]+'\\n').encode()); c.close()\n"]);
}

/** Connects from a namespace and returns the first line the server sent (retrying while it starts). */
async function tcpHello(ns: string, addr: string, port: number): Promise<string> {
  return waitFor(`TCP ${addr}:${port} from ${ns}`, () => {
    const r = tryRun("ip", ["netns", "exec", ns, "timeout", "5", "bash", "-c", `exec 3<>/dev/tcp/${addr}/${port}; head -n 1 <&3`]);
    return r.ok && r.stdout.trim();
  }, 15_000, 300);
}

interface Deployed {
  id: string;
  containerA: string;
  containerB: string;
  lanA: { subnet: string; gateway: string; bridge: string; host: Netns };
  lanB: { subnet: string; gateway: string; bridge: string; host: Netns };
  routesA: string[];
  routesB: string[];
  lanAddressA: string;
  lanAddressB: string;
  deployMs: number;
}

/** The Pulumi program (two networks + SiteLink), and a LAN host namespace on each network's bridge. */
async function deploy(stack: RealStack, cleanup: CleanupRegistry, mode: "routed" | "masquerade"): Promise<Deployed> {
  const id = crypto.randomBytes(3).toString("hex");
  const [x, y] = pickLans();
  const subA = `198.19.${x}.0/24`, gwA = `198.19.${x}.1`;
  const subB = `198.19.${y}.0/24`, gwB = `198.19.${y}.1`;
  const portA = 40000 + Math.floor(Math.random() * 10000);
  let portB = 40000 + Math.floor(Math.random() * 10000);
  if (portB === portA) portB++;

  // ---- the Pulumi program, as a user writes it
  const r = await stack.up(() => {
    const netA = new docker.Network(`e2e-lana-${id}`, { name: `e2e-lana-${id}`, driver: "bridge", ipamConfigs: [{ subnet: subA, gateway: gwA }] });
    const netB = new docker.Network(`e2e-lanb-${id}`, { name: `e2e-lanb-${id}`, driver: "bridge", ipamConfigs: [{ subnet: subB, gateway: gwB }] });
    const link = new SiteLink(`e2e-sl-${id}`, {
      siteA: {
        name: "a", lans: [subA], networks: [netA.name], publishPort: portA,
        // where site B reaches site A: the Docker host (LAN B's gateway) on A's published port
        endpoint: `${gwB}:${portA}`,
        userspace: true, image: standinImage(),
      },
      siteB: { name: "b", lans: [subB], networks: [netB.name], publishPort: portB, userspace: true, image: standinImage() },
      mode,
    });
    return {
      outA: link.siteA.install.stdout, outB: link.siteB.install.stdout, containerA: link.siteA.container.name, containerB: link.siteB.container.name,
      routesA: link.siteA.routes, routesB: link.siteB.routes, lanAddressA: link.siteA.lanAddress, lanAddressB: link.siteB.lanAddress,
      netA: netA.name, netB: netB.name,
    };
  });
  const { outA, outB, containerA, containerB, routesA, routesB, lanAddressA, lanAddressB, netA, netB } = r.outputs;
  const deployMs = r.ms;
  assert.match(outA, /wg0 up in e2e-sl-.*-a with public key/);
  assert.match(outB, /wg0 up in e2e-sl-.*-b with public key/);

  const brA = dockerBridgeName(netA), brB = dockerBridgeName(netB);
  const hostA = createNetns(cleanup, { bridge: brA, bridgeAddr: { addr: `198.19.${x}.200`, prefixLen: 24, gateway: gwA } });
  const hostB = createNetns(cleanup, { bridge: brB, bridgeAddr: { addr: `198.19.${y}.200`, prefixLen: 24, gateway: gwB } });
  return {
    id, containerA, containerB,
    lanA: { subnet: subA, gateway: gwA, bridge: brA, host: hostA },
    lanB: { subnet: subB, gateway: gwB, bridge: brB, host: hostB },
    routesA, routesB, lanAddressA, lanAddressB, deployMs,
  };
}

/** Applies one `ip route add <dst> via <gw>` line from the component's `routes` output inside a namespace. */
function addRoute(ns: Netns, line: string): void {
  const m = /^ip route add (\S+) via (\S+)$/.exec(line);
  assert.ok(m, `a static route in iproute2 form: ${line}`);
  nsRun(ns.name, "ip", ["route", "add", m[1], "via", m[2]]);
}

/** Both ends report a handshake with each other (PersistentKeepalive makes it happen without traffic). */
async function handshakes(d: Deployed): Promise<{ ms: number; a: WgDumpInterface; b: WgDumpInterface }> {
  const t0 = Date.now();
  await waitFor("handshake on both site containers", () => wgDump(d.containerA).peers[0]?.latestHandshake > 0 && wgDump(d.containerB).peers[0]?.latestHandshake > 0, 30_000, 100);
  const ms = Date.now() - t0;
  return { ms, a: wgDump(d.containerA), b: wgDump(d.containerB) };
}

describe("SiteLink on a real engine: two Docker LANs joined site to site", function () {
  const dockerApi = new Docker();
  let cleanup: CleanupRegistry;
  beforeEach(() => { cleanup = new CleanupRegistry(); });
  afterEach(async () => { await cleanup.run(); });

  it('routed: LAN host A and LAN host B reach each other (ping, TCP both ways) with the static routes from `routes`', () => onRealStack("site-link-routed", async (stack) => {
    const d = await deploy(stack, cleanup, "routed");
    const { lanA, lanB } = d;

    // the outputs name the real next hops
    const infoA = await dockerApi.getContainer(d.containerA).inspect();
    const infoB = await dockerApi.getContainer(d.containerB).inspect();
    assert.deepEqual(Object.keys(infoA.NetworkSettings.Networks), [`e2e-lana-${d.id}`], "site A sits on LAN A only");
    assert.deepEqual(Object.keys(infoB.NetworkSettings.Networks), [`e2e-lanb-${d.id}`], "site B sits on LAN B only");
    assert.equal(d.lanAddressA, Object.values(infoA.NetworkSettings.Networks)[0].IPAddress);
    assert.equal(d.lanAddressB, Object.values(infoB.NetworkSettings.Networks)[0].IPAddress);
    assert.deepEqual(d.routesA, [`ip route add ${lanB.subnet} via ${d.lanAddressA}`]);
    assert.deepEqual(d.routesB, [`ip route add ${lanA.subnet} via ${d.lanAddressB}`]);

    const hs = await handshakes(d);
    assert.equal(hs.a.peers[0].publicKey, hs.b.publicKey, "A's peer is B");
    assert.equal(hs.b.peers[0].publicKey, hs.a.publicKey, "B's peer is A");
    assert.ok(hs.a.peers[0].presharedKey && hs.a.peers[0].presharedKey === hs.b.peers[0].presharedKey, "same preshared key");
    assert.ok(hs.a.peers[0].allowedIps.includes(lanB.subnet), `A routes LAN B into the tunnel: ${hs.a.peers[0].allowedIps}`);
    assert.ok(hs.b.peers[0].allowedIps.includes(lanA.subnet), `B routes LAN A into the tunnel: ${hs.b.peers[0].allowedIps}`);

    // before the routes, the LAN hosts cannot reach each other (they have no route at all)
    assert.equal(nsPing(lanA.host.name, lanB.host.nsAddr, 1, 1).received, 0);

    d.routesA.forEach((r) => addRoute(lanA.host, r));
    d.routesB.forEach((r) => addRoute(lanB.host, r));

    const ab = nsPing(lanA.host.name, lanB.host.nsAddr, 5, 2);
    assert.ok(ab.ok && ab.received === 5, `LAN host A -> LAN host B:\n${ab.output}`);
    const ba = nsPing(lanB.host.name, lanA.host.nsAddr, 5, 2);
    assert.ok(ba.ok && ba.received === 5, `LAN host B -> LAN host A:\n${ba.output}`);

    // TCP both ways; routed mode keeps the real source address
    tcpEcho(cleanup, lanB.host.name, lanB.host.nsAddr, 8080);
    tcpEcho(cleanup, lanA.host.name, lanA.host.nsAddr, 8080);
    assert.equal(await tcpHello(lanA.host.name, lanB.host.nsAddr, 8080), `wgkit ${lanA.host.nsAddr}`, "B's server sees LAN host A's own address");
    assert.equal(await tcpHello(lanB.host.name, lanA.host.nsAddr, 8080), `wgkit ${lanB.host.nsAddr}`, "A's server sees LAN host B's own address");

    // and it really went through the tunnel
    const a2 = wgDump(d.containerA), b2 = wgDump(d.containerB);
    assert.ok(a2.peers[0].rxBytes > hs.a.peers[0].rxBytes && b2.peers[0].rxBytes > hs.b.peers[0].rxBytes, "tunnel byte counters grew on both ends");

    // throughput LAN A -> LAN B (userspace wireguard-go in both containers)
    const srv = nsSpawn(cleanup, lanB.host.name, "iperf3", ["-s", "-1", "-B", lanB.host.nsAddr]);
    await new Promise((r) => setTimeout(r, 500));
    const ip = await runAsync("ip", ["netns", "exec", lanA.host.name, "iperf3", "-c", lanB.host.nsAddr, "-t", "3", "-J"], { timeoutMs: 30_000 });
    srv.kill();
    let mbps: number | undefined;
    try {
      mbps = Math.round(JSON.parse(ip.stdout).end.sum_received.bits_per_second / 1e6);
    } catch {
      /* reported below */
    }
    assert.ok(mbps !== undefined && mbps > 0, `iperf3 LAN A -> LAN B: ${ip.stdout.slice(0, 500)} ${ip.stderr}`);

    figure({
      bench: "site-link", mode: "routed", deployMs: d.deployMs, handshakeWaitAfterDeployMs: hs.ms, endpointSeenByA: hs.a.peers[0].endpoint,
      pingABAvgMs: ab.avgMs, pingBAAvgMs: ba.avgMs, iperfABMbps: mbps,
      tunnelRxBytesA: a2.peers[0].rxBytes, tunnelRxBytesB: b2.peers[0].rxBytes,
    });
  }));

  it("masquerade: the far LAN host needs no route — it answers the far site container's LAN address", () => onRealStack("site-link-masq", async (stack) => {
    const d = await deploy(stack, cleanup, "masquerade");
    const { lanA, lanB } = d;
    const hs = await handshakes(d);
    assert.match(run("docker", ["exec", d.containerB, "iptables", "-t", "nat", "-S", "POSTROUTING"]), /-o eth\+ -j MASQUERADE/);

    // only the near side (LAN A) routes LAN B to its site container; LAN host B has no route to LAN A
    d.routesA.forEach((r) => addRoute(lanA.host, r));
    assert.doesNotMatch(nsRun(lanB.host.name, "ip", ["route", "show"]), new RegExp(lanA.subnet.replace(/\./g, "\\.").replace("/24", "")), "LAN host B has no route to LAN A");

    const ab = nsPing(lanA.host.name, lanB.host.nsAddr, 5, 2);
    assert.ok(ab.ok && ab.received === 5, `LAN host A -> LAN host B (masquerade):\n${ab.output}`);
    tcpEcho(cleanup, lanB.host.name, lanB.host.nsAddr, 8080);
    const hello = await tcpHello(lanA.host.name, lanB.host.nsAddr, 8080);
    assert.equal(hello, `wgkit ${d.lanAddressB}`, "LAN host B sees site B's container (NAT), not LAN host A");

    figure({ bench: "site-link", mode: "masquerade", deployMs: d.deployMs, handshakeWaitAfterDeployMs: hs.ms, pingABAvgMs: ab.avgMs, farSideSees: hello.split(" ")[1] });
  }));
});
