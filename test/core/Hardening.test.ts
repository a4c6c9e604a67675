/**
 * Issue 13 (hardening II), core rules checked against independent oracles: the WHATWG URL parser
 * (how curl/browsers/resolvers read a "host name"), iproute2 in a scratch network namespace
 * (tables, interface names, host bits), wg-quick/wg (provider confs), the real filesystem
 * (symlinks). Each property runs over generated cases, not only the catalogue's examples.
 */
import { strict as assert } from "assert";
import { execFileSync, spawnSync } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import {
  buildClientConf, checkHostPath, checkInterfaceName, checkTunnelInterfaceName, checkSplitTable, checkTable, checkUsableSubnet, generateKeyPair, isCidr, isHostname, isIp,
  parseWgQuick, peerConf, qrPngBase64, renderWgQuick, tryQrPngBase64, WgKitError,
} from "@wgkit/core";
import { checkConfigPathOnLocalEngine } from "@wgkit/pulumi";
import * as fc from "fast-check";
import * as ipaddr from "ipaddr.js";
import { ScratchInterface, tmpDir, wgQuickStrip } from "../support/wgTools";

const throwsRule = (fn: () => unknown, rule: string | RegExp) => assert.throws(fn, (e: unknown) => {
  assert.ok(e instanceof WgKitError, String(e));
  if (typeof rule === "string") assert.equal(e.rule, rule, e.message); else assert.match(e.rule, rule, e.message);
  return true;
});

/** Deterministic pseudo-random numbers, so a failure can be replayed. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s ^ (s >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0) / 2 ** 32);
}

/** How the WHATWG URL parser reads a host: an IPv4 address in dotted decimal, or undefined. */
function urlIpv4(host: string): string | undefined {
  try {
    const h = new URL(`http://${host}/`).hostname;
    return /^\d+\.\d+\.\d+\.\d+$/.test(h) ? h : undefined;
  } catch {
    return undefined;
  }
}

describe("Hardening II (issue 13): literals against the WHATWG URL parser", () => {
  it("no string that the URL parser reads as an IPv4 address passes as a host name; IPv4 literals pass only in the one notation all tools share", () => {
    const r = rng(13);
    const forms: string[] = [];
    for (let i = 0; i < 400; i++) {
      const o = [0, 0, 0, 0].map(() => Math.floor(r() * 256));
      const n = ((o[0] << 24) >>> 0) + (o[1] << 16) + (o[2] << 8) + o[3];
      forms.push(
        o.join("."), o.map((x) => `0${x}`).join("."), o.map((x) => `0x${x.toString(16)}`).join("."), o.map((x) => `0${x.toString(8)}`).join("."),
        `${o[0]}.${(o[1] << 16) + (o[2] << 8) + o[3]}`, String(n), `0x${n.toString(16)}`, `${o[0]}.${o[1]}.${(o[2] << 8) + o[3]}`,
        `host${i}.0x${o[3].toString(16)}`, `host${i}.${o[3]}`, `h${i}.example.com`, `${o[0]}.${o[1]}.${o[2]}.${o[3]}.`,
      );
    }
    let asIp = 0, refused = 0;
    for (const f of forms) {
      const url = urlIpv4(f);
      if (url !== undefined) {
        asIp++;
        assert.equal(isHostname(f), false, `${f} is ${url} to the URL parser, so it is no host name`);
        if (isIp(f)) assert.equal(f, url, `${f} passes as an IP only in the URL parser's own notation`);
        else refused++;
      }
      if (isIp(f)) assert.equal(urlIpv4(f), f, `${f}: accepted IPv4 literals read the same everywhere`);
    }
    assert.ok(asIp > 2000 && refused > 1500, `the generator produced other notations (${asIp} read as IPv4, ${refused} refused)`);
  });

  it("IPv6 with an embedded IPv4 part passes only when ipaddr.js and the URL parser read the same 128 bits", () => {
    const cases = ["::ffff:1.2.3.4", "::1.2.3.4", "1::1.2.3.4", "64:ff9b::192.0.2.1", "::ffff:010.1.1.1", "::ffff:0x7f.1.1.1", "::ffff:1.2.3.04", "1:2:3:4:5:6:1.2.3.4"];
    for (const c of cases) {
      let url: string | undefined;
      try { url = new URL(`http://[${c}]/`).hostname; } catch { url = undefined; }
      if (isIp(c)) assert.ok(url !== undefined, `${c} accepted but the URL parser refuses it`);
      if (url === undefined) assert.equal(isIp(c), false, c);
    }
    assert.equal(isIp("::1.2.3.4"), false, "ipaddr.js would turn ::1.2.3.4 into ::ffff:1.2.3.4");
    assert.equal(isIp("::ffff:1.2.3.4"), true);
  });

  it("property: isCidr gives what it gave when it asked ipaddr.js's IPv4 parser for the family (kept here as the oracle), without its thrown exceptions", () => {
    const before = (value: unknown): boolean => {
      if (typeof value !== "string") return false;
      const m = /^([^/]+)\/([0-9]{1,3})$/.exec(value);
      if (!m || !isIp(m[1])) return false;
      return Number(m[2]) <= (ipaddr.IPv4.isValidFourPartDecimal(m[1]) ? 32 : 128);
    };
    const octet = fc.oneof(fc.integer({ min: 0, max: 300 }).map(String), fc.constantFrom("01", "0x1", "", "a"));
    const v4 = fc.array(octet, { minLength: 1, maxLength: 5 }).map((o) => o.join("."));
    const v6 = fc.oneof(fc.ipV6(), fc.constantFrom("::", "::1", "fd42::", "::ffff:1.2.3.4", "::1.2.3.4", "fe80::1%eth0", "1:2:3:4:5:6:7:8:9", ":::"));
    const prefix = fc.oneof(fc.integer({ min: 0, max: 200 }).map(String), fc.constantFrom("", "024", "-1", "1e1"));
    const text = fc.oneof(fc.tuple(fc.oneof(v4, v6, fc.ipV4(), fc.string()), prefix).map(([a, p]) => `${a}/${p}`), fc.string(), fc.ipV4(), v6);
    fc.assert(fc.property(text, (t) => assert.equal(isCidr(t), before(t), t)), { numRuns: 5000 });
    for (const t of ["0.0.0.0/0", "::/0", "10.0.0.0/32", "10.0.0.0/33", "fd00::/128", "fd00::/129", "::ffff:1.2.3.4/96", "::ffff:1.2.3.4/129"]) assert.equal(isCidr(t), before(t), t);
  });
});

