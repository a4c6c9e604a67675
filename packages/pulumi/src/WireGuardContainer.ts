import * as pulumi from "@pulumi/pulumi";
import * as docker from "@pulumi/docker";
import * as command from "@pulumi/command";
import { confSeed } from "./ConfInstall";
import { ContainerOptions, containerSpec } from "@wgkit/core";

export interface WireGuardContainerArgs extends Omit<ContainerOptions, "networks" | "dockerHost"> {
  ports: docker.types.input.ContainerPort[];
  /** Docker networks to attach (e.g. a site's LAN network). */
  networks?: pulumi.Input<string>[];
  labels: Record<string, pulumi.Input<string>>;
  /** The rendered conf (secret), seeded into /config before the first start. */
  conf: pulumi.Input<string>;
  /** DOCKER_HOST for the seeding step. */
  dockerHost?: pulumi.Input<string>;
}

export interface WireGuardContainer {
  image: docker.RemoteImage;
  volume?: docker.Volume;
  container: docker.Container;
  seed: command.local.Command;
}

/**
 * Declares image, /config volume and the container from core's ContainerSpec.
 * Nothing that changes with peers is an input here, so peer changes never
 * replace the container. Secrets are never put in env, labels or command.
 */
export function wireGuardContainer(name: string, args: WireGuardContainerArgs, opts: pulumi.CustomResourceOptions): WireGuardContainer {
  const spec = containerSpec({ ...args, networks: undefined, dockerHost: undefined });
  const image = new docker.RemoteImage(`${name}-image`, { name: spec.image, keepLocally: true }, opts);
  const volume = spec.configPath ? undefined : new docker.Volume(`${name}-config`, {
    name: `${name}-config`,
    labels: [{ label: "wgkit.component", value: name }],
  }, opts);
  const seed = confSeed(`${name}-seed`, {
    conf: args.conf,
    interfaceName: args.interfaceName ?? "wg0",
    config: spec.configPath ?? volume!.name,
    image: image.imageId,
    dockerHost: args.dockerHost,
  }, opts);
  const container = new docker.Container(name, {
    image: image.imageId,
    name,
    capabilities: { adds: spec.capabilities },
    sysctls: spec.sysctls,
    envs: spec.envs,
    ports: args.ports,
    volumes: [
      spec.configPath
        ? { hostPath: spec.configPath, containerPath: "/config" }
        : { volumeName: volume!.name, containerPath: "/config" },
      ...spec.binds.map((b) => ({ hostPath: b.hostPath, containerPath: b.containerPath, readOnly: b.readOnly })),
    ],
    devices: spec.devices,
    restart: spec.restart,
    healthcheck: spec.healthcheck,
    networksAdvanced: args.networks?.map((n) => ({ name: n })),
    labels: Object.entries({ "wgkit.component": name, ...args.labels }).map(([label, value]) => ({ label, value })),
  }, { ...opts, dependsOn: [seed] });
  return { image, volume, container, seed };
}
