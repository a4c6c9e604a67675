/**
 * The wgkit component plugin as the Pulumi CLI sees it: started with the SDK's run-plugin on the
 * `plugin/` folder, asked for its schema over gRPC. The schema is produced by the SDK's own
 * analyzer from our TypeScript sources, so these checks hold our types and docs against it.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { getSchema, PackageSchema, PLUGIN_DIR, PropertySchema, REPO, RunningPlugin, startPlugin } from "../support/plugin";
import { checkUsage, fromSnake, pythonUsage, yamlUsage } from "../support/schemaUsage";

const ALL = ["WireGuardServer", "Peer", "ClientTunnel", "SiteLink"];

/** Every property of every resource (inputs and outputs) and of every object type, with where it sits. */
function allProperties(s: PackageSchema): [string, PropertySchema][] {
  const out: [string, PropertySchema][] = [];
  for (const [tok, r] of Object.entries(s.resources)) {
    for (const [k, p] of Object.entries(r.inputProperties ?? {})) out.push([`${tok} input ${k}`, p]);
    for (const [k, p] of Object.entries(r.properties ?? {})) out.push([`${tok} output ${k}`, p]);
  }
  for (const [tok, t] of Object.entries(s.types)) for (const [k, p] of Object.entries(t.properties ?? {})) out.push([`${tok}.${k}`, p]);
  return out;
}

/** Checks that hold for whichever components the plugin serves. */
function checkServed(s: PackageSchema, components: string[]): void {
  assert.equal(s.name, "wgkit");
  assert.deepEqual(Object.keys(s.resources).sort(), components.map((c) => `wgkit:index:${c}`).sort());
  for (const tok of [...Object.keys(s.resources), ...Object.keys(s.types)]) assert.match(tok, /^wgkit:index:[A-Z][A-Za-z0-9]+$/, tok);
  for (const [tok, r] of Object.entries(s.resources)) {
    assert.equal(r.isComponent, true, tok);
    assert.ok(r.description && r.description.length > 20, `${tok} has no description`);
  }
  // Type-level descriptions are not asserted: the SDK's generateSchema (3.248.0) drops them for
  // object and enum types alike; their properties' and members' descriptions are served.
  for (const [tok, t] of Object.entries(s.types)) for (const m of t.enum ?? []) assert.ok(m.description, `${tok} member ${m.name} has no description`);
  const props = allProperties(s);
  assert.ok(props.length > 40, `only ${props.length} properties`);
  for (const [where, p] of props) {
    assert.ok(p.description && p.description.trim().length > 0, `${where} has no description`);
    // The analyzer emits every TS number as `number`: integer-valued ones must say so.
    if (p.type === "number") assert.match(p.description!, /integer/, `${where} is a number whose doc does not say integer`);
  }
  // Internals stay out: the run in which a key seed was created is bookkeeping, not an output.
  assert.doesNotMatch(JSON.stringify(s), /createdIn/);
}

const ref = (t: string) => `#/types/wgkit:index:${t}`;

