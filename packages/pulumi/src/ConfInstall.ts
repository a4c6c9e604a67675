import * as pulumi from "@pulumi/pulumi";
import * as command from "@pulumi/command";
import { applyScript, causeFirst, deployDigests, HubFiles, INSTALL_COMMAND, parseWgQuick, seedScript, SeedOptions } from "@wgkit/core";

/** Where and how to reach the engine; conf is the rendered conf (secret), passed on stdin only. */
interface ConfTarget {
  conf: pulumi.Input<string>;
  interfaceName: string;
  /** DOCKER_HOST for a remote engine (same value as the Docker provider's host). */
  dockerHost?: pulumi.Input<string>;
}

export interface ConfSeedArgs extends ConfTarget {
  /** Volume name or host path mounted at /config. */
  config: pulumi.Input<string>;
  /** Image (id) to run the one-shot writer with. */
  image: pulumi.Input<string>;
  /** What to write besides the conf (fixed texts, when absent). */
  options?: SeedOptions;
}

export interface ConfInstallArgs extends ConfTarget {
  /** Container name or id to `docker exec` into. */
  container: pulumi.Input<string>;
  /** Changes here (a replaced container) re-run the install. */
  containerId: pulumi.Input<string>;
  expectedPublicKey: pulumi.Input<string>;
  expectedListenPort?: number;
  timeoutSeconds?: number;
  /** A hub's live parts (firewall payloads, hosts file): written and applied by this step only. */
  hub?: pulumi.Input<HubFiles>;
}

/**
 * The scripts travel in the command's environment (WGKIT_SCRIPT) and `create` is a short line
 * (core INSTALL_COMMAND): the command provider quotes `create` in every error, so a failure shows
 * wgkit's cause first (core causeFirst), not a screen of shell.
 * Plain on purpose (the scripts stay readable in previews and state): the fingerprint is an HMAC
 * keyed by the conf's private key (see core's Deploy.ts), so it cannot be reproduced, nor a guess
 * about a secret LAN or address confirmed, without the key. A new key restarts the interface.
 */
const digestsOf = (conf: pulumi.Input<string>) => pulumi.unsecret(pulumi.output(conf).apply((c) => deployDigests(parseWgQuick(c))));

function commandEnv(base: Record<string, pulumi.Input<string>>, dockerHost?: pulumi.Input<string>): Record<string, pulumi.Input<string>> {
  return dockerHost === undefined ? base : { ...base, DOCKER_HOST: dockerHost };
}

/**
 * Writes the conf into /config before the container first starts, so the
 * image brings the tunnel up itself (started without a conf, the image
 * deletes the container's default route). Re-runs when the conf changes.
 */
export function confSeed(name: string, args: ConfSeedArgs, opts: pulumi.CustomResourceOptions): command.local.Command {
  return new command.local.Command(name, {
    create: INSTALL_COMMAND,
    interpreter: ["/bin/sh", "-c"],
    environment: commandEnv({
      WGKIT_CONFIG: args.config, WGKIT_IMAGE: args.image,
      WGKIT_SCRIPT: digestsOf(args.conf).apply((d) => causeFirst(seedScript(args.interfaceName, d, args.options))),
    }, args.dockerHost),
    stdin: pulumi.secret(args.conf),
    logging: "stdoutAndStderr",
  }, { ...opts, additionalSecretOutputs: ["stdin"] });
}

/**
 * Writes a conf into the running container and converges the interface to it
 * (`wg syncconf` and routes live when only peers or routed LANs changed, a
 * restart of the interface when its own section changed; a hub's firewall
 * and hosts file live, atomically), then checks public key, port,
 * peers and default route. Runs on create, on any conf change and whenever
 * the container is replaced — never replaces the container itself.
 */
export function confInstall(name: string, args: ConfInstallArgs, opts: pulumi.CustomResourceOptions): command.local.Command {
  const script = pulumi.all([args.expectedPublicKey, digestsOf(args.conf), args.hub]).apply(([pk, digests, hub]) => applyScript({
    interfaceName: args.interfaceName,
    expectedPublicKey: pk,
    expectedListenPort: args.expectedListenPort,
    digests,
    timeoutSeconds: args.timeoutSeconds,
    hub,
  }));
  return new command.local.Command(name, {
    create: INSTALL_COMMAND,
    interpreter: ["/bin/sh", "-c"],
    environment: commandEnv({ WGKIT_CONTAINER: args.container, WGKIT_SCRIPT: script.apply(causeFirst) }, args.dockerHost),
    stdin: pulumi.secret(args.conf),
    triggers: [args.containerId],
    logging: "stdoutAndStderr",
  }, { ...opts, additionalSecretOutputs: ["stdin"] });
}
