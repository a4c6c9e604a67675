/**
 * WireGuardServer on the real engine, proven by packets (issue: seed scenarios 1, 2, 3, 6, 7).
 * One program — a dual-stack server with three peers, exactly as a user writes it — deployed by
 * `pulumi up` (harness/realStack.ts). Peers are network namespaces using the peer confs from the
 * stack outputs, unmodified except for the Endpoint host (the harness's stand-in for serverUrl).
 * Figures are printed as JSON lines.
 */
import * as assert from "assert";
import Docker from "dockerode";
import { parseWgQuick } from "@wgkit/core";
import { WireGuardServer } from "@wgkit/pulumi";
import { figure } from "./harness/figures";
import { dockerExec, run, runAsync, tryRun } from "./harness/exec";
import { standinImage } from "./harness/hooks";
import { RealStack, scenarioEnd } from "./harness/realStack";
import { ServerOut, serverOutputs } from "./harness/wgkitOutputs";
import {
  CleanupRegistry, Netns, WgQuickHandle, allocateLink, createNetns, dialFrom, nsPing, nsRun, nsSpawn, nsWgDump, parseWgDump, waitFor,
  wgGenKeyPair, wgQuickUp,
} from "./harness/netns";

const NAMES = ["alice", "bob", "carol"] as const;