describe("Component plugin plugin/: GetSchema over gRPC (run-plugin, as the CLI starts it)", function () {
  this.timeout(120_000);

  let plugin: RunningPlugin;
  let schema: PackageSchema;
  before(async () => {
    plugin = await startPlugin(PLUGIN_DIR);
    schema = await getSchema(plugin);
  });
  after(() => plugin?.stop());

  describe("ClientTunnel and SiteLink", () => {
    it("serves SiteLinkMode and Protocol as enums, referenced by SiteLink.mode and PublishedPort.protocol", () => {
      assert.deepEqual(schema.types["wgkit:index:SiteLinkMode"].type, "string");
      assert.deepEqual(schema.types["wgkit:index:SiteLinkMode"].enum!.map((m) => [m.name, m.value]), [["routed", "routed"], ["masquerade", "masquerade"]]);
      assert.deepEqual(schema.types["wgkit:index:Protocol"].enum!.map((m) => [m.name, m.value]), [["tcp", "tcp"], ["udp", "udp"]]);
      assert.equal(schema.resources["wgkit:index:SiteLink"].inputProperties!.mode.$ref, ref("SiteLinkMode"));
      assert.equal(schema.types["wgkit:index:PublishedPort"].properties!.protocol.$ref, ref("Protocol"));
    });

    it("types the fields users set most", () => {
      const tun = schema.resources["wgkit:index:ClientTunnel"];
      assert.equal(tun.inputProperties!.config.type, "string");
      assert.deepEqual(tun.requiredInputs, ["config"]);
      assert.equal(tun.inputProperties!.killSwitch.type, "boolean");
      assert.equal(tun.inputProperties!.publishPorts.items!.$ref, ref("PublishedPort"));
      assert.equal(tun.properties!.networkMode.type, "string");
      const link = schema.resources["wgkit:index:SiteLink"];
      assert.deepEqual([...link.requiredInputs!].sort(), ["siteA", "siteB"]);
      assert.equal(link.inputProperties!.siteA.$ref, ref("SiteArgs"));
      assert.equal(link.inputProperties!.persistentKeepalive.type, "number");
      const site = schema.types["wgkit:index:SiteArgs"];
      assert.equal(site.properties!.lans.type, "array");
      assert.equal(site.properties!.lans.items!.type, "string");
      assert.equal(site.properties!.endpoint.type, "string");
      assert.deepEqual([...site.required!].sort(), ["lans", "name"]);
      assert.equal(link.properties!.siteA.$ref, ref("SiteEnd"));
      assert.equal(schema.types["wgkit:index:SiteEnd"].properties!.routes.items!.type, "string");
    });

    it("the example checker accepts a right program and rejects each kind of wrong one", () => {
      const program = (props: string, read = "siteA.routes") => `
config:
  endpoint: { type: string }
resources:
  link:
    type: wgkit:index:SiteLink
    properties:
${props.replace(/^/gm, "      ")}
outputs:
  routes: \${link.${read}}
`;
      const good = `siteA:\n  name: home\n  lans: [192.168.1.0/24]\n  endpoint: \${endpoint}\n  publishPort: 51820\nsiteB:\n  name: office\n  lans: [192.168.2.0/24]\nmode: masquerade`;
      assert.equal(checkUsage(schema, yamlUsage(program(good))), 4);
      const bad: [string, string, RegExp][] = [
        [good.replace("mode: masquerade", "mode: bridged"), "siteA.routes", /not one of routed, masquerade/],
        [good.replace("mode: masquerade", "modus: routed"), "siteA.routes", /no property modus/],
        [good.replace("  lans: [192.168.2.0/24]\n", ""), "siteA.routes", /required property lans/],
        [good.replace("publishPort: 51820", "publishPort: '51820'"), "siteA.routes", /publishPort/],
        [good, "siteA.route", /output siteA.route not in the schema/],
      ];
      for (const [props, read, why] of bad) assert.throws(() => checkUsage(schema, yamlUsage(program(props, read))), why);
      const py = (args: string) => `import pulumi_wgkit as wgkit\nt = wgkit.ClientTunnel(\n    "vpn",\n${args}\n)\npulumi.export("m", t.network_mode)\n`;
      assert.equal(checkUsage(schema, pythonUsage(py('    config=config.require_secret("conf"),\n    kill_switch=True,\n    publish_ports=[{"internal": 8080, "protocol": "udp"}],')), fromSnake), 4);
      assert.throws(() => checkUsage(schema, pythonUsage(py('    config=config.require_secret("conf"),\n    killswitch=True,')), fromSnake), /no property killswitch/);
      assert.throws(() => checkUsage(schema, pythonUsage(py('    config=config.require_secret("conf"),\n    publish_ports=[{"internal": 8080, "protocol": "sctp"}],')), fromSnake), /not one of tcp, udp/);
      assert.throws(() => checkUsage(schema, pythonUsage(py("    kill_switch=True,")), fromSnake), /required property config/);
    });
  });

  describe("all four components, WireGuardServer and Peer in particular", () => {
    it("is package wgkit with WireGuardServer, Peer, ClientTunnel and SiteLink, every property described", () => {
      checkServed(schema, ALL);
    });

    it("types the server's and peers' most-used fields, and serves peers as plain output objects", () => {
      const s = schema.resources["wgkit:index:WireGuardServer"];
      assert.deepEqual(s.requiredInputs, ["serverUrl"]);
      assert.equal(s.inputProperties!.serverUrl.type, "string");
      assert.equal(s.inputProperties!.serverPort.type, "number");
      assert.equal(s.inputProperties!.subnet.type, "string");
      assert.equal(s.inputProperties!.userspace.type, "boolean");
      assert.equal(s.inputProperties!.peers.type, "object");
      const peerArgs = s.inputProperties!.peers.additionalProperties!.$ref!;
      assert.match(peerArgs, /^#\/types\/wgkit:index:/);
      const pa = schema.types[peerArgs.slice("#/types/".length)];
      assert.equal(pa.properties!.persistentKeepalive.type, "number");
      assert.equal(pa.properties!.address.type, "string");
      assert.equal(s.properties!.publicKey.type, "string");
      assert.equal(s.properties!.config.type, "string");
      const peerOut = s.properties!.peers.additionalProperties!.$ref!;
      assert.match(peerOut, /^#\/types\/wgkit:index:/, "peers are plain objects, not Peer resource references");
      const po = schema.types[peerOut.slice("#/types/".length)];
      for (const f of ["address", "publicKey", "config", "qrCode", "nixos"]) assert.equal(po.properties![f].type, "string", f);
      const peer = schema.resources["wgkit:index:Peer"];
      for (const f of ["serverPublicKey", "endpoint", "address"]) assert.ok(peer.requiredInputs!.includes(f), f);
    });

    it("examples/yaml-server uses only tokens and properties the schema has", () => {
      const uses = yamlUsage(fs.readFileSync(path.join(REPO, "examples", "yaml-server", "Pulumi.yaml"), "utf8"));
      assert.deepEqual(uses.map((u) => [u.name, u.type]), [["wireguard", "wgkit:index:WireGuardServer"]]);
      assert.deepEqual(uses[0].inputs.peers, { laptop: {}, phone: { persistentKeepalive: 25 } }, "the default stack's peers");
      // 4 inputs, 4 outputs, and each peer's config and qrCode read one by one (YAML drops secrets nested in an exported object)
      assert.equal(checkUsage(schema, uses), 12);
    });

    it("README, \"wgkit in every Pulumi language\": its Python and YAML versions of the server use only what the schema has", () => {
      const md = (() => { const md = fs.readFileSync(path.join(REPO, "README.md"), "utf8"); const start = md.indexOf("## wgkit in every Pulumi language"); return md.slice(start, md.indexOf("\n## ", start + 3)); })();
      const block = (lang: string) => {
        const all = [...md.matchAll(new RegExp("```" + lang + "\\n([\\s\\S]*?)```", "g"))].map((m) => m[1]);
        assert.equal(all.length, 1, `one ${lang} block`);
        return all[0];
      };
      assert.equal(checkUsage(schema, yamlUsage(block("yaml"))), 7);
      assert.equal(checkUsage(schema, pythonUsage(block("python")), fromSnake), 5);
    });

    it("examples/python-server uses only tokens and properties the schema has (snake_case as the Python SDK spells them)", () => {
      const uses = pythonUsage(fs.readFileSync(path.join(REPO, "examples", "python-server", "__main__.py"), "utf8"));
      assert.deepEqual(uses.map((u) => [u.name, u.type]), [["wireguard", "wgkit:index:WireGuardServer"]]);
      assert.deepEqual(uses[0].inputs.peers, { laptop: {}, phone: { persistent_keepalive: 25 } }, "the default stack's peers");
      assert.equal(checkUsage(schema, uses, fromSnake), 9);
    });
  });
});
