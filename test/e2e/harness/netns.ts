/**
 * Network-namespace helpers for wgkit's e2e tests: real WireGuard peers on
 * addresses of their own, reached over veth pairs.
 *
 * Only documentation ranges are used for underlays (198.51.100.0/24 first, see
 * allocateLink — NOT 192.0.2.0/24, which is the VM's own uplink on the dev/CI
 * machines) and traffic only goes to namespaces and containers the tests created.
 * createNetns refuses a link that overlaps any address or route of the host.
 *
 * Pitfalls handled here:
 *  - wireguard-go (userspace, the only option on kernels without the module) keeps
 *    its control socket in /var/run/wireguard/<ifname>.sock, which `ip netns exec`
 *    does NOT separate per namespace. Two namespaces each with a "wg0" collide, so
 *    wgQuickUp names every interface uniquely (wk<hex>).
 *  - wg-quick names the interface after the conf file, so the temp file is
 *    <ifname>.conf (<= 15 chars), mode 0600 in a 0700 directory.
 *  - `DNS =` makes wg-quick call resolvconf, which on the host would rewrite the
 *    host's /etc/resolv.conf. wgQuickUp removes DNS lines and writes them to
 *    /etc/netns/<ns>/resolv.conf instead, which `ip netns exec` bind-mounts over
 *    /etc/resolv.conf for commands run in that namespace (e.g. getent hosts).
 */
import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ChildProcess, spawn } from "child_process";
import { alive, run, tryRun, RunOptions } from "./exec";

/** Every namespace this harness creates starts with this (teardown.sh sweeps it). */
export const NETNS_PREFIX = "wgke2e-";

// ------------------------------------------------------------------ cleanup registry

type CleanupFn = () => void | Promise<void>;

/**
 * LIFO list of undo actions. `run()` executes all of them even if some fail and
 * reports the failures at the end, so a failing test still leaves nothing behind.
 */
export class CleanupRegistry {
  private readonly actions: { what: string; fn: CleanupFn }[] = [];

  add(what: string, fn: CleanupFn): void {
    this.actions.push({ what, fn });
  }

  get size(): number {
    return this.actions.length;
  }

  async run(): Promise<void> {
    const errors: string[] = [];
    while (this.actions.length) {
      const { what, fn } = this.actions.pop()!;
      try {
        await fn();
      } catch (e: any) {
        errors.push(`${what}: ${e?.message ?? e}`);
      }
    }
    if (errors.length) {
      // Cleanup failures must be visible but should not mask the test's own error.
      console.warn(`[e2e cleanup] ${errors.length} action(s) failed:\n  ${errors.join("\n  ")}`);
    }
  }
}

// ------------------------------------------------------------------ addressing

export interface LinkAddresses {
  /** host side of the veth, e.g. 192.0.2.1 */
  hostAddr: string;
  /** namespace side, e.g. 192.0.2.2 */
  nsAddr: string;
  prefixLen: number;
}

function ipv4ToInt(a: string): number {
  const p = a.split(".").map(Number);
  if (p.length !== 4 || p.some((x) => !Number.isInteger(x) || x < 0 || x > 255)) throw new Error(`bad IPv4 address ${a}`);
  return ((p[0] << 24) | (p[1] << 16) | (p[2] << 8) | p[3]) >>> 0;
}

/** [first, last] of an IPv4 CIDR as unsigned ints. */
function cidrRange(cidr: string): [number, number] {
  const [a, l] = cidr.split("/");
  const len = l === undefined ? 32 : Number(l);
  const size = len === 0 ? 2 ** 32 : 2 ** (32 - len);
  const first = Math.floor(ipv4ToInt(a) / size) * size;
  return [first, first + size - 1];
}

/**
 * IPv4 prefixes the host already uses (addresses and routes in every table).
 * On the dev/CI VMs the uplink itself is 192.0.2.0/24 (gateway 192.0.2.1) and
 * fd00::/64 — so those ranges are NOT free for test underlays or tunnels.
 */
export function hostIpv4Prefixes(): string[] {
  const out: string[] = [];
  for (const r of JSON.parse(run("ip", ["-j", "-4", "route", "show", "table", "all"])) as { dst: string }[]) {
    if (r.dst && r.dst !== "default" && !r.dst.startsWith("127.")) out.push(r.dst.includes("/") ? r.dst : `${r.dst}/32`);
  }
  for (const l of JSON.parse(run("ip", ["-j", "-4", "addr"])) as { addr_info: { local: string; prefixlen: number }[] }[]) {
    for (const a of l.addr_info ?? []) if (!a.local.startsWith("127.")) out.push(`${a.local}/${a.prefixlen}`);
  }
  return out;
}

