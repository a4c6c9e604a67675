/**
 * EngineMocks: a `pulumi.runtime.Mocks` whose `newResource` APPLIES what a Pulumi
 * program declares to the real Docker Engine (through dockerode) and to the real
 * shell, and returns real ids and outputs.
 *
 * Why: the Pulumi CLI and provider plugins cannot run on the test machines (they
 * download from outside). The SDK's official mock monitor still runs the program,
 * resolves inputs and calls `newResource` once per resource, after that resource's
 * inputs are known — so a Command whose inputs depend on a container's outputs runs
 * after the container exists, as under the real engine.
 *
 * What it is NOT: the docker/command/random providers. It maps the provider input
 * names (@pulumi/docker 5.2.0, @pulumi/command 1.2.1, @pulumi/random 4.21.2) onto
 * Docker Engine API calls itself; there is no diffing, no update, no replace, no
 * refresh, no delete ordering other than "reverse of creation" in cleanup().
 *
 * Everything created carries the labels wgkit.e2e.harness=1 and wgkit.e2e.run=<runId>
 * and is recorded; cleanup() removes it (test/e2e/teardown.sh sweeps by label too).
 */
import * as crypto from "crypto";
import * as fs from "fs";
import Docker from "dockerode";
import * as pulumi from "@pulumi/pulumi";
import { isDeepStrictEqual } from "util";
import { Readable } from "stream";
import { runAsync } from "./exec";
import { terminalBlock } from "@wgkit/core";
import { engineModel, processIgnoreChanges, Registration, RegistrationSink } from "../../support/engineModel";

export const HARNESS_LABEL = "wgkit.e2e.harness";
export const RUN_LABEL = "wgkit.e2e.run";
export const RESOURCE_LABEL = "wgkit.e2e.resource";

type MockResourceArgs = pulumi.runtime.MockResourceArgs;
type MockResourceResult = pulumi.runtime.MockResourceResult;
type MockCallArgs = pulumi.runtime.MockCallArgs;

/** Applies one resource; `inputs` are already unwrapped from secret markers. */
export type ResourceHandler = (ctx: EngineMocks, args: MockResourceArgs, inputs: Record<string, any>) => Promise<MockResourceResult>;

export interface AppliedResource {
  type: string;
  name: string;
  id: string | undefined;
  inputs: Record<string, any>;
  state: Record<string, any>;
  /** milliseconds spent applying */
  ms: number;
}

/** What `toState()` saves between updates (plain JSON). */
export interface HarnessState {
  runId: string;
  resources: { type: string; name: string; id: string | undefined; inputs: Record<string, any>; state: Record<string, any> }[];
  objects: { kind: "container" | "volume" | "network" | "command"; ref: string; owner: string }[];
}

export interface EngineMocksOptions {
  docker?: Docker;
  /** Label value tying resources to this test run (default: random). */
  runId?: string;
  /** Max run time of one command:local:Command (default 10 min). */
  commandTimeoutMs?: number;
  /** Progress messages (default: silent). */
  log?: (msg: string) => void;
  /**
   * The previous `pulumi up` of the same program (its mocks). With it, this run behaves like an
   * update, as the engine would: a resource whose inputs did not change is kept as it is (same
   * id, same outputs, nothing touched on the engine); a changed Command runs again (update); any
   * other changed resource is replaced (the old one deleted first, as named containers require);
   * resources the program no longer declares are deleted by retireUnseen()/cleanup(). The engine's
   * `ignoreChanges` and aliases are modelled as in test/support/engineModel.ts (call
   * `engineModel(mocks)` after `setMocks`, as `install()` does).
   */
  previous?: EngineMocks;
}

/** The name part of a URN (what this harness keys resources by, with the type). */
const urnName = (urn: string) => urn.slice(urn.lastIndexOf("::") + 2);

// ======================================================================= helpers

const SIG_KEY = "4dabf18193072939515e22adb298388d";
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";

/** Removes the SDK's secret wrappers ({sig: secret, value}) recursively. */
export function unwrapSecrets(v: any): any {
  if (Array.isArray(v)) return v.map(unwrapSecrets);
  if (v && typeof v === "object" && v.constructor === Object) {
    if (v[SIG_KEY] === SECRET_SIG) return unwrapSecrets(v.value);
    const out: Record<string, any> = {};
    for (const [k, x] of Object.entries(v)) out[k] = unwrapSecrets(x);
    return out;
  }
  return v;
}

const hex = (n: number) => crypto.randomBytes(n).toString("hex");
/** Pulumi-style auto-name: logical name + "-" + 7 hex chars. */
const autoName = (logical: string) => `${logical}-${hex(4).slice(0, 7)}`;

/** Go duration ("1m30s", "500ms", "10s", "0s") to nanoseconds, as the Engine API wants. */
export function goDurationToNs(d: string | number | undefined): number | undefined {
  if (d === undefined || d === null || d === "") return undefined;
  if (typeof d === "number") return d;
  const unit: Record<string, number> = { ns: 1, us: 1e3, "µs": 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9 };
  let total = 0;
  let rest = d.trim();
  if (rest === "0") return 0;
  const re = /^(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/;
  while (rest) {
    const m = re.exec(rest);
    if (!m) throw new Error(`invalid duration ${JSON.stringify(d)}`);
    total += Number(m[1]) * unit[m[2]];
    rest = rest.slice(m[0].length);
  }
  return Math.round(total);
}

function labelList(list: { label: string; value: string }[] | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const l of list ?? []) out[l.label] = l.value;
  return out;
}

