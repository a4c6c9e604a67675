/**
 * Every example project, unmodified, deployed on the real engine one after the other: the program
 * runs under the SDK mocks with EngineMocks applying it (config `userspace: true`, since these
 * kernels have no WireGuard module). A deployment passes when every resource applied, every conf
 * install confirmed its tunnel up with the expected key, and every export resolved.
 * (two-stack-client needs a StackReference backend and is covered by the mock tests.)
 */
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { EngineMocks } from "./harness/engine-mocks";
import { e2eSourceDir } from "./harness/hooks";
import { figure } from "./harness/figures";

const root = path.resolve(e2eSourceDir(), "../..");
/**
 * Where a peer dials: the examples' defaults are public names (vpn.example.com) that peers
 * resolve when `wg setconf` runs; here they must be addresses the containers reach.
 */
const CONFIG: Record<string, Record<string, string>> = {
  "route-containers": { serverUrl: "198.18.0.1" }, // the default bridge's gateway: the host's published port
  "site-to-site": { endpointA: "198.18.41.1:51820" }, // LAN B's gateway: the host, where site A's port is published
};
const examples = fs.readdirSync(path.join(root, "examples"))
  .filter((n) => n !== "two-stack-client" && fs.existsSync(path.join(root, "examples", n, "index.ts"))) // TypeScript programs only
  .sort();

describe("Examples deployed on a real engine", function () {
  for (const name of examples) {
    it(`${name}`, async function () {
      const mocks = new EngineMocks();
      const project = `wgkit-${name}`;
      mocks.install(project, "e2e");
      pulumi.runtime.setConfig(`${project}:userspace`, "true");
      for (const [k, v] of Object.entries(CONFIG[name] ?? {})) pulumi.runtime.setConfig(`${project}:${k}`, v);
      const module = path.join(root, "build", "examples", name, "index.js");
      delete require.cache[require.resolve(module)];
      const t0 = Date.now();
      try {
        const exports = require(module) as Record<string, unknown>;
        for (const v of Object.values(exports)) await mocks.value(pulumi.output(v));
        await mocks.settle();
        const installs = mocks.applied.filter((r) => r.type === "command:local:Command" && r.name.endsWith("-install"));
        for (const i of installs) assert.match(i.state.stdout, /up in .* with public key/, `${i.name}: ${i.state.stdout}`);
        figure({ bench: "example-deploy", example: name, resources: mocks.applied.length, tunnelsUp: installs.length, ms: Date.now() - t0 });
      } finally {
        await mocks.cleanup();
      }
    });
  }
});
