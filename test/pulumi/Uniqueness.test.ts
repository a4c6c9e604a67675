/**
 * Issue 19, class 5: what must be unique. Child resource names join component and part names
 * with `/`, which names cannot contain (with aliases to the old `-` names, so stacks keep their
 * keys and addresses); published host ports that collide on one engine are refused at preview,
 * within a component and across the components of one program run.
 */
import { strict as assert } from "assert";
import * as pulumi from "@pulumi/pulumi";
import * as docker from "@pulumi/docker";
import { generateKeyPair, peerConf, renderWgQuick, WgKitError } from "@wgkit/core";
import { ClientTunnel, SiteLink, WireGuardServer } from "@wgkit/pulumi";
import { RecordingMocks, settle, Snapshot, useMocks, value } from "../support/mocks";

const RANDOM_BYTES = "random:index/randomBytes:RandomBytes";
const RANDOM_PASSWORD = "random:index/randomPassword:RandomPassword";
/** Key seeds are RandomPasswords, address memories RandomBytes. */
const SEED_CHAIN = `wgkit:index:WireGuardServer$${RANDOM_PASSWORD}`;
const MEMORY_CHAIN = `wgkit:index:WireGuardServer$${RANDOM_BYTES}`;
const urnOf = (chain: string, name: string) => `urn:pulumi:test::wgkit-test::${chain}::${name}`;
const dupes = (urns: string[]) => urns.filter((u, i) => urns.indexOf(u) !== i);

describe("Uniqueness: child resource names cannot collide across components (issue 19 class 5)", () => {
  it("server home + peer office-laptop and server home-office + peer laptop give distinct URNs", async () => {
    const m = useMocks(new RecordingMocks());
    new WireGuardServer("home", { serverUrl: "vpn.example.com", peers: { "office-laptop": {} } });
    new WireGuardServer("home-office", { serverUrl: "vpn.example.com", serverPort: 51821, peers: { laptop: {} } });
    await settle();
    const urns = m.registrations.map((r) => r.urn);
    assert.deepEqual(dupes(urns), []);
    assert.ok(urns.includes(urnOf(SEED_CHAIN, "home/office-laptop/keys")) && urns.includes(urnOf(SEED_CHAIN, "home-office/laptop/keys")));
  });

  it("SiteLink aa + site b-c and SiteLink aa-b + site c give distinct URNs", async () => {
    const m = useMocks(new RecordingMocks());
    const site = (name: string, lans: string[], extra: object = {}) => ({ name, lans, ...extra });
    new SiteLink("aa", { siteA: site("b-c", ["192.168.1.0/24"], { endpoint: "a.example.com:51820" }), siteB: site("x", ["192.168.2.0/24"], { dockerHost: "ssh://x@203.0.113.1" }) });
    new SiteLink("aa-b", { siteA: site("c", ["192.168.3.0/24"], { endpoint: "b.example.com:51821", publishPort: 51821 }), siteB: site("y", ["192.168.4.0/24"], { dockerHost: "ssh://y@203.0.113.2" }) });
    await settle();
    assert.deepEqual(dupes(m.registrations.map((r) => r.urn)), []);
  });

  it("each renamed resource lists exactly its old `-` name as an alias (besides the 0.1 layout's)", async () => {
    const m = useMocks(new RecordingMocks());
    new WireGuardServer("home", { serverUrl: "vpn.example.com", peers: { laptop: {} } });
    new SiteLink("hq", { siteA: { name: "a", lans: ["192.168.1.0/24"], endpoint: "a.example.com:51822", publishPort: 51822 }, siteB: { name: "b", lans: ["192.168.2.0/24"], publishPort: 51821 } });
    await settle();
    const reg = (name: string) => m.registrations.find((r) => r.name === name)!;
    const legacy = (type: string, what: string) => urnOf(`wgkit:index:WireGuardServer$wgkit:index:Peer$${type}`, `home-laptop-${what}`);
    assert.deepEqual(reg("home/laptop/keys").aliases, [legacy(RANDOM_PASSWORD, "keys"), urnOf(SEED_CHAIN, "home-laptop-keys")]);
    assert.deepEqual(reg("home/laptop/address-10.13.13.0_24").aliases, [legacy(RANDOM_BYTES, "address"), urnOf(MEMORY_CHAIN, "home-laptop-address-10.13.13.0_24")]);
    assert.deepEqual(reg("hq/a/key").aliases, [urnOf(`wgkit:index:SiteLink$${RANDOM_PASSWORD}`, "hq-a-key")]);
  });

  it("a stack made with the `-` names keeps every key and address: nothing is created or replaced", async () => {
    const program = () => {
      const s = new WireGuardServer("home", { serverUrl: "vpn.example.com", peers: { laptop: {}, phone: {} } });
      const l = new SiteLink("hq", { siteA: { name: "a", lans: ["192.168.1.0/24"], endpoint: "a.example.com:51822", publishPort: 51822 }, siteB: { name: "b", lans: ["192.168.2.0/24"], publishPort: 51821 } });
      return { s, l };
    };
    const m1 = useMocks(new RecordingMocks());
    const r1 = program();
    const before = await value(pulumi.all([r1.s.peers.laptop.publicKey, r1.s.peers.laptop.address, r1.s.peers.phone.publicKey, r1.s.peers.phone.address, r1.l.siteA.publicKey, r1.l.siteB.publicKey]));
    // The same state as the code before the rename would have left it: `<a>-<b>-<what>` names.
    const old: Snapshot = {};
    for (const r of Object.values(m1.snapshot())) {
      const name = r.name.replace(/^([^/]+)\/([^/]+)\/(.+)$/, "$1-$2-$3");
      const urn = r.urn.slice(0, r.urn.lastIndexOf("::") + 2) + name;
      old[urn] = { ...r, urn, name };
    }
    assert.ok(Object.keys(old).some((u) => u.endsWith("::home-laptop-keys")), "the old layout");
    const m2 = useMocks(new RecordingMocks(old));
    const r2 = program();
    const after = await value(pulumi.all([r2.s.peers.laptop.publicKey, r2.s.peers.laptop.address, r2.s.peers.phone.publicKey, r2.s.peers.phone.address, r2.l.siteA.publicKey, r2.l.siteB.publicKey]));
    assert.deepEqual(after, before);
    assert.deepEqual([...m2.created].filter((u) => u.includes(RANDOM_BYTES) || u.includes(RANDOM_PASSWORD)), [], "no seed or memory created anew");
  });
});

