/**
 * ClientTunnel on the real Docker Engine, proven by packets: a split tunnel (`Table = 55111`)
 * with a kill switch, dialling a WireGuardServer that stands in for a VPN provider.
 *
 * One Pulumi program, written as a user would (components imported from @wgkit/pulumi), deployed
 * by `pulumi up` on the real engine (harness/realStack.ts):
 *  - WireGuardServer "the provider" on the default bridge, its UDP port published on a random
 *    host port; serverUrl = the default bridge's gateway (the Docker host as the client sees it),
 *    so the peer conf it renders is used by the client UNMODIFIED;
 *  - ClientTunnel whose `config` is that peer's `config` output, table 55111,
 *    routeDestinations = the server's tunnel address, dns [], killSwitch;
 *  - an "app" container with `networkMode: tunnel.networkMode` (shares the tunnel's netns).
 *
 * Safety: the only destination routed into the tunnel is 10.13.13.1 (inside the server
 * container). Before any packet to it is sent, a counting DROP rule for "10.13.13.1 leaving via
 * eth0" is put into the client's netns (mangle POSTROUTING): it is the "capture" that proves
 * nothing leaves in the clear, and it guarantees that even a broken kill switch cannot send the
 * test's packets past the Docker host. 203.0.113.77 is only asked about (`ip route get`), never
 * sent to. Each describe block is one stack: it ends with `refresh --expect-no-changes` and
 * `destroy` (nothing left), and `after` removes everything, also on failure.
 */
import * as assert from "assert";
import * as crypto from "crypto";
import * as docker from "@pulumi/docker";
import Docker from "dockerode";
import { ClientTunnel, WireGuardServer } from "@wgkit/pulumi";
import { figure } from "./harness/figures";
import { RealStack, scenarioEnd } from "./harness/realStack";
import { run, tryRun } from "./harness/exec";
import { standinImage } from "./harness/hooks";
import { CleanupRegistry, parsePing, parseWgDump, waitFor, WgDumpInterface } from "./harness/netns";

const TABLE = "55111";
const DEST = "10.13.13.1"; // the server's tunnel address: the "host behind the tunnel"
const UNRELATED = "203.0.113.77"; // only used with `ip route get`; no packet is ever sent to it


function dexec(container: string, argv: string[]): string {
  return run("docker", ["exec", container, ...argv]);
}

function dtry(container: string, argv: string[]) {
  return tryRun("docker", ["exec", container, ...argv]);
}

function ping(container: string, target: string, count = 3, waitSec = 2) {
  const r = dtry(container, ["ping", "-n", "-c", String(count), "-W", String(waitSec), "-i", "0.2", target]);
  const output = r.stdout + r.stderr;
  const p = parsePing(output);
  return { ok: r.ok && p.received === p.transmitted && p.transmitted > 0, ...p, output };
}

function wgDump(container: string): WgDumpInterface {
  return parseWgDump(dexec(container, ["wg", "show", "wg0", "dump"]))[0];
}

/** Packet counter of the OUTPUT rule(s) that REJECT traffic to `dest` (`iptables -L OUTPUT -v -n -x`). */
function rejectCounter(container: string, dest: string): { pkts: number; rules: number } {
  const lines = dexec(container, ["iptables", "-L", "OUTPUT", "-v", "-n", "-x"]).split("\n")
    .filter((l) => /\bREJECT\b/.test(l) && l.includes(dest));
  return { pkts: lines.reduce((s, l) => s + Number(l.trim().split(/\s+/)[0]), 0), rules: lines.length };
}

/** The test's "capture": packets to `dest` that reached POSTROUTING on eth0 (and were dropped there). */
function leakCounter(container: string, dest: string): number {
  const line = dexec(container, ["iptables", "-t", "mangle", "-L", "POSTROUTING", "-v", "-n", "-x"]).split("\n")
    .find((l) => /\bDROP\b/.test(l) && /\beth0\b/.test(l) && l.includes(dest));
  assert.ok(line, "the eth0 leak counter rule is in place");
  return Number(line.trim().split(/\s+/)[0]);
}

