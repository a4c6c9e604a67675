/**
 * Issue 19 (hardening III), class 4: provider confs that leave the tunnel unusable or leaking.
 * Each rule is checked against WireGuard's own tools: `wg setconf`/`wg showconf` on a real
 * (userspace) interface for AllowedIPs, `wg-quick up` in a scratch namespace for Table and for
 * the handshake (is a handshake initiation ever sent?).
 */
import { strict as assert } from "assert";
import { execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { buildClientConf, checkClientTunnelSpec, ClientTunnelSpec, generateKeyPair, parseWgQuick, renderWgQuick, WgKitError } from "@wgkit/core";
import { ScratchInterface, tmpDir, wgQuickStrip } from "../support/wgTools";

const me = generateKeyPair();
const peers = [generateKeyPair(), generateKeyPair(), generateKeyPair()];
const peerSection = (n: number, allowed: string, endpoint = "198.51.100.10:51820") =>
  `\n[Peer]\nPublicKey = ${peers[n].publicKey}\n${endpoint ? `Endpoint = ${endpoint}\n` : ""}AllowedIPs = ${allowed}\n`;
const confOf = (iface: string, ...sections: string[]) => `[Interface]\nPrivateKey = ${me.privateKey}\nAddress = 10.64.0.2/32\n${iface}\n${sections.join("")}`;

/** Our verdict on a ClientTunnel spec: undefined (accepted) or the rule. */
function verdict(spec: Partial<ClientTunnelSpec>): string | undefined {
  try { checkClientTunnelSpec(spec); return undefined; } catch (e) { if (e instanceof WgKitError) return e.rule; throw e; }
}

/** Deterministic pseudo-random numbers, so a failure can be replayed. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s ^ (s >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0) / 2 ** 32);
}

describe("Hardening III (issue 19) class 4: duplicate AllowedIPs across peers, against wg setconf", function () {
  let scratch: ScratchInterface;
  before(() => { scratch = new ScratchInterface("h19"); });
  after(() => scratch?.close());

  /** wg's AllowedIPs per peer after setconf (in the conf's peer order). */
  const wgAllowed = (text: string): string[][] => {
    const shown = parseWgQuick(scratch.setconf(wgQuickStrip(text)).replace(/^\s*AllowedIPs\s*=\s*$/gm, ""));
    return [0, 1].map((n) => shown.peers.find((p) => p.publicKey === peers[n].publicKey)?.allowedIps ?? []);
  };

  it("the same network on two peers (also 10.0.0.1/24 vs 10.0.0.0/24): wg keeps it on the last peer only; we refuse it, naming both", () => {
    for (const [a, b] of [["10.0.0.0/24", "10.0.0.0/24"], ["10.0.0.1/24", "10.0.0.0/24"], ["fd00::1/64", "fd00::/64"], ["0.0.0.0/0", "0.0.0.0/0"]]) {
      const text = confOf("", peerSection(0, a), peerSection(1, b));
      const shown = wgAllowed(text);
      assert.deepEqual(shown[0], [], `wg took ${a} away from the first peer: ${JSON.stringify(shown)}`);
      assert.equal(shown[1].length, 1);
      assert.throws(() => checkClientTunnelSpec({ config: text }), (e: unknown) => e instanceof WgKitError && e.rule === "duplicate-allowed-ips"
        && e.field === "config.peers[1].allowedIps[0]" && e.message.includes("config.peers[0]"));
    }
  });

  it("over generated pairs: we refuse exactly when wg loses a network from the first peer (nested networks are kept by both)", () => {
    const r = rng(19);
    let refused = 0, accepted = 0;
    for (let i = 0; i < 24; i++) {
      const len = [8, 16, 24][Math.floor(r() * 3)];
      const a = `10.${Math.floor(r() * 2)}.${Math.floor(r() * 2)}.${Math.floor(r() * 2)}/${len}`;
      const b = `10.${Math.floor(r() * 2)}.${Math.floor(r() * 2)}.0/${[8, 16, 24][Math.floor(r() * 3)]}`;
      const text = confOf("", peerSection(0, `${a}, 192.168.${i}.0/24`), peerSection(1, b));
      const lost = wgAllowed(text)[0].length < 2;
      const ours = verdict({ config: text }) !== "duplicate-allowed-ips";
      assert.equal(ours, !lost, `${a} and ${b}: wg ${lost ? "moved it" : "kept both"}, we ${ours ? "accept" : "refuse"}`);
      if (ours) accepted++; else refused++;
    }
    assert.ok(refused > 0 && accepted > 0, `both outcomes occur (${refused} refused, ${accepted} accepted)`);
  });
});

