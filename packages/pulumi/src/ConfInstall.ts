import * as pulumi from "@pulumi/pulumi";
import * as command from "@pulumi/command";
import { applyScript } from "@wgkit/core";

export interface ConfInstallArgs {
  /** Container name or id to `docker exec` into. */
  container: pulumi.Input<string>;
  /** Changes here (a replaced container) re-run the install. */
  containerId: pulumi.Input<string>;
  /** The rendered conf (secret): passed on stdin, never in argv, env or logs. */
  conf: pulumi.Input<string>;
  interfaceName: string;
  expectedPublicKey: pulumi.Input<string>;
  expectedListenPort?: number;
  expectedAddresses?: pulumi.Input<string[]>;
  /** DOCKER_HOST for a remote engine (same value as the Docker provider's host). */
  dockerHost?: pulumi.Input<string>;
  timeoutSeconds?: number;
}

/**
 * Writes a conf into the running container and converges the interface to it
 * (`wg syncconf` live, or `wg-quick up`), then checks the interface reports
 * the expected public key and port. Runs on create, on any conf change and
 * whenever the container is replaced — never replaces the container itself.
 */
export function confInstall(name: string, args: ConfInstallArgs, opts: pulumi.CustomResourceOptions): command.local.Command {
  const script = pulumi.all([args.expectedPublicKey, args.expectedAddresses ?? []]).apply(([pk, addrs]) => applyScript({
    interfaceName: args.interfaceName,
    expectedPublicKey: pk,
    expectedListenPort: args.expectedListenPort,
    expectedAddresses: addrs,
    timeoutSeconds: args.timeoutSeconds,
  }));
  const environment: Record<string, pulumi.Input<string>> = { WGKIT_CONTAINER: args.container };
  if (args.dockerHost !== undefined) environment.DOCKER_HOST = args.dockerHost;
  return new command.local.Command(name, {
    create: script,
    interpreter: ["/bin/sh", "-c"],
    environment,
    stdin: pulumi.secret(args.conf),
    triggers: [args.containerId],
    logging: "stdoutAndStderr",
  }, { ...opts, additionalSecretOutputs: ["stdin"] });
}