describe("ClientTunnel on a real engine: split tunnel (Table = 55111), networkMode sharing, kill switch", function () {
  const dockerApi = new Docker();
  const cleanup = new CleanupRegistry();
  const id = crypto.randomBytes(3).toString("hex");
  let stack: RealStack | undefined;
  let serverName: string;
  let clientName: string;
  let appName: string;
  let gateway: string;
  let port: number;
  let clientAddress: string;
  let clientPublicKey: string;

  before(async function () {
    stack = await RealStack.create("client-tunnel");
    // The Docker host as containers on the default bridge reach it: where the provider's port is published.
    const bridge: any = await dockerApi.getNetwork("bridge").inspect();
    gateway = bridge.IPAM?.Config?.[0]?.Gateway;
    assert.match(gateway ?? "", /^198\.1[89]\./, "the default bridge is in 198.18.0.0/15 (dockerd --bip)");
    port = 40000 + Math.floor(Math.random() * 10000);

    // ---- the Pulumi program, as a user writes it
    const r = await stack.up(() => {
      const vpn = new WireGuardServer(`e2e-vpn-${id}`, {
        serverUrl: gateway,
        serverPort: port,
        subnet: "10.13.13.0/24",
        userspace: true,
        image: standinImage(),
        peers: { client: { allowedIps: ["0.0.0.0/0"] } },
      });
      const tunnel = new ClientTunnel(`e2e-ct-${id}`, {
        config: vpn.peers.client.config,
        table: TABLE,
        routeDestinations: [`${DEST}/32`],
        killSwitch: true,
        dns: [],
        userspace: true,
        image: standinImage(),
      });
      const app = new docker.Container(`e2e-app-${id}`, {
        name: `e2e-app-${id}`,
        image: standinImage(),
        entrypoints: ["sleep", "infinity"],
        networkMode: tunnel.networkMode,
      });
      return {
        srvOut: vpn.install.stdout, cliOut: tunnel.install.stdout, sName: vpn.container.name, cName: tunnel.container.name, aName: app.name,
        addresses: tunnel.addresses, pub: tunnel.publicKey, peerConf: vpn.peers.client.config, clientConf: tunnel.config,
      };
    });
    const { srvOut, cliOut, sName, cName, aName, addresses, pub, peerConf, clientConf } = r.outputs;
    const deployMs = r.ms;
    serverName = sName;
    clientName = cName;
    appName = aName;
    clientAddress = addresses[0].replace(/\/\d+$/, "");
    clientPublicKey = pub;
    assert.match(srvOut, /wg0 up in e2e-vpn-/);
    assert.match(cliOut, /wg0 up in e2e-ct-/);
    assert.match(peerConf, new RegExp(`^Endpoint = ${gateway.replace(/\./g, "\\.")}:${port}$`, "m"), "the peer conf dials serverUrl:serverPort");
    assert.match(clientConf, /^Table = 55111$/m);
    assert.doesNotMatch(clientConf, /^DNS/m, "dns: [] removes the provider's DNS line");
    assert.ok(r.secret.has("clientConf") && r.secret.has("peerConf"), "the confs are secret stack outputs");
    figure({ bench: "client-tunnel", what: "pulumi up (server + client tunnel + app container, both conf installs)", deployMs, previewMs: r.previewMs });

    // The "capture" on eth0, installed before any packet to DEST is sent (see the header).
    dexec(clientName, ["iptables", "-t", "mangle", "-A", "POSTROUTING", "-o", "eth0", "-d", `${DEST}/32`, "-j", "DROP"]);
  });


  it("(1) the client container reaches the destination through the tunnel; wg show reports the handshake on both sides", async function () {
    const rt = dexec(clientName, ["ip", "route", "get", DEST]);
    assert.match(rt, new RegExp(`dev wg0 table ${TABLE}`), `DEST is routed into the tunnel's table:\n${rt}`);
    const rules = dexec(clientName, ["ip", "rule", "show"]);
    assert.match(rules, new RegExp(`to ${DEST.replace(/\./g, "\\.")} lookup ${TABLE}`));
    assert.match(rules, new RegExp(`from ${clientAddress.replace(/\./g, "\\.")} lookup ${TABLE}`));
    assert.match(dexec(clientName, ["ip", "route", "show", "table", TABLE]), /default dev wg0/);

    const before = wgDump(serverName).peers.find((p) => p.publicKey === clientPublicKey);
    assert.ok(before, "the server lists the client's public key as a peer");
    assert.equal(before.latestHandshake, 0, "no handshake before the first packet (no keepalive configured)");

    const t0 = Date.now();
    const first = ping(clientName, DEST, 1, 5); // the first packet triggers the handshake
    const firstPingMs = Date.now() - t0;
    assert.ok(first.ok, `first ping through the tunnel:\n${first.output}`);
    const hs = await waitFor("client-side handshake", () => wgDump(clientName).peers[0].latestHandshake > 0 && Date.now() - t0, 10_000, 100);
    const p = ping(clientName, DEST, 5, 2);
    assert.ok(p.ok, `client -> ${DEST}:\n${p.output}`);

    const mine = wgDump(clientName);
    const theirs = wgDump(serverName).peers.find((x) => x.publicKey === clientPublicKey)!;
    assert.ok(mine.peers[0].latestHandshake > 0 && theirs.latestHandshake > 0, "handshake on both sides");
    assert.equal(mine.peers[0].publicKey, wgDump(serverName).publicKey);
    assert.equal(mine.peers[0].endpoint, `${gateway}:${port}`, "the client dials serverUrl:serverPort");
    assert.ok(mine.peers[0].presharedKey && mine.peers[0].presharedKey === theirs.presharedKey, "same preshared key on both ends");
    assert.ok(theirs.rxBytes > 0 && mine.peers[0].rxBytes > 0, "bytes went both ways through the tunnel");
    // the server only accepts the client's tunnel address from this peer: the replies prove the source was wg0's
    assert.deepEqual(theirs.allowedIps, [`${clientAddress}/32`]);
    assert.equal(leakCounter(clientName, DEST), 0, "nothing to DEST left via eth0");
    figure({ bench: "client-tunnel", firstPingMs, handshakeMs: hs, pingAvgMs: p.avgMs, clientRxBytes: mine.peers[0].rxBytes, serverRxBytes: theirs.rxBytes });
  });

  it("(2) the container's other connectivity is untouched: default route via eth0, Docker gateway answers", function () {
    const def = dexec(clientName, ["ip", "route", "show", "default"]);
    assert.match(def, new RegExp(`^default via ${gateway.replace(/\./g, "\\.")} dev eth0`, "m"), `main table default route:\n${def}`);
    const unrelated = dexec(clientName, ["ip", "route", "get", UNRELATED]); // a lookup only, no packet
    assert.match(unrelated, /dev eth0/, `an unrelated destination would use eth0:\n${unrelated}`);
    assert.doesNotMatch(unrelated, /wg0/);
    const gw = ping(clientName, gateway, 3, 2);
    assert.ok(gw.ok, `client -> Docker gateway ${gateway}:\n${gw.output}`);
    figure({ bench: "client-tunnel", gatewayPingAvgMs: gw.avgMs, defaultRoute: def.trim(), unrelatedRoute: unrelated.trim().split("\n")[0] });
  });

  it("(3) a second container with networkMode = tunnel.networkMode reaches the destination through the tunnel", function () {
    const info = dexec(appName, ["ip", "-o", "link", "show", "wg0"]);
    assert.match(info, /wg0/, "the app container sees the tunnel's interface (shared netns)");
    const rxBefore = wgDump(serverName).peers.find((x) => x.publicKey === clientPublicKey)!.rxBytes;
    const p = ping(appName, DEST, 5, 2);
    assert.ok(p.ok, `app -> ${DEST}:\n${p.output}`);
    const rxAfter = wgDump(serverName).peers.find((x) => x.publicKey === clientPublicKey)!.rxBytes;
    assert.ok(rxAfter > rxBefore, `the server received the app's packets through the tunnel (${rxBefore} -> ${rxAfter} bytes)`);
    assert.equal(leakCounter(clientName, DEST), 0, "nothing to DEST left via eth0");
    figure({ bench: "client-tunnel", appPingAvgMs: p.avgMs, serverRxDeltaBytes: rxAfter - rxBefore });
  });

  it("(4) kill switch: with the tunnel down, packets to the destination are rejected and none leaves via eth0", function () {
    const ks = rejectCounter(clientName, DEST);
    assert.equal(ks.rules, 1, "exactly one kill-switch REJECT rule for the destination");
    const leak0 = leakCounter(clientName, DEST);

    dexec(clientName, ["wg-quick", "down", "wg0"]);
    assert.ok(!dtry(clientName, ["ip", "link", "show", "wg0"]).ok, "wg0 is gone");
    const rt = dexec(clientName, ["ip", "route", "get", DEST]);
    assert.match(rt, /dev eth0/, `with the tunnel down, DEST would route via eth0:\n${rt}`);

    const c = ping(clientName, DEST, 3, 1);
    const a = ping(appName, DEST, 3, 1);
    assert.equal(c.received, 0, `client: no reply with the tunnel down:\n${c.output}`);
    assert.equal(a.received, 0, `app: no reply with the tunnel down:\n${a.output}`);
    const ksAfter = rejectCounter(clientName, DEST);
    const leakAfter = leakCounter(clientName, DEST);
    assert.equal(ksAfter.rules, 1, "the kill switch survived wg-quick down");
    assert.ok(ksAfter.pkts - ks.pkts >= 6, `the REJECT rule caught the 6 packets (${ks.pkts} -> ${ksAfter.pkts})`);
    assert.equal(leakAfter - leak0, 0, "no packet to DEST reached eth0");

    // Comparison: without the kill switch rule the same packets WOULD leave via eth0 in the clear
    // (they reach POSTROUTING -o eth0, where the test's counter drops them).
    const spec = dexec(clientName, ["iptables", "-S", "OUTPUT"]).split("\n").find((l) => /-j REJECT/.test(l) && l.includes(DEST));
    assert.ok(spec);
    dexec(clientName, ["iptables", ...spec.replace(/^-A /, "-D ").trim().split(/\s+/)]);
    const open = ping(clientName, DEST, 3, 1);
    assert.equal(open.received, 0);
    const leakOpen = leakCounter(clientName, DEST);
    assert.ok(leakOpen - leakAfter >= 3, `without the kill switch the packets go out eth0 (${leakAfter} -> ${leakOpen}; dropped by the test's counter)`);

    // wg-quick up again: PreUp restores the kill switch (idempotently) and traffic flows through the tunnel.
    dexec(clientName, ["wg-quick", "up", "wg0"]);
    assert.equal(rejectCounter(clientName, DEST).rules, 1, "the kill switch rule is back, once");
    const back = ping(clientName, DEST, 3, 3);
    assert.ok(back.ok, `through the tunnel again after wg-quick up:\n${back.output}`);
    assert.equal(leakCounter(clientName, DEST), leakOpen, "and nothing more left via eth0");
    figure({
      bench: "client-tunnel", killSwitchRejectedPkts: ksAfter.pkts - ks.pkts, leakedWithKillSwitch: leakAfter - leak0,
      wouldLeakWithoutKillSwitch: leakOpen - leakAfter, restoredPingAvgMs: back.avgMs,
    });
  });

  scenarioEnd(() => stack, cleanup);
});

