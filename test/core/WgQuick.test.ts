import { strict as assert } from "assert";
import {
  generateKeyPair, generatePresharedKey, parseWgQuick, peerConf, renderWgQuick, serverConf, WgKitError, WgQuickConf,
} from "@wgkit/core";
import { ScratchInterface, wg, wgQuickStrip } from "../support/wgTools";

const k = () => generateKeyPair();

/** A provider conf in the style commercial VPNs ship: comments, repeated lines, v6 endpoint, search domain. */
function providerConf(priv: string, pub: string, psk: string): string {
  return [
    "# Example VPN provider conf, downloaded 2026-11-01",
    "[Interface]",
    `PrivateKey = ${priv}   # device key`,
    "Address = 10.64.12.7/32",
    "Address = fc00:bbbb:bbbb:bb01::1:c06/128",
    "DNS = 10.64.0.1, corp.example",
    "DNS = fd00::53",
    "MTU=1380",
    "",
    "[Peer]",
    "# se-sto-wg-001",
    `PublicKey = ${pub}`,
    `PresharedKey = ${psk}`,
    "AllowedIPs = 0.0.0.0/0",
    "AllowedIPs = ::/0",
    "Endpoint = [2001:db8::10]:51820",
    "PersistentKeepalive = 25",
    "",
  ].join("\r\n");
}

describe("WgQuick model: parse/render", () => {
  it("reads a real-world provider conf and normalises it", () => {
    const a = k(), b = k(), psk = generatePresharedKey();
    const c = parseWgQuick(providerConf(a.privateKey, b.publicKey, psk));
    assert.deepEqual(c.interface.address, ["10.64.12.7/32", "fc00:bbbb:bbbb:bb01::1:c06/128"]);
    assert.deepEqual(c.interface.dns, ["10.64.0.1", "corp.example", "fd00::53"]);
    assert.equal(c.interface.mtu, 1380);
    assert.equal(c.peers.length, 1);
    assert.deepEqual(c.peers[0].allowedIps, ["0.0.0.0/0", "::/0"]);
    assert.equal(c.peers[0].endpoint, "[2001:db8::10]:51820");
    assert.equal(c.peers[0].presharedKey, psk);
  });

  it("round-trips: parse(render(m)) equals m, and render is a fixed point", () => {
    const a = k(), b = k();
    const m: WgQuickConf = serverConf({
      privateKey: a.privateKey, address: "10.13.13.1", address6: "fd42::1", subnet: "10.13.13.0/24", subnet6: "fd42::/64", mtu: 1420,
      peers: [{ publicKey: b.publicKey, presharedKey: generatePresharedKey(), address: "10.13.13.2", address6: "fd42::2", serverAllowedIps: ["192.168.50.0/24"], persistentKeepalive: 25 }],
    });
    const text = renderWgQuick(m);
    assert.deepEqual(parseWgQuick(text), m);
    assert.equal(renderWgQuick(parseWgQuick(text)), text);
  });

  it("rejects malformed text with the line number and rule", () => {
    const pub = k().publicKey;
    const cases: [string, string, string][] = [
      ["[Interface]\nPrivateKey = abc\n", "key-format", "conf.interface.privateKey"],
      ["[Interface]\nFoo = 1\n", "unknown-key", "conf:line 2"],
      ["Address = 10.0.0.1/32\n", "no-section", "conf:line 1"],
      ["[Interface]\n[Interface]\n", "duplicate-interface", "conf:line 2"],
      ["[Interface]\n[Peer]\nAllowedIPs = 0.0.0.0/0\n", "peer-public-key", "conf:line 2"],
      ["[Interface]\nListenPort = 5x\n", "integer", "conf:line 2"],
      ["[Interface]\nnot a pair\n", "key-value", "conf:line 2"],
      ["[Interfaces]\n", "unknown-section", "conf:line 1"],
      [`[Interface]\n[Peer]\nPublicKey = ${pub}\nEndpoint = host\n`, "endpoint", "conf.peers[0].endpoint"],
      [`[Interface]\n[Peer]\nPublicKey = ${pub}\nAllowedIPs = 10.0.0.0/33\n`, "cidr", "conf.peers[0].allowedIps[0]"],
      [`[Interface]\nTable = 010\n`, "table", "conf.interface.table"],
      ["[Peer]\nPublicKey = " + pub + "\n", "no-interface", "conf"],
      ["[Interface]\nSaveConfig = yes\n", "boolean", "conf:line 2"],
      ["[Interface]\nAddress = 10.0.0.1/24\u0000\n", "control-character", "conf:line 2"],
    ];
    for (const [text, r, field] of cases) {
      assert.throws(() => parseWgQuick(text), (e: unknown) => {
        assert.ok(e instanceof WgKitError, `${JSON.stringify(text)}: ${e}`);
        assert.equal(e.rule, r, `${JSON.stringify(text)}: ${e.message}`);
        assert.equal(e.field, field, `${JSON.stringify(text)}: ${e.message}`);
        return true;
      });
    }
  });

  it("never echoes a line's value in a parse error (a mistyped line may hold a key)", () => {
    const keys = Array.from({ length: 200 }, () => k().privateKey);
    for (const text of keys.flatMap((p) => [`[Interface]\nPrivateKey: ${p}\n`, `[Interface]\n${p}\n`, `[Interface]\nPrivateKey ${p} = x\n`, `[Peer]\n${p}\n`])) {
      const priv = /[A-Za-z0-9+/]{43}=/.exec(text)![0];
      assert.throws(() => parseWgQuick(text), (e: WgKitError) => {
        assert.ok(!e.message.includes(priv.slice(0, 8)), e.message);
        return true;
      });
    }
  });

  it("refuses to render a model whose strings would add lines", () => {
    const a = k();
    const bad: WgQuickConf = { interface: { privateKey: a.privateKey, address: ["10.0.0.1/32"], dns: [], preUp: [], postUp: ["echo hi\n[Peer]"], preDown: [], postDown: [] }, peers: [] };
    assert.throws(() => renderWgQuick(bad), (e: WgKitError) => e.rule === "single-line");
  });
});

