import { strict as assert } from "assert";
import * as pulumi from "@pulumi/pulumi";
import { WgKitError } from "@wgkit/core";
import { ClientTunnel, Peer, SiteLink, WireGuardServer } from "@wgkit/pulumi";
import { checkPlain, splitKnown, topLevel } from "@wgkit/pulumi/dist/known";
import { RecordingMocks, settle, useMocks } from "../support/mocks";
import { generateKeyPair, peerConf, renderWgQuick } from "@wgkit/core";

describe("known: splitKnown", () => {
  it("keeps plain values and lists the paths of Outputs and Promises", () => {
    const { plain, unknown } = splitKnown({ a: "x", b: pulumi.output("y"), c: { d: Promise.resolve(1), e: 2 }, f: ["p", pulumi.output("q")] });
    assert.deepEqual(plain, { a: "x", c: { e: 2 }, f: ["p", ,] });
    assert.deepEqual([...unknown].sort(), ["b", "c.d", "f[1]"]);
    assert.deepEqual([...topLevel(unknown)].sort(), ["b", "c", "f"]);
  });

  it("keeps the known entries of a partly unknown list at their indices (a sparse list), the SDK's unknown sentinel included", () => {
    const { plain, unknown } = splitKnown({ l: [pulumi.output("a"), "b", pulumi.unknown, "d"] });
    const l = plain.l as unknown[];
    assert.equal(l.length, 4);
    assert.deepEqual(Object.keys(l), ["1", "3"]);
    assert.deepEqual([1, 3].map((i) => l[i]), ["b", "d"]);
    assert.deepEqual([...unknown].sort(), ["l[0]", "l[2]"]);
  });

  it("refuses keys that name a prototype, own or inherited, at any depth", () => {
    const cases: [object, string][] = [
      [JSON.parse('{"m":{"__proto__":{"x":1}}}'), "m.__proto__"],
      [{ m: { constructor: 1 } }, "m.constructor"],
      [{ l: [Object.defineProperty({}, "prototype", { value: 1, enumerable: false })] }, "l[0].prototype"],
      [{ m: Object.create({ inherited: 1 }) }, "m.inherited"],
    ];
    for (const [args, field] of cases) {
      assert.throws(() => splitKnown(args), (e: unknown) => e instanceof WgKitError && e.field === field && e.rule === "prototype-key");
    }
    assert.equal(({} as Record<string, unknown>).x, undefined, "no prototype was polluted");
  });

  it("checkPlain refuses Outputs, Promises and unknowns, and passes plain values", () => {
    for (const v of [pulumi.output(1), Promise.resolve(1), pulumi.unknown]) {
      assert.throws(() => checkPlain(v, "f", "why"), (e: unknown) => e instanceof WgKitError && e.rule === "plain" && e.field === "f");
    }
    for (const v of [1, "x", undefined, null, {}]) checkPlain(v, "f", "why");
  });
});

describe("known: partly unknown values are accepted at preview when their known parts are valid", () => {
  const K = generateKeyPair(), S = generateKeyPair();
  const conf = renderWgQuick(peerConf({ privateKey: K.privateKey, address: "10.64.0.2", serverPublicKey: S.publicKey, endpoint: "198.51.100.10:51820" }));
  const make: [string, () => unknown][] = [
    ["server", () => new WireGuardServer("s1", { serverUrl: "vpn.example.com", dns: ["1.1.1.1", pulumi.unknown as never], allowedIps: ["10.0.0.0/8", pulumi.output("::/0")], peers: { a: { serverAllowedIps: [pulumi.output("192.168.9.0/24"), "192.168.1.0/24"] } } })],
    ["peer", () => new Peer("p1", { serverPublicKey: S.publicKey, endpoint: "vpn.example.com:51820", address: "10.13.13.2", dns: ["1.1.1.1", pulumi.unknown as never] })],
    ["tunnel", () => new ClientTunnel("t1", { config: conf, table: "55111", routeDestinations: [pulumi.unknown as never, "10.1.0.0/16"], networks: ["lan", pulumi.output("x")] })],
    ["link", () => new SiteLink("l1", { siteA: { name: "a", lans: ["192.168.1.0/24", pulumi.unknown as never], endpoint: "a.example.com:51820" }, siteB: { name: "b", lans: ["192.168.2.0/24"], publishPort: 51821 } })],
  ];
  for (const [c, f] of make) {
    it(`${c}: a list holding the SDK's unknown or an Output next to valid entries`, async () => {
      const m = useMocks(new RecordingMocks(), true);
      f();
      await settle();
      assert.ok(m.registrations.length > 0, "resources were declared");
    });
  }
});