/**
 * The common provider download: `AllowedIPs = 0.0.0.0/0, ::/0` (also what WireGuardServer peers get by
 * default), used with ClientTunnel's defaults. Docker starts containers on IPv4-only networks with
 * net.ipv6.conf.all.disable_ipv6=1, so wg-quick's `ip -6 route add ::/0 dev wg0 table …` fails
 * ("IPv6 is disabled on nexthop device") unless the container gets the IPv6 sysctls (`ipv6: true`).
 * The behaviour asserted here: the tunnel comes up and passes IPv4 traffic without the user having to
 * know about that sysctl (ClientTunnel's `ipv6` defaults to true since this test found the bug).
 */
describe("ClientTunnel on a real engine: a provider conf that also routes ::/0, with the defaults", function () {
  const dockerApi = new Docker();
  const id = crypto.randomBytes(3).toString("hex");
  let stack: RealStack | undefined;

  it("AllowedIPs = 0.0.0.0/0, ::/0 split tunnel comes up in a container on an IPv4-only Docker network", async function () {
    const bridge: any = await dockerApi.getNetwork("bridge").inspect();
    const gateway: string = bridge.IPAM?.Config?.[0]?.Gateway;
    stack = await RealStack.create("client-tunnel-v6");
    const v6port = 40000 + Math.floor(Math.random() * 10000);
    const program = () => {
      const vpn = new WireGuardServer(`e2e-vpn6-${id}`, {
        serverUrl: gateway,
        serverPort: v6port,
        userspace: true,
        image: standinImage(),
        peers: { laptop: {} }, // allowedIps default: 0.0.0.0/0, ::/0
      });
      const tunnel = new ClientTunnel(`e2e-ct6-${id}`, {
        config: vpn.peers.laptop.config,
        table: TABLE,
        routeDestinations: [`${DEST}/32`],
        dns: [],
        userspace: true,
        image: standinImage(),
      });
      return { conf: vpn.peers.laptop.config, installed: tunnel.install.stdout, name: tunnel.container.name };
    };
    const t0 = Date.now();
    let out: Record<string, any>;
    try {
      out = (await stack.up(program)).outputs;
    } catch (e: any) {
      const msg = String(e?.message ?? e);
      const said = msg.split("\n").filter((l) => l.startsWith("wgkit: ")).pop() ?? msg.slice(0, 400); // the install's one-line verdict
      figure({ bench: "client-tunnel-v6", ok: false, ms: Date.now() - t0, error: said });
      assert.fail(`ClientTunnel with the defaults did not come up with a conf routing ::/0: ${said}`);
    }
    assert.match(out.conf, /^AllowedIPs = 0\.0\.0\.0\/0, ::\/0$/m);
    assert.match(out.installed, /wg0 up in e2e-ct6-/);
    const name: string = out.name;
    // the first handshake initiation can be lost (WireGuard retries after 5 s): allow one retry
    const p = await waitFor("a ping through the tunnel", () => { const r = ping(name, DEST, 3, 3); return r.ok && r; }, 15_000, 500);
    assert.ok(p.ok, `through the tunnel:\n${p.output}`);
    figure({ bench: "client-tunnel-v6", ok: true, ms: Date.now() - t0, pingAvgMs: p.avgMs });
  });

  scenarioEnd(() => stack);
});

