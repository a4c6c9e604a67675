import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import { execFileSync } from "child_process";
import { generateKeyPair, parseWgShowDump, peerStatus, renderWgQuick, serverConf, statusCommand } from "@wgkit/core";
import { ScratchInterface, wgQuickStrip } from "../support/wgTools";

describe("WgShow: status from `wg show dump`", () => {
  const a = generateKeyPair(), b = generateKeyPair(), s = generateKeyPair();
  const dump = [
    `(hidden)\t${s.publicKey}\t51820\toff`,
    `${a.publicKey}\t(hidden)\t198.51.100.2:40000\t10.13.13.2/32\t1764130000\t1234\t5678\t25`,
    `${b.publicKey}\t(hidden)\t(none)\t10.13.13.3/32,192.168.1.0/24\t0\t0\t0\toff`,
  ].join("\n");

  it("parses interface and peers, and maps them to names", () => {
    const d = parseWgShowDump(dump);
    assert.equal(d.listenPort, 51820);
    assert.deepEqual(d.peers[1].allowedIps, ["10.13.13.3/32", "192.168.1.0/24"]);
    const st = peerStatus(dump, { alice: a.publicKey, bob: b.publicKey, gone: s.publicKey });
    assert.deepEqual(st.alice, { present: true, latestHandshake: 1764130000, rxBytes: 1234, txBytes: 5678, endpoint: "198.51.100.2:40000", handshakeAgeSeconds: -1 });
    const aged = peerStatus(`1764130042\n${dump}`, { alice: a.publicKey, bob: b.publicKey });
    assert.equal(aged.alice.handshakeAgeSeconds, 42, "age by the container's clock (statusCommand prints it first)");
    assert.equal(aged.bob.handshakeAgeSeconds, -1, "never");
    assert.equal(st.bob.endpoint, "");
    assert.equal(st.gone.present, false);
  });

  it("reads a real `wg show dump` (oracle: a wireguard-go interface)", () => {
    const scratch = new ScratchInterface("s");
    try {
      const conf = renderWgQuick(serverConf({ privateKey: s.privateKey, address: "10.13.13.1", subnet: "10.13.13.0/24", peers: [
        { publicKey: a.publicKey, presharedKey: generateKeyPair().publicKey, address: "10.13.13.2", persistentKeepalive: 25 },
        { publicKey: b.publicKey, address: "10.13.13.3", serverAllowedIps: ["192.168.1.0/24"] },
      ] }));
      scratch.setconf(wgQuickStrip(conf));
      const dump = execFileSync("ip", ["netns", "exec", scratch.ns, "wg", "show", scratch.iface, "dump"], { encoding: "utf8" });
      const d = parseWgShowDump(dump);
      assert.equal(d.publicKey, s.publicKey);
      assert.equal(d.listenPort, 51820);
      const pa = d.peers.find((p) => p.publicKey === a.publicKey)!;
      assert.equal(pa.persistentKeepalive, 25);
      assert.deepEqual(d.peers.find((p) => p.publicKey === b.publicKey)!.allowedIps.sort(), ["10.13.13.3/32", "192.168.1.0/24"]);
      assert.equal(peerStatus(dump, { alice: a.publicKey }).alice.present, true);
    } finally {
      scratch.close();
    }
  });

  it("the status pipeline blanks private and preshared keys (run against a fake docker)", () => {
    const priv = generateKeyPair().privateKey, psk = generateKeyPair().privateKey;
    const fakeDump = `1764130000\n${priv}\t${s.publicKey}\t51820\toff\n${a.publicKey}\t${psk}\t(none)\t10.13.13.2/32\t0\t0\t0\toff\n`;
    const r = spawnSync("sh", ["-c", `docker() { printf '%s' "$FAKE"; }; ${statusCommand("wg0")}`], { encoding: "utf8", env: { ...process.env, FAKE: fakeDump, WGKIT_CONTAINER: "x" } });
    assert.equal(r.status, 0, r.stderr);
    assert.ok(!r.stdout.includes(priv) && !r.stdout.includes(psk));
    assert.equal(peerStatus(r.stdout, { a: a.publicKey }).a.present, true);
    const noClock = spawnSync("sh", ["-c", `docker() { printf '%s' "$FAKE"; }; ${statusCommand("wg0")}`], { encoding: "utf8", env: { ...process.env, FAKE: fakeDump.split("\n").slice(1).join("\n"), WGKIT_CONTAINER: "x" } });
    assert.ok(!noClock.stdout.includes(priv) && !noClock.stdout.includes(psk), "blanked by shape, not by line number");
    const failed = spawnSync("sh", ["-c", `docker() { echo "no such container" >&2; return 1; }; ${statusCommand("wg0")}`], { encoding: "utf8", env: { ...process.env, WGKIT_CONTAINER: "x" } });
    assert.notEqual(failed.status, 0, "a failed docker exec fails the status step");
  });
});