describe("WireGuardServer on a real engine: server + 3 peers, dual stack", function () {
  const dockerApi = new Docker();
  const cleanup = new CleanupRegistry();
  let stack: RealStack | undefined;
  let out: ServerOut;
  let container: string;
  let port: number;
  const peers: Record<string, { ns: Netns; wg: WgQuickHandle; address: string; address6: string; config: string }> = {} as never;

  before(async function () {
    stack = await RealStack.create("server");
    port = 40000 + Math.floor(Math.random() * 10000);
    const name = `e2e-hub-${stack.id.slice(-6)}`;
    const t0 = Date.now();
    const r = await stack.up(() => {
      const server = new WireGuardServer(name, {
        serverUrl: "vpn.example.com",
        serverPort: port,
        subnet: "10.13.13.0/24",
        subnet6: "fd42:13:13::/64",
        allowedIps: ["10.13.13.0/24", "fd42:13:13::/64"],
        userspace: true,
        image: standinImage(),
        peers: { alice: {}, bob: { persistentKeepalive: 25 }, carol: {} },
      });
      return { server: serverOutputs(server) };
    });
    out = r.outputs.server;
    container = out.container;
    figure({ bench: "e2e-deploy", what: "server + 3 peers: pulumi up (image, volume, container, conf install, tunnel check)", ms: r.ms, previewMs: r.previewMs, totalMs: Date.now() - t0 });
    assert.match(out.install, new RegExp(`wg0 up in ${name} with public key`));
    assert.ok(r.secret.has("server"), "the server's outputs hold secrets (peer confs), so the stack output is secret");

    const tUp = Date.now();
    for (const n of NAMES) {
      const { config, address, address6 } = out.peers[n];
      const ns = createNetns(cleanup, { link: allocateLink() });
      const wg = wgQuickUp(cleanup, ns.name, dialFrom(ns, config, port));
      peers[n] = { ns, wg, address, address6: address6!, config };
    }
    for (const n of NAMES) nsPing(peers[n].ns.name, "10.13.13.1", 1, 3);
    await waitFor("all three handshakes", () => NAMES.every((n) => nsWgDump(peers[n].ns.name, peers[n].wg.ifname).peers[0].latestHandshake > 0), 20_000, 50);
    const started = Date.parse((await dockerApi.getContainer(container).inspect()).State.StartedAt);
    // includes the conf install and the peers' wg-quick up (wg's handshake clock has 1 s resolution, so poll instead)
    figure({ bench: "e2e-handshake", containerStartToAllHandshakedMs: Date.now() - started, peersUpToAllHandshakedMs: Date.now() - tUp });
  });

  it("the conf inside the container is mode 0600 (it holds the private key)", () => {
    assert.equal(dockerExec(container, ["stat", "-c", "%a", "/config/wg_confs/wg0.conf"]).trim(), "600");
  });

  it("all peers handshake with their preshared keys, seen from both sides (wg show)", () => {
    const dump = parseWgDump(dockerExec(container, ["wg", "show", "wg0", "dump"]))[0];
    assert.equal(dump.peers.length, 3, "the server conf lists exactly the declared peers");
    for (const n of NAMES) {
      const mine = nsWgDump(peers[n].ns.name, peers[n].wg.ifname);
      const theirs = dump.peers.find((p) => p.publicKey === mine.publicKey);
      assert.ok(theirs, `${n} is a peer of the server`);
      assert.ok(theirs.latestHandshake > 0 && mine.peers[0].latestHandshake > 0, `${n} handshook`);
      assert.equal(theirs.presharedKey, mine.peers[0].presharedKey, `${n}: same PSK on both sides`);
      assert.notEqual(theirs.presharedKey, "(none)");
      assert.equal(mine.peers[0].publicKey, dump.publicKey);
      assert.deepEqual(theirs.allowedIps.sort(), [`${peers[n].address}/32`, `${peers[n].address6}/128`].sort());
    }
  });

  it("each peer pings the server's tunnel address; peers reach each other via the server", () => {
    for (const n of NAMES) {
      const r = nsPing(peers[n].ns.name, "10.13.13.1", 3, 2);
      assert.ok(r.ok, `${n} -> server:\n${r.output}`);
    }
    const ab = nsPing(peers.alice.ns.name, peers.bob.address, 3, 2);
    assert.ok(ab.ok, `alice -> bob via the server:\n${ab.output}`);
    const ca = nsPing(peers.carol.ns.name, peers.alice.address, 3, 2);
    assert.ok(ca.ok, `carol -> alice via the server:\n${ca.output}`);
    figure({ bench: "e2e-ping", peerToServerAvgMs: nsPing(peers.alice.ns.name, "10.13.13.1", 5, 2).avgMs, peerToPeerAvgMs: nsPing(peers.alice.ns.name, peers.bob.address, 5, 2).avgMs });
  });

  it('dns: ["auto"] (PEERDNS=auto) answers at the server\'s tunnel address', async () => {
    assert.deepEqual(peers.alice.wg.dns, ["10.13.13.1", "fd42:13:13::1"], "the conf names the server's tunnel addresses");
    const out = await waitFor("a DNS answer from 10.13.13.1", () => {
      const r = tryRun("ip", ["netns", "exec", peers.alice.ns.name, "getent", "ahostsv4", "wgkit.test"]);
      return r.ok && r.stdout.includes("10.13.13.1") && r.stdout;
    }, 10_000);
    assert.ok(out);
  });

  it("reverse access: the server container reaches a TCP service on port 8022 inside a peer (crawl back)", async () => {
    const carol = peers.carol;
    nsSpawn(cleanup, carol.ns.name, "python3", ["-c",
      "import socket\ns=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)\n" +
      `s.bind(("${carol.address}", 8022)); s.listen(1)\n` +
      "while True:\n  c,_=s.accept(); c.sendall(b'SSH-2.0-wgkit-e2e\\r\\n'); c.close()\n"]);
    const banner = await waitFor("banner from 8022 over the tunnel", () => {
      const r = tryRun("docker", ["exec", container, "timeout", "5", "bash", "-c", `exec 3<>/dev/tcp/${carol.address}/8022; head -c 17 <&3`]);
      return r.ok && r.stdout;
    }, 15_000);
    assert.equal(banner, "SSH-2.0-wgkit-e2e");
  });

  it("IPv6 inside the tunnel: peers ping the server's fd42:13:13::1 and the server pings a peer back", () => {
    const r = nsPing(peers.bob.ns.name, "fd42:13:13::1", 3, 2);
    assert.ok(r.ok, `bob -> server over IPv6:\n${r.output}`);
    const back = dockerExec(container, ["ping", "-6", "-n", "-c", "3", "-W", "2", "-i", "0.2", peers.bob.address6]);
    assert.match(back, /3 packets transmitted, 3 received/);
    const p2p = nsPing(peers.alice.ns.name, peers.carol.address6, 3, 2);
    assert.ok(p2p.ok, `alice -> carol over IPv6 via the server:\n${p2p.output}`);
  });

  it("the NixOS output carries the same peer material as the peer's wg-quick conf", async () => {
    const nix = out.peers.alice.nixos;
    const conf = parseWgQuick(peers.alice.config);
    const peer = conf.peers[0];
    assert.ok(nix.includes(`publicKey = "${peer.publicKey}";`));
    assert.ok(nix.includes(`endpoint = "${peer.endpoint}";`));
    assert.ok(nix.includes(`allowedIPs = [ ${peer.allowedIps.map((a) => `"${a}"`).join(" ")} ];`));
    assert.ok(nix.includes(`address = [ ${conf.interface.address.map((a) => `"${a}"`).join(" ")} ];`));
    assert.ok(nix.includes(`dns = [ ${conf.interface.dns.map((a) => `"${a}"`).join(" ")} ];`));
    assert.match(nix, /privateKeyFile = "\/etc\/wireguard\/wg0\.key";/);
    assert.match(nix, /presharedKeyFile = /);
    assert.ok(!nix.includes(conf.interface.privateKey!) && !nix.includes(peer.presharedKey!), "no key material inline");
  });

  it("restart survival: the container is killed, the restart policy brings it back, peers pass traffic with the same keys", async () => {
    const c = dockerApi.getContainer(container);
    const before = await c.inspect();
    const pub = out.publicKey;
    const t0 = Date.now();
    run("kill", ["-9", String(before.State.Pid)]); // a crash, not a `docker stop`
    await waitFor("container restarted", async () => {
      const i = await c.inspect();
      return i.State.Running && i.RestartCount > before.RestartCount && i;
    }, 30_000, 200);
    const upMs = Date.now() - t0;
    await waitFor("wg0 back with the same key", () => tryRun("docker", ["exec", container, "wg", "show", "wg0", "public-key"]).stdout.trim() === pub, 30_000);
    await waitFor("alice passes traffic again", () => nsPing(peers.alice.ns.name, "10.13.13.1", 1, 1).ok, 60_000, 500);
    const recoveredMs = Date.now() - t0;
    await waitFor("bob (keepalive 25) passes traffic again", () => nsPing(peers.bob.ns.name, "10.13.13.1", 1, 1).ok, 60_000, 500);
    figure({ bench: "restart-recovery", containerBackMs: upMs, firstPeerTrafficMs: recoveredMs, seconds: Math.round(recoveredMs / 100) / 10 });
  });

  it("graceful restart: endpoints saved on the way down are restored, so the server re-handshakes keepalive peers at once", async () => {
    const c = dockerApi.getContainer(container);
    await waitFor("bob passes traffic before", () => nsPing(peers.bob.ns.name, "10.13.13.1", 1, 1).ok, 30_000, 500);
    const t0 = Date.now();
    await c.restart({ t: 10 });
    const restartMs = Date.now() - t0;
    const saved = dockerExec(container, ["cat", "/config/wg_confs/.wg0.endpoints"]);
    assert.ok(!saved.includes(peers.bob.config.match(/PresharedKey = (.*)/)![1]), "no key material in the saved file");
    assert.ok(saved.includes(nsWgDump(peers.bob.ns.name, peers.bob.wg.ifname).publicKey), "bob's endpoint was saved on the way down");
    await waitFor("bob (server-side keepalive) passes traffic again", () => nsPing(peers.bob.ns.name, "10.13.13.1", 1, 1).ok, 60_000, 200);
    const bobMs = Date.now() - t0;
    const dump = parseWgDump(dockerExec(container, ["wg", "show", "wg0", "dump"]))[0];
    figure({ bench: "restart-recovery-graceful", dockerRestartMs: restartMs, keepalivePeerMs: bobMs, serverSideHandshakeAfterRestartMs: bobMs - restartMs, seconds: Math.round(bobMs / 100) / 10, endpointsRestored: dump.peers.filter((p) => p.endpoint).length });
    assert.ok(bobMs < 10_000, `recovered in ${bobMs} ms, before the peers' own 15 s rekey timeout`);
  });

  it("throughput: iperf3 through the server container vs bare wireguard-go between two namespaces", async function () {
    const secs = 3;
    const iperf = async (serverNs: string, bindAddr: string, clientNs: string) => {
      const srv = nsSpawn(cleanup, serverNs, "iperf3", ["-s", "-1", "-B", bindAddr]);
      await new Promise((r) => setTimeout(r, 500));
      const out = await runAsync("ip", ["netns", "exec", clientNs, "iperf3", "-c", bindAddr, "-t", String(secs), "-J"]);
      srv.kill();
      return JSON.parse(out.stdout).end.sum_received.bits_per_second as number;
    };
    const via = await iperf(peers.alice.ns.name, peers.alice.address, peers.bob.ns.name);
    // bare: two namespaces with their own wireguard-go tunnel, no container in between
    const k1 = wgGenKeyPair(), k2 = wgGenKeyPair();
    const a = createNetns(cleanup, { link: allocateLink() });
    const b = createNetns(cleanup, { link: allocateLink() });
    // a direct veth between the two namespaces (addresses exist only inside them)
    const va = `va${process.pid % 10000}`, vb = `vb${process.pid % 10000}`;
    run("ip", ["link", "add", va, "type", "veth", "peer", "name", vb]);
    run("ip", ["link", "set", va, "netns", a.name]);
    run("ip", ["link", "set", vb, "netns", b.name]);
    nsRun(a.name, "ip", ["addr", "add", "203.0.113.253/30", "dev", va]);
    nsRun(b.name, "ip", ["addr", "add", "203.0.113.254/30", "dev", vb]);
    nsRun(a.name, "ip", ["link", "set", va, "up"]);
    nsRun(b.name, "ip", ["link", "set", vb, "up"]);
    wgQuickUp(cleanup, a.name, `[Interface]\nPrivateKey = ${k1.privateKey}\nAddress = 10.99.0.1/24\nListenPort = 51999\n\n[Peer]\nPublicKey = ${k2.publicKey}\nAllowedIPs = 10.99.0.2/32\n`);
    wgQuickUp(cleanup, b.name, `[Interface]\nPrivateKey = ${k2.privateKey}\nAddress = 10.99.0.2/24\n\n[Peer]\nPublicKey = ${k1.publicKey}\nAllowedIPs = 10.99.0.1/32\nEndpoint = 203.0.113.253:51999\n`);
    assert.ok(nsPing(b.name, "10.99.0.1", 3, 2).ok, "bare tunnel works");
    const bare = await iperf(a.name, "10.99.0.1", b.name);
    figure({ bench: "throughput", viaServerMbps: Math.round(via / 1e6), bareMbps: Math.round(bare / 1e6), ratio: Math.round((via / bare) * 100) / 100, note: "peer->server container->peer vs peer->peer, userspace wireguard-go" });
    assert.ok(via > 0 && bare > 0);
  });

  scenarioEnd(() => stack, cleanup);
});