describe("Hardening II (issue 13): iproute2 as the oracle in a scratch namespace", function () {
  const ns = `wk13-${process.pid}`;
  const ip = (...a: string[]) => spawnSync("ip", ["-n", ns, ...a], { encoding: "utf8" });
  before(() => execFileSync("ip", ["netns", "add", ns]));
  after(() => spawnSync("ip", ["netns", "del", ns]));

  it("every interface name we accept is created under exactly that name by `ip link add`; the keywords ip misreads are refused", () => {
    const names = ["wg0", "wg1", "tun-vpn", "wgk.a", "x1", "up", "down", "all", "dev", "help", "he", "h", "name", "type", "link", "lo", "eth0", "eth1", "mtu", "wg_0", "a=b"];
    const misread: string[] = [];
    for (const n of names) {
      const r = ip("link", "add", n, "type", "veth", "peer", "name", "wk13peer");
      const made = ip("-o", "link", "show").stdout.split("\n").some((l) => l.split(": ")[1]?.split("@")[0] === n);
      ip("link", "del", "wk13peer");
      let ok = true;
      try { checkTunnelInterfaceName(n, "interfaceName"); } catch { ok = false; }
      if (ok) assert.ok(r.status === 0 && made, `${n} accepted, but ip did not create it: ${r.stderr}`);
      if (!(r.status === 0 && made)) misread.push(n);
    }
    for (const n of misread) throwsRule(() => checkTunnelInterfaceName(n, "interfaceName"), "interface-keyword");
    for (const n of misread.filter((x) => x !== "lo")) throwsRule(() => checkInterfaceName(n, "interfaceName"), "interface-keyword");
    // names the container already has: `ip link add` of an existing name fails
    assert.notEqual(ip("link", "add", "lo", "type", "veth", "peer", "name", "wk13peer").status, 0);
    for (const n of ["lo", "eth0", "eth1", "veth3"]) throwsRule(() => checkTunnelInterfaceName(n, "interfaceName"), "interface-keyword");
    assert.equal(checkInterfaceName("eth0", "uplink"), "eth0", "an existing interface may still be named as such (e.g. an uplink)");
    assert.ok(["up", "down", "help", "dev", "all"].every((n) => misread.includes(n)), `ip misreads the keywords: ${misread.join(",")}`);
  });

  it("a table with a leading zero is another table to iproute2 (010 is 8): refused; plain numbers are taken as written", () => {
    ip("rule", "add", "from", "10.99.0.1", "table", "010");
    ip("rule", "add", "from", "10.99.0.2", "table", "55111");
    const rules = ip("rule", "show").stdout;
    assert.match(rules, /from 10\.99\.0\.1 lookup 8\b/, rules);
    assert.match(rules, /from 10\.99\.0\.2 lookup 55111\b/, rules);
    throwsRule(() => checkTable("010", "table"), "table");
    throwsRule(() => checkSplitTable("010", "table"), "table");
    assert.equal(checkSplitTable("55111", "table"), "55111");
    for (const t of ["0", "253", "254", "255", "main", "local", "default"]) throwsRule(() => checkSplitTable(t, "table"), "reserved-table");
  });

  it("a subnet with host bits is refused, as iproute2 refuses it as a route; the network form is accepted by both", () => {
    ip("link", "set", "lo", "up");
    const r = rng(7);
    for (let i = 0; i < 60; i++) {
      const len = 8 + Math.floor(r() * 23);
      const a = [10, Math.floor(r() * 256), Math.floor(r() * 256), Math.floor(r() * 256)].join(".");
      const cidr = `${a}/${len}`;
      const routed = ip("route", "add", cidr, "dev", "lo").status === 0;
      ip("route", "del", cidr, "dev", "lo");
      let ok = true;
      try { checkUsableSubnet(cidr, "lans[0]"); } catch { ok = false; }
      assert.equal(ok, routed, `${cidr}: we ${ok ? "accept" : "refuse"}, iproute2 ${routed ? "routes" : "refuses"} it`);
    }
  });
});

