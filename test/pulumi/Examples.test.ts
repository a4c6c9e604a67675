import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { generateKeyPair, peerConf, renderWgQuick } from "@wgkit/core";
import { RecordingMocks, settle, useMocks } from "../support/mocks";

const root = path.resolve(__dirname, "../../..");
const built = path.resolve(__dirname, "../..");
export const programs = [
  { name: "default stack", dir: root, module: path.join(built, "index.js") },
  // TypeScript examples only (examples/yaml-server and python-server are checked against the plugin's schema).
  ...fs.readdirSync(path.join(root, "examples")).filter((n) => fs.existsSync(path.join(root, "examples", n, "index.ts"))).sort().map((n) => ({ name: n, dir: path.join(root, "examples", n), module: path.join(built, "examples", n, "index.js") })),
];

/** Evaluates a compiled Pulumi program under mocks; returns its exports with outputs resolved. */
export async function evaluate(module: string, mocks: RecordingMocks): Promise<Record<string, unknown>> {
  useMocks(mocks);
  delete require.cache[require.resolve(module)];
  const exports = require(module) as Record<string, unknown>;
  const resolved: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(exports)) resolved[k] = await (pulumi.output(v) as any).promise();
  await settle();
  return resolved;
}

export class StackRefMocks extends RecordingMocks {
  constructor(private readonly branchConfig: string, bytes?: (name: string) => Buffer) { super(undefined, bytes); }
  override newResource(args: pulumi.runtime.MockResourceArgs) {
    const r = super.newResource(args);
    if (args.type === "pulumi:pulumi:StackReference") {
      r.state.outputs = { branchConfig: this.branchConfig };
      r.state.secretOutputNames = ["branchConfig"];
    }
    return r;
  }
}

describe("Examples and the default stack evaluate under mocks", () => {
  // a real peer conf for the two-stack client, as the server stack would export it
  const k = generateKeyPair(), s = generateKeyPair();
  const branchConfig = renderWgQuick(peerConf({ privateKey: k.privateKey, address: "10.13.13.2", serverPublicKey: s.publicKey, endpoint: "vpn.example.com:51820", allowedIps: ["10.13.13.0/24"] }));

  for (const p of programs) {
    it(`${p.name}: has a Pulumi.yaml pointing at its build and registers wgkit components`, async () => {
      const yaml = fs.readFileSync(path.join(p.dir, "Pulumi.yaml"), "utf8");
      const main = /^main: (.*)$/m.exec(yaml)![1];
      assert.equal(path.resolve(p.dir, main), p.module);
      assert.match(yaml, /url: file:\/\//, "local file backend");
      const mocks = new StackRefMocks(branchConfig);
      const out = await evaluate(p.module, mocks);
      assert.ok(mocks.registrations.some((r) => r.type.startsWith("wgkit:index:")), "declares a wgkit component");
      assert.ok(Object.keys(out).length > 0, "exports outputs");
    });
  }
});