/** True when `cidr` overlaps nothing the host routes or owns. */
export function isFreeOnHost(cidr: string, used = hostIpv4Prefixes()): boolean {
  const [a0, a1] = cidrRange(cidr);
  return used.every((u) => {
    const [b0, b1] = cidrRange(u);
    return a1 < b0 || b1 < a0;
  });
}

/** Test underlay ranges in order of preference (192.0.2.0/24 is the VM uplink here). */
export const UNDERLAY_BASES = ["198.51.100", "203.0.113", "192.0.2"];

let linkCounter = 0;
/**
 * Hands out successive /30 links from a documentation range, skipping any /30
 * that overlaps an address or route the host already has:
 * 198.51.100.0/30 -> host .1, ns .2; 198.51.100.4/30 -> .5/.6; ... (64 per /24).
 */
export function allocateLink(bases: string | string[] = UNDERLAY_BASES): LinkAddresses {
  const used = hostIpv4Prefixes();
  for (const base of Array.isArray(bases) ? bases : [bases]) {
    while (linkCounter < 64) {
      const n = linkCounter++;
      const net = `${base}.${n * 4}/30`;
      if (isFreeOnHost(net, used)) return { hostAddr: `${base}.${n * 4 + 1}`, nsAddr: `${base}.${n * 4 + 2}`, prefixLen: 30 };
    }
    linkCounter = 0;
  }
  throw new Error(`allocateLink: no free /30 in ${bases}`);
}

function shortId(): string {
  return crypto.randomBytes(4).toString("hex");
}

// ------------------------------------------------------------------ namespaces

export interface Netns {
  name: string;
  /** veth end inside the namespace */
  nsIf: string;
  /** veth end on the host (or enslaved to a bridge) */
  hostIf: string;
  nsAddr: string;
  hostAddr?: string;
  prefixLen: number;
}

export interface CreateNetnsOptions {
  /** Addresses for a routed host<->ns link (default: allocateLink()). Ignored with `bridge`. */
  link?: LinkAddresses;
  /** Enslave the host end to this Linux bridge (e.g. a Docker network's br-xxxx) instead. */
  bridge?: string;
  /** With `bridge`: the namespace's address and prefix on that bridge's subnet. */
  bridgeAddr?: { addr: string; prefixLen: number; gateway?: string };
  /**
   * Give the namespace a default route (via the host end, or bridgeAddr.gateway).
   * Default false: the peer only needs the on-link host address, and without a
   * default route nothing a test sends can leak past the host to the real network.
   */
  defaultRoute?: boolean;
  /** Extra prefixes routed via the host end / gateway (e.g. a Docker network's subnet). */
  routes?: string[];
}

/**
 * Creates namespace `wgke2e-<id>` with a veth pair. Registers its deletion (which
 * also destroys the veth pair and every tunnel interface inside) with `cleanup`.
 */