describe("WgQuick oracle: wg-quick strip and wg setconf on a real interface", function () {
  let scratch: ScratchInterface;
  before(() => { scratch = new ScratchInterface("q"); });
  after(() => scratch?.close());

  it("every rendered conf is accepted by wg-quick strip and wg setconf, and wg shows back what we rendered", () => {
    const server = k(), p1 = k(), p2 = k(), psk = generatePresharedKey();
    const confs: WgQuickConf[] = [
      serverConf({
        privateKey: server.privateKey, address: "10.13.13.1", address6: "fd42::1", subnet: "10.13.13.0/24", subnet6: "fd42::/64",
        peers: [
          { publicKey: p1.publicKey, presharedKey: psk, address: "10.13.13.2", address6: "fd42::2", persistentKeepalive: 25 },
          { publicKey: p2.publicKey, address: "10.13.13.3", serverAllowedIps: ["192.168.7.0/24"] },
        ],
      }),
      peerConf({ privateKey: p1.privateKey, address: "10.13.13.2", address6: "fd42::2", dns: ["10.13.13.1", "lan.example"], serverPublicKey: server.publicKey, presharedKey: psk, endpoint: "vpn.example.com:51820", persistentKeepalive: 25, listenPort: 51820 }),
      peerConf({ privateKey: p2.privateKey, address: "10.13.13.3", serverPublicKey: server.publicKey, endpoint: "[2001:db8::1]:443", allowedIps: ["10.13.13.0/24", "192.168.1.0/24"], mtu: 1380 }),
    ];
    for (const model of confs) {
      const text = renderWgQuick(model);
      const stripped = wgQuickStrip(text);
      // wg resolves host names in setconf and this machine has no DNS: give it an IP for the same check.
      const shown = scratch.setconf(stripped.replace("vpn.example.com:", "203.0.113.10:"));
      // Parse wg's own showconf (a subset of wg-quick syntax) and compare key material and peers.
      const back = parseWgQuick(shown);
      assert.equal(back.interface.privateKey, model.interface.privateKey);
      assert.equal(back.interface.listenPort ?? undefined, model.interface.listenPort ?? back.interface.listenPort);
      assert.equal(back.peers.length, model.peers.length);
      for (const p of model.peers) {
        const q = back.peers.find((x) => x.publicKey === p.publicKey)!;
        assert.ok(q, `peer ${p.publicKey} present`);
        assert.deepEqual([...q.allowedIps].sort(), [...p.allowedIps].sort());
        assert.equal(q.presharedKey, p.presharedKey);
        assert.equal(q.persistentKeepalive, p.persistentKeepalive);
        if (p.endpoint) assert.equal(q.endpoint, p.endpoint.replace("vpn.example.com:", "203.0.113.10:"));
      }
      // the derived public key matches wg's derivation from the same conf
      assert.equal(wg(["pubkey"], back.interface.privateKey!), wg(["pubkey"], model.interface.privateKey!));
    }
  });
});
