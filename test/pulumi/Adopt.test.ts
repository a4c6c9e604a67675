import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import * as ts from "typescript";
import { parseWgQuick, readLinuxserverConfig, WgQuickConf } from "@wgkit/core";
import { WireGuardServer } from "@wgkit/pulumi";
import { RecordingMocks, settle, useMocks, value } from "../support/mocks";
import { buildLinuxserverConfig, Fixture } from "../support/linuxserverFixture";
import { tmpDir } from "../support/wgTools";

const ROOT = path.resolve(__dirname, "..", "..", "..");

/** The peers of a conf as wg sees them: key, PSK, AllowedIPs (sorted), keepalive. */
const peersOf = (c: WgQuickConf) => c.peers.map((p) => ({ k: p.publicKey, psk: p.presharedKey, a: [...p.allowedIps].sort(), ka: p.persistentKeepalive || undefined }))
  .sort((x, y) => x.k.localeCompare(y.k));

describe("Adopted args in WireGuardServer (SDK mocks)", () => {
  let base: string;
  let f: Fixture;
  before(() => {
    base = tmpDir("wgkit-adopt-mock-");
    f = buildLinuxserverConfig(path.join(base, "config"), {
      peers: [{ id: "laptop" }, { id: 3, keepalive: true }, { id: "gone", leftover: true }, { id: "nas", lans: ["192.168.50.0/24"] }, { id: "tv", psk: false }],
    });
  });
  after(() => fs.rmSync(base, { recursive: true, force: true }));

  it("passed as they are, they render the image's server conf (same key, peers, PSKs, AllowedIPs, keepalive) and each device's own conf", async () => {
    const a = readLinuxserverConfig(f.dir).args;
    const m = new RecordingMocks();
    useMocks(m);
    const s = new WireGuardServer("wg", a);
    const server = parseWgQuick(await value(s.config));
    const image = parseWgQuick(fs.readFileSync(f.file("wg_confs/wg0.conf"), "utf8"));
    assert.equal(server.interface.privateKey, image.interface.privateKey);
    assert.deepEqual(peersOf(server), peersOf(image));
    for (const [name, folder] of [["laptop", "peer_laptop"], ["peer3", "peer3"], ["nas", "peer_nas"], ["tv", "peer_tv"]]) {
      const ours = parseWgQuick(await value(s.peers[name].config));
      const theirs = parseWgQuick(f.deviceConf(folder));
      // Everything of the device conf but its ListenPort line (reported as a warning).
      assert.deepEqual({ ...ours.interface, listenPort: undefined }, { ...theirs.interface, listenPort: undefined }, name);
      // wgkit's persistentKeepalive sets both ends; the image set it on the server side only (a warning says so).
      if (name === "peer3") assert.equal(ours.peers[0].persistentKeepalive, 25);
      assert.deepEqual(ours.peers.map((p) => ({ ...p, persistentKeepalive: undefined })), theirs.peers.map((p) => ({ ...p, persistentKeepalive: undefined })), name);
    }
    await value(s.install.stdout);
    await settle();
  });

  it("the CLI's program fragment type-checks against @wgkit/pulumi's real types", function () {
    this.timeout(120_000);
    const bin = path.join(ROOT, "packages", "pulumi", "dist", "cli", "wgkit.js");
    const r = spawnSync(process.execPath, [bin, "adopt", f.dir], { encoding: "utf8" });
    assert.equal(r.status, 0, r.stderr);
    const start = r.stdout.indexOf('import * as pulumi from "@pulumi/pulumi";');
    const fragment = r.stdout.slice(start, r.stdout.indexOf("# ----", start));
    // Inside the repository so that @pulumi/pulumi and @wgkit/pulumi resolve from node_modules.
    const dir = fs.mkdtempSync(path.join(ROOT, "build", "adopt-fragment-"));
    try {
      const file = path.join(dir, "index.ts");
      fs.writeFileSync(file, fragment);
      const program = ts.createProgram([file], {
        strict: true, noEmit: true, target: ts.ScriptTarget.ES2020, module: ts.ModuleKind.CommonJS,
        moduleResolution: ts.ModuleResolutionKind.Node10, esModuleInterop: true, skipLibCheck: true, types: [],
      });
      const diags = ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, "\n"));
      assert.deepEqual(diags, []);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