export function createNetns(cleanup: CleanupRegistry, opts: CreateNetnsOptions = {}): Netns {
  const id = shortId();
  const name = NETNS_PREFIX + id;
  const hostIf = `vh${id}`; // <= 15 chars
  const nsIf = `vn${id}`;
  addNetns(cleanup, name);
  run("ip", ["link", "add", hostIf, "type", "veth", "peer", "name", nsIf]);
  // Deleting the namespace destroys nsIf and therefore the pair; this covers failures before the move.
  cleanup.add(`delete veth ${hostIf}`, () => void tryRun("ip", ["link", "del", hostIf]));
  run("ip", ["link", "set", nsIf, "netns", name]);
  nsRun(name, "ip", ["link", "set", "lo", "up"]);

  if (opts.bridge) {
    if (!opts.bridgeAddr) throw new Error("createNetns: bridge needs bridgeAddr");
    run("ip", ["link", "set", hostIf, "master", opts.bridge]);
    run("ip", ["link", "set", hostIf, "up"]);
    nsRun(name, "ip", ["addr", "add", `${opts.bridgeAddr.addr}/${opts.bridgeAddr.prefixLen}`, "dev", nsIf]);
    nsRun(name, "ip", ["link", "set", nsIf, "up"]);
    if (opts.bridgeAddr.gateway) {
      if (opts.defaultRoute) nsRun(name, "ip", ["route", "add", "default", "via", opts.bridgeAddr.gateway]);
      for (const r of opts.routes ?? []) nsRun(name, "ip", ["route", "add", r, "via", opts.bridgeAddr.gateway]);
    }
    return { name, nsIf, hostIf, nsAddr: opts.bridgeAddr.addr, prefixLen: opts.bridgeAddr.prefixLen };
  }

  const link = opts.link ?? allocateLink();
  if (!isFreeOnHost(`${link.hostAddr}/${link.prefixLen}`)) {
    throw new Error(`${link.hostAddr}/${link.prefixLen} overlaps an address or route of this host; refusing (it could cut the machine off)`);
  }
  run("ip", ["addr", "add", `${link.hostAddr}/${link.prefixLen}`, "dev", hostIf]);
  run("ip", ["link", "set", hostIf, "up"]);
  nsRun(name, "ip", ["addr", "add", `${link.nsAddr}/${link.prefixLen}`, "dev", nsIf]);
  nsRun(name, "ip", ["link", "set", nsIf, "up"]);
  if (opts.defaultRoute) nsRun(name, "ip", ["route", "add", "default", "via", link.hostAddr]);
  for (const r of opts.routes ?? []) nsRun(name, "ip", ["route", "add", r, "via", link.hostAddr]);
  return { name, nsIf, hostIf, nsAddr: link.nsAddr, hostAddr: link.hostAddr, prefixLen: link.prefixLen };
}

/** Where each namespace's owner (the pid of the process that made it) is written. */
const OWNERS = "/run/wgkit-e2e/netns";

/**
 * `ip netns add <name>` (name starts with NETNS_PREFIX), recorded as this process's, and its
 * deletion registered with `cleanup`.
 */
export function addNetns(cleanup: CleanupRegistry, name: string): void {
  if (!name.startsWith(NETNS_PREFIX)) throw new Error(`a test namespace's name starts with ${NETNS_PREFIX}: ${name}`);
  fs.mkdirSync(OWNERS, { recursive: true });
  fs.writeFileSync(path.join(OWNERS, name), String(process.pid));
  run("ip", ["netns", "add", name]);
  cleanup.add(`delete netns ${name}`, () => deleteNetns(name));
}

/** Kills what still runs in the namespace (wireguard-go, iperf3, ...) and deletes it. */
export function deleteNetns(name: string): void {
  if (!name.startsWith(NETNS_PREFIX)) throw new Error(`refusing to delete foreign netns ${name}`);
  const pids = tryRun("ip", ["netns", "pids", name]).stdout.split(/\s+/).filter(Boolean);
  for (const pid of pids) {
    try {
      process.kill(Number(pid), "SIGTERM");
    } catch {
      /* already gone */
    }
  }
  tryRun("ip", ["netns", "del", name]);
  fs.rmSync(path.join("/etc/netns", name), { recursive: true, force: true });
  fs.rmSync(path.join(OWNERS, name), { force: true });
}

/**
 * Removes namespaces left by e2e runs whose process is gone (a killed mocha): only those whose
 * recorded owner is a dead pid. Another engineer's running suite keeps its namespaces.
 */
export function sweepStaleNetns(): string[] {
  const owner = (n: string) => { try { return Number(fs.readFileSync(path.join(OWNERS, n), "utf8")); } catch { return undefined; } };
  const names = tryRun("ip", ["netns", "list"]).stdout
    .split("\n")
    .map((l) => l.split(/\s+/)[0])
    .filter((n) => n && n.startsWith(NETNS_PREFIX))
    .filter((n) => { const pid = owner(n); return pid !== undefined && pid > 0 && !alive(pid); });
  names.forEach(deleteNetns);
  return names;
}

/** Runs argv inside the namespace (synchronously) and returns stdout. */
export function nsRun(ns: string, cmd: string, args: string[], opts: RunOptions = {}): string {
  return run("ip", ["netns", "exec", ns, cmd, ...args], opts);
}

export function nsTryRun(ns: string, cmd: string, args: string[], opts: RunOptions = {}) {
  return tryRun("ip", ["netns", "exec", ns, cmd, ...args], opts);
}

