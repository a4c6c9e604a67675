import * as pulumi from "@pulumi/pulumi";
import * as docker from "@pulumi/docker";
import * as command from "@pulumi/command";
import { confSeed } from "./ConfInstall";
import { privateDir, writePrivateFile } from "./PrivateDir";
import { ContainerOptions, containerSpec, dockerPlatform, SeedOptions, userspaceDockerfile, userspaceImageName } from "@wgkit/core";

export interface WireGuardContainerArgs extends Omit<ContainerOptions, "networks" | "dockerHost"> {
  ports: docker.types.input.ContainerPort[];
  /** Docker networks to attach (e.g. a site's LAN network). */
  networks?: pulumi.Input<string>[];
  labels: Record<string, pulumi.Input<string>>;
  /** The rendered conf (secret), seeded into /config before the first start. */
  conf: pulumi.Input<string>;
  /** DOCKER_HOST for the seeding step. */
  dockerHost?: pulumi.Input<string>;
  /** What the seed writes besides the conf (fixed texts, when absent). */
  seed?: SeedOptions;
}

export interface WireGuardContainer {
  image: docker.RemoteImage;
  /** With `userspace: true`: the image derived from `image` (wireguard-go + a module gate accepting /dev/net/tun) that the container runs. */
  userspaceImage?: docker.Image;
  volume?: docker.Volume;
  container: docker.Container;
  seed: command.local.Command;
}

/**
 * Declares image (and, for userspace, the derived image), /config volume and the container from core's ContainerSpec.
 * Nothing that changes with peers is an input here, so peer changes never
 * replace the container. Secrets are never put in env, labels or command.
 */
export function wireGuardContainer(name: string, args: WireGuardContainerArgs, opts: pulumi.CustomResourceOptions): WireGuardContainer {
  const spec = containerSpec({ ...args, networks: undefined, dockerHost: undefined, seed: undefined } as ContainerOptions);
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
    options: args.seed,
  }, opts);
  const userspaceImage = args.userspace ? deriveUserspaceImage(name, spec.image, image, opts) : undefined;
  const container = new docker.Container(name, {
    image: userspaceImage ? userspaceImage.repoDigest : image.imageId,
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
    // The docker provider "updates" a changed health check in its state only (Docker cannot change
    // a container's health check; the provider's update applies restart and resources alone), so
    // the container would keep running the old one — e.g. for the old interface name — and
    // `pulumi refresh` would find the difference. A changed health check replaces the container,
    // deleted first: its name is fixed.
  }, { ...opts, dependsOn: [seed], replaceOnChanges: ["healthcheck"], deleteBeforeReplace: true });
  return { image, volume, container, userspaceImage, seed };
}

/**
 * `userspace: true`: the pinned image has no wireguard-go and its module gate never passes
 * without kernel WireGuard, so the container runs an image derived from it (see core's
 * UserspaceImage.ts), built by the Docker provider on the engine it targets. The Dockerfile
 * needs no other context; it is written to a private directory named by its own hash (see
 * PrivateDir.ts: checked, never through a symlink), so the same recipe has the same inputs on
 * every run. Without the package mirror the build, and so `up`, fails with a `wgkit:` line
 * naming the fix.
 */
function deriveUserspaceImage(name: string, base: string, baseImage: docker.RemoteImage, opts: pulumi.CustomResourceOptions): docker.Image {
  const imageName = userspaceImageName(base);
  const dir = privateDir("userspace", `userspace-${imageName.split(":")[1]}`);
  const dockerfile = writePrivateFile(dir, "Dockerfile", userspaceDockerfile(base));
  return new docker.Image(`${name}-userspace-image`, {
    imageName,
    skipPush: true,
    // Explicit (the docker provider adds an info diagnostic to every preview and up otherwise).
    build: { context: dir, dockerfile, platform: dockerPlatform(process.arch) },
  }, { ...opts, dependsOn: [baseImage] });
}
