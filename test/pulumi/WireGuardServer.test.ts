import { strict as assert } from "assert";
import * as pulumi from "@pulumi/pulumi";
import { isValidKey, parseWgQuick, publicKeyOf, WgKitError } from "@wgkit/core";
import { WireGuardServer } from "@wgkit/pulumi";
import { RecordingMocks, settle, useMocks, value } from "../support/mocks";

const CONTAINER = "docker:index/container:Container";

async function runServer(mocks: RecordingMocks, peers: Record<string, object>, extra: object = {}) {
  useMocks(mocks);
  const s = new WireGuardServer("wg", { serverUrl: "vpn.example.com", peers, ...extra });
  const cfg = await value(s.config);
  const peerVals: Record<string, { address: string; publicKey: string; config: string }> = {};
  for (const n of Object.keys(peers)) {
    peerVals[n] = { address: await value(s.peers[n].address), publicKey: await value(s.peers[n].publicKey), config: await value(s.peers[n].config) };
  }
  await value(s.install.stdout);
  await settle();
  return { s, cfg, peerVals };
}

describe("WireGuardServer (SDK mocks)", () => {
  it("declares the container exactly as the seed's compose file, minus PEERS", async () => {
    const m = new RecordingMocks();
    await runServer(m, { laptop: {} });
    const [c] = m.byType(CONTAINER);
    const i = c.inputs;
    assert.deepEqual(i.capabilities.adds, ["CAP_NET_ADMIN", "CAP_SYS_MODULE"]);
    assert.equal(i.sysctls["net.ipv4.conf.all.src_valid_mark"], "1");
    assert.deepEqual(i.ports, [{ internal: 51820, external: 51820, protocol: "udp" }]);
    assert.equal(i.restart, "unless-stopped");
    assert.ok(i.volumes.some((v: any) => v.hostPath === "/lib/modules" && v.containerPath === "/lib/modules" && v.readOnly === true));
    assert.ok(i.volumes.some((v: any) => v.containerPath === "/config" && v.volumeName));
    for (const e of ["PUID=1000", "PGID=1000", "TZ=Etc/UTC", "USE_COREDNS=true"]) assert.ok(i.envs.includes(e), e);
    assert.ok(!i.envs.some((e: string) => /^PEERS=|^SERVERURL=/.test(e)), "client mode: no PEERS");
    assert.equal(m.byType("docker:index/remoteImage:RemoteImage")[0].inputs.name, "lscr.io/linuxserver/wireguard:1.0.20250521");
    assert.ok(i.healthcheck.tests.join(" ").includes("wg0"));
    assert.equal(i.uploads, undefined, "the conf is not a container input (changes would replace it)");
  });

  it("renders a server conf that lists exactly the enabled peers, and peer confs pointing at the server", async () => {
    const m = new RecordingMocks();
    const { s, cfg, peerVals } = await runServer(m, { a: {}, b: { persistentKeepalive: 25 }, off: { enabled: false }, lan: { serverAllowedIps: ["192.168.50.0/24"] } });
    const conf = parseWgQuick(cfg);
    const serverPub = await value(s.publicKey);
    assert.equal(publicKeyOf(conf.interface.privateKey!), serverPub);
    assert.deepEqual(conf.interface.address, ["10.13.13.1/24"]);
    assert.deepEqual(conf.peers.map((p) => p.publicKey).sort(), [peerVals.a.publicKey, peerVals.b.publicKey, peerVals.lan.publicKey].sort());
    assert.deepEqual(conf.peers.find((p) => p.publicKey === peerVals.lan.publicKey)!.allowedIps, [`${peerVals.lan.address}/32`, "192.168.50.0/24"]);
    const a = parseWgQuick(peerVals.a.config);
    assert.equal(a.peers[0].publicKey, serverPub);
    assert.equal(a.peers[0].endpoint, "vpn.example.com:51820");
    assert.deepEqual(a.interface.dns, ["10.13.13.1"], "PEERDNS=auto → the server's tunnel address");
    assert.equal(a.peers[0].presharedKey, conf.peers.find((p) => p.publicKey === peerVals.a.publicKey)!.presharedKey);
    assert.equal(parseWgQuick(peerVals.b.config).peers[0].persistentKeepalive, 25);
  });

  it("marks keys, confs and QR codes secret and keeps public keys and addresses plain", async () => {
    const m = new RecordingMocks();
    const { s } = await runServer(m, { a: {} });
    const p = s.peers.a;
    for (const [n, o] of Object.entries({ config: s.config, pConfig: p.config, qr: p.qrCode, priv: p.privateKey, psk: p.presharedKey })) {
      assert.equal(await pulumi.isSecret(o as pulumi.Output<unknown>), true, n);
    }
    for (const [n, o] of Object.entries({ pub: s.publicKey, addr: p.address, ppub: p.publicKey, nixos: p.nixos, endpoint: s.endpoint })) {
      assert.equal(await pulumi.isSecret(o as pulumi.Output<unknown>), false, n);
    }
    const install = m.byType("command:local:Command").find((r) => r.name === "wg-install")!;
    assert.ok(!JSON.stringify(install.inputs.environment).includes("PrivateKey"));
  });

  it("a peer's own settings given as outputs shape its conf (a secret one makes its NixOS snippet secret); plain peers' snippets stay plain", async () => {
    const m = new RecordingMocks();
    const { s } = await runServer(m, {
      plain: { dns: ["192.168.1.1"], persistentKeepalive: 15 },
      late: { dns: pulumi.secret(["9.9.9.9"]), allowedIps: pulumi.output(["10.0.0.0/8"]), mtu: pulumi.output(1400) },
      nothing: { allowedIps: pulumi.output(undefined) as unknown as string[], persistentKeepalive: pulumi.output(undefined) as unknown as number },
    }, { persistentKeepalive: 25, allowedIps: ["10.13.13.0/24"] });
    const conf = async (n: string) => parseWgQuick(await value(s.peers[n].config));
    const plain = await conf("plain"), late = await conf("late"), nothing = await conf("nothing");
    assert.deepEqual(plain.interface.dns, ["192.168.1.1"]);
    assert.equal(plain.peers[0].persistentKeepalive, 15);
    assert.deepEqual(plain.peers[0].allowedIps, ["10.13.13.0/24"], "the server's allowedIps (through the hub)");
    assert.deepEqual(late.interface.dns, ["9.9.9.9"]);
    assert.deepEqual(late.peers[0].allowedIps, ["10.0.0.0/8"]);
    assert.equal(late.interface.mtu, 1400);
    assert.equal(late.peers[0].persistentKeepalive, 25, "the server's default");
    assert.deepEqual(nothing.peers[0].allowedIps, ["0.0.0.0/0", "::/0"], "an own allowedIps that resolves to nothing: wg-quick's full tunnel, as before");
    assert.equal(nothing.peers[0].persistentKeepalive, 25, "an own keepalive that resolves to nothing: the server's");
    assert.equal(await pulumi.isSecret(s.peers.late.nixos), true, "from a secret DNS");
    assert.ok((await value(s.peers.late.nixos)).includes(`dns = [ "9.9.9.9" ];`));
    assert.equal(await pulumi.isSecret(s.peers.plain.nixos), false);
    assert.equal(await pulumi.isSecret(s.peers.nothing.nixos), false);
  });

  it("keeps keys across runs given the first run's state, and rotates only on request", async () => {
    const m1 = new RecordingMocks();
    const r1 = await runServer(m1, { a: {}, b: {} });
    const m2 = new RecordingMocks(m1.nextRun());
    const r2 = await runServer(m2, { a: {}, b: { rotation: "2026-11" } });
    assert.equal(r2.peerVals.a.publicKey, r1.peerVals.a.publicKey);
    assert.equal(r2.cfg.match(/PrivateKey = (.*)/)![1], r1.cfg.match(/PrivateKey = (.*)/)![1]);
    assert.notEqual(r2.peerVals.b.publicKey, r1.peerVals.b.publicKey);
    assert.ok(isValidKey(r2.peerVals.b.publicKey));
    assert.equal(r2.peerVals.b.address, r1.peerVals.b.address, "rotation keeps the address");
  });

  it("never moves an existing peer's address when peers are added or removed", async () => {
    const m1 = new RecordingMocks();
    const r1 = await runServer(m1, { a: {}, b: {}, c: {}, d: {} });
    assert.deepEqual(Object.values(r1.peerVals).map((p) => p.address), ["10.13.13.2", "10.13.13.3", "10.13.13.4", "10.13.13.5"]);
    // remove a and c; add aa (sorts first) and e
    const m2 = new RecordingMocks(m1.nextRun());
    const r2 = await runServer(m2, { aa: {}, b: {}, d: {}, e: {} });
    assert.equal(r2.peerVals.b.address, "10.13.13.3");
    assert.equal(r2.peerVals.d.address, "10.13.13.5");
    assert.deepEqual([r2.peerVals.aa.address, r2.peerVals.e.address].sort(), ["10.13.13.2", "10.13.13.4"]);
    // a third run adding one more keeps all four
    const m3 = new RecordingMocks(m2.nextRun());
    const r3 = await runServer(m3, { aa: {}, b: {}, d: {}, e: {}, f: {} });
    for (const n of ["aa", "b", "d", "e"]) assert.equal(r3.peerVals[n].address, r2.peerVals[n].address, n);
    assert.equal(r3.peerVals.f.address, "10.13.13.6");
  });

  it("uses type tokens and parents: two custom resources per peer (key seed, address memory), children of the server", async () => {
    const m = new RecordingMocks();
    await runServer(m, { a: {} });
    const types = new Set(m.registrations.map((r) => r.type));
    for (const t of ["wgkit:index:WireGuardServer", "random:index/randomPassword:RandomPassword", "random:index/randomBytes:RandomBytes", CONTAINER, "command:local:Command"]) assert.ok(types.has(t), t);
    assert.ok(!types.has("wgkit:index:Peer"), "no Peer component per server peer");
    const perPeer = m.registrations.filter((r) => r.name.startsWith("wg/a/") || r.name === "wg-a");
    assert.deepEqual(perPeer.map((r) => r.name).sort(), ["wg/a/address-10.13.13.0_24", "wg/a/keys"]);
    // The key seed is a RandomPassword (its id is not its value); the address memory a 1-byte RandomBytes.
    const byName = Object.fromEntries(perPeer.map((r) => [r.name, r]));
    assert.match(byName["wg/a/keys"].urn, /::wgkit:index:WireGuardServer\$random:index\/randomPassword:RandomPassword::wg\/a\/keys$/);
    assert.deepEqual({ length: byName["wg/a/keys"].inputs.length, special: byName["wg/a/keys"].inputs.special }, { length: 64, special: false });
    assert.match(byName["wg/a/address-10.13.13.0_24"].urn, /::wgkit:index:WireGuardServer\$random:index\/randomBytes:RandomBytes::/);
    assert.equal(byName["wg/a/address-10.13.13.0_24"].inputs.length, 1);
    assert.ok(!m.registrations.some((r) => r.type === "random:index/randomBytes:RandomBytes" && r.inputs.length > 1), "no RandomBytes holds key material");
  });

  it("propagates a Docker provider for a remote host to the container", async () => {
    const m = new RecordingMocks();
    useMocks(m);
    const docker = await import("@pulumi/docker");
    const remote = new docker.Provider("remote", { host: "ssh://admin@203.0.113.5" });
    const s = new WireGuardServer("wg", { serverUrl: "vpn.example.com", dockerHost: "ssh://admin@203.0.113.5" }, { providers: { docker: remote } });
    await value(s.install.stdout);
    await settle();
    const c = m.byType(CONTAINER)[0];
    assert.match(c.provider ?? "", /remote/);
    const install = m.byType("command:local:Command").find((r) => r.name === "wg-install")!;
    assert.equal(install.inputs.environment.DOCKER_HOST, "ssh://admin@203.0.113.5");
  });

  it("fails on bad args before any resource is registered, naming field and rule", () => {
    const cases: [object, string, string][] = [
      [{ serverUrl: "auto" }, "serverUrl", "no-auto"],
      [{ serverUrl: "bad host!" }, "serverUrl", "host"],
      [{ serverUrl: "vpn.example.com", serverPort: 0 }, "serverPort", "port-range"],
      [{ serverUrl: "vpn.example.com", subnet: "10.13.13.0/33" }, "subnet", "cidr"],
      [{ serverUrl: "vpn.example.com", peers: { "bad name": {} } }, "peers.bad name", "name"],
      [{ serverUrl: "vpn.example.com", peers: { a: { address: "10.9.9.9" } } }, "peers.a.address", "outside-subnet"],
    ];
    for (const [args, field, rule] of cases) {
      const m = useMocks(new RecordingMocks());
      assert.throws(() => new WireGuardServer("wg", args as never), (e: WgKitError) => {
        assert.ok(e instanceof WgKitError, String(e));
        assert.equal(e.field, field);
        assert.equal(e.rule, rule);
        return true;
      });
      assert.equal(m.registrations.length, 0, `${field}: nothing registered`);
    }
  });
});

describe("WireGuardServer preview with values not known yet", () => {
  it("a rotation or pin that is unknown at preview makes addresses and confs unknown, and never hangs", async () => {
    const m = useMocks(new RecordingMocks(), true);
    const random = await import("@pulumi/random");
    const unknownRotation = new random.RandomString("later", { length: 4 }).result; // mocks give no `result`: unknown in preview
    const s = new WireGuardServer("wg", { serverUrl: "vpn.example.com", peers: { a: { rotation: unknownRotation }, b: {} } });
    const known = await Promise.race([
      (s.config as any).isKnown as Promise<boolean>,
      new Promise((_, reject) => setTimeout(() => reject(new Error("preview hung")), 10_000)),
    ]);
    assert.equal(known, false);
    assert.equal(await (s.peers.b.address as any).isKnown, false);
    assert.equal(await value(s.publicKey).then((k) => isValidKey(k)), true, "the server's key is known");
    await settle();
    assert.ok(m.registrations.some((r) => r.name === "wg/b/address-10.13.13.0_24"), "memories are still declared");
  });
});
