import { strict as assert } from "assert";
import * as pulumi from "@pulumi/pulumi";
import { generateKeyPair, peerConf, renderWgQuick, WgKitError } from "@wgkit/core";
import { ClientTunnel, ComponentError, componentLabel, naming, SiteLink } from "@wgkit/pulumi";
import { RecordingMocks, useMocks, value } from "../support/mocks";

const me = generateKeyPair(), srv = generateKeyPair();
const goodConf = renderWgQuick(peerConf({ privateKey: me.privateKey, address: "10.64.12.7", dns: ["10.64.0.1"], serverPublicKey: srv.publicKey, endpoint: "198.51.100.10:51820" }));
const noKeyConf = goodConf.replace(/^PrivateKey = .*\n/m, "");

/** The error a rejected output carries, or a failure if it resolves. */
async function failureOf(o: pulumi.Output<unknown>): Promise<unknown> {
  try {
    await value(o);
  } catch (e) {
    return e;
  }
  return assert.fail("the output resolved");
}

const named = (e: unknown, component: string, field: string, rule: string) => {
  assert.ok(e instanceof ComponentError, `not a ComponentError: ${e}`);
  assert.ok(e instanceof WgKitError, "still a WgKitError");
  assert.equal(e.component, component);
  assert.equal(e.field, field);
  assert.equal(e.rule, rule);
  assert.ok(e.message.startsWith(`${component}: ${field}: `), e.message);
  assert.ok(e.message.endsWith(`[rule: ${rule}]`), e.message);
};

describe("ComponentError: errors name their component instance", () => {
  it("naming() prefixes a WgKitError with the instance and keeps field and rule; other errors pass untouched", () => {
    const inner = new WgKitError("peers.laptop.address", "outside-subnet", "10.9.9.9 is outside the subnet 10.13.13.0/24");
    let caught: unknown;
    try {
      naming("wgkit:index:WireGuardServer", "home", () => { throw inner; });
    } catch (e) {
      caught = e;
    }
    named(caught, 'WireGuardServer "home"', "peers.laptop.address", "outside-subnet");
    assert.equal((caught as Error).message, 'WireGuardServer "home": peers.laptop.address: 10.9.9.9 is outside the subnet 10.13.13.0/24 [rule: outside-subnet]');
    // Already named (an inner component's error): passed on as it is, not named twice.
    assert.throws(() => naming("wgkit:index:SiteLink", "outer", () => { throw caught; }), (e) => e === caught);
    const other = new TypeError("not ours");
    assert.throws(() => naming("wgkit:index:SiteLink", "x", () => { throw other; }), (e) => e === other);
    assert.equal(naming("wgkit:index:SiteLink", "x", () => 42), 42);
  });

  it("a hostile instance name cannot add a line to the message", () => {
    assert.equal(componentLabel("wgkit:index:ClientTunnel", 'a"\nb'), 'ClientTunnel "a\\"\\nb"');
  });

  it("ClientTunnel: validation before any resource names the instance", () => {
    const m = useMocks(new RecordingMocks());
    assert.throws(() => new ClientTunnel("home", { config: noKeyConf }), (e) => (named(e, 'ClientTunnel "home"', "config", "private-key"), true));
    assert.equal(m.registrations.length, 0);
  });

  it("ClientTunnel: validation inside an apply (conf known only at deployment) names the instance", async () => {
    useMocks(new RecordingMocks());
    const late = new ClientTunnel("office", { config: pulumi.secret(noKeyConf) });
    named(await failureOf(late.config), 'ClientTunnel "office"', "config", "private-key");
  });

  it("SiteLink: before any resource, and inside the apply; two instances are told apart", async () => {
    const m = useMocks(new RecordingMocks());
    const site = (name: string, lans: pulumi.Input<pulumi.Input<string>[]>, endpoint?: string) => ({ name, lans, endpoint, publishPort: endpoint ? 51820 : 51821 });
    assert.throws(() => new SiteLink("one", { siteA: site("home", ["192.168.1.0/24"], "home.example.com:51820"), siteB: site("office", ["192.168.1.0/25"]) }),
      (e) => { assert.ok(e instanceof ComponentError && e.component === 'SiteLink "one"', String(e)); return true; });
    assert.equal(m.registrations.length, 0);
    // LANs known only later: the overlap is found in the apply that builds both confs.
    const two = new SiteLink("two", { siteA: site("home", pulumi.output(["192.168.1.0/24"]), "home.example.com:51820"), siteB: site("office", pulumi.output(["192.168.1.0/25"])) });
    const e = await failureOf(two.siteA.config);
    assert.ok(e instanceof ComponentError && e.component === 'SiteLink "two"', String(e));
    assert.equal(`${(e as ComponentError).field} ${(e as ComponentError).rule}`, "siteB.lans[0] overlap");
    // The value is not shown (it came from an Output, maybe secret); the SDK may put its own context
    // in front, e.g. `error serializing property "outputs": `.
    assert.match((e as Error).message, /SiteLink "two": siteB\.lans\[0\]: .*\[rule: overlap\]$/);
    assert.doesNotMatch((e as Error).message, /192\.168/);
  });
});

describe("ComponentError: WireGuardServer and Peer", () => {
  it("two servers are told apart before any resource, and a pin on a remembered address names its server", async () => {
    const { WireGuardServer, Peer } = await import("@wgkit/pulumi");
    const m = useMocks(new RecordingMocks());
    assert.throws(() => new WireGuardServer("home", { serverUrl: "vpn.example.com", peers: { laptop: { address: "10.9.9.9" } } }),
      (e) => (named(e, 'WireGuardServer "home"', "peers.laptop.address", "outside-subnet"), true));
    assert.throws(() => new Peer("phone", { serverPublicKey: srv.publicKey, endpoint: "vpn.example.com:51820", address: "10.13.13" }),
      (e) => (named(e, 'Peer "phone"', "address", "ip-address"), true));
    assert.equal(m.registrations.length, 0);
    // A pin that collides with what another peer remembers is found once state is read.
    const { runStep } = await import("../support/peerStateProgram");
    const r1 = await runStep({}, { subnet: "10.13.13.0/24", peers: { a: {}, b: {} } });
    const r2 = await runStep(r1.snapshot, { subnet: "10.13.13.0/24", peers: { a: {}, b: {}, c: { address: r1.peers!.a.address } } });
    assert.match(r2.error!.message, /WireGuardServer "wg": peers\.c\.address: .* \[rule: pin-collision\]/);
  });
});
