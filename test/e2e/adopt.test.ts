/**
 * Adoption on the real Pulumi engine (issue 10): a /config laid out as the image leaves it in server mode
 * (named, numbered, no-PSK and routed-LAN peers, a leftover folder) is read with
 * readLinuxserverConfig; a WireGuardServer deployed from the adopted args as they are serves the
 * devices, which run EXACTLY the fixture's device confs (ListenPort = 51820 and DNS included).
 *
 * The one adaptation, and why: the confs dial `Endpoint = vpn.example.com:<SERVERPORT>`. Each
 * device's namespace gets an /etc/netns/<ns>/hosts that resolves vpn.example.com to its veth's
 * host end (`ip netns exec` mounts it over /etc/hosts), so the conf text is not changed at all.
 * DNS: wg-quick hands `DNS =` to resolvconf; the harness (wgQuickUp) writes it to
 * /etc/netns/<ns>/resolv.conf instead, the same effect confined to the namespace.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { AdoptedServerArgs, parseWgQuick, readLinuxserverConfig } from "@wgkit/core";
import { WireGuardServer } from "@wgkit/pulumi";
import { figure } from "./harness/figures";
import { RealStack, scenarioEnd } from "./harness/realStack";
import { ServerOut, serverOutputs } from "./harness/wgkitOutputs";
import { standinImage } from "./harness/hooks";
import { CleanupRegistry, Netns, WgQuickHandle, allocateLink, createNetns, nsPing, nsRun, nsSpawn, nsWgDump, waitFor, wgQuickUp } from "./harness/netns";
import { buildLinuxserverConfig, Fixture, hashTree } from "../support/linuxserverFixture";
import { dockerExec } from "./harness/exec";

const CONTAINER = "docker:index/container:Container";
const SERVER_URL = "vpn.example.com";

describe("Adopting a linuxserver deployment on a real engine: devices keep their confs", function () {
  const cleanup = new CleanupRegistry();
  const port = 40000 + Math.floor(Math.random() * 10000);
  let stack: RealStack | undefined;
  let name: string;
  let base: string;
  let f: Fixture;
  let hashBefore: Record<string, string>;
  let adopted: AdoptedServerArgs;
  let containerId: string;
  const devices: Record<string, { ns: Netns; wg: WgQuickHandle; address: string }> = {};

  async function up(args: ConstructorParameters<typeof WireGuardServer>[1]) {
    // The adopted args as they are; only the harness's own switches are added.
    const r = await stack!.up(() => ({ server: serverOutputs(new WireGuardServer(name, { ...args, userspace: true, image: standinImage() })) }));
    return { server: r.outputs.server as ServerOut, ms: r.ms, ops: r.ops };
  }

  before(async () => {
    stack = await RealStack.create("adopt");
    name = `e2e-adopt-${stack.id.slice(-6)}`;
    base = fs.mkdtempSync(path.join(os.tmpdir(), "wgkit-e2e-adopt-"));
    cleanup.add(`remove ${base}`, () => fs.rmSync(base, { recursive: true, force: true }));
    f = buildLinuxserverConfig(path.join(base, "config"), {
      serverUrl: SERVER_URL,
      serverPort: port,
      peers: [
        { id: "laptop" },
        { id: 2, keepalive: true },
        { id: "phone", leftover: true },
        { id: "nas", lans: ["192.168.50.0/24"] },
        { id: "tv", psk: false },
      ],
    });
    hashBefore = hashTree(f.dir);
  });

  it("reads the fixture: 4 active peers (named, numbered, routed LAN, no PSK), the leftover reported", () => {
    const r = readLinuxserverConfig(f.dir);
    adopted = r.args;
    assert.deepEqual(Object.keys(adopted.peers), ["laptop", "peer2", "nas", "tv"]);
    assert.deepEqual(r.leftovers.map((l) => l.folder), ["peer_phone"]);
    assert.equal(adopted.serverPort, port);
    assert.equal(adopted.peers.tv.presharedKey, undefined);
    assert.deepEqual(adopted.peers.nas.serverAllowedIps, ["192.168.50.0/24"]);
  });

  it("the server deployed from the adopted args runs the image's server key and peers; the devices' own confs handshake and ping", async () => {
    const r = await up(adopted);
    containerId = r.server.containerId;
    figure({ bench: "adopt-deploy", peers: 4, ms: r.ms });
    // The running interface against the image's wg0.conf (what wg itself reports).
    const image = parseWgQuick(fs.readFileSync(f.file("wg_confs/wg0.conf"), "utf8"));
    const running = parseWgQuick(dockerExec(name, ["wg", "showconf", "wg0"]));
    assert.equal(running.interface.privateKey, image.interface.privateKey, "same server key");
    const norm = (c: typeof image) => c.peers.map((p) => ({ k: p.publicKey, psk: p.presharedKey, a: [...p.allowedIps].sort(), ka: p.persistentKeepalive || undefined }))
      .sort((a, b) => a.k.localeCompare(b.k));
    assert.deepEqual(norm(running), norm(image), "same peers, preshared keys, AllowedIPs and keepalive as the image's conf");

    for (const folder of ["peer_laptop", "peer2", "peer_nas", "peer_tv"]) {
      const conf = f.deviceConf(folder);
      assert.match(conf, /^ListenPort = 51820$/m);
      assert.match(conf, /^DNS = 10\.13\.13\.1$/m);
      assert.match(conf, new RegExp(`^Endpoint = ${SERVER_URL.replace(/\./g, "\\.")}:${port}$`, "m"));
      const ns = createNetns(cleanup, { link: allocateLink() });
      fs.mkdirSync(path.join("/etc/netns", ns.name), { recursive: true });
      fs.writeFileSync(path.join("/etc/netns", ns.name, "hosts"), `127.0.0.1 localhost\n${ns.hostAddr} ${SERVER_URL}\n`);
      const wg = wgQuickUp(cleanup, ns.name, conf); // the fixture's conf, byte for byte
      devices[folder] = { ns, wg, address: f.peers[folder].address };
    }
    for (const [folder, d] of Object.entries(devices)) {
      assert.ok(nsPing(d.ns.name, "10.13.13.1", 3, 2).ok, `${folder} pings the server through the tunnel`);
      assert.ok(nsWgDump(d.ns.name, d.wg.ifname).peers[0].latestHandshake > 0, `${folder} handshaked`);
    }
    // The LAN behind nas is routed to it: the server reaches an address of that LAN.
    nsRun(devices.peer_nas.ns.name, "ip", ["addr", "add", "192.168.50.1/32", "dev", "lo"]);
    await waitFor("the server reaches nas's LAN", () => {
      try { dockerExec(name, ["ping", "-c", "1", "-W", "2", "192.168.50.1"]); return true; } catch { return false; }
    }, 20_000, 500);
  });

  it("a new peer is added live: same container, the adopted devices lose 0 packets (ping every 50 ms)", async () => {
    const count = 200; // 10 s at 50 ms
    const pingers = Object.entries(devices).map(([folder, d]) => {
      const p = nsSpawn(cleanup, d.ns.name, "ping", ["-n", "-i", "0.05", "-c", String(count), "-W", "1", "10.13.13.1"]);
      let out = "";
      p.stdout!.on("data", (b) => { out += b; });
      return { folder, done: new Promise<string>((res) => p.on("exit", () => res(out))) };
    });
    await new Promise((r) => setTimeout(r, 1500));
    const r = await up({ ...adopted, peers: { ...adopted.peers, newcomer: {} } });
    const outs = await Promise.all(pingers.map(async (p) => ({ folder: p.folder, out: await p.done })));
    assert.equal(r.ops.get(`${CONTAINER}::${name}`), "same", "the engine did not touch the container");
    assert.equal(r.server.containerId, containerId);
    for (const { folder, out } of outs) {
      const m = /(\d+) packets transmitted, (\d+) received/.exec(out);
      assert.ok(m, out);
      const sent = Number(m[1]), lost = sent - Number(m[2]);
      figure({ bench: "adopt-peer-add", device: folder, sent, lost, upMs: r.ms });
      assert.equal(sent, count);
      assert.equal(lost, 0, `${folder}: ${out}`);
    }
    const newcomerAddress = r.server.peers.newcomer.address;
    assert.ok(!Object.values(devices).some((d) => d.address === newcomerAddress), "the newcomer got a free address");
    const ns = createNetns(cleanup, { link: allocateLink() });
    // wgkit's own output for the newcomer; only its Endpoint host is the harness's (no hosts file here).
    const config = r.server.peers.newcomer.config.replace(/^Endpoint = .*$/m, `Endpoint = ${ns.hostAddr}:${port}`);
    wgQuickUp(cleanup, ns.name, config);
    assert.ok(nsPing(ns.name, "10.13.13.1", 3, 2).ok, "the newcomer connects");
  });

  it("the fixture directory is byte-identical (every file's hash, mode and mtime) after it all", () => {
    assert.deepEqual(hashTree(f.dir), hashBefore);
  });

  scenarioEnd(() => stack, cleanup);
});