/**
 * Split tunnel (Table = 55111) with the kill switch and NO route selectors: what goes into the
 * tunnel is only what the conf itself brings — its own address (as source) and its DNS resolver
 * (the server's tunnel address, from the peer conf's `DNS = 10.13.13.1`). Before issue 13 this
 * rendered no REJECT rule at all, and the resolver leaked in the clear with the tunnel down.
 * Same safety as above: the eth0 "capture" (a counting DROP) is in place before any packet to the
 * resolver is sent.
 */
describe("ClientTunnel on a real engine: split-tunnel kill switch guards the conf's resolver and own address (no selectors)", function () {
  const dockerApi = new Docker();
  const id = crypto.randomBytes(3).toString("hex");
  let stack: RealStack | undefined;
  let clientName: string;
  let resolver: string;
  let clientAddress: string;

  before(async function () {
    stack = await RealStack.create("client-tunnel-ks");
    const bridge: any = await dockerApi.getNetwork("bridge").inspect();
    const gateway: string = bridge.IPAM?.Config?.[0]?.Gateway;
    const ksPort = 40000 + Math.floor(Math.random() * 10000);
    const r = await stack.up(() => {
      const vpn = new WireGuardServer(`e2e-vpnks-${id}`, {
        serverUrl: gateway,
        serverPort: ksPort,
        subnet: "10.13.13.0/24",
        userspace: true,
        image: standinImage(),
        peers: { client: { allowedIps: ["0.0.0.0/0"] } }, // dns default "auto": the peer conf says DNS = 10.13.13.1
      });
      const tunnel = new ClientTunnel(`e2e-ctks-${id}`, {
        config: vpn.peers.client.config,
        table: TABLE,
        killSwitch: true,
        userspace: true,
        image: standinImage(),
      });
      return { cName: tunnel.container.name, conf: tunnel.config, addresses: tunnel.addresses };
    });
    const { cName, conf, addresses } = r.outputs;
    clientName = cName;
    clientAddress = addresses[0].replace(/\/\d+$/, "");
    const dns = /^DNS = (.+)$/m.exec(conf);
    assert.ok(dns, "the client conf keeps the provider's DNS line");
    resolver = dns[1].split(",")[0].trim();
    assert.equal(resolver, DEST, "the resolver is the server's tunnel address");
    assert.match(conf, /^Table = 55111$/m);
    assert.doesNotMatch(conf, /rule add to (?!10\.13\.13\.1\/32)/, "no route selectors besides the resolver");
    dexec(clientName, ["iptables", "-t", "mangle", "-A", "POSTROUTING", "-o", "eth0", "-d", `${resolver}/32`, "-j", "DROP"]);
  });

  it("guards the resolver and the own address; with the tunnel down 0 packets to the resolver leave via eth0 and the REJECT counter rises", async function () {
    // kill-switch rules exist although no selector was given: one for the resolver, one for the own address
    const out = dexec(clientName, ["iptables", "-S", "OUTPUT"]);
    assert.equal(out.split("\n").filter((l) => /-j REJECT/.test(l) && l.includes(`-d ${resolver}/32`)).length, 1, `resolver guard:\n${out}`);
    assert.equal(out.split("\n").filter((l) => /-j REJECT/.test(l) && l.includes(`-s ${clientAddress}/32`)).length, 1, `own-address guard:\n${out}`);

    // tunnel up: the resolver is reached through the tunnel (the server answers on 10.13.13.1)
    assert.match(dexec(clientName, ["ip", "route", "get", resolver]), new RegExp(`dev wg0 table ${TABLE}`));
    const up = await waitFor("a ping to the resolver through the tunnel", () => { const r = ping(clientName, resolver, 3, 3); return r.ok && r; }, 15_000, 500);
    assert.ok(up.ok, up.output);
    assert.equal(leakCounter(clientName, resolver), 0, "nothing to the resolver left via eth0 with the tunnel up");

    // tunnel down: the resolver would route via eth0; the kill switch rejects every packet
    const ks0 = rejectCounter(clientName, resolver);
    dexec(clientName, ["wg-quick", "down", "wg0"]);
    assert.match(dexec(clientName, ["ip", "route", "get", resolver]), /dev eth0/, "with the tunnel down the resolver would route via eth0");
    const down = ping(clientName, resolver, 5, 1);
    assert.equal(down.received, 0, down.output);
    const ks1 = rejectCounter(clientName, resolver);
    const leaked = leakCounter(clientName, resolver);
    assert.equal(ks1.rules, 1, "the resolver guard survived wg-quick down");
    assert.ok(ks1.pkts - ks0.pkts >= 5, `the REJECT rule caught the 5 packets (${ks0.pkts} -> ${ks1.pkts})`);
    assert.equal(leaked, 0, "0 packets to the resolver reached eth0");

    // up again: the guards are restored once (idempotent PreUp) and the resolver answers through the tunnel
    dexec(clientName, ["wg-quick", "up", "wg0"]);
    assert.equal(rejectCounter(clientName, resolver).rules, 1);
    const back = await waitFor("the resolver through the tunnel again", () => { const r = ping(clientName, resolver, 3, 3); return r.ok && r; }, 15_000, 500);
    assert.ok(back.ok, back.output);
    assert.equal(leakCounter(clientName, resolver), 0);
    figure({ bench: "client-tunnel-ks", resolverRejectedPkts: ks1.pkts - ks0.pkts, resolverLeaked: leaked, resolverPingAvgMs: up.avgMs });
  });

  scenarioEnd(() => stack);
});
