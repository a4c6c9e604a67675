import * as pulumi from "@pulumi/pulumi";
import { ClientTunnel } from "@wgkit/pulumi";

// Stack 2 of 2: consumes the server stack's output through a StackReference. Deploy
// examples/two-stack-server first (stack `dev`, same backend: the repository's .pulumi-state);
// another stack name or backend: `pulumi config set serverStack <org>/wgkit-two-stack-server/<stack>`.
// On a kernel without WireGuard: `pulumi config set userspace true`.
const config = new pulumi.Config();
const serverStack = new pulumi.StackReference(config.get("serverStack") ?? "organization/wgkit-two-stack-server/dev");
const branch = new ClientTunnel("branch", {
  config: serverStack.requireOutput("branchConfig") as pulumi.Output<string>,
  dns: [],
  userspace: config.getBoolean("userspace") ?? false,
});

export const branchPublicKey = branch.publicKey;
export const branchNetworkMode = branch.networkMode;