describe("Uniqueness: published host ports (issue 19 class 5)", () => {
  const K = generateKeyPair(), S = generateKeyPair();
  const conf = renderWgQuick(peerConf({ privateKey: K.privateKey, address: "10.64.0.2", serverPublicKey: S.publicKey, endpoint: "198.51.100.10:51820" }));
  const refused = (f: () => unknown, field: string, other: RegExp) => assert.throws(f, (e: unknown) =>
    e instanceof WgKitError && e.rule === "port-collision" && e.field === field && other.test(e.message));

  it("two servers publishing 51820/udp on one engine: the second is refused, naming both; no resource of it is declared", async () => {
    const m = useMocks(new RecordingMocks());
    new WireGuardServer("one", { serverUrl: "vpn.example.com" });
    await settle();
    const n = m.registrations.length;
    refused(() => new WireGuardServer("two", { serverUrl: "vpn.example.com" }), "serverPort", /WireGuardServer "two".*WireGuardServer "one" \(serverPort\)/);
    await settle();
    assert.equal(m.registrations.length, n);
  });

  it("other engines (a Docker provider) and other protocols do not collide", async () => {
    useMocks(new RecordingMocks());
    new WireGuardServer("one", { serverUrl: "vpn.example.com" });
    const remote = new docker.Provider("remote", { host: "ssh://admin@203.0.113.6" });
    new WireGuardServer("three", { serverUrl: "vpn.example.com" }, { providers: { docker: remote } });
    new ClientTunnel("web", { config: conf, publishPorts: [{ internal: 51820 }] }); // tcp
    refused(() => new WireGuardServer("five", { serverUrl: "vpn.example.com" }, { providers: [remote] }), "serverPort", /WireGuardServer "three"/);
    refused(() => new ClientTunnel("web2", { config: conf, publishPorts: [{ internal: 80, external: 51820 }] }), "publishPorts[0].external", /ClientTunnel "web" \(publishPorts\[0\]\.internal\)/);
  });

  it("dockerHost steers only the install step: two servers on the default provider, one with dockerHost, share one engine and collide", () => {
    useMocks(new RecordingMocks());
    new WireGuardServer("one", { serverUrl: "vpn.example.com" });
    refused(() => new WireGuardServer("two", { serverUrl: "vpn.example.com", dockerHost: "ssh://admin@203.0.113.5" }), "serverPort", /WireGuardServer "one"/);
    refused(() => new ClientTunnel("tun", { config: conf, dockerHost: "ssh://admin@203.0.113.5", publishPorts: [{ internal: 51820, protocol: "udp" }] }),
      "publishPorts[0].internal", /WireGuardServer "one"/);
    // With the provider that dockerHost is meant to go with, it is another engine.
    const remote = new docker.Provider("remote", { host: "ssh://admin@203.0.113.5" });
    new WireGuardServer("three", { serverUrl: "vpn.example.com", dockerHost: "ssh://admin@203.0.113.5" }, { provider: remote });
  });

  it("within a component: a tunnel's two published ports, a SiteLink's two sites on one engine", () => {
    useMocks(new RecordingMocks());
    refused(() => new ClientTunnel("tt", { config: conf, publishPorts: [{ internal: 80 }, { internal: 8080, external: 80 }] }), "publishPorts[1].external", /this component \(publishPorts\[0\]\.internal\)/);
    refused(() => new SiteLink("ll", { siteA: { name: "a", lans: ["192.168.1.0/24"], endpoint: "a.example.com:51820" }, siteB: { name: "b", lans: ["192.168.2.0/24"] } }),
      "siteB.publishPort", /this component \(siteA\.publishPort\)/);
    new SiteLink("l2", { siteA: { name: "a", lans: ["192.168.1.0/24"], endpoint: "a.example.com:51820" }, siteB: { name: "b", lans: ["192.168.2.0/24"], dockerHost: "ssh://b@203.0.113.7" } });
  });

  it("a port given as an Output is not compared (not known at preview)", () => {
    useMocks(new RecordingMocks());
    new WireGuardServer("one", { serverUrl: "vpn.example.com" });
    new WireGuardServer("two", { serverUrl: "vpn.example.com", serverPort: pulumi.output(51820) });
  });

  it("the same program run twice in one process: the second run starts from an empty registry", () => {
    for (let run = 0; run < 2; run++) {
      useMocks(new RecordingMocks());
      new WireGuardServer("one", { serverUrl: "vpn.example.com" });
    }
  });
});