/** A minimal POSIX ustar writer (regular files only) for Docker's putArchive. */
export function makeTar(files: { path: string; content: Buffer; mode: number; uid?: number; gid?: number }[]): Buffer {
  const blocks: Buffer[] = [];
  const mtime = Math.floor(Date.now() / 1000);
  for (const f of files) {
    let name = f.path.replace(/^\/+/, "");
    let prefix = "";
    if (Buffer.byteLength(name) > 100) {
      // ustar: split at a "/" so that prefix <= 155 and name <= 100 bytes
      const parts = name.split("/");
      let k = parts.length - 1;
      while (k > 0 && Buffer.byteLength(parts.slice(k).join("/")) <= 100) k--;
      prefix = parts.slice(0, k + 1).join("/");
      name = parts.slice(k + 1).join("/");
      if (!name || Buffer.byteLength(name) > 100 || Buffer.byteLength(prefix) > 155) throw new Error(`path too long for ustar: ${f.path}`);
    }
    const h = Buffer.alloc(512, 0);
    const put = (s: string, off: number, len: number) => h.write(s, off, Math.min(len, Buffer.byteLength(s)), "utf8");
    const oct = (n: number, len: number) => n.toString(8).padStart(len - 1, "0") + "\0";
    put(name, 0, 100);
    put(oct(f.mode & 0o7777, 8), 100, 8);
    put(oct(f.uid ?? 0, 8), 108, 8);
    put(oct(f.gid ?? 0, 8), 116, 8);
    put(oct(f.content.length, 12), 124, 12);
    put(oct(mtime, 12), 136, 12);
    h.fill(0x20, 148, 156); // checksum field counts as spaces while summing
    put("0", 156, 1); // regular file
    put("ustar\0", 257, 6);
    put("00", 263, 2);
    put(prefix, 345, 155);
    let sum = 0;
    for (const b of h) sum += b;
    put(sum.toString(8).padStart(6, "0") + "\0 ", 148, 8);
    blocks.push(h, f.content, Buffer.alloc((512 - (f.content.length % 512)) % 512, 0));
  }
  blocks.push(Buffer.alloc(1024, 0));
  return Buffer.concat(blocks);
}

/** The Linux bridge behind a Docker bridge network (for attaching namespaces to it). */
export async function dockerBridgeName(docker: Docker, network: string): Promise<string> {
  const info: any = await docker.getNetwork(network).inspect();
  return info.Options?.["com.docker.network.bridge.name"] ?? (info.Name === "bridge" ? "docker0" : `br-${String(info.Id).slice(0, 12)}`);
}

function stripOneNewline(s: string): string {
  return s.endsWith("\n") ? s.slice(0, -1) : s;
}

// ======================================================================= resource handlers