/** Starts a long-running process in the namespace (e.g. `iperf3 -s`); killed by cleanup. */
export function nsSpawn(cleanup: CleanupRegistry, ns: string, cmd: string, args: string[]): ChildProcess {
  const child = spawn("ip", ["netns", "exec", ns, cmd, ...args], { stdio: ["ignore", "pipe", "pipe"] });
  cleanup.add(`kill ${cmd} in ${ns}`, () => {
    if (child.exitCode === null) child.kill("SIGTERM");
  });
  return child;
}

// ------------------------------------------------------------------ WireGuard in a namespace

/**
 * A peer conf as a device in namespace `ns` uses it: only the Endpoint is swapped for the host
 * end of the namespace's link and the published port (the harness's stand-in for serverUrl).
 */
export function dialFrom(ns: Netns, conf: string, port: number): string {
  return conf.replace(/^Endpoint = .*$/m, `Endpoint = ${ns.hostAddr}:${port}`);
}

export interface WgQuickHandle {
  ns: string;
  ifname: string;
  file: string;
  /** DNS servers that were moved out of the conf into /etc/netns/<ns>/resolv.conf */
  dns: string[];
}

/**
 * Splits `DNS = a, b, search.domain` out of the [Interface] section.
 * Returns the conf without DNS lines and the values.
 */
export function extractDns(conf: string): { conf: string; dns: string[] } {
  const dns: string[] = [];
  const kept = conf.split("\n").filter((line) => {
    const m = /^\s*DNS\s*=\s*(.*)$/i.exec(line);
    if (!m) return true;
    dns.push(...m[1].split(",").map((s) => s.trim()).filter(Boolean));
    return false;
  });
  return { conf: kept.join("\n"), dns };
}

/**
 * Writes `conf` to a private temp file named after a unique interface and runs
 * `ip netns exec NS wg-quick up FILE`. wg-quick falls back to wireguard-go when the
 * kernel has no WireGuard (needs /dev/net/tun). Registers `wg-quick down` with cleanup.
 */
export function wgQuickUp(cleanup: CleanupRegistry, ns: string, conf: string, ifname = `wk${shortId()}`): WgQuickHandle {
  if (ifname.length > 15) throw new Error(`interface name too long: ${ifname}`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "wgkit-e2e-"));
  fs.chmodSync(dir, 0o700);
  cleanup.add(`remove ${dir}`, () => fs.rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, `${ifname}.conf`);
  const { conf: stripped, dns } = extractDns(conf);
  fs.writeFileSync(file, stripped.endsWith("\n") ? stripped : stripped + "\n", { mode: 0o600 });
  if (dns.length) {
    const servers = dns.filter((d) => /^[0-9a-f.:]+$/i.test(d));
    const search = dns.filter((d) => !/^[0-9a-f.:]+$/i.test(d));
    const etc = path.join("/etc/netns", ns);
    fs.mkdirSync(etc, { recursive: true });
    fs.writeFileSync(
      path.join(etc, "resolv.conf"),
      servers.map((s) => `nameserver ${s}\n`).join("") + (search.length ? `search ${search.join(" ")}\n` : ""),
    );
  }
  nsRun(ns, "wg-quick", ["up", file]);
  cleanup.add(`wg-quick down ${ifname} in ${ns}`, () => {
    nsTryRun(ns, "wg-quick", ["down", file]);
  });
  return { ns, ifname, file, dns };
}

export function wgQuickDown(h: WgQuickHandle): void {
  nsRun(h.ns, "wg-quick", ["down", h.file]);
}

// ------------------------------------------------------------------ wg show dump

export interface WgDumpPeer {
  publicKey: string;
  /** undefined when "(none)" */
  presharedKey?: string;
  /** undefined when "(none)" */
  endpoint?: string;
  allowedIps: string[];
  /** Unix seconds; 0 = never */
  latestHandshake: number;
  rxBytes: number;
  txBytes: number;
  /** seconds; undefined when "off" */
  persistentKeepalive?: number;
}

export interface WgDumpInterface {
  name?: string;
  privateKey: string;
  publicKey: string;
  listenPort: number;
  /** undefined when "off" */
  fwmark?: string;
  peers: WgDumpPeer[];
}

const none = (s: string) => (s === "(none)" || s === "off" ? undefined : s);

