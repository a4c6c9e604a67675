/**
 * Issue 19 (hardening III), class 6: values derived from secrets leak through side channels.
 *  - No plain resource input holds a digest that can be reproduced from a secret (a LAN, the conf)
 *    without a secret key: an attacker holding the state could confirm guesses by hashing them.
 *  - Late errors (address ledger, IPv6 mirroring) never print a value that came from a secret.
 */
import { strict as assert } from "assert";
import * as crypto from "crypto";
import * as pulumi from "@pulumi/pulumi";
import { generateKeyPair, parseWgQuick, renderWgQuick, WgKitError } from "@wgkit/core";
import { WireGuardServer } from "@wgkit/pulumi";
import { RecordingMocks, useMocks, value } from "../support/mocks";

const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";
const LAN = "192.168.77.0/24";

/** Every string in `v` outside a secret. */
function plainStrings(v: unknown): string[] {
  if (typeof v === "string") return [v];
  if (Array.isArray(v)) return v.flatMap(plainStrings);
  if (v && typeof v === "object") {
    const o = v as Record<string, unknown>;
    if (o["4dabf18193072939515e22adb298388d"] === SECRET_SIG) return [];
    return Object.values(o).flatMap(plainStrings);
  }
  return [];
}

/** Digests anyone can compute from a candidate, in the encodings a script or label would carry. */
const digestsOf = (s: string) => ["sha256", "sha1", "md5"].flatMap((h) => {
  const d = crypto.createHash(h).update(s).digest();
  return [d.toString("hex"), d.toString("base64"), d.toString("hex").slice(0, 12)];
});

async function deploy(privateKey: string) {
  const m = useMocks(new RecordingMocks());
  const s = new WireGuardServer("home", {
    serverUrl: "vpn.example.com", privateKey,
    peers: { office: { serverAllowedIps: pulumi.secret([LAN]) }, laptop: {} },
  });
  const conf = await value(s.config);
  const env = await value(s.install.environment) as Record<string, string>;
  return { m, conf, create: env.WGKIT_SCRIPT };
}

describe("Hardening III (issue 19) class 6: digests of secrets in plain inputs", function () {
  this.timeout(30_000);
  const key = generateKeyPair().privateKey;

  it("a secret LAN: no plain input holds a digest of the LAN, the conf or the old unkeyed fingerprint", async () => {
    const { m, conf } = await deploy(key);
    // The pattern wgkit used before: sha256 of the [Interface] section without PrivateKey, and the routed LANs.
    const model = parseWgQuick(conf);
    const iface = renderWgQuick({ interface: model.interface, peers: [] }).split("\n").filter((l) => !/^PrivateKey\s*=/.test(l)).join("\n");
    const candidates = [LAN, `routes=${LAN}`, conf, conf.replace(/^PrivateKey.*\n/m, ""), `${iface}\nroutes=${LAN}`, iface];
    const known = new Set(candidates.flatMap(digestsOf));
    const plain = m.registrations.flatMap((r) => plainStrings(r.inputs).map((s) => ({ s, where: `${r.type}::${r.name}` })));
    assert.ok(plain.some((p) => /install$/.test(p.where)), "the audit sees the install step's plain inputs");
    const found = plain.filter(({ s }) => [...known].some((d) => s.includes(d)) || s.includes(LAN));
    assert.deepEqual(found.map((f) => f.where), [], "a digest that reproduces from the secret LAN alone");
  });

  it("the fingerprint in the plain install script is keyed by the private key: the same for the same inputs, another for another key", async () => {
    const a = await deploy(key), again = await deploy(key), b = await deploy(generateKeyPair().privateKey);
    const fp = (c: string) => [...new Set(c.match(/\b[0-9a-f]{64}\b/g) ?? [])];
    assert.equal(fp(a.create).length, 1, "one fingerprint in the script");
    assert.deepEqual(fp(again.create), fp(a.create), "preview --expect-no-changes: same inputs, same script");
    assert.notDeepEqual(fp(b.create), fp(a.create), "keyed: another private key gives another digest");
  });
});

describe("Hardening III (issue 19) class 6: late errors never print a secret value", function () {
  this.timeout(30_000);

  async function lateError(args: object): Promise<WgKitError> {
    useMocks(new RecordingMocks());
    const s = new WireGuardServer("home", { serverUrl: "vpn.example.com", ...args } as never);
    try { await value(s.config); } catch (e) { assert.ok(e instanceof WgKitError, String(e)); return e; }
    return assert.fail("the config resolved");
  }

  const cases: { what: string; args: (sec: <T>(v: T) => pulumi.Input<T>) => object; field: string; rule: string; value: RegExp }[] = [
    { what: "subnet6 too small for subnet's host numbers (IPv6 mirroring)", args: (sec) => ({ subnet6: sec("fd42:77::/121"), peers: { a: {} } }), field: "subnet6", rule: "subnet6-too-small", value: /fd42:77/ },
    { what: "a pin outside the subnet", args: (sec) => ({ peers: { a: { address: sec("10.99.0.5") } } }), field: "peers.a.address", rule: "outside-subnet", value: /10\.99\.0\.5/ },
    { what: "a pin on another peer's mirrored IPv6 address", args: (sec) => ({ subnet6: "fd42:77::/64", peers: { a: {}, b: { address6: sec("fd42:77::2") } } }), field: "peers.b.address6", rule: "pin-collision", value: /fd42:77::2/ },
    { what: "two pins on one address", args: (sec) => ({ peers: { a: { address: sec("10.13.13.9") }, b: { address: sec("10.13.13.9") } } }), field: "peers.b.address", rule: "duplicate-address", value: /10\.13\.13\.9/ },
  ];
  for (const c of cases) {
    it(`${c.what}: field and rule, not the value, when it came from a secret`, async () => {
      const hidden = await lateError(c.args((v) => pulumi.secret(v) as never));
      assert.equal(`${hidden.field} ${hidden.rule}`, `${c.field} ${c.rule}`, hidden.message);
      assert.doesNotMatch(hidden.message, c.value);
      assert.match(hidden.message, /WireGuardServer "home"/);
      // the same input, plain: the value is shown (it helps, and nothing is secret)
      const shown = await lateError(c.args((v) => pulumi.output(v) as never));
      assert.equal(`${shown.field} ${shown.rule}`, `${c.field} ${c.rule}`);
      assert.match(shown.message, c.value);
    });
  }
});
