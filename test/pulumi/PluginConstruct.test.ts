/**
 * Construct over gRPC, as the engine calls a component plugin for a Python/Go/C#/YAML program:
 * the plugin (run-plugin, started with an engine address) builds the component and registers
 * its children with a resource monitor — here the SDK's MockMonitor around our mocks, served
 * over gRPC by the test (test/support/fakeEngine.ts). The outputs come back serialized as the
 * engine receives them; secrecy must survive the trip.
 */
import { strict as assert } from "assert";
import { generateKeyPair } from "@wgkit/core";
import * as providerPb from "@pulumi/pulumi/proto/provider_pb";
import * as enginePb from "@pulumi/pulumi/proto/engine_pb";
import { RecordingMocks } from "../support/mocks";
import { FakeEngine, startFakeEngine, structPb } from "../support/fakeEngine";
import { PLUGIN_DIR, RunningPlugin, startPlugin } from "../support/plugin";
import { wg } from "../support/wgTools";

const SIG = "4dabf18193072939515e22adb298388d";
const SECRET = "1b47061264138c4ac30d75fd1eb44270";
const RESOURCE = "5cf8f73096256a8f31e491e813e4eb8e";
const secret = (value: unknown) => ({ [SIG]: SECRET, value });
const PROJECT = "wgkit-construct";
const STACK = "test";

type Wire = Record<string, any>;

function construct(p: RunningPlugin, engine: FakeEngine, type: string, name: string, inputs: Wire): Promise<{ urn: string; state: Wire }> {
  const req = new providerPb.ConstructRequest();
  req.setProject(PROJECT);
  req.setStack(STACK);
  req.setParallel(1);
  req.setDryrun(false);
  req.setMonitorendpoint(engine.address);
  req.setType(type);
  req.setName(name);
  req.setInputs(structPb.Struct.fromJavaScript(inputs));
  return new Promise((resolve, reject) => p.client.construct(req, (e, res) =>
    (e ? reject(e) : resolve({ urn: res!.getUrn(), state: res!.getState()!.toJavaScript() as Wire }))));
}

/**
 * Everything the engine would see in plain text: registered states (component outputs included)
 * with secret values cut out, and the logs above debug severity (the SDK's own debug lines echo
 * whole RegisterResource responses; the engine shows them only at -v=9 and they are not ours).
 */
function plainText(engine: FakeEngine): string {
  const cut = (v: unknown): unknown => {
    if (v && typeof (v as { toJavaScript?: unknown }).toJavaScript === "function") return cut((v as { toJavaScript(): unknown }).toJavaScript());
    if (Array.isArray(v)) return v.map(cut);
    if (v && typeof v === "object") {
      if ((v as Wire)[SIG] === SECRET) return "(secret)";
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, cut(x)]));
    }
    return v;
  };
  const states = [...engine.monitor.getRegisteredResources().values()].map((r) => cut(r.state));
  assert.ok(states.length > 5, "resources were registered");
  return JSON.stringify(states) + engine.logs.filter((l) => l.severity !== enginePb.LogSeverity.DEBUG).map((l) => l.message).join("\n");
}

const isSecret = (v: unknown): v is { value: string } => !!v && typeof v === "object" && (v as Wire)[SIG] === SECRET;

describe("Component plugin: Construct over gRPC, under mocks", function () {
  this.timeout(120_000);
  let engine: FakeEngine;
  let plugin: RunningPlugin | undefined;
  afterEach(async () => {
    plugin?.stop();
    plugin = undefined;
    await engine?.stop();
  });

  it("constructs a ClientTunnel: outputs come back with config secret and the public key plain", async () => {
    const me = generateKeyPair(), server = generateKeyPair();
    const conf = `[Interface]\nPrivateKey = ${me.privateKey}\nAddress = 10.13.13.2/32\n\n[Peer]\nPublicKey = ${server.publicKey}\nAllowedIPs = 0.0.0.0/0\nEndpoint = vpn.example.com:51820\n`;
    const mocks = new RecordingMocks();
    engine = await startFakeEngine(mocks, PROJECT, STACK);
    plugin = await startPlugin(PLUGIN_DIR, engine.address);
    const { urn, state } = await construct(plugin, engine, "wgkit:index:ClientTunnel", "vpn", { config: secret(conf), killSwitch: true });

    assert.equal(urn, `urn:pulumi:${STACK}::${PROJECT}::wgkit:index:ClientTunnel::vpn`);
    assert.ok(isSecret(state.config), `config came back as ${JSON.stringify(state.config).slice(0, 40)}…, not a secret`);
    assert.match(state.config.value, new RegExp(`^PrivateKey = ${me.privateKey.replace(/[+/]/g, "\\$&")}$`, "m"));
    assert.equal(state.publicKey, wg(["pubkey"], me.privateKey), "public key as `wg pubkey` derives it, in plain text");
    // The addresses come from the user's secret conf alone, so they keep its secrecy.
    assert.ok(isSecret(state.addresses), "addresses of a secret conf are secret");
    assert.deepEqual(state.addresses.value, ["10.13.13.2/32"]);
    assert.equal(state.container?.[SIG], RESOURCE, "container is a resource reference");
    const types = mocks.registrations.map((r) => r.type);
    assert.ok(types.includes("docker:index/container:Container") && types.includes("command:local:Command"), types.join(", "));
    assert.ok(!plainText(engine).includes(me.privateKey), "the private key reached the engine in plain text");
  });

  it("refuses bad input at Construct with the component, field and rule in the error", async () => {
    engine = await startFakeEngine(new RecordingMocks(), PROJECT, STACK);
    plugin = await startPlugin(PLUGIN_DIR, engine.address);
    await assert.rejects(construct(plugin, engine, "wgkit:index:SiteLink", "office", {
      siteA: { name: "home", lans: ["192.168.1.0/24"], endpoint: "home.example.com:51820" },
      siteB: { name: "office", lans: ["192.168.2.0/24"] },
      mode: "bridged",
    }), /SiteLink "office": mode: must be "routed" or "masquerade" \[rule: enum\]/);
  });

  it("constructs a WireGuardServer (the default stack): peers' configs and the server conf stay secret", async () => {
    const mocks = new RecordingMocks();
    engine = await startFakeEngine(mocks, PROJECT, STACK);
    plugin = await startPlugin(PLUGIN_DIR, engine.address);
    const { state } = await construct(plugin, engine, "wgkit:index:WireGuardServer", "wireguard", {
      serverUrl: "vpn.example.com",
      userspace: true,
      peers: { laptop: {}, phone: { persistentKeepalive: 25 } },
    });
    assert.ok(isSecret(state.config), "server conf is secret");
    assert.equal(typeof state.publicKey, "string");
    assert.equal(state.endpoint, "vpn.example.com:51820");
    for (const n of ["laptop", "phone"]) {
      const p = state.peers[n];
      assert.ok(isSecret(p.config), `${n}.config is secret`);
      assert.ok(isSecret(p.qrCode), `${n}.qrCode is secret`);
      assert.equal(typeof p.publicKey, "string", `${n}.publicKey is plain`);
      const priv = /^PrivateKey = (\S+)$/m.exec(p.config.value)![1];
      assert.equal(p.publicKey, wg(["pubkey"], priv));
      assert.ok(!plainText(engine).includes(priv), `${n}'s private key reached the engine in plain text`);
    }
    assert.match(state.peers.phone.config.value, /^PersistentKeepalive = 25$/m);
  });
});
