/**
 * The two programs `npm run bench` deploys with the real `pulumi up` (engineBench.ts), chosen by
 * the environment the bench gives the CLI: WGKIT_BENCH_KIND (`wgkit` | `floor`),
 * WGKIT_BENCH_PEERS, WGKIT_BENCH_NAME, WGKIT_BENCH_PORT. The wgkit program writes how long it
 * took until every device's conf was known to WGKIT_BENCH_TIMING (one JSON line per run).
 *
 * - `wgkit`: a WireGuardServer with N peers (userspace: true, the default image: the stand-in on
 *   these machines), exporting its public key only.
 * - `floor`: the same resources by type and count — a component; one key seed (a 64-character
 *   RandomPassword, as KeySeed.ts) and, per peer, a key seed and a 1-byte RandomBytes (the address
 *   memory) with the peer state's options; the image, the volume, the
 *   same userspace image build, a container of it; seed and install commands that run `true` and
 *   change with the peer count as wgkit's do with the conf — with constant inputs.
 */
import * as fs from "fs";
import * as pulumi from "@pulumi/pulumi";
import * as command from "@pulumi/command";
import * as docker from "@pulumi/docker";
import * as random from "@pulumi/random";
import { DEFAULT_IMAGE, dockerPlatform, userspaceDockerfile, userspaceImageName } from "@wgkit/core";
import { WireGuardServer } from "@wgkit/pulumi";
import { privateDir, writePrivateFile } from "@wgkit/pulumi/dist/PrivateDir";

const peersOf = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`peer${i}`, {}]));

class Floor extends pulumi.ComponentResource {
  constructor(name: string, port: number, n: number) {
    super("bench:index:Floor", name, {}, {});
    const opts = { parent: this };
    const seed = (k: string) => new random.RandomPassword(k, { length: 64, special: false, keepers: { rotation: "", createdIn: "x" } }, { ...opts, ignoreChanges: ["keepers.createdIn"] });
    seed(`${name}-key`);
    for (let i = 0; i < n; i++) {
      seed(`${name}/peer${i}/keys`);
      new random.RandomBytes(`${name}/peer${i}/address`, { length: 1, keepers: { address: "10.20.0.2", address6: "" } }, { ...opts, ignoreChanges: ["keepers"] });
    }
    const image = new docker.RemoteImage(`${name}-image`, { name: DEFAULT_IMAGE, keepLocally: true }, opts);
    const volume = new docker.Volume(`${name}-config`, { name: `${name}-config` }, opts);
    const env = { PEERS: String(n) };
    const seedCmd = new command.local.Command(`${name}-seed`, { create: "true", environment: env }, opts);
    // The build wgkit's userspace image is (cached by Docker after its first build).
    const tag = userspaceImageName(DEFAULT_IMAGE);
    const dir = privateDir("userspace", `userspace-${tag.split(":")[1]}`);
    const built = new docker.Image(`${name}-userspace-image`, {
      imageName: tag, skipPush: true,
      build: { context: dir, dockerfile: writePrivateFile(dir, "Dockerfile", userspaceDockerfile(DEFAULT_IMAGE)), platform: dockerPlatform(process.arch) },
    }, { ...opts, dependsOn: [image] });
    const container = new docker.Container(name, {
      image: built.repoDigest, name,
      capabilities: { adds: ["CAP_NET_ADMIN"] },
      devices: [{ hostPath: "/dev/net/tun", containerPath: "/dev/net/tun" }],
      ports: [{ internal: 51820, external: port, protocol: "udp" }],
      volumes: [{ volumeName: volume.name, containerPath: "/config" }],
      restart: "unless-stopped",
    }, { ...opts, dependsOn: [seedCmd] });
    new command.local.Command(`${name}-install`, { create: "true", environment: env, triggers: [container.id] }, opts);
    this.registerOutputs({});
  }
}

export = async (): Promise<Record<string, unknown>> => {
  const t0 = Date.now();
  const kind = process.env.WGKIT_BENCH_KIND, n = Number(process.env.WGKIT_BENCH_PEERS);
  const name = process.env.WGKIT_BENCH_NAME!, port = Number(process.env.WGKIT_BENCH_PORT);
  if (kind !== "wgkit") {
    new Floor(name, port, n);
    return {};
  }
  const s = new WireGuardServer(name, { serverUrl: "127.0.0.1", serverPort: port, userspace: true, subnet: "10.20.0.0/16", peers: peersOf(n) });
  const configs = pulumi.all(Object.values(s.peers).map((p) => p.config));
  // Every device's conf known: the peer state registered and read back (memories one after
  // another), the keys derived, the confs and QR codes rendered; the container's steps not yet.
  configs.apply(() => {
    if (process.env.WGKIT_BENCH_TIMING) fs.appendFileSync(process.env.WGKIT_BENCH_TIMING, JSON.stringify({ configsMs: Date.now() - t0 }) + "\n");
  });
  // Outputs are no resources: none that the floor lacks (1,000 secret confs in the outputs would be
  // timed too, and the floor has nothing like them).
  return { publicKey: s.publicKey };
};
