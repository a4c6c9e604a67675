/**
 * Starts a Pulumi component plugin the way the CLI does — `node <sdk>/cmd/run-plugin <dir>` with
 * the plugin folder as working directory — reads the port it prints, and speaks the
 * ResourceProvider gRPC protocol to it with the SDK's own generated stubs.
 * Failure modes: a plugin that prints no port within `startTimeoutMs` (or exits first) rejects
 * with its stderr; `stop()` kills only the child this helper started.
 */
import { ChildProcess, spawn } from "child_process";
import * as path from "path";
import * as grpc from "@grpc/grpc-js";
import * as providerGrpc from "@pulumi/pulumi/proto/provider_grpc_pb";
import * as providerPb from "@pulumi/pulumi/proto/provider_pb";

export const REPO = path.resolve(__dirname, "../../..");
export const PLUGIN_DIR = path.join(REPO, "plugin");
const RUN_PLUGIN = path.join(path.dirname(require.resolve("@pulumi/pulumi/package.json")), "cmd", "run-plugin");

export interface RunningPlugin {
  port: number;
  client: providerGrpc.ResourceProviderClient;
  stderr: () => string;
  stop: () => void;
}

/** `engineAddress`: where the plugin sends logs and finds the root resource (needed for Construct). */
export function startPlugin(dir: string, engineAddress?: string, startTimeoutMs = 60_000): Promise<RunningPlugin> {
  const args = [RUN_PLUGIN, ".", ...(engineAddress ? [engineAddress] : [])];
  const child: ChildProcess = spawn(process.execPath, args, { cwd: dir, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  let err = "";
  child.stderr!.on("data", (d) => (err += d));
  return new Promise((resolve, reject) => {
    const fail = (why: string) => {
      child.kill();
      reject(new Error(`${why}\nstderr:\n${err}`));
    };
    const timer = setTimeout(() => fail(`run-plugin printed no port within ${startTimeoutMs} ms`), startTimeoutMs);
    child.on("exit", (code) => fail(`run-plugin exited (${code}) before printing a port`));
    child.stdout!.on("data", (d) => {
      out += d;
      const m = /^(\d+)\s*\n/.exec(out);
      if (!m) return;
      clearTimeout(timer);
      child.removeAllListeners("exit");
      const port = Number(m[1]);
      const client = new providerGrpc.ResourceProviderClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
      resolve({
        port,
        client,
        stderr: () => err,
        stop: () => {
          client.close();
          child.kill();
        },
      });
    });
  });
}

/** GetSchema over gRPC, parsed. */
export function getSchema(p: RunningPlugin): Promise<PackageSchema> {
  return new Promise((resolve, reject) =>
    p.client.getSchema(new providerPb.GetSchemaRequest(), (e, res) => (e ? reject(e) : resolve(JSON.parse(res!.getSchema())))));
}

/** The parts of a Pulumi package schema the tests read. */
export interface PropertySchema {
  type?: string;
  $ref?: string;
  items?: PropertySchema;
  additionalProperties?: PropertySchema;
  description?: string;
  plain?: boolean;
}
export interface ObjectSchema {
  type: string;
  description?: string;
  properties?: Record<string, PropertySchema>;
  required?: string[];
  enum?: { name: string; value: string | number; description?: string }[];
}
export interface ResourceSchema extends ObjectSchema {
  isComponent?: boolean;
  inputProperties?: Record<string, PropertySchema>;
  requiredInputs?: string[];
}
export interface PackageSchema {
  name: string;
  version: string;
  description?: string;
  resources: Record<string, ResourceSchema>;
  types: Record<string, ObjectSchema>;
}
