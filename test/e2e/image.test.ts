/**
 * The image as it really is (issue 12), on the real Pulumi engine with the faithful stand-in: its module
 * gate runs first and sleeps forever on a kernel without WireGuard (these VMs), the base has no
 * wireguard-go, and `userspace: true` runs the image wgkit derives from it.
 *
 *  - the default (no userspace) fails fast, recognising the gate's log line, with the fix;
 *  - `userspace: true` builds the derived image (docker.Image) and the tunnel comes up through it;
 *    without the package mirror the build fails with the fix;
 *  - after start, every file in /config belongs to PUID:PGID;
 *  - a graceful stop runs the tunnels' down step (the server's PreDown saves the endpoints), kill -9 does not;
 *  - renaming a ClientTunnel's interface leaves no stale conf (with its private key) in /config/wg_confs.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as crypto from "crypto";
import * as docker from "@pulumi/docker";
import Docker from "dockerode";
import { MODULE_GATE_LINE, MODULE_GATE_PATH, USERSPACE_IMAGE_REPO, userspaceDockerfile } from "@wgkit/core";
import { ClientTunnel, WireGuardServer } from "@wgkit/pulumi";
import { dockerExec, run, tryRun } from "./harness/exec";
import { standinImage } from "./harness/hooks";
import { CleanupRegistry, allocateLink, createNetns, dialFrom, nsPing, nsWgDump, waitFor, wgQuickUp, Netns, WgQuickHandle } from "./harness/netns";
import { figure } from "./harness/figures";
import { RealStack, onRealStack, scenarioEnd } from "./harness/realStack";

const IMAGE = "docker:index/image:Image";
const PUID = 1234;
const PGID = 1235;

/** Runs argv in a throwaway container of `image` with `volume` at /config (works while the container is stopped). */
function onVolume(image: string, volume: string, script: string): { ok: boolean; stdout: string } {
  return tryRun("docker", ["run", "--rm", "--network", "none", "--entrypoint", "sh", "-v", `${volume}:/config`, image, "-c", script]);
}

