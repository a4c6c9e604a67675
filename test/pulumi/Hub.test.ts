import { strict as assert } from "assert";
import * as pulumi from "@pulumi/pulumi";
import { parseWgQuick } from "@wgkit/core";
import { WireGuardServer, WireGuardServerArgs } from "@wgkit/pulumi";
import { RecordingMocks, settle, useMocks, value } from "../support/mocks";

/**
 * WireGuardServer as a hub (issue 20), under the SDK mocks with the engine model: what adding a
 * spoke, a LAN or a rule changes — only the live install step, never the container, the seed or
 * the interface-restart trigger (the fingerprint) — and the outputs a hub adds.
 */
const CONTAINER = "docker:index/container:Container";
const COMMAND = "command:local:Command";

const SITES: WireGuardServerArgs["peers"] = {
  laptop: { groups: ["admins"] },
  phone: {},
  siteA: { serverAllowedIps: ["192.168.10.0/24"], groups: ["sites"] },
  siteB: { serverAllowedIps: ["192.168.20.0/24"], groups: ["sites"] },
};
const ACCESS = {
  default: "deny" as const,
  rules: [
    { from: "group:admins", to: "*" },
    { from: "group:sites", to: "group:sites" },
    { from: "phone", to: "siteA", protocol: "tcp" as const, ports: ["22"] },
  ],
};

async function run(mocks: RecordingMocks, peers: WireGuardServerArgs["peers"], extra: Partial<WireGuardServerArgs> = {}) {
  useMocks(mocks);
  const s = new WireGuardServer("hub", { serverUrl: "vpn.example.com", allowedIps: ["10.13.13.0/24"], access: ACCESS, peers, ...extra });
  const names = Object.keys(peers ?? {});
  const out: Record<string, { address: string; publicKey: string; config: string; routes: string[]; dnsName?: string }> = {};
  for (const n of names) {
    const p = s.peers[n];
    const [address, publicKey, config, routes, dnsName] = await value(pulumi.all([p.address, p.publicKey, p.config, p.routes, p.dnsName]));
    out[n] = { address, publicKey, config, routes, dnsName };
  }
  await value(s.install.stdout);
  await settle();
  // The scripts travel in WGKIT_SCRIPT (core INSTALL_COMMAND is the short `create`): compare those.
  const script = (name: string) => { const i = mocks.byType(COMMAND).find((r) => r.name === name)!.inputs; return { ...i, create: i.environment.WGKIT_SCRIPT as string }; };
  const install = script("hub-install");
  const seed = script("hub-seed");
  const container = mocks.byType(CONTAINER)[0].inputs;
  const fingerprint = /echo ([0-9a-f]{64}) > \/config\/wg_confs\/\.wg0\.wanted/.exec(install.create)![1];
  return { s, out, install, seed, container, fingerprint, conf: await value(s.config) };
}

