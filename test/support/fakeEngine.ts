/**
 * The two gRPC services a component plugin talks back to during `Construct`, served in the test
 * process: Engine (logs, root resource) and ResourceMonitor. The monitor is the SDK's own
 * MockMonitor around our RecordingMocks, so the plugin's resources are "created" exactly as in
 * the in-process mock tests. Failure mode: a service method the plugin calls that is not
 * served answers UNIMPLEMENTED, and the Construct call fails with it (it is never faked).
 */
import * as path from "path";
import * as grpc from "@grpc/grpc-js";
import * as engineGrpc from "@pulumi/pulumi/proto/engine_grpc_pb";
import * as enginePb from "@pulumi/pulumi/proto/engine_pb";
import * as resourceGrpc from "@pulumi/pulumi/proto/resource_grpc_pb";
import * as resourcePb from "@pulumi/pulumi/proto/resource_pb";
import { RecordingMocks } from "./mocks";

// The SDK's own copies of its runtime helpers (not dependencies of ours).
const sdkDir = path.dirname(require.resolve("@pulumi/pulumi/package.json"));
const fromSdk = (m: string) => require(require.resolve(m, { paths: [sdkDir] }));
const { MockMonitor } = require("@pulumi/pulumi/runtime/mocks");
export const emptyPb = fromSdk("google-protobuf/google/protobuf/empty_pb");
export const structPb = fromSdk("google-protobuf/google/protobuf/struct_pb");

export interface FakeEngine {
  address: string;
  logs: { severity: number; message: string }[];
  monitor: { getRegisteredResources(): Map<string, { urn: string; state: Record<string, unknown> }> };
  stop(): Promise<void>;
}

export async function startFakeEngine(mocks: RecordingMocks, project: string, stack: string): Promise<FakeEngine> {
  const logs: FakeEngine["logs"] = [];
  const monitor = new MockMonitor(mocks);
  // URNs in the plugin's project and stack (MockMonitor would read this process's settings).
  monitor.newUrn = (parent: string, type: string, name: string) => {
    const qualified = parent ? `${parent.split("::")[2].split("$").pop()}$${type}` : type;
    return `urn:pulumi:${stack}::${project}::${qualified}::${name}`;
  };
  const server = new grpc.Server();
  const unary = <Req, Res>(f: (req: Req, cb: (e: Error | null, r?: Res) => void) => void) =>
    (call: grpc.ServerUnaryCall<Req, Res>, cb: grpc.sendUnaryData<Res>) => f.call(monitor, call.request, (e, r) => cb(e, r));
  server.addService(resourceGrpc.ResourceMonitorService, {
    // MockMonitor answers with a plain object; gRPC needs the message (same answer: all but outputValues).
    supportsFeature: (call: grpc.ServerUnaryCall<resourcePb.SupportsFeatureRequest, unknown>, cb: grpc.sendUnaryData<unknown>) =>
      monitor.supportsFeature(call.request, (e: Error | null, r: { getHassupport(): boolean }) => {
        const res = new resourcePb.SupportsFeatureResponse();
        if (r) res.setHassupport(r.getHassupport());
        cb(e, res);
      }),
    registerResource: unary(monitor.registerResource),
    registerResourceOutputs: (call: grpc.ServerUnaryCall<unknown, unknown>, cb: grpc.sendUnaryData<unknown>) =>
      monitor.registerResourceOutputs(call.request, (e: Error | null) => cb(e, new emptyPb.Empty())),
    invoke: unary(monitor.invoke),
    readResource: unary(monitor.readResource),
    registerPackage: unary(monitor.registerPackage),
  } as unknown as grpc.UntypedServiceImplementation);
  server.addService(engineGrpc.EngineService, {
    log: (call: grpc.ServerUnaryCall<enginePb.LogRequest, unknown>, cb: grpc.sendUnaryData<unknown>) => {
      logs.push({ severity: call.request.getSeverity(), message: call.request.getMessage() });
      cb(null, new emptyPb.Empty());
    },
    getRootResource: (_: unknown, cb: grpc.sendUnaryData<enginePb.GetRootResourceResponse>) => cb(null, new enginePb.GetRootResourceResponse()),
    setRootResource: (_: unknown, cb: grpc.sendUnaryData<enginePb.SetRootResourceResponse>) => cb(null, new enginePb.SetRootResourceResponse()),
  } as unknown as grpc.UntypedServiceImplementation);
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))));
  return {
    address: `127.0.0.1:${port}`,
    logs,
    monitor,
    stop: () => new Promise((resolve) => server.tryShutdown(() => resolve())),
  };
}
