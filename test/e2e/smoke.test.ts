/**
 * Proves the e2e infrastructure by packets, without wgkit's components (only core's userspace-image recipe):
 * a Pulumi program on the real engine (harness/realStack.ts) builds the userspace image, creates a
 * volume and the stand-in WireGuard container on the Docker Engine, a Command writes a server conf
 * into the volume, and a peer in a network namespace (underlay 198.51.100.x; 192.0.2.0/24 is the VM uplink)
 * handshakes with a preshared key through the published UDP port. Pings go both
 * ways; the container's DNS answers over the tunnel; a restart brings the conf
 * back up; SIGTERM stops it promptly.
 */
import * as assert from "assert";
import * as pulumi from "@pulumi/pulumi";
import * as docker from "@pulumi/docker";
import * as command from "@pulumi/command";
import * as random from "@pulumi/random";
import Docker from "dockerode";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { MODULE_GATE_LINE, userspaceDockerfile, userspaceImageName } from "@wgkit/core";
import { onRealStack } from "./harness/realStack";
import { run } from "./harness/exec";
import { standinImage } from "./harness/hooks";
import {
  CleanupRegistry,
  allocateLink,
  createNetns,
  dockerBridgeName,
  hostIpv4Prefixes,
  isFreeOnHost,
  nsPing,
  nsRun,
  nsWgDump,
  parseWgDump,
  waitFor,
  wgGenKeyPair,
  wgGenPsk,
  wgQuickDown,
  wgQuickUp,
} from "./harness/netns";

const TUNNEL_SERVER = "10.13.13.1";
const TUNNEL_PEER = "10.13.13.2";

function dockerExec(container: string, argv: string[]): string {
  return run("docker", ["exec", container, ...argv]);
}

function timing(label: string, ms: number): void {
  console.log(`      [timing] ${label}: ${ms} ms`);
}