describe("Hardening II (issue 13): provider confs against wg-quick and wg", function () {
  const me = generateKeyPair(), them = generateKeyPair();
  const conf = (iface: string, peer = "AllowedIPs = 0.0.0.0/0") =>
    `[Interface]\nPrivateKey = ${me.privateKey}\n${iface}\n\n[Peer]\nPublicKey = ${them.publicKey}\nEndpoint = 198.51.100.10:51820\n${peer}\n`;
  let scratch: ScratchInterface;
  before(() => { scratch = new ScratchInterface("h13"); });
  after(() => scratch?.close());

  /** wg-quick's verdict: strip (wg-quick's own parser) then `wg setconf` on a real interface. */
  const wgAccepts = (text: string): boolean => {
    try { scratch.setconf(wgQuickStrip(text)); return true; } catch { return false; }
  };
  const weAccept = (text: string): boolean => {
    try { parseWgQuick(text); return true; } catch (e) { if (e instanceof WgKitError) return false; throw e; }
  };

  it("accepts what wg-quick accepts and refuses what it rejects", () => {
    const cases = [
      conf("Address = 10.64.0.2/32 fd00:64::2/128\nDNS = 10.64.0.1 1.1.1.1"),
      conf("Address = 10.64.0.2/32, fd00:64::2/128\nDNS = 10.64.0.1,search.example"),
      conf("Address = 10.64.0.2/32\nSaveConfig = false"),
      conf("Address = 10.64.0.2/32\nSaveConfig = False"),
      conf("Address = 10.64.0.2/32\nSaveConfig = FALSE"),
      conf("Address = 10.64.0.2/32\nListenPort = 0"),
      conf("Address = 10.64.0.2/32\nListenPort = 51820\nTable = main"),
      conf("Address = 10.64.0.2/32\nMTU = 1200"),
      conf("Address = 10.64.0.2/32\nSaveConfig = yes"),
      conf("Address = 10.64.0.2/32", "AllowedIPs = 10.0.0.0/8 10.1.0.0/16"),
      conf("Address = 10.64.0.2/32", "AllowedIPs = 10.0.0.0/8, 10.1.0.0/16"),
      conf("Address = 10.64.0.2/32", "PersistentKeepalive = off"),
    ];
    const verdicts = cases.map((c) => [wgAccepts(c), weAccept(c)]);
    verdicts.forEach(([wg, we], i) => assert.equal(we, wg, `case ${i}: wg-quick ${wg ? "accepts" : "rejects"}, we ${we ? "accept" : "refuse"}:\n${cases[i]}`));
    assert.ok(verdicts.some(([wg]) => !wg) && verdicts.some(([wg]) => wg), "the oracle both accepts and rejects");
    assert.deepEqual(parseWgQuick(cases[0]).interface.dns, ["10.64.0.1", "1.1.1.1"]);
    assert.deepEqual(parseWgQuick(cases[0]).interface.address, ["10.64.0.2/32", "fd00:64::2/128"]);
    assert.equal(parseWgQuick(cases[3]).interface.saveConfig, false);
    assert.equal(parseWgQuick(cases[5]).interface.listenPort, 0);
  });

  it("a ListenPort over 65535 is taken by wg modulo 2^16 (65537 becomes 1): refused, a value tools read differently", () => {
    const text = conf("Address = 10.64.0.2/32\nListenPort = 65537");
    assert.match(scratch.setconf(wgQuickStrip(text)), /^ListenPort = 1$/m);
    assert.equal(weAccept(text), false);
  });

  it("a peer with the interface's own public key: wg silently drops it, so we refuse it", () => {
    const own = conf("Address = 10.64.0.2/32").replace(them.publicKey, me.publicKey);
    const shown = scratch.setconf(wgQuickStrip(own));
    assert.doesNotMatch(shown, /\[Peer\]/, `wg kept no peer:\n${shown.replace(/PrivateKey.*/, "")}`);
    assert.throws(() => parseWgQuick(own), (e: unknown) => e instanceof WgKitError && e.rule === "own-public-key");
  });

  it("no parse error shows any part of a wrapped PrivateKey or PresharedKey (every split point of 100 keys)", () => {
    let errors = 0;
    for (let i = 0; i < 100; i++) {
      const k = i % 2 ? generateKeyPair().privateKey : crypto.randomBytes(32).toString("base64");
      const field = i % 2 ? "PrivateKey" : "PresharedKey";
      for (let cut = 1; cut < 44; cut++) {
        const line = `${field} = ${k.slice(0, cut)}\n${k.slice(cut)}`;
        const text = field === "PrivateKey" ? conf("Address = 10.64.0.2/32").replace(/^PrivateKey = .*$/m, line)
          : conf("Address = 10.64.0.2/32").replace(/^Endpoint/m, `${line}\nEndpoint`);
        try { parseWgQuick(text); } catch (e) {
          errors++;
          const msg = String((e as Error).message);
          for (let len = 4; len <= k.length; len++) {
            for (let at = 0; at + len <= k.length; at += len) {
              const piece = k.slice(at, at + len);
              if (/^[A-Za-z]+$/.test(piece) && /^(conf|line|key|the|not|may|be|of|part|shown|show)/i.test(piece)) continue; // English words of the message itself
              assert.ok(!msg.includes(piece) || piece.length < 6, `the error shows ${JSON.stringify(piece)} of the key: ${msg}`);
            }
          }
        }
      }
    }
    assert.ok(errors > 4000, `every wrapped key was an error (${errors})`);
  });
});