/**
 * Parses `wg show <if> dump` (no interface column) or `wg show all dump`
 * (interface name first on every line). Returns one entry per interface.
 */
export function parseWgDump(text: string): WgDumpInterface[] {
  const out: WgDumpInterface[] = [];
  const lines = text.split("\n").filter((l) => l.trim() !== "");
  if (!lines.length) return out;
  // `wg show X dump`: interface line has 4 fields, peer lines 8. `all dump`: 5 and 9.
  const all = lines[0].split("\t").length === 5;
  let cur: WgDumpInterface | undefined;
  for (const line of lines) {
    let f = line.split("\t");
    let name: string | undefined;
    if (all) {
      name = f[0];
      f = f.slice(1);
    }
    if (f.length === 4) {
      if (!all && cur) throw new Error(`unexpected second interface line in dump: ${line}`);
      cur = { name, privateKey: f[0], publicKey: f[1], listenPort: Number(f[2]), fwmark: none(f[3]), peers: [] };
      out.push(cur);
    } else if (f.length === 8 && cur) {
      cur.peers.push({
        publicKey: f[0],
        presharedKey: none(f[1]),
        endpoint: none(f[2]),
        allowedIps: f[3] === "(none)" ? [] : f[3].split(","),
        latestHandshake: Number(f[4]),
        rxBytes: Number(f[5]),
        txBytes: Number(f[6]),
        persistentKeepalive: f[7] === "off" ? undefined : Number(f[7]),
      });
    } else {
      throw new Error(`cannot parse wg dump line: ${JSON.stringify(line)}`);
    }
  }
  return out;
}

/** `wg show IF dump` in a namespace, parsed. */
export function nsWgDump(ns: string, ifname: string): WgDumpInterface {
  const [i] = parseWgDump(nsRun(ns, "wg", ["show", ifname, "dump"]));
  return { ...i, name: ifname };
}

/** Polls `probe` until it returns a truthy value or the deadline passes. */
export async function waitFor<T>(what: string, probe: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 20_000, intervalMs = 200): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastErr: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v) return v;
    } catch (e) {
      lastErr = e;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}` + (lastErr ? `: ${(lastErr as Error).message}` : ""));
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

// ------------------------------------------------------------------ ping

export interface PingResult {
  ok: boolean;
  transmitted: number;
  received: number;
  /** average RTT in ms, when any reply came back */
  avgMs?: number;
  output: string;
}

export function parsePing(output: string): Omit<PingResult, "ok" | "output"> {
  const m = /(\d+) packets transmitted, (\d+) (?:packets )?received/.exec(output);
  const rtt = /= [\d.]+\/([\d.]+)\//.exec(output);
  return { transmitted: m ? Number(m[1]) : 0, received: m ? Number(m[2]) : 0, avgMs: rtt ? Number(rtt[1]) : undefined };
}

/** Pings `target` from inside `ns`: -c count, -W per-reply wait, -i interval. */
export function nsPing(ns: string, target: string, count = 3, waitSec = 2, intervalSec = 0.2): PingResult {
  const r = nsTryRun(ns, "ping", ["-n", "-c", String(count), "-W", String(waitSec), "-i", String(intervalSec), target], { timeoutMs: Math.ceil((count * (waitSec + intervalSec) + 5) * 1000) });
  const output = r.stdout + r.stderr;
  const p = parsePing(output);
  return { ok: r.ok && p.received > 0, ...p, output };
}

// ------------------------------------------------------------------ keys

export interface WgKeyPair {
  privateKey: string;
  publicKey: string;
}

export function wgGenKeyPair(): WgKeyPair {
  const privateKey = run("wg", ["genkey"]).trim();
  const publicKey = run("wg", ["pubkey"], { input: privateKey + "\n" }).trim();
  return { privateKey, publicKey };
}

export function wgGenPsk(): string {
  return run("wg", ["genpsk"]).trim();
}

// ------------------------------------------------------------------ Docker bridges

/** The Linux bridge behind a Docker bridge network (to attach a namespace to it as a LAN host). */
export function dockerBridgeName(network: string): string {
  const info = JSON.parse(run("docker", ["network", "inspect", network]))[0];
  return info.Options?.["com.docker.network.bridge.name"] ?? (info.Name === "bridge" ? "docker0" : `br-${String(info.Id).slice(0, 12)}`);
}
