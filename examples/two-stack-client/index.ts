import * as pulumi from "@pulumi/pulumi";
import { ClientTunnel } from "@wgkit/pulumi";

// Stack 2 of 2: consumes the server stack's output through a StackReference.
// `pulumi config set serverStack organization/wgkit-two-stack-server/dev`
const config = new pulumi.Config();
const serverStack = new pulumi.StackReference(config.get("serverStack") ?? "organization/wgkit-two-stack-server/dev");
const branch = new ClientTunnel("branch", {
  config: serverStack.requireOutput("branchConfig") as pulumi.Output<string>,
  dns: [],
  userspace: config.getBoolean("userspace") ?? false,
});

export const branchPublicKey = branch.publicKey;
export const branchNetworkMode = branch.networkMode;