describe("e2e infrastructure smoke test (real engine)", function () {
  const dockerApi = new Docker();
  let cleanup: CleanupRegistry;
  beforeEach(() => { cleanup = new CleanupRegistry(); });
  afterEach(async () => { await cleanup.run(); });

  it("peer in a netns (underlay 198.51.100.x) handshakes (PSK) with the stand-in container and pings both ways", () => onRealStack("smoke", async (stack) => {
    const server = wgGenKeyPair();
    const peer = wgGenKeyPair();
    const psk = wgGenPsk();
    const hostPort = 40000 + Math.floor(Math.random() * 10000);
    const link = allocateLink(); // 198.51.100.x: 192.0.2.0/24 is this VM's uplink
    const ns = createNetns(cleanup, { link });
    const containerName = `e2e-smoke-${stack.id.slice(-6)}`;
    // The stand-in, like the real image, has no wireguard-go and its module gate needs kernel
    // WireGuard: run the userspace image derived from it (core's recipe, built by the provider).
    const context = fs.mkdtempSync(path.join(os.tmpdir(), "wgkit-smoke-"));
    cleanup.add(`remove ${context}`, () => fs.rmSync(context, { recursive: true, force: true }));
    fs.writeFileSync(path.join(context, "Dockerfile"), userspaceDockerfile(standinImage()));

    // ---- the Pulumi program
    const program = () => {
      const image = new docker.Image("wg-image", { imageName: userspaceImageName(standinImage()), skipPush: true, build: { context } });
      const volume = new docker.Volume("wg-config", {});
      const serverConf = pulumi.secret(
        [
          "[Interface]",
          `Address = ${TUNNEL_SERVER}/24`,
          "ListenPort = 51820",
          `PrivateKey = ${server.privateKey}`,
          // what the real image's server confs do: forward + NAT out of eth+ (exercises iptables in the container)
          "PostUp = iptables -A FORWARD -i %i -j ACCEPT; iptables -A FORWARD -o %i -j ACCEPT; iptables -t nat -A POSTROUTING -o eth+ -j MASQUERADE",
          "PostDown = iptables -D FORWARD -i %i -j ACCEPT; iptables -D FORWARD -o %i -j ACCEPT; iptables -t nat -D POSTROUTING -o eth+ -j MASQUERADE",
          "",
          "[Peer]",
          `PublicKey = ${peer.publicKey}`,
          `PresharedKey = ${psk}`,
          `AllowedIPs = ${TUNNEL_PEER}/32`,
          "",
        ].join("\n"),
      );
      // The image, started without a conf, deletes the container's default route: write the conf
      // into the volume first (a throwaway container), as wgkit does; the image brings it up itself.
      const seed = new command.local.Command("wg-seed", {
        create: pulumi.interpolate`docker run --rm -i --network none --entrypoint sh -v ${volume.name}:/config ${image.repoDigest} -c 'umask 077 && mkdir -p /config/wg_confs && cat > /config/wg_confs/wg0.conf'`,
        stdin: serverConf,
      });
      const container = new docker.Container("wg-server", {
        name: containerName,
        image: image.repoDigest,
        // As the Engine stores them (it turns NET_ADMIN into CAP_NET_ADMIN; refresh would see the difference).
        capabilities: { adds: ["CAP_NET_ADMIN"] },
        sysctls: { "net.ipv4.conf.all.src_valid_mark": "1" },
        devices: [{ hostPath: "/dev/net/tun", containerPath: "/dev/net/tun" }],
        ports: [{ internal: 51820, external: hostPort, protocol: "udp" }],
        volumes: [{ volumeName: volume.name, containerPath: "/config" }],
        envs: ["PUID=1000", "PGID=1000", "TZ=Etc/UTC", "USE_COREDNS=true"],
        restart: "unless-stopped",
        labels: [{ label: "org.wgkit.role", value: "smoke-server" }],
      }, { dependsOn: [seed] });
      const up = new command.local.Command("wg-up", {
        // wg0 exists (wireguard-go) a moment before wg-quick sets its key: "(none)" until then.
        create: pulumi.interpolate`for i in $(seq 50); do k=$(docker exec ${container.name} wg show wg0 public-key 2>/dev/null) && [ "$k" != "(none)" ] && echo "$k" && exit 0; sleep 0.2; done; exit 1`,
      });
      return { name: container.name, networkDatas: container.networkDatas, ports: container.ports, publicKey: up.stdout, volume: volume.name };
    };
    const tApply = Date.now();
    const r = await stack.up(program);
    timing("pulumi up (image, volume, container start, docker exec wg-quick up)", r.ms);
    timing("pulumi up + preview --expect-no-changes", Date.now() - tApply);
    const { name, networkDatas, ports, publicKey: publicKeyFromContainer, volume } = r.outputs;

    // outputs are real
    assert.match(networkDatas[0].ipAddress, /^198\.1[89]\./, "container IP comes from the 198.18.0.0/15 pool");
    assert.strictEqual(ports[0].external, hostPort);
    assert.strictEqual(publicKeyFromContainer, server.publicKey, "wg in the container derives the same public key as wg pubkey");
    const info = await dockerApi.getContainer(name).inspect();
    assert.strictEqual(info.HostConfig.RestartPolicy?.Name, "unless-stopped");
    assert.deepStrictEqual(info.HostConfig.CapAdd, ["CAP_NET_ADMIN"]);
    assert.strictEqual(info.Config.Labels["org.wgkit.role"], "smoke-server");
    assert.strictEqual(volume, info.Mounts.find((m) => m.Destination === "/config")?.Name);

    // ---- the peer
    const peerConf = [
      "[Interface]",
      `Address = ${TUNNEL_PEER}/32`,
      `PrivateKey = ${peer.privateKey}`,
      `DNS = ${TUNNEL_SERVER}`,
      "",
      "[Peer]",
      `PublicKey = ${server.publicKey}`,
      `PresharedKey = ${psk}`,
      `Endpoint = ${link.hostAddr}:${hostPort}`,
      "AllowedIPs = 10.13.13.0/24",
      "",
    ].join("\n");
    const tUp = Date.now();
    let wg = wgQuickUp(cleanup, ns.name, peerConf);
    const first = nsPing(ns.name, TUNNEL_SERVER, 3, 2);
    const hs = await waitFor("peer handshake", () => nsWgDump(ns.name, wg.ifname).peers[0].latestHandshake > 0, 15_000);
    timing("peer wg-quick up -> first handshake", Date.now() - tUp);
    assert.ok(hs);
    assert.ok(first.ok, `peer -> server ping failed:\n${first.output}`);
    console.log(`      [ping] peer -> ${TUNNEL_SERVER}: ${first.received}/${first.transmitted}, avg ${first.avgMs} ms`);

    const peerSide = nsWgDump(ns.name, wg.ifname).peers[0];
    assert.strictEqual(peerSide.presharedKey, psk);
    assert.strictEqual(peerSide.endpoint, `${link.hostAddr}:${hostPort}`);

    const serverSide = parseWgDump(dockerExec(name, ["wg", "show", "wg0", "dump"]))[0];
    assert.strictEqual(serverSide.publicKey, server.publicKey);
    assert.strictEqual(serverSide.peers[0].presharedKey, psk);
    assert.ok(serverSide.peers[0].latestHandshake > 0);
    assert.ok(serverSide.peers[0].endpoint?.startsWith(`${ns.nsAddr}:`), `server sees the peer at its underlay address, got ${serverSide.peers[0].endpoint}`);

    // server -> peer ("crawl back" over the tunnel)
    const back = dockerExec(name, ["ping", "-n", "-c", "3", "-W", "2", "-i", "0.2", TUNNEL_PEER]);
    assert.match(back, /3 packets transmitted, 3 received/);

    // iptables really ran in the container (PostUp)
    assert.match(dockerExec(name, ["iptables", "-t", "nat", "-S", "POSTROUTING"]), /-o eth\+ -j MASQUERADE/);

    // DNS in the container (USE_COREDNS=true) answers over the tunnel; the DNS line was
    // moved into /etc/netns/<ns>/resolv.conf, so getent in the namespace asks 10.13.13.1
    assert.deepStrictEqual(wg.dns, [TUNNEL_SERVER]);
    const resolved = await waitFor("wgkit.test over the tunnel", () => {
      const out = nsRun(ns.name, "getent", ["ahostsv4", "wgkit.test"]);
      return out.includes(TUNNEL_SERVER) && out;
    }, 10_000);
    assert.ok(resolved);

    // restart: the image brings up what is in /config/wg_confs again
    const tRestart = Date.now();
    await dockerApi.getContainer(name).restart({ t: 10 });
    await waitFor("wg0 after restart", () => parseWgDump(dockerExec(name, ["wg", "show", "wg0", "dump"]))[0]?.listenPort === 51820, 20_000);
    wgQuickDown(wg);
    wg = wgQuickUp(cleanup, ns.name, peerConf);
    const again = nsPing(ns.name, TUNNEL_SERVER, 5, 2);
    assert.ok(again.ok, `ping after restart failed:\n${again.output}`);
    timing("docker restart -> tunnel passes traffic again", Date.now() - tRestart);

    // PID 1 exits promptly on SIGTERM
    const tStop = Date.now();
    await dockerApi.getContainer(name).stop({ t: 10 });
    const stopMs = Date.now() - tStop;
    timing("docker stop (SIGTERM)", stopMs);
    assert.ok(stopMs < 5000, `stop took ${stopMs} ms: PID 1 ignores SIGTERM?`);
    assert.strictEqual((await dockerApi.getContainer(name).inspect()).State.ExitCode, 0);
    // Running again before the scenario's refresh: the docker provider reads a stopped container
    // back as `mustRun: false` (refresh would report an update).
    await dockerApi.getContainer(name).start();
  }));

  it("on a kernel without WireGuard the stand-in's module gate logs the image's line and sleeps (like the real image)", () => onRealStack("smoke-gate", async (stack) => {
    const r = await stack.up(() => {
      const c = new docker.Container("no-tun", { name: `e2e-notun-${stack.id.slice(-6)}`, image: standinImage(), envs: ["TZ=Etc/UTC"] });
      return { name: c.name };
    });
    const name: string = r.outputs.name;
    const logs = await waitFor("module line in logs", () => {
      const text = dockerLogs(name);
      return text.includes(MODULE_GATE_LINE) && text;
    }, 10_000);
    assert.ok(logs);
    const c = dockerApi.getContainer(name);
    assert.strictEqual((await c.inspect()).State.Running, true, "the container keeps running without a tunnel");
    const t0 = Date.now();
    await c.restart({ t: 10 });
    assert.ok(Date.now() - t0 < 5000, "PID 1 stops promptly on SIGTERM");
  }));

  it("Network, networksAdvanced, uploads, mounts, healthcheck reach the Engine; a namespace joins the network's bridge", () => onRealStack("smoke-net", async (stack) => {
    const used = hostIpv4Prefixes();
    const x = [77, ...Array.from({ length: 40 }, (_, i) => 80 + i)].find((n) => isFreeOnHost(`198.19.${n}.0/24`, used));
    assert.ok(x, "a free /24 in 198.19.77-119");
    const subnet = `198.19.${x}.0/24`;
    const r = await stack.up(() => {
      const net = new docker.Network("lan", { driver: "bridge", ipamConfigs: [{ subnet, gateway: `198.19.${x}.1` }] });
      const box = new docker.Container("lan-box", {
        image: standinImage(),
        networksAdvanced: [{ name: net.name, ipv4Address: `198.19.${x}.10`, aliases: ["box"] }],
        uploads: [
          { file: "/etc/wgkit/upload.txt", content: "uploaded\n" },
          { file: "/usr/local/bin/wgkit-hello", content: "#!/bin/sh\necho hello from upload\n", executable: true },
        ],
        mounts: [{ type: "tmpfs", target: "/scratch" }],
        healthcheck: { tests: ["CMD", "true"], interval: "1s", timeout: "2s", retries: 2, startPeriod: "0s" },
        wait: true,
        waitTimeout: 30,
      });
      return { name: box.name, networkDatas: box.networkDatas, network: net.name };
    });
    const { name, networkDatas: datas, network } = r.outputs;
    assert.strictEqual(datas[0].ipAddress, `198.19.${x}.10`);
    const info = await dockerApi.getContainer(name).inspect();
    assert.strictEqual(info.State.Health?.Status, "healthy");
    assert.strictEqual(info.Config.Healthcheck?.Interval, 1e9);
    assert.strictEqual(dockerExec(name, ["cat", "/etc/wgkit/upload.txt"]), "uploaded\n");
    assert.strictEqual(dockerExec(name, ["wgkit-hello"]).trim(), "hello from upload");
    assert.match(dockerExec(name, ["sh", "-c", "grep ' /scratch ' /proc/mounts"]), /tmpfs/);

    // a namespace on the network's Linux bridge: a "LAN host" for site-to-site tests
    const lanHost = createNetns(cleanup, { bridge: dockerBridgeName(network), bridgeAddr: { addr: `198.19.${x}.200`, prefixLen: 24, gateway: `198.19.${x}.1` } });
    const p = nsPing(lanHost.name, `198.19.${x}.10`, 3, 2);
    assert.ok(p.ok, p.output);
    assert.match(dockerExec(name, ["ping", "-n", "-c", "1", "-W", "2", `198.19.${x}.200`]), /1 received/);
  }));

  it("Command really runs (environment, stdin, failure) and RandomBytes is random", () => onRealStack("smoke-cmd", async (stack) => {
    const program = () => {
      const ok = new command.local.Command("echo", {
        create: 'printf "%s|" "$WGKIT_GREETING"; cat; printf "\\n"',
        environment: { WGKIT_GREETING: "hello" },
        stdin: pulumi.secret("from-stdin"),
      });
      const a = new random.RandomBytes("a", { length: 32 });
      const b = new random.RandomBytes("b", { length: 32 });
      return { stdout: ok.stdout, ahex: a.hex, bhex: b.hex, ab64: a.base64 };
    };
    const r = await stack.up(program);
    assert.strictEqual(r.outputs.stdout, "hello|from-stdin");
    // The engine, unlike the SDK's mocks, does not make a Command's stdout secret because its stdin
    // is: a script that echoes its stdin puts the secret in state in clear. wgkit's install and
    // seed steps never print what they read (the conf travels on stdin).
    assert.ok(!r.secret.has("stdout"), "stdout of a Command fed a secret stdin is not secret on the real engine");
    const { ahex, bhex, ab64 } = r.outputs;
    assert.match(ahex, /^[0-9a-f]{64}$/);
    assert.notStrictEqual(ahex, bhex);
    assert.strictEqual(Buffer.from(ab64, "base64").toString("hex"), ahex);
    // it can be used as a WireGuard key: wg accepts it and derives a public key
    assert.match(run("wg", ["pubkey"], { input: ab64 + "\n" }).trim(), /^[A-Za-z0-9+/]{43}=$/);

    // A failing command fails the update with its exit status and stderr; what succeeded stays.
    const bad = await stack.upFails(() => {
      const out = program();
      const fails = new command.local.Command("fails", { create: "echo nope >&2; exit 3" });
      return { ...out, fails: fails.stdout };
    });
    assert.match(bad.message, /exit status 3/);
    assert.match(bad.message, /nope/);
    assert.equal(bad.ops.get("command:local:Command::echo"), "same", "the update kept the command that ran before");
    // The program without the failing command converges again (the failed create left nothing).
    const again = await stack.up(program);
    assert.equal(again.outputs.ahex, ahex, "the same random bytes");
  }));
});

/** `docker logs` of a container, both streams (the container's stdout and stderr). */
function dockerLogs(name: string): string {
  const r = spawnSync("docker", ["logs", name], { encoding: "utf8" });
  return `${r.stdout}${r.stderr}`;
}