describe("Hardening II (issue 13): split-tunnel kill switch guards everything routed into the tunnel", () => {
  const k = generateKeyPair(), s = generateKeyPair();
  const provider = (dns: string[]) => renderWgQuick(peerConf({ privateKey: k.privateKey, address: "10.64.12.7", dns, serverPublicKey: s.publicKey, endpoint: "198.51.100.10:51820" }));

  it("for every combination of selectors and resolvers, each `ip rule … table N` has a REJECT guard for the same selector", () => {
    const r = rng(99);
    const pool = { dst: ["203.0.113.0/24", "198.51.100.0/25", "fd00:1::/64"], src: ["198.18.0.0/15", "172.30.0.0/16"], dns: ["10.64.0.1", "1.1.1.1", "fd00::53", "search.example"] };
    const pick = (xs: string[]) => xs.filter(() => r() < 0.5);
    for (let i = 0; i < 200; i++) {
      const spec = { config: provider(pick(pool.dns)), table: "55111", killSwitch: true, routeDestinations: pick(pool.dst), routeSources: pick(pool.src), ...(r() < 0.3 ? { dns: pick(pool.dns) } : {}) };
      const c = buildClientConf(spec).interface;
      const selectors = c.postUp.map((l) => / rule add (from|to) (\S+) table 55111$/.exec(l)).filter((m) => m !== null);
      assert.ok(selectors.some((m) => m![1] === "from"), "the own address is always routed, so there is always a guard");
      for (const m of selectors) {
        const cidr = m![2].includes("/") ? m![2] : `${m![2]}/${m![2].includes(":") ? 128 : 32}`;
        const flag = m![1] === "from" ? "-s" : "-d";
        assert.ok(c.preUp.some((h) => h.includes(`${flag} ${cidr} `) && h.includes("-j REJECT")), `no guard for ${m![0]}:\n${c.preUp.join("\n")}`);
      }
      for (const d of c.dns.filter((x) => isIp(x))) assert.ok(c.postUp.some((l) => l.includes(` to ${d}/`)), `resolver ${d} is routed into the tunnel`);
    }
  });
});

