import { strict as assert } from "assert";
import * as fc from "fast-check";
import { PNG } from "pngjs";
import jsQR from "jsqr";
import {
  generateKeyPair, generatePresharedKey, parseWgQuick, peerConf, qrPng, qrPngBase64, qrTerminal, renderNixOS, renderWgQuick, serverConf,
} from "@wgkit/core";
import { wgQuickStrip } from "../support/wgTools";
import { qrPngBefore } from "../support/qrBefore";

const server = generateKeyPair(), dev = generateKeyPair(), psk = generatePresharedKey();
const model = peerConf({
  privateKey: dev.privateKey, address: "10.13.13.9", address6: "fd42::9", dns: ["192.168.1.8"], listenPort: 51820,
  serverPublicKey: server.publicKey, presharedKey: psk, endpoint: "example.com:51820", persistentKeepalive: 25,
});

describe("Renderers", () => {
  it("server conf carries the image's forwarding/NAT hooks, and ip6tables ones when dual stack", () => {
    const v4 = renderWgQuick(serverConf({ privateKey: server.privateKey, address: "10.13.13.1", subnet: "10.13.13.0/24", peers: [] }));
    assert.match(v4, /^PostUp = iptables -A FORWARD -i %i -j ACCEPT$/m);
    assert.match(v4, /^PostUp = iptables -t nat -A POSTROUTING -o eth\+ -j MASQUERADE$/m);
    assert.match(v4, /^PostDown = iptables -t nat -D POSTROUTING -o eth\+ -j MASQUERADE$/m);
    assert.doesNotMatch(v4, /ip6tables/);
    assert.match(v4, /^Address = 10\.13\.13\.1\/24$/m);
    assert.match(v4, /^ListenPort = 51820$/m);
    const v6 = renderWgQuick(serverConf({ privateKey: server.privateKey, address: "10.13.13.1", address6: "fd42::1", subnet: "10.13.13.0/24", subnet6: "fd42::/64", peers: [], masquerade: false }));
    assert.match(v6, /^PostUp = ip6tables -A FORWARD -o %i -j ACCEPT$/m);
    assert.doesNotMatch(v6, /MASQUERADE/);
    wgQuickStrip(v4);
    wgQuickStrip(v6);
  });

  it("peer conf matches the seed's shape (Address, DNS, PresharedKey, Endpoint, full-tunnel AllowedIPs)", () => {
    const text = renderWgQuick(model);
    assert.match(text, /^Address = 10\.13\.13\.9\/32, fd42::9\/128$/m);
    assert.match(text, /^DNS = 192\.168\.1\.8$/m);
    assert.match(text, /^Endpoint = example\.com:51820$/m);
    assert.match(text, /^AllowedIPs = 0\.0\.0\.0\/0, ::\/0$/m);
    assert.match(text, new RegExp(`^PresharedKey = ${psk.replace(/[+/=]/g, "\\$&")}$`, "m"));
  });

  it("NixOS snippet holds the same peer material as the wg-quick conf, with keys only by file", () => {
    for (const style of ["wg-quick", "wireguard"] as const) {
      const nix = renderNixOS(model, { style });
      assert.ok(!nix.text.includes(dev.privateKey) && !nix.text.includes(psk), "no inline secrets");
      assert.match(nix.text, /networking\.firewall\.allowedUDPPorts = \[ 51820 \];/);
      assert.match(nix.text, new RegExp(`networking\\.${style === "wg-quick" ? "wg-quick" : "wireguard"}\\.interfaces\\."wg0"`));
      assert.match(nix.text, /privateKeyFile = "\/etc\/wireguard\/wg0\.key";/);
      assert.match(nix.text, /presharedKeyFile = "\/etc\/wireguard\/wg0-peer0\.psk";/);
      assert.ok(nix.text.includes(`publicKey = "${server.publicKey}";`));
      assert.ok(nix.text.includes(`endpoint = "example.com:51820";`));
      assert.ok(nix.text.includes(`allowedIPs = [ "0.0.0.0/0" "::/0" ];`));
      assert.ok(nix.text.includes(`persistentKeepalive = 25;`));
      assert.equal(nix.text.includes(`dns = [ "192.168.1.8" ];`), style === "wg-quick");
      // balanced braces/brackets: a cheap syntax sanity check (no Nix evaluator here)
      for (const [o, c] of [["{", "}"], ["[", "]"]]) assert.equal(nix.text.split(o).length, nix.text.split(c).length);
    }
  });

  it("QR PNG decodes (independent decoder: jsQR) to exactly the conf; terminal QR is printable", async () => {
    const text = renderWgQuick(model);
    const png = PNG.sync.read(Buffer.from(await qrPngBase64(text), "base64"));
    const decoded = jsQR(new Uint8ClampedArray(png.data), png.width, png.height);
    assert.ok(decoded, "jsQR found a code");
    assert.equal(decoded.data, text);
    assert.deepEqual(parseWgQuick(decoded.data), parseWgQuick(text));
    const term = await qrTerminal(text);
    assert.ok(term.split("\n").length > 20);
  });

  it("property: the QR PNG has exactly the pixels of the pngjs rendering wgkit used before, in a fraction of the bytes", () => {
    // Texts of every length up to the largest symbol (2,331 bytes at error correction M), so every
    // symbol size — and so every row width, whole bytes or not — occurs.
    const text = fc.integer({ min: 1, max: 2331 }).chain((n) => fc.string({ minLength: n, maxLength: n, unit: fc.constantFrom(..."abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+/= \n[].:,") }));
    fc.assert(fc.property(text, (t) => {
      const now = qrPng(t), before = qrPngBefore(t);
      const a = PNG.sync.read(now), b = PNG.sync.read(before); // pngjs checks every chunk's CRC
      assert.equal(a.width, b.width);
      assert.equal(a.height, b.height);
      assert.ok(a.data.equals(b.data), "the same RGBA pixels");
      assert.ok(now.length * 2 < before.length, `${now.length} bytes now, ${before.length} before`);
    }), { numRuns: 40 });
  });

  it("a QR PNG of the largest symbol decodes (jsQR) to exactly its text", () => {
    const text = renderWgQuick({ ...model, peers: [{ ...model.peers[0], allowedIps: Array.from({ length: 120 }, (_, i) => `10.${i}.0.0/16`) }] });
    assert.ok(text.length > 1800 && text.length <= 2331, `${text.length} bytes`);
    const png = PNG.sync.read(qrPng(text));
    assert.equal(jsQR(new Uint8ClampedArray(png.data), png.width, png.height)?.data, text);
  });
});
