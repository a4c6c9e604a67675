import * as pulumi from "@pulumi/pulumi";
import * as docker from "@pulumi/docker";
import { ContainerOptions, containerSpec } from "@wgkit/core";

export interface WireGuardContainerArgs extends Omit<ContainerOptions, "networks" | "dockerHost"> {
  ports: docker.types.input.ContainerPort[];
  /** Docker networks to attach (e.g. a site's LAN network). */
  networks?: pulumi.Input<string>[];
  labels: Record<string, pulumi.Input<string>>;
}

export interface WireGuardContainer {
  image: docker.RemoteImage;
  volume?: docker.Volume;
  container: docker.Container;
}

/**
 * Declares image, /config volume and the container from core's ContainerSpec.
 * Nothing that changes with peers is an input here, so peer changes never
 * replace the container. Secrets are never put in env, labels or command.
 */
export function wireGuardContainer(name: string, args: WireGuardContainerArgs, opts: pulumi.CustomResourceOptions): WireGuardContainer {
  const spec = containerSpec({ ...args, networks: undefined });
  const image = new docker.RemoteImage(`${name}-image`, { name: spec.image, keepLocally: true }, opts);
  const volume = spec.configPath ? undefined : new docker.Volume(`${name}-config`, {
    name: `${name}-config`,
    labels: [{ label: "wgkit.component", value: name }],
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
  }, opts);
  return { image, volume, container };
}