describe("Hardening II (issue 13): host paths", () => {
  it("normalises dot segments and doubled slashes, resolves the well-known symlinks, and refuses system trees", () => {
    for (const p of ["/./etc", "//etc", "/etc/", "/srv/./../etc", "/var/run/docker", "/var//lib/docker/x", "/lib/modules", "/bin/", "/root", "/", "//", "/./", "/var/lib", "/home/alice", "/run/user/1000", "/var/lock/x"]) {
      throwsRule(() => checkHostPath(p, "configPath"), /system-path|path/);
    }
    for (const p of ["/srv/wireguard", "//srv//wireguard/", "/home/alice/wg", "/opt/wgkit/config", "/var/lib/wgkit", "/data/wg"]) {
      assert.doesNotThrow(() => checkHostPath(p, "configPath"), p);
    }
    assert.equal(checkHostPath("//srv/./wireguard/", "configPath"), "/srv/wireguard");
  });

  it("with a local engine, a path reaching a system tree through a real symlink is refused (also a dangling one); a symlinked data directory is fine", () => {
    const dir = tmpDir("wgk13-");
    try {
      fs.symlinkSync("/etc", path.join(dir, "to-etc"));
      fs.symlinkSync("/etc/wgk13-not-there", path.join(dir, "dangling"));
      fs.mkdirSync(path.join(dir, "data"));
      fs.symlinkSync(path.join(dir, "data"), path.join(dir, "to-data"));
      throwsRule(() => checkConfigPathOnLocalEngine(path.join(dir, "to-etc"), undefined, "configPath"), "system-path");
      throwsRule(() => checkConfigPathOnLocalEngine(path.join(dir, "to-etc", "wireguard"), undefined, "configPath"), "system-path");
      throwsRule(() => checkConfigPathOnLocalEngine(path.join(dir, "dangling"), undefined, "configPath"), "system-path");
      assert.doesNotThrow(() => checkConfigPathOnLocalEngine(path.join(dir, "to-data", "wg"), undefined, "configPath"));
      // a remote engine's filesystem is not this one: only the lexical rules apply there
      assert.doesNotThrow(() => checkConfigPathOnLocalEngine(path.join(dir, "to-etc"), "ssh://admin@host", "configPath"));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("Hardening II (issue 13): QR codes degrade instead of failing", () => {
  it("a conf too large for a QR symbol gives no code and a reason without content; a normal one gives the same PNG as qrPngBase64", () => {
    const k = generateKeyPair(), s = generateKeyPair();
    const small = renderWgQuick(peerConf({ privateKey: k.privateKey, address: "10.13.13.2", serverPublicKey: s.publicKey, endpoint: "vpn.example.com:51820" }));
    const many = Array.from({ length: 200 }, (_, i) => `10.${i}.0.0/16`);
    const big = renderWgQuick(peerConf({ privateKey: k.privateKey, address: "10.13.13.2", serverPublicKey: s.publicKey, endpoint: "vpn.example.com:51820", allowedIps: many }));
    assert.throws(() => qrPngBase64(big), "the strict renderer throws for it");
    const r = tryQrPngBase64(big);
    assert.equal(r.base64, undefined);
    assert.match(r.reason!, /\d+ bytes/);
    assert.ok(!r.reason!.includes(k.privateKey) && !r.reason!.includes("10.1.0.0"), r.reason);
    assert.equal(tryQrPngBase64(small).base64, qrPngBase64(small));
  });
});