describe("WireGuardServer as a hub (SDK mocks)", () => {
  it("adding a spoke, its LAN and a rule changes only the live install step: not the container, the seed or the restart trigger; existing devices keep keys and addresses", async () => {
    const m1 = new RecordingMocks();
    const r1 = await run(m1, SITES);
    const m2 = new RecordingMocks(m1.nextRun());
    const r2 = await run(m2, { ...SITES, siteC: { serverAllowedIps: ["192.168.30.0/24"], groups: ["sites"] } }, { access: { ...ACCESS, rules: [...ACCESS.rules, { from: "phone", to: "internet" }] } });
    assert.deepEqual(r2.container, r1.container, "the container's inputs do not change");
    assert.equal(r2.seed.create, r1.seed.create, "the seed script is the same (its stdin is the conf, as for every peer change before)");
    assert.equal(r2.fingerprint, r1.fingerprint, "the interface is not restarted (routes and peers are applied live)");
    assert.notEqual(r2.install.create, r1.install.create, "the install step runs (live)");
    assert.match(r2.install.create, /-A WGKIT-FWD -i wg0 -s 10\.13\.13\.3\/32 ! -o wg0 -j ACCEPT/, "the new rule is in the payload");
    assert.match(r2.install.create, /ip -4 route replace 192\.168\.30\.0\/24 dev wg0/, "the new LAN is routed live");
    assert.match(r2.install.create, /sitec\.wg\.internal/, "the new spoke has a name");
    for (const n of Object.keys(SITES!)) {
      assert.equal(r2.out[n].publicKey, r1.out[n].publicKey, `${n} keeps its key`);
      assert.equal(r2.out[n].address, r1.out[n].address, `${n} keeps its address`);
    }
    // Which confs change: exactly the peers related to the new spoke (its group), with the narrow base.
    const changed = Object.keys(SITES!).filter((n) => r2.out[n].config !== r1.out[n].config).sort();
    assert.deepEqual(changed, ["laptop", "siteA", "siteB"], "admins reach every LAN; sites reach sites; the phone does not");
  });

  it("with the default full tunnel, adding a spoke changes no existing device's conf", async () => {
    const m1 = new RecordingMocks();
    const r1 = await run(m1, SITES, { allowedIps: undefined });
    const m2 = new RecordingMocks(m1.nextRun());
    const r2 = await run(m2, { ...SITES, siteC: { serverAllowedIps: ["192.168.30.0/24"], groups: ["sites"] } }, { allowedIps: undefined });
    for (const n of Object.keys(SITES!)) assert.equal(r2.out[n].config, r1.out[n].config, n);
  });

  it("outputs: derived AllowedIPs, a spoke's LAN-router routes, names; the conf loads the firewall before the interface exists", async () => {
    const r = await run(new RecordingMocks(), SITES);
    assert.deepEqual(parseWgQuick(r.out.phone.config).peers[0].allowedIps, ["10.13.13.0/24", "192.168.10.0/24"]);
    assert.deepEqual(parseWgQuick(r.out.siteA.config).peers[0].allowedIps, ["10.13.13.0/24", "192.168.20.0/24"]);
    assert.deepEqual(r.out.siteA.routes, ["10.13.13.0/24", "192.168.20.0/24"]);
    assert.deepEqual(r.out.phone.routes, []);
    assert.equal(r.out.laptop.dnsName, "laptop.wg.internal");
    const iface = parseWgQuick(r.conf).interface;
    assert.match(iface.preUp[0], /^iptables-restore --noflush \/config\/wg_confs\/\.%i\.fw4 && /);
    assert.ok(r.seed.create.includes("-A WGKIT-FWD -j DROP"), "the seed writes a fail-closed placeholder");
    assert.ok(r.container.healthcheck.tests[1].includes("/config/wg_confs/.wg0.expect"), "health reads what the install step expects");
  });

  it("without access: no firewall hook (the conf as before), names still served", async () => {
    const r = await run(new RecordingMocks(), { a: {} }, { access: undefined, allowedIps: undefined });
    assert.equal(parseWgQuick(r.conf).interface.preUp.length, 0);
    assert.ok(!r.install.create.includes("iptables-restore"));
    assert.match(r.install.create, /iptables -X \$ch/, "chains left by an earlier access are removed");
    assert.match(r.install.create, /a\.wg\.internal/);
  });

  it("groups given as Outputs: a rule naming the group is not refused at preview, and the group resolves", async () => {
    const r = await run(new RecordingMocks(), { lead: { groups: pulumi.output(["admins"]) }, b: {} }, { access: { default: "deny", rules: [{ from: "group:admins", to: "b" }] } });
    assert.match(r.install.create, /-A WGKIT-FWD -i wg0 -s 10\.13\.13\.3\/32 -d 10\.13\.13\.2\/32 -o wg0 -j ACCEPT/, "lead (.3, allocated after b) reaches b");
  });

  it("access given as an Output (unknown at preview) is validated once known, with the instance named", async () => {
    useMocks(new RecordingMocks());
    const s = new WireGuardServer("hub", { serverUrl: "vpn.example.com", peers: { a: {} }, access: pulumi.output({ rules: [{ from: "nobody", to: "*" }] }) as never });
    await assert.rejects(value(s.config), /access\.rules\[0\]\.from.*unknown-peer/);
  });
});