describe("Hardening III (issue 19) class 4: Table and handshakes, against wg-quick up in a namespace", function () {
  this.timeout(60_000);
  const ns = `wk19c-${process.pid}`;
  const iface = `wk19c${(process.pid % 1000).toString(36)}`;
  const inNs = (...a: string[]) => spawnSync("ip", ["netns", "exec", ns, ...a], {
    encoding: "utf8", env: { ...process.env, WG_QUICK_USERSPACE_IMPLEMENTATION: "wireguard-go", WG_I_PREFER_BUGGY_USERSPACE_TO_POLISHED_KMOD: "1" },
  });
  let dir: string;
  before(() => {
    execFileSync("ip", ["netns", "add", ns]);
    inNs("ip", "link", "set", "lo", "up");
    dir = tmpDir();
  });
  after(() => {
    spawnSync("ip", ["netns", "del", ns]);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  /** Brings `text` up with wg-quick, runs `probe` inside the namespace, takes it down again. */
  const up = <T>(text: string, probe: () => T): T => {
    const file = path.join(dir, `${iface}.conf`);
    fs.writeFileSync(file, text, { mode: 0o600 });
    const r = inNs("wg-quick", "up", file);
    assert.equal(r.status, 0, r.stderr);
    try { return probe(); } finally { inNs("wg-quick", "down", file); }
  };
  const viaTunnel = (dst: string) => new RegExp(`dev ${iface}\\b`).test(inNs("ip", "route", "get", dst).stdout);

  it("Table = off and a numbered Table route nothing into the tunnel (wg-quick's own routes); we refuse both unless wgkit's table adds the rules", () => {
    const full = confOf("", peerSection(0, "0.0.0.0/0"));
    const cases: [string, Partial<ClientTunnelSpec>][] = [
      [full, {}],
      [confOf("Table = auto", peerSection(0, "0.0.0.0/0")), {}],
      [confOf("Table = off", peerSection(0, "0.0.0.0/0")), {}],
      [confOf("Table = 1234", peerSection(0, "0.0.0.0/0")), {}],
    ];
    for (const [text, extra] of cases) {
      const routed = up(text, () => viaTunnel("203.0.113.5"));
      const rule = verdict({ config: text, ...extra });
      assert.equal(rule === undefined, routed, `${text.match(/Table.*/)?.[0] ?? "no Table"}: wg-quick ${routed ? "routes" : "routes nothing"} into the tunnel, we say ${rule ?? "ok"}`);
    }
    assert.equal(verdict({ config: cases[2][0] }), "table-off");
    assert.equal(verdict({ config: cases[3][0] }), "table-without-rules");
    // wgkit's table replaces the conf's Table and adds the ip rules: the destinations do use the tunnel.
    for (const t of ["Table = off", "Table = 1234"]) {
      const spec = { config: confOf(t, peerSection(0, "0.0.0.0/0")), table: "55111", routeDestinations: ["203.0.113.0/24"] };
      assert.equal(verdict(spec), undefined);
      assert.ok(up(renderWgQuick(buildClientConf(spec)), () => viaTunnel("203.0.113.5")), `${t} with table: 55111 routes the destination into the tunnel`);
    }
  });

  it("peers with no AllowedIPs, an empty line, or only the tunnel's own address: wg-quick routes nothing into the tunnel; we refuse them (no-routes)", () => {
    // What wg-quick routed into the interface: every route through it in any table, but the kernel's local ones
    // and the tunnel's own address (the local table answers for it before any route through the tunnel).
    const routes = (text: string) => up(text, () => [
      ...inNs("ip", "-4", "route", "show", "table", "all", "dev", iface).stdout.split("\n"),
      ...inNs("ip", "-6", "route", "show", "table", "all", "dev", iface).stdout.split("\n"),
    ].filter((l) => l.trim() !== "" && !/^(local|multicast|fe80|anycast|10\.64\.0\.2 )/.test(l.replace(/^(unicast|broadcast) /, ""))));
    const own = peerSection(0, "10.64.0.2/32").replace(/^AllowedIPs.*$/m, "AllowedIPs = 10.64.0.2/32");
    const none = peerSection(0, "x").replace(/^AllowedIPs.*\n/m, "");
    const empty = peerSection(0, "x").replace(/^AllowedIPs.*$/m, "AllowedIPs =");
    for (const [what, section] of [["no AllowedIPs line", none], ["AllowedIPs =", empty], ["only its own address", own]]) {
      const text = confOf("", section);
      // As wgkit would write it (wg itself refuses a bare `AllowedIPs =`; our renderer drops the empty line).
      assert.deepEqual(routes(renderWgQuick(parseWgQuick(text))), [], `${what}: wg-quick routed something`);
      assert.equal(verdict({ config: text }), "no-routes", what);
      // wgkit's table and route selectors send traffic into the interface, which AllowedIPs then drop: still refused.
      assert.equal(verdict({ config: text, table: "55111", routeDestinations: ["203.0.113.0/24"] }), "no-routes", `${what} with table`);
    }
    // One peer that routes something is enough; its own address on a wider Address line is still not a route.
    const some = confOf("", none, peerSection(1, "10.99.0.0/24"));
    assert.notDeepEqual(routes(some), []);
    assert.equal(verdict({ config: some }), undefined);
    assert.equal(verdict({ config: confOf("", own).replace("Address = 10.64.0.2/32", "Address = 10.64.0.2/24") }), "no-routes");
    assert.equal(verdict({ config: confOf("", peerSection(0, "10.64.0.0/24")) }), undefined);
  });

  it("a peer without Endpoint: traffic for it never starts a handshake (nothing is sent); we refuse it unless ListenPort is published over UDP", () => {
    // wg sends a handshake initiation for the first packet only when it knows the peer's endpoint.
    // (127.0.0.1 stands in for the provider: the namespace has no other network.)
    const sent = (text: string) => up(text, () => {
      inNs("bash", "-c", "echo x > /dev/udp/10.99.0.1/9"); // one packet into the tunnel (no ping needed)
      for (let i = 0; i < 20; i++) { // the initiation goes out asynchronously: look for up to 2 s
        const t = inNs("wg", "show", iface, "transfer").stdout.trim().split(/\s+/);
        if (Number(t[2] ?? 0) > 0) return true;
        spawnSync("sleep", ["0.1"]);
      }
      return false;
    });
    const withEndpoint = confOf("", peerSection(0, "10.99.0.0/24", "127.0.0.1:51999"));
    const without = confOf("", peerSection(0, "10.99.0.0/24", ""));
    assert.equal(sent(withEndpoint), true, "with an Endpoint a handshake initiation is sent");
    assert.equal(sent(without), false, "without an Endpoint nothing is sent: neither side starts a handshake");
    assert.equal(verdict({ config: withEndpoint.replace("127.0.0.1:51999", "198.51.100.10:51820") }), undefined);
    assert.equal(verdict({ config: without }), "no-handshake");
    assert.throws(() => checkClientTunnelSpec({ config: without }), (e: WgKitError) => e.field === "config.peers[0].endpoint");
    // Two peers, only one reachable: the other's networks would go nowhere.
    assert.equal(verdict({ config: confOf("", peerSection(0, "10.99.0.0/24"), peerSection(1, "10.98.0.0/24", "")) }), "no-handshake");
    // The other side can start the handshake only when it can reach us: a fixed ListenPort published over UDP.
    const listening = confOf("ListenPort = 51820", peerSection(0, "10.99.0.0/24", ""));
    assert.equal(verdict({ config: listening }), "no-handshake");
    assert.equal(verdict({ config: listening, publishPorts: [{ internal: 51820, protocol: "tcp" }] }), "no-handshake");
    assert.equal(verdict({ config: listening, publishPorts: [{ internal: 51821, protocol: "udp" }] }), "no-handshake");
    assert.equal(verdict({ config: listening, publishPorts: [{ internal: 51820, external: 41820, protocol: "udp" }] }), undefined);
  });
});