async function applyContainer(ctx: EngineMocks, args: MockResourceArgs, i: Record<string, any>): Promise<MockResourceResult> {
  const docker = ctx.docker;
  if (!i.image) throw new Error("input `image` is required");
  await ctx.requireLocalImage(i.image);
  const name: string = i.name ?? autoName(args.name);

  // A container of ours with that name from an earlier crashed run is removed; anything else is an error.
  const existing = await docker.listContainers({ all: true, filters: { name: [`^/${name}$`] } });
  for (const c of existing) {
    if (c.Labels?.[HARNESS_LABEL] === "1") await docker.getContainer(c.Id).remove({ force: true, v: true });
    else throw new Error(`a container named ${name} exists and was not made by the e2e harness`);
  }

  const labels = { ...labelList(i.labels), ...ctx.labels(args.name) };

  const exposed: Record<string, {}> = {};
  const portBindings: Record<string, { HostIp: string; HostPort: string }[]> = {};
  for (const p of i.ports ?? []) {
    const key = `${p.internal}/${p.protocol ?? "tcp"}`;
    exposed[key] = {};
    (portBindings[key] ??= []).push({ HostIp: p.ip ?? "0.0.0.0", HostPort: p.external !== undefined ? String(p.external) : "" });
  }

  const binds: string[] = [];
  const anonVolumes: Record<string, {}> = {};
  const volumesFrom: string[] = [];
  for (const v of i.volumes ?? []) {
    const mode = v.readOnly ? ":ro" : "";
    if (v.fromContainer) volumesFrom.push(v.fromContainer);
    else if (v.volumeName) {
      await ctx.ensureVolume(v.volumeName, args.name);
      binds.push(`${v.volumeName}:${v.containerPath}${mode}`);
    } else if (v.hostPath) binds.push(`${v.hostPath}:${v.containerPath}${mode}`);
    else if (v.containerPath) anonVolumes[v.containerPath] = {};
  }

  const mounts = (i.mounts ?? []).map((m: any) => ({
    Type: m.type,
    Source: m.source,
    Target: m.target,
    ReadOnly: m.readOnly,
    BindOptions: m.bindOptions ? { Propagation: m.bindOptions.propagation } : undefined,
    VolumeOptions: m.volumeOptions
      ? {
          NoCopy: m.volumeOptions.noCopy,
          Labels: labelList(m.volumeOptions.labels),
          DriverConfig: m.volumeOptions.driverName ? { Name: m.volumeOptions.driverName, Options: m.volumeOptions.driverOptions } : undefined,
        }
      : undefined,
    TmpfsOptions: m.tmpfsOptions ? { SizeBytes: m.tmpfsOptions.sizeBytes, Mode: m.tmpfsOptions.mode } : undefined,
  }));
  for (const m of i.mounts ?? []) if (m.type === "volume" && m.source) await ctx.ensureVolume(m.source, args.name);

  const devices = (i.devices ?? []).map((d: any) => ({
    PathOnHost: d.hostPath,
    PathInContainer: d.containerPath ?? d.hostPath,
    CgroupPermissions: d.permissions ?? "rwm",
  }));

  const hc = i.healthcheck
    ? {
        Test: i.healthcheck.tests,
        Interval: goDurationToNs(i.healthcheck.interval),
        Timeout: goDurationToNs(i.healthcheck.timeout),
        StartPeriod: goDurationToNs(i.healthcheck.startPeriod),
        Retries: i.healthcheck.retries,
      }
    : undefined;

  const adv: any[] = i.networksAdvanced ?? [];
  const endpoint = (n: any) => ({
    Aliases: n.aliases,
    IPAMConfig: n.ipv4Address || n.ipv6Address ? { IPv4Address: n.ipv4Address, IPv6Address: n.ipv6Address } : undefined,
    MacAddress: n.macAddress,
    DriverOpts: n.driverOpts ? Object.fromEntries(n.driverOpts.map((s: string) => s.split("=", 2))) : undefined,
  });
  // Without networkMode the first advanced network is the container's primary one
  // (as `docker run --network X`); the rest are connected before start.
  const networkMode: string | undefined = i.networkMode ?? (adv.length ? adv[0].name : undefined);
  const atCreate = !i.networkMode && adv.length ? [adv[0]] : [];
  const afterCreate = !i.networkMode ? adv.slice(1) : adv;

  const restartName: string = i.restart ?? "no";
  const hostConfig: any = {
    Binds: binds.length ? binds : undefined,
    Mounts: mounts.length ? mounts : undefined,
    VolumesFrom: volumesFrom.length ? volumesFrom : undefined,
    PortBindings: portBindings,
    PublishAllPorts: i.publishAllPorts,
    CapAdd: i.capabilities?.adds,
    CapDrop: i.capabilities?.drops,
    Sysctls: i.sysctls,
    Devices: devices,
    Privileged: i.privileged ?? false,
    RestartPolicy: { Name: restartName, MaximumRetryCount: restartName === "on-failure" ? i.maxRetryCount ?? 0 : 0 },
    NetworkMode: networkMode,
    Dns: i.dns,
    DnsOptions: i.dnsOpts,
    DnsSearch: i.dnsSearches,
    ExtraHosts: (i.hosts ?? []).map((h: any) => `${h.host}:${h.ip}`),
    Tmpfs: i.tmpfs,
    Ulimits: (i.ulimits ?? []).map((u: any) => ({ Name: u.name, Soft: u.soft, Hard: u.hard })),
    LogConfig: i.logDriver ? { Type: i.logDriver, Config: i.logOpts ?? {} } : undefined,
    ReadonlyRootfs: i.readOnly,
    Init: i.init,
    ShmSize: i.shmSize !== undefined ? i.shmSize * 1024 * 1024 : undefined,
    Memory: i.memory !== undefined ? i.memory * 1024 * 1024 : undefined,
    MemoryReservation: i.memoryReservation !== undefined ? i.memoryReservation * 1024 * 1024 : undefined,
    MemorySwap: i.memorySwap !== undefined ? (i.memorySwap < 0 ? -1 : i.memorySwap * 1024 * 1024) : undefined,
    CpuShares: i.cpuShares,
    CpuPeriod: i.cpuPeriod,
    CpuQuota: i.cpuQuota,
    CpusetCpus: i.cpuSet,
    NanoCpus: i.cpus !== undefined ? Math.round(Number(i.cpus) * 1e9) : undefined,
    SecurityOpt: i.securityOpts,
    GroupAdd: i.groupAdds,
    IpcMode: i.ipcMode,
    PidMode: i.pidMode,
    UsernsMode: i.usernsMode,
    CgroupnsMode: i.cgroupnsMode,
    CgroupParent: i.cgroupParent,
    Runtime: i.runtime,
    AutoRemove: i.rm,
  };
  const createOpts: any = {
    name,
    Image: i.image,
    Cmd: i.command,
    Entrypoint: i.entrypoints,
    Env: i.envs,
    Labels: labels,
    ExposedPorts: exposed,
    Hostname: i.hostname,
    Domainname: i.domainname,
    User: i.user,
    WorkingDir: i.workingDir,
    Tty: i.tty,
    OpenStdin: i.stdinOpen,
    StopSignal: i.stopSignal,
    StopTimeout: i.stopTimeout,
    Healthcheck: hc,
    Volumes: Object.keys(anonVolumes).length ? anonVolumes : undefined,
    HostConfig: hostConfig,
    NetworkingConfig: atCreate.length ? { EndpointsConfig: { [atCreate[0].name]: endpoint(atCreate[0]) } } : undefined,
  };

  const container = await docker.createContainer(createOpts);
  ctx.track("container", container.id, async () => {
    await docker.getContainer(container.id).remove({ force: true, v: true });
  });

  for (const n of afterCreate) {
    await docker.getNetwork(n.name).connect({ Container: container.id, EndpointConfig: endpoint(n) });
  }

  // uploads happen before start, as the provider does.
  const uploads: any[] = i.uploads ?? [];
  if (uploads.length) {
    const files = uploads.map((u) => {
      let content: Buffer;
      if (u.content !== undefined) content = Buffer.from(u.content, "utf8");
      else if (u.contentBase64 !== undefined) content = Buffer.from(u.contentBase64, "base64");
      else if (u.source !== undefined) content = fs.readFileSync(u.source);
      else throw new Error(`upload ${u.file}: one of content, contentBase64, source is required`);
      const mode = u.permissions ? parseInt(u.permissions, 8) : u.executable ? 0o755 : 0o644;
      const num = (x: any) => (x !== undefined && /^\d+$/.test(String(x)) ? Number(x) : undefined);
      return { path: u.file, content, mode, uid: num(u.owner), gid: num(u.group) };
    });
    await container.putArchive(makeTar(files), { path: "/" });
  }

  if (i.start !== false) {
    await container.start();
    const deadline = Date.now() + (i.containerReadRefreshTimeoutMilliseconds ?? 15_000);
    for (;;) {
      const st = (await container.inspect()).State;
      if (st.Running) break;
      if (i.mustRun !== false && (st.Status === "exited" || st.Status === "dead" || Date.now() > deadline)) {
        const logs = await ctx.containerLogs(container.id);
        throw new Error(`container ${name} is not running (status ${st.Status}, exit ${st.ExitCode}); logs:\n${logs}`);
      }
      if (i.mustRun === false) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    if (i.wait) {
      const waitDeadline = Date.now() + (i.waitTimeout ?? 60) * 1000;
      for (;;) {
        const h = (await container.inspect()).State.Health?.Status;
        if (h === "healthy") break;
        if (Date.now() > waitDeadline || h === undefined) {
          throw new Error(`container ${name} did not become healthy within ${i.waitTimeout ?? 60} s (health: ${h ?? "no healthcheck"})`);
        }
        await new Promise((r) => setTimeout(r, 250));
      }
    }
  }

  const info = await container.inspect();
  const nets = info.NetworkSettings.Networks ?? {};
  const networkDatas = Object.entries(nets).map(([networkName, ep]: [string, any]) => ({
    networkName,
    ipAddress: ep.IPAddress,
    ipPrefixLength: ep.IPPrefixLen,
    gateway: ep.Gateway,
    macAddress: ep.MacAddress,
    globalIpv6Address: ep.GlobalIPv6Address,
    globalIpv6PrefixLength: ep.GlobalIPv6PrefixLen,
    ipv6Gateway: ep.IPv6Gateway,
  }));
  const actualPorts: Record<string, { HostIp: string; HostPort: string }[] | null> = (info.NetworkSettings.Ports as any) ?? {};
  const ports = (i.ports ?? []).map((p: any) => {
    const bound = actualPorts[`${p.internal}/${p.protocol ?? "tcp"}`]?.[0];
    return { ...p, protocol: p.protocol ?? "tcp", ip: p.ip ?? "0.0.0.0", external: p.external ?? (bound ? Number(bound.HostPort) : undefined) };
  });
  return {
    id: container.id,
    state: {
      ...i,
      name,
      ports,
      restart: restartName,
      hostname: info.Config.Hostname,
      networkDatas,
      exitCode: info.State.Running ? undefined : info.State.ExitCode,
      labels: Object.entries(labels).map(([label, value]) => ({ label, value })),
    },
  };
}

async function applyVolume(ctx: EngineMocks, args: MockResourceArgs, i: Record<string, any>): Promise<MockResourceResult> {
  const name: string = i.name ?? autoName(args.name);
  const vol: any = await ctx.docker.createVolume({
    Name: name,
    Driver: i.driver ?? "local",
    DriverOpts: i.driverOpts,
    Labels: { ...labelList(i.labels), ...ctx.labels(args.name) },
  } as any);
  const info: any = vol.inspect ? await vol.inspect() : vol;
  ctx.track("volume", name, async () => {
    await ctx.docker.getVolume(name).remove();
  });
  return { id: name, state: { ...i, name, driver: info.Driver, mountpoint: info.Mountpoint } };
}

async function applyNetwork(ctx: EngineMocks, args: MockResourceArgs, i: Record<string, any>): Promise<MockResourceResult> {
  const name: string = i.name ?? autoName(args.name);
  const ipam = (i.ipamConfigs ?? []).map((c: any) => ({ Subnet: c.subnet, Gateway: c.gateway, IPRange: c.ipRange, AuxiliaryAddresses: c.auxAddress }));
  const net = await ctx.docker.createNetwork({
    Name: name,
    Driver: i.driver ?? "bridge",
    Internal: i.internal ?? false,
    Attachable: i.attachable,
    Ingress: i.ingress,
    EnableIPv6: i.ipv6 ?? false,
    Options: i.options,
    Labels: { ...labelList(i.labels), ...ctx.labels(args.name) },
    CheckDuplicate: true,
    IPAM: { Driver: i.ipamDriver ?? "default", Config: ipam, Options: i.ipamOptions },
  } as any);
  ctx.track("network", net.id, async () => {
    await ctx.docker.getNetwork(net.id).remove();
  });
  const info: any = await net.inspect();
  return {
    id: info.Id,
    state: {
      ...i,
      name,
      driver: info.Driver,
      internal: info.Internal,
      ipv6: info.EnableIPv6,
      scope: info.Scope,
      ipamConfigs: (info.IPAM?.Config ?? []).map((c: any) => ({ subnet: c.Subnet, gateway: c.Gateway, ipRange: c.IPRange, auxAddress: c.AuxiliaryAddresses })),
      // not a provider output: the Linux bridge, for attaching test namespaces (netns.ts)
      bridgeName: info.Options?.["com.docker.network.bridge.name"] ?? `br-${String(info.Id).slice(0, 12)}`,
    },
  };
}

async function applyRemoteImage(ctx: EngineMocks, args: MockResourceArgs, i: Record<string, any>): Promise<MockResourceResult> {
  if (i.build) throw new Error(`RemoteImage ${args.name}: \`build\` is not supported by the e2e harness`);
  const info = await ctx.requireLocalImage(i.name);
  const repoDigest = info.RepoDigests?.[0] ?? info.Id;
  return { id: `${info.Id}${i.name}`, state: { ...i, imageId: info.Id, repoDigest } };
}

/**
 * Builds an image as the provider's `Image` resource with `build` does, on this engine (Engine API
 * build, legacy builder; RUN steps reach the Debian mirror like any container here). The context
 * directory's regular files and the Dockerfile are sent as the build context. An image already
 * tagged `tag` and built from the same base image id is reused (wgkit names derived images by the
 * sha256 of their Dockerfile).
 * A failed build throws with the builder's error and the last lines of its output.
 */
export async function buildImage(docker: Docker, o: { context: string; dockerfile?: string; tag: string; labels?: Record<string, string>; network?: string; noCache?: boolean; log?: (m: string) => void }): Promise<Docker.ImageInspectInfo> {
  // Reused only when built FROM the very image the base reference names now (the stand-in's alias
  // `lscr.io/linuxserver/wireguard:…` moves when the stand-in's recipe changes).
  const dockerfile = fs.readFileSync(o.dockerfile ?? `${o.context}/Dockerfile`);
  const from = /^FROM\s+(\S+)/m.exec(dockerfile.toString("utf8"))?.[1];
  const baseId = from ? (await docker.getImage(from).inspect().catch(() => undefined))?.Id ?? "" : "";
  const existing = await docker.getImage(o.tag).inspect().catch((e: any) => { if (e?.statusCode === 404) return undefined; throw e; });
  if (existing && existing.Config?.Labels?.["wgkit.e2e.from"] === baseId) return existing;
  const files = fs.readdirSync(o.context, { withFileTypes: true }).filter((d) => d.isFile() && d.name !== "Dockerfile")
    .map((d) => ({ path: d.name, content: fs.readFileSync(`${o.context}/${d.name}`), mode: 0o644 }));
  const tar = makeTar([{ path: "Dockerfile", content: dockerfile, mode: 0o644 }, ...files]);
  const t0 = Date.now();
  const stream: NodeJS.ReadableStream = await (docker as any).buildImage(Readable.from([tar]), { t: o.tag, dockerfile: "Dockerfile", labels: { ...o.labels, "wgkit.e2e.from": baseId }, networkmode: o.network, nocache: o.noCache, forcerm: true });
  const events: any[] = await new Promise((resolve, reject) => docker.modem.followProgress(stream, (err: any, res: any[]) => (err ? reject(err) : resolve(res))));
  const output = events.map((ev) => ev.stream ?? "").join("");
  const failed = events.find((ev) => ev.error || ev.errorDetail);
  if (failed) {
    throw new Error(`docker build of ${o.tag} failed: ${failed.error ?? failed.errorDetail?.message}\n${output.split("\n").slice(-15).join("\n")}`);
  }
  o.log?.(`built ${o.tag} in ${Date.now() - t0} ms`);
  return docker.getImage(o.tag).inspect();
}

async function applyImage(ctx: EngineMocks, args: MockResourceArgs, i: Record<string, any>): Promise<MockResourceResult> {
  if (!i.imageName) throw new Error("input `imageName` is required");
  if (!i.build?.context) throw new Error("this harness only builds images (input `build.context` is required)");
  if (i.skipPush === false || i.registry) throw new Error("this harness never pushes (set skipPush: true)");
  const info = await buildImage(ctx.docker, { context: i.build.context, dockerfile: i.build.dockerfile, tag: i.imageName, network: i.build.network, labels: { [HARNESS_LABEL]: "1" } });
  return { id: info.Id, state: { ...i, imageName: i.imageName, baseImageName: i.imageName, context: i.build.context, dockerfile: i.build.dockerfile, registryServer: "", repoDigest: info.Id } };
}

async function applyCommand(ctx: EngineMocks, args: MockResourceArgs, i: Record<string, any>): Promise<MockResourceResult> {
  const interpreter: string[] = i.interpreter ?? ["/bin/sh", "-c"];
  const env = { ...process.env, ...(i.environment ?? {}) };
  let stdout = "";
  let stderr = "";
  if (i.create !== undefined && i.create !== "") {
    const t0 = Date.now();
    const r = await runAsync(interpreter[0], [...interpreter.slice(1), i.create], { input: i.stdin, env, cwd: i.dir, timeoutMs: ctx.commandTimeoutMs });
    stdout = stripOneNewline(r.stdout);
    stderr = stripOneNewline(r.stderr);
    if (r.status !== 0) {
      throw new Error(
        `command:local:Command "${args.name}" failed (exit ${r.status ?? r.signal}) after ${Date.now() - t0} ms\n` +
          `create: ${i.create}\nstderr: ${stderr}\nstdout: ${stdout}`,
      );
    }
  }
  if (i.delete) {
    const del: string = i.delete;
    ctx.track("command", `${args.name} delete`, async () => {
      const r = await runAsync(interpreter[0], [...interpreter.slice(1), del], {
        env: { ...env, PULUMI_COMMAND_STDOUT: stdout, PULUMI_COMMAND_STDERR: stderr },
        cwd: i.dir,
        timeoutMs: ctx.commandTimeoutMs,
      });
      if (r.status !== 0) throw new Error(`delete of ${args.name} exited ${r.status}: ${r.stderr}`);
    });
  }
  return { id: `${args.name}-${hex(4)}`, state: { ...i, stdout, stderr } };
}

async function applyRandomBytes(_ctx: EngineMocks, args: MockResourceArgs, i: Record<string, any>): Promise<MockResourceResult> {
  const length = Number(i.length);
  if (!Number.isInteger(length) || length < 1) throw new Error(`RandomBytes ${args.name}: length must be a positive integer, got ${i.length}`);
  const bytes = crypto.randomBytes(length);
  return { id: "none", state: { ...i, length, base64: bytes.toString("base64"), hex: bytes.toString("hex") } };
}

async function applyRandomPassword(_ctx: EngineMocks, args: MockResourceArgs, i: Record<string, any>): Promise<MockResourceResult> {
  const length = Number(i.length);
  if (!Number.isInteger(length) || length < 1) throw new Error(`RandomPassword ${args.name}: length must be a positive integer, got ${i.length}`);
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789" + (i.special === false ? "" : "!@#$%&*()-_=+[]{}<>:?");
  const result = Array.from({ length }, () => alphabet[crypto.randomInt(alphabet.length)]).join("");
  return { id: "none", state: { ...i, length, result } };
}

/**
 * Resource type token -> handler. Add entries here to support more types; tokens
 * not listed are echoed (id "<name>_id", state = inputs).
 */
export const RESOURCE_HANDLERS: Record<string, ResourceHandler> = {
  "docker:index/container:Container": applyContainer,
  "docker:index/volume:Volume": applyVolume,
  "docker:index/network:Network": applyNetwork,
  "docker:index/remoteImage:RemoteImage": applyRemoteImage,
  "docker:index/image:Image": applyImage,
  "command:local:Command": applyCommand,
  "random:index/randomBytes:RandomBytes": applyRandomBytes,
  "random:index/randomPassword:RandomPassword": applyRandomPassword,
};

// ======================================================================= the mocks

export class EngineMocks implements pulumi.runtime.Mocks, RegistrationSink {
  /** The registration being handed to newResource (set by engineModel's monitor wrapper). */
  current?: Registration;
  readonly docker: Docker;
  readonly runId: string;
  readonly commandTimeoutMs: number;
  /** Every resource newResource saw, in registration order (echoed ones too). */
  readonly applied: AppliedResource[] = [];
  /** Errors thrown by handlers, in order. */
  readonly failures: Error[] = [];
  private readonly created: { kind: "container" | "volume" | "network" | "command"; ref: string; undo: () => Promise<void>; owner?: string }[] = [];
  private readonly previous?: EngineMocks;
  private readonly seen = new Set<string>();
  /** What the update did per resource key (`type::name`): created, kept, updated, replaced. */
  readonly actions = new Map<string, "created" | "kept" | "updated" | "replaced">();
  private readonly inflight = new Set<Promise<unknown>>();
  private readonly log: (msg: string) => void;
  private failWaiters: ((e: Error) => void)[] = [];

  constructor(opts: EngineMocksOptions = {}) {
    this.docker = opts.docker ?? new Docker();
    this.runId = opts.runId ?? hex(6);
    this.commandTimeoutMs = opts.commandTimeoutMs ?? 600_000;
    this.log = opts.log ?? (() => undefined);
    this.previous = opts.previous;
  }

  /**
   * This update's result as plain JSON (for the next update in another process, like a stack's
   * state file): the last applied state per resource and the engine objects each one owns.
   */
  toState(): HarnessState {
    const last = new Map<string, AppliedResource>();
    for (const a of this.applied) last.set(`${a.type}::${a.name}`, a);
    return {
      runId: this.runId,
      resources: [...last.values()].map(({ type, name, id, inputs, state }) => ({ type, name, id, inputs, state })),
      objects: this.created.filter((c) => c.owner).map(({ kind, ref, owner }) => ({ kind, ref, owner: owner! })),
    };
  }

  /** The previous update, rebuilt from `toState()` output: pass it as `previous`. */
  static fromState(saved: HarnessState, docker = new Docker()): EngineMocks {
    const m = new EngineMocks({ docker, runId: saved.runId });
    for (const r of saved.resources) m.applied.push({ ...r, ms: 0 });
    for (const o of saved.objects) {
      const owner = saved.resources.find((r) => `${r.type}::${r.name}` === o.owner);
      const undo = o.kind === "container" ? () => docker.getContainer(o.ref).remove({ force: true, v: true })
        : o.kind === "volume" ? () => docker.getVolume(o.ref).remove()
          : o.kind === "network" ? () => docker.getNetwork(o.ref).remove()
            : async () => {
              const i = owner?.inputs ?? {};
              if (!i.delete) return;
              const interpreter: string[] = i.interpreter ?? ["/bin/sh", "-c"];
              await runAsync(interpreter[0], [...interpreter.slice(1), i.delete], { env: { ...process.env, ...(i.environment ?? {}) }, cwd: i.dir });
            };
      m.created.push({ kind: o.kind, ref: o.ref, owner: o.owner, undo: async () => { await undo(); } });
    }
    return m;
  }

  /** Installs these mocks as the SDK's monitor, with the engine model (ignoreChanges, aliases, URNs). */
  install(project: string, stack: string, preview = false): this {
    pulumi.runtime.setMocks(this, project, stack, preview);
    engineModel(this);
    return this;
  }

  /** The last applied state of a resource key in this run. */
  lastApplied(key: string): AppliedResource | undefined {
    for (let i = this.applied.length - 1; i >= 0; i--) if (`${this.applied[i].type}::${this.applied[i].name}` === key) return this.applied[i];
    return undefined;
  }

  /** An alias took over `from`: its applied state and engine objects now belong to `to`. */
  rekey(from: string, to: string): void {
    const [type, name] = [to.slice(0, to.indexOf("::")), to.slice(to.indexOf("::") + 2)];
    for (const a of this.applied) if (`${a.type}::${a.name}` === from) { a.type = type; a.name = name; }
    for (const c of this.created) if (c.owner === from) c.owner = to;
  }

  /** Moves the previous run's engine objects of `key` into this run (kept or updated resources). */
  private adopt(key: string): void {
    const prev = this.previous!;
    const mine = prev.created.filter((c) => c.owner === key);
    prev.created.splice(0, prev.created.length, ...prev.created.filter((c) => c.owner !== key));
    this.created.push(...mine);
  }

  /** Deletes the previous run's objects of `key` now (replacement, delete before create). */
  private async retire(key: string): Promise<void> {
    const prev = this.previous!;
    const mine = prev.created.filter((c) => c.owner === key).reverse();
    prev.created.splice(0, prev.created.length, ...prev.created.filter((c) => c.owner !== key));
    for (const c of mine) await c.undo().catch((e) => { if (e?.statusCode !== 404) throw e; });
  }

  /** Deletes what the previous run declared and this one did not (call once the program settled). */
  async retireUnseen(): Promise<string[]> {
    if (!this.previous) return [];
    const gone = [...new Set(this.previous.created.map((c) => c.owner).filter((o): o is string => !!o && !this.seen.has(o)))];
    for (const key of gone) await this.retire(key);
    return gone;
  }

  /** Labels put on every Docker object this harness creates. */
  labels(resource: string): Record<string, string> {
    return { [HARNESS_LABEL]: "1", [RUN_LABEL]: this.runId, [RESOURCE_LABEL]: resource };
  }

  track(kind: "container" | "volume" | "network" | "command", ref: string, undo: () => Promise<void>): void {
    this.created.push({ kind, ref, undo });
  }

  async newResource(args: MockResourceArgs): Promise<MockResourceResult> {
    const p = this.apply(args);
    this.inflight.add(p);
    try {
      return await p;
    } finally {
      this.inflight.delete(p);
    }
  }

  private async apply(args: MockResourceArgs): Promise<MockResourceResult> {
    const reg = this.current;
    this.current = undefined;
    const key = `${args.type}::${args.name}`;
    this.seen.add(key);
    let inputs = unwrapSecrets(args.inputs ?? {});
    const handler: ResourceHandler | undefined = RESOURCE_HANDLERS[args.type];
    // The old state: this key's, else an alias's (same type, the alias URN's name).
    let prevKey = key;
    let prev = this.previous?.lastApplied(key);
    for (const a of reg?.aliases ?? []) {
      if (prev) break;
      prevKey = `${args.type}::${urnName(a)}`;
      prev = this.previous?.lastApplied(prevKey);
    }
    if (!prev) prevKey = key;
    if (prev && prevKey !== key) this.previous!.rekey(prevKey, key);
    if (prev && handler !== undefined) {
      inputs = processIgnoreChanges(inputs, prev.inputs, reg?.ignoreChanges ?? []);
      if (isDeepStrictEqual(JSON.parse(JSON.stringify(inputs)), JSON.parse(JSON.stringify(prev.inputs)))) {
        this.adopt(key);
        this.applied.push({ ...prev, ms: 0 });
        this.actions.set(key, "kept");
        return { id: prev.id, state: prev.state };
      }
      if (args.type === "command:local:Command") {
        this.adopt(key);
        this.actions.set(key, "updated");
      } else {
        this.log(`replacing ${key}`);
        await this.retire(key);
        this.actions.set(key, "replaced");
      }
    } else if (prev) {
      // echoed (components, unmapped types): nothing on the engine, only inputs to compare
      this.actions.set(key, isDeepStrictEqual(JSON.parse(JSON.stringify(inputs)), JSON.parse(JSON.stringify(prev.inputs))) ? "kept" : "updated");
    } else {
      this.actions.set(key, "created");
    }
    // Engine objects the handler creates are owned by this resource key.
    const ctx: EngineMocks = Object.create(this, {
      track: { value: (kind: "container" | "volume" | "network" | "command", ref: string, undo: () => Promise<void>) => this.created.push({ kind, ref, undo, owner: key }) },
    });
    const t0 = Date.now();
    if (!handler) {
      const r = { id: `${args.name}_id`, state: inputs };
      this.applied.push({ type: args.type, name: args.name, id: r.id, inputs, state: r.state, ms: 0 });
      return r;
    }
    this.log(`applying ${args.type} "${args.name}"`);
    try {
      const r = await handler(ctx, args, inputs);
      const ms = Date.now() - t0;
      this.applied.push({ type: args.type, name: args.name, id: r.id, inputs, state: r.state, ms });
      this.log(`applied ${args.type} "${args.name}" -> ${r.id} in ${ms} ms`);
      return r;
    } catch (e: any) {
      const err = new Error(`engine-mocks: ${args.type} "${args.name}" failed: ${e?.message ?? e}`);
      this.failures.push(err);
      this.failWaiters.forEach((w) => w(err));
      this.failWaiters = [];
      throw err;
    }
  }

  /** Invokes: `command:local:run` really runs (read-only status steps use it); others echo their args. */
  async call(args: MockCallArgs): Promise<Record<string, any>> {
    if (args.token === "command:local:run") {
      const i = unwrapSecrets(args.inputs ?? {});
      const interpreter: string[] = i.interpreter ?? ["/bin/sh", "-c"];
      const r = await runAsync(interpreter[0], [...interpreter.slice(1), i.command], { input: i.stdin, env: { ...process.env, ...(i.environment ?? {}) }, cwd: i.dir, timeoutMs: this.commandTimeoutMs });
      if (r.status !== 0) throw new Error(`command:local:run failed (exit ${r.status}): ${r.stderr}`);
      return { ...i, stdout: stripOneNewline(r.stdout), stderr: stripOneNewline(r.stderr) };
    }
    return args.inputs;
  }

  /** Rejects as soon as any resource fails to apply (or at once if one already has). */
  failed(): Promise<never> {
    if (this.failures.length) return Promise.reject(this.failures[0]);
    return new Promise((_, reject) => this.failWaiters.push(reject));
  }

  /** Resolves an Output's value, or rejects when a resource fails to apply / after timeoutMs. */
  value<T>(o: pulumi.Output<T>, timeoutMs = 300_000): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const got = new Promise<T>((resolve) => {
      o.apply((v) => {
        resolve(v);
        return v;
      });
    });
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`output did not resolve within ${timeoutMs} ms`)), timeoutMs);
    });
    const failed = this.failed();
    failed.catch(() => undefined);
    return Promise.race([got, failed, timeout]).finally(() => clearTimeout(timer));
  }

  /** Waits until no resource has been applying for `quietMs`; rejects with the first failure. */
  async settle(quietMs = 300, timeoutMs = 600_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let quietSince = Date.now();
    for (;;) {
      if (this.failures.length) throw this.failures[0];
      if (this.inflight.size) {
        await Promise.allSettled([...this.inflight]);
        quietSince = Date.now();
        continue;
      }
      if (Date.now() - quietSince >= quietMs) return;
      if (Date.now() > deadline) throw new Error("settle: timed out");
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** Applied resources of one type token (optionally one logical name). */
  find(type: string, name?: string): AppliedResource[] {
    return this.applied.filter((r) => r.type === type && (name === undefined || r.name === name));
  }

  async requireLocalImage(ref: string): Promise<Docker.ImageInspectInfo> {
    try {
      return await this.docker.getImage(ref).inspect();
    } catch (e: any) {
      if (e?.statusCode === 404) {
        throw new Error(`image ${ref} is not present locally; the e2e harness never pulls (run test/e2e/setup.sh to build the stand-in)`);
      }
      throw e;
    }
  }

  /** Creates a labelled named volume unless it exists (Docker would auto-create it unlabelled). */
  async ensureVolume(name: string, resource: string): Promise<void> {
    try {
      await this.docker.getVolume(name).inspect();
    } catch (e: any) {
      if (e?.statusCode !== 404) throw e;
      await this.docker.createVolume({ Name: name, Labels: this.labels(resource) } as any);
      this.track("volume", name, async () => {
        await this.docker.getVolume(name).remove();
      });
    }
  }

  async containerLogs(id: string): Promise<string> {
    try {
      const buf = (await this.docker.getContainer(id).logs({ stdout: true, stderr: true, tail: 50 })) as unknown as Buffer;
      return demuxDockerLog(buf);
    } catch (e: any) {
      return `(no logs: ${e?.message ?? e})`;
    }
  }

  /**
   * Undoes everything in reverse order of creation: Command `delete` scripts,
   * containers (with their anonymous volumes), networks, volumes. Never throws;
   * returns the failures.
   */
  async cleanup(): Promise<string[]> {
    await Promise.allSettled([...this.inflight]);
    const errors: string[] = this.previous ? await this.previous.cleanup() : [];
    while (this.created.length) {
      const c = this.created.pop()!;
      try {
        await c.undo();
      } catch (e: any) {
        if (e?.statusCode !== 404) errors.push(`${c.kind} ${c.ref}: ${e?.message ?? e}`);
      }
    }
    if (errors.length) console.warn(terminalBlock(`[engine-mocks cleanup] ${errors.join("\n")}`));
    return errors;
  }

  /** Removes every container, network and volume labelled by ANY harness run (crash leftovers). */
  /** Removes harness-labelled objects (only those of `runId` when given). */
  static async sweep(docker = new Docker(), runId?: string): Promise<number> {
    const f = { label: [`${HARNESS_LABEL}=1`, ...(runId ? [`${RUN_LABEL}=${runId}`] : [])] };
    let n = 0;
    // A sweep of test leftovers never touches the default stack deployed by `npm run up`.
    const keep = (labels: Record<string, string> | undefined) => !runId && labels?.[RUN_LABEL] === "default-stack";
    for (const c of await docker.listContainers({ all: true, filters: f })) {
      if (keep(c.Labels)) continue;
      await docker.getContainer(c.Id).remove({ force: true, v: true }).catch(() => undefined);
      n++;
    }
    for (const net of await docker.listNetworks({ filters: f })) {
      if (keep(net.Labels)) continue;
      await docker.getNetwork(net.Id).remove().catch(() => undefined);
      n++;
    }
    const vols: { Name: string; Labels?: Record<string, string> }[] = ((await docker.listVolumes({ filters: f } as any)) as any)?.Volumes ?? [];
    for (const v of vols) {
      if (keep(v.Labels)) continue;
      await docker.getVolume(v.Name).remove().catch(() => undefined);
      n++;
    }
    return n;
  }
}

/** Docker's multiplexed log stream (non-TTY) to text. */
export function demuxDockerLog(buf: Buffer): string {
  if (!Buffer.isBuffer(buf)) return String(buf);
  let out = "";
  let off = 0;
  while (off + 8 <= buf.length && (buf[off] === 1 || buf[off] === 2 || buf[off] === 0)) {
    const len = buf.readUInt32BE(off + 4);
    out += buf.subarray(off + 8, off + 8 + len).toString("utf8");
    off += 8 + len;
  }
  return off === 0 ? buf.toString("utf8") : out;
}