describe("The image as it really is: module gate, derived userspace image, /config ownership, down step", function () {
  const dockerApi = new Docker();
  const cleanup = new CleanupRegistry();
  const port = 40000 + Math.floor(Math.random() * 10000);
  const id = Math.random().toString(16).slice(2, 8);
  let stack: RealStack | undefined;

  before(async () => { stack = await RealStack.create("image-userspace"); });

  it("default (no userspace) on a kernel without WireGuard: `up` fails fast with the gate's cause and the fix", () => onRealStack("image-default", async (gateStack) => {
    const name = `e2e-gate-${id}`;
    const hostModules = fs.existsSync("/lib/modules") && fs.readdirSync("/lib/modules").length > 0;
    // The install's own timeout stays at its default (60 s): only the gate's log line can end it early.
    const f = await gateStack.upFails(() => {
      const s = new WireGuardServer(name, { serverUrl: "vpn.example.com", serverPort: port + 5, image: standinImage(), peers: { x: {} } });
      return { installed: s.install.stdout };
    });
    // The command provider's error quotes the whole install script first; the verdict is wgkit's line.
    const stderr = f.message.split("\n").filter((l) => l.startsWith("wgkit: ")).pop() ?? "";
    figure({ bench: "module-gate-failure", ms: f.ms, message: stderr });
    assert.match(stderr, new RegExp(`the image's module gate logged '${MODULE_GATE_LINE}'`));
    assert.match(stderr, /no WireGuard module and the container has no \/dev\/net\/tun/);
    assert.match(stderr, /Load the module on the host \(modprobe wireguard\), or set userspace: true/);
    assert.equal(/The host has no \/lib\/modules/.test(stderr), !hostModules, `this host ${hostModules ? "has" : "has no"} /lib/modules`);
    assert.ok(!/after \d+s/.test(stderr), "ended by the gate's line, not by the timeout");
    assert.equal(f.ops.get("docker:index/container:Container::" + name), "create", "the container was created; the install step failed");
    // What the user would see: the container "running", no interface, the gate's line in its log.
    const info = await dockerApi.getContainer(name).inspect();
    assert.equal(info.State.Running, true, "the gate sleeps forever: the container looks healthy");
    assert.equal(dockerExec(name, ["wg", "show", "interfaces"]).trim(), "");
    assert.ok(!tryRun("docker", ["exec", name, "sh", "-c", "command -v wireguard-go"]).ok, "the base image has no wireguard-go");
  }));

  it("a derivation that cannot reach the package mirror fails the build with the fix", () => onRealStack("image-nonet", async (buildStack) => {
    const context = fs.mkdtempSync(path.join(os.tmpdir(), "wgkit-e2e-nonet-"));
    cleanup.add(`remove ${context}`, () => fs.rmSync(context, { recursive: true, force: true }));
    // core's recipe with RUN steps that cannot use the build cache (an ARG with a fresh value right
    // after FROM), built by the provider's docker.Image with no network for RUN.
    const nonce = crypto.randomBytes(6).toString("hex");
    fs.writeFileSync(path.join(context, "Dockerfile"), userspaceDockerfile(standinImage()).replace(/^(FROM .*)$/m, `$1\nARG WGKIT_E2E_NONCE=${nonce}`));
    const tag = `${USERSPACE_IMAGE_REPO}:e2e-nonet-${id}`;
    try {
      const f = await buildStack.upFails(() => {
        const image = new docker.Image("nonet", { imageName: tag, skipPush: true, build: { context, network: "none" } });
        return { image: image.imageName };
      });
      assert.match(f.message, /wgkit: could not install wireguard-go into the userspace image: apt-get failed/);
      assert.match(f.message, /let the machine running pulumi up reach that package mirror .* or load the wireguard module on the host \(modprobe wireguard\) and set userspace: false/);
    } finally {
      await dockerApi.getImage(tag).remove().catch(() => undefined); // only if the build wrongly succeeded
    }
  }));

  const serverName = `e2e-us-${id}`;
  const volume = `${serverName}-config`;
  let alice: { ns: Netns; wg: WgQuickHandle };
  let derived: string;

  /** One `pulumi up`: the server (userspace, PUID/PGID) and a ClientTunnel to it with `iface`. */
  async function up(iface: string) {
    const bridge: any = await dockerApi.getNetwork("bridge").inspect();
    const gateway: string = bridge.IPAM?.Config?.[0]?.Gateway;
    const r = await stack!.up(() => {
      const server = new WireGuardServer(serverName, {
        serverUrl: gateway, serverPort: port, allowedIps: ["10.13.13.0/24"], userspace: true, image: standinImage(), puid: PUID, pgid: PGID,
        peers: { alice: { persistentKeepalive: 5 }, client: {} },
      });
      const tunnel = new ClientTunnel(`e2e-usct-${id}`, { config: server.peers.client.config, interfaceName: iface, dns: [], ipv6: false, userspace: true, image: standinImage() });
      return { installed: server.install.stdout, tunnelOut: tunnel.install.stdout, tunnelName: tunnel.container.name, aliceConfig: server.peers.alice.config };
    });
    const o = r.outputs as { installed: string; tunnelOut: string; tunnelName: string; aliceConfig: string };
    return { ...o, ms: r.ms, r };
  }

  it("userspace: true builds the derived image (wireguard-go + a gate accepting /dev/net/tun) and the tunnel comes up through it", async () => {
    const r = await up("wg0");
    assert.match(r.installed, new RegExp(`wg0 up in ${serverName} with public key`));
    assert.match(r.tunnelOut, /wg0 up in e2e-usct-/);
    const built = r.r.resources.filter((x) => x.type === IMAGE);
    assert.equal(built.length, 2, "one derived image per userspace container");
    derived = built[0].outputs.imageName;
    assert.match(derived, new RegExp(`^${USERSPACE_IMAGE_REPO}:[0-9a-f]{12}$`));
    const info = await dockerApi.getContainer(serverName).inspect();
    assert.equal(info.Image, built.find((b) => b.name === `${serverName}-userspace-image`)!.outputs.repoDigest, "the container runs the derived image");
    assert.ok(dockerExec(serverName, ["sh", "-c", "command -v wireguard-go"]).includes("wireguard-go"));
    assert.match(dockerExec(serverName, ["cat", MODULE_GATE_PATH]), /wgkit's module gate for userspace WireGuard/);
    const logs = run("docker", ["logs", serverName]);
    assert.match(logs, /wgkit userspace gate: no kernel WireGuard; tunnels use wireguard-go/);
    assert.ok(!logs.includes(MODULE_GATE_LINE));
    figure({ bench: "userspace-image", firstUpMs: r.ms, note: "server + client tunnel, derived image built or reused, both tunnels checked up" });

    const config: string = r.aliceConfig;
    const ns = createNetns(cleanup, { link: allocateLink() });
    const wg = wgQuickUp(cleanup, ns.name, dialFrom(ns, config, port));
    alice = { ns, wg };
    assert.ok(nsPing(ns.name, "10.13.13.1", 3, 3).ok, "alice reaches the server through the derived image's wireguard-go");
    assert.ok(nsWgDump(ns.name, wg.ifname).peers[0].latestHandshake > 0);
    assert.equal(dockerExec(r.tunnelName, ["ping", "-c", "2", "-W", "3", "10.13.13.1"]).includes(" 0% packet loss"), true, "the client tunnel passes traffic");
  });

  it("after start, every file in /config belongs to PUID:PGID (the image's chown; the install keeps it)", () => {
    const files = dockerExec(serverName, ["find", "/config", "-printf", "%u:%g %p\\n"]).trim().split("\n");
    assert.ok(files.some((l) => l.endsWith("/config/wg_confs/wg0.conf")), files.join("\n"));
    assert.deepEqual(files.filter((l) => !l.startsWith(`${PUID}:${PGID} `)), []);
  });

  it("a graceful stop runs the tunnels' down step (PreDown saves the endpoints); kill -9 does not", async () => {
    const container = dockerApi.getContainer(serverName);
    const base = standinImage();
    const alicePub = nsWgDump(alice.ns.name, alice.wg.ifname).publicKey;
    await waitFor("the server knows alice's endpoint", () => dockerExec(serverName, ["wg", "show", "wg0", "endpoints"]).includes(alicePub), 20_000, 200);
    onVolume(base, volume, "rm -f /config/wg_confs/.wg0.endpoints");
    await container.stop({ t: 10 });
    const graceful = onVolume(base, volume, "cat /config/wg_confs/.wg0.endpoints");
    assert.ok(graceful.ok && graceful.stdout.includes(alicePub), "docker stop: the down step ran wg-quick down and PreDown saved alice's endpoint");
    assert.match(run("docker", ["logs", "--tail", "20", serverName]), /Deactivating tunnel \/config\/wg_confs\/wg0\.conf/);

    onVolume(base, volume, "rm -f /config/wg_confs/.wg0.endpoints");
    await container.start();
    await waitFor("alice passes traffic after the restart", () => nsPing(alice.ns.name, "10.13.13.1", 1, 1).ok, 60_000, 500);
    await waitFor("the server knows alice's endpoint again", () => dockerExec(serverName, ["wg", "show", "wg0", "endpoints"]).includes(alicePub), 20_000, 200);
    await container.kill({ signal: "SIGKILL" });
    await waitFor("the container is gone", async () => !(await container.inspect()).State.Running, 10_000, 100);
    const killed = onVolume(base, volume, "cat /config/wg_confs/.wg0.endpoints");
    assert.ok(!killed.ok, "kill -9: no down step, nothing saved");
    await container.start().catch((e: any) => { if (e?.statusCode !== 304) throw e; }); // 304: already started
    await waitFor("alice passes traffic after kill -9 and start", () => nsPing(alice.ns.name, "10.13.13.1", 1, 1).ok, 60_000, 500);
  });

  it("renaming a ClientTunnel's interface removes the old conf (and its private key) from /config/wg_confs on the next install", async () => {
    const r = await up("wg1");
    assert.match(r.tunnelOut, /wg1 up in e2e-usct-/);
    // The health check names the interface: the container is replaced (the provider alone would
    // only "update" its state, and the old container would keep running wg0).
    assert.equal(r.r.ops.get(`docker:index/container:Container::e2e-usct-${id}`), "replace");
    assert.equal(r.r.ops.get(`docker:index/container:Container::${serverName}`), "same");
    const listing = dockerExec(r.tunnelName, ["ls", "-A", "/config/wg_confs"]).trim().split("\n").sort();
    assert.ok(listing.includes("wg1.conf"), listing.join(" "));
    assert.ok(!listing.includes("wg0.conf") && !listing.includes(".wg0.wanted"), `stale conf left: ${listing.join(" ")}`);
    assert.equal(dockerExec(r.tunnelName, ["wg", "show", "interfaces"]).trim(), "wg1");
    assert.ok(dockerExec(r.tunnelName, ["ping", "-c", "2", "-W", "3", "10.13.13.1"]).includes(" 0% packet loss"));
  });

  scenarioEnd(() => stack, cleanup);
});
