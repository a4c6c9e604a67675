/**
 * `wgkit adopt <config dir>`: reads an image's server-mode /config (core's readLinuxserverConfig)
 * and prints a summary, a Pulumi program fragment and the commands that load each key into the
 * stack's config.
 *
 * Invariant: no key — private, preshared or public — is ever printed. The fragment reads every
 * key from `pulumi.Config`; the printed `pulumi config set` commands take each key on stdin FROM
 * ITS FILE when they run (`< '<file>'`; pulumi reads stdin to EOF and drops one trailing newline),
 * so a key is never on a command line either. The directory is only read.
 * Everything printed that came from the directory (folder and file names, warnings quoting a
 * conf) goes through core's TerminalText: the summary shows it escaped (one line each, no
 * control, bidi or separator character); the fragment holds it as escaped TS string literals
 * (tsString) and the commands as shell words (shellWord), so both stay valid and round-trip.
 * Failure modes: a broken directory is core's one WgKitError (field = the file, rule), printed on
 * stderr (escaped), and a non-zero exit.
 */
import * as path from "path";
import { AdoptedPeerArgs, LinuxserverAdoption, readLinuxserverConfig, shellWord, terminalText as t, tsString } from "@wgkit/core";

/** Config namespace the fragment and the commands share. */
export const CONFIG_NAMESPACE = "wireguard";

const js = (v: string | string[]) => (Array.isArray(v) ? `[${v.map(tsString).join(", ")}]` : tsString(v));
const prop = (k: string) => (/^[A-Za-z_$][A-Za-z0-9_$]*$/.test(k) ? k : js(k));

/** Config key names: the folder (`peer_laptop`, `peer3`) or `server`, then the key's role. */
const configKey = (owner: string, role: string) => `${owner}_${role}`;

interface KeyLoad { key: string; file: string; secret: boolean }

function keyLoads(a: LinuxserverAdoption): KeyLoad[] {
  const out: KeyLoad[] = [{ key: configKey("server", "privateKey"), file: a.files.serverPrivateKey, secret: true }];
  for (const [name, f] of Object.entries(a.files.peers)) {
    const p = a.args.peers[name];
    if (f.privateKey) out.push({ key: configKey(f.folder, "privateKey"), file: f.privateKey, secret: true });
    else if (p.publicKey) out.push({ key: configKey(f.folder, "publicKey"), file: `${f.folder}/publickey-${f.folder}`, secret: false });
    if (f.presharedKey) out.push({ key: configKey(f.folder, "presharedKey"), file: f.presharedKey, secret: true });
  }
  return out;
}

function table(rows: string[][]): string {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]))).join("  ")).join("\n");
}

/** The summary: server line, one row per peer, then warnings and leftovers. */
export function summary(dir: string, a: LinuxserverAdoption): string {
  const s = a.args;
  const rows = [["peer", "address", "keepalive", "routed LANs", "PSK", "warnings"]];
  for (const [name, p] of Object.entries(s.peers)) {
    const w = a.warnings.filter((x) => x.peer === name).map((x) => x.rule);
    rows.push([name, p.address, p.persistentKeepalive ? String(p.persistentKeepalive) : "-",
      p.serverAllowedIps?.join(", ") || "-", p.presharedKey !== undefined ? "yes" : "no", w.length ? [...new Set(w)].join(", ") : "-"].map(t));
  }
  const out = [
    `Adopting ${t(dir)}`,
    t(`server: ${s.serverUrl}:${s.serverPort}  subnet ${s.subnet}  DNS ${s.dns.join(", ") || "(none)"}  AllowedIPs ${s.allowedIps.join(", ")}` +
      (s.mtu !== undefined ? `  MTU ${s.mtu}` : "") + (s.masquerade === false ? "  no masquerade" : "")),
    "",
    Object.keys(s.peers).length ? table(rows) : "(no active peers)",
    "",
  ];
  if (a.warnings.length) {
    out.push(`Not carried over (${a.warnings.length} warning(s)):`);
    for (const w of a.warnings) out.push(t(`  - ${w.file}${w.peer ? ` (${w.peer})` : ""} [${w.rule}]: ${w.message}`));
    out.push("");
  }
  if (a.leftovers.length) {
    out.push("Leftover peer folders (the server conf does not name them; not adopted):");
    for (const l of a.leftovers) out.push(t(`  - ${l.folder}${l.address ? ` (address ${l.address})` : ""}`));
    out.push("");
  }
  return out.join("\n");
}

function peerFragment(name: string, folder: string, p: AdoptedPeerArgs, cfg: string): string[] {
  const lines = [`address: ${js(p.address)}`];
  if (p.privateKey !== undefined) lines.push(`privateKey: ${cfg}.requireSecret(${js(configKey(folder, "privateKey"))})`);
  if (p.publicKey !== undefined) lines.push(`publicKey: ${cfg}.require(${js(configKey(folder, "publicKey"))})`);
  if (p.presharedKey !== undefined) lines.push(`presharedKey: ${cfg}.requireSecret(${js(configKey(folder, "presharedKey"))})`);
  if (p.persistentKeepalive !== undefined) lines.push(`persistentKeepalive: ${p.persistentKeepalive}`);
  if (p.serverAllowedIps !== undefined) lines.push(`serverAllowedIps: ${js(p.serverAllowedIps)}`);
  if (p.dns !== undefined) lines.push(`dns: ${js(p.dns)}`);
  if (p.allowedIps !== undefined) lines.push(`allowedIps: ${js(p.allowedIps)}`);
  if (p.mtu !== undefined) lines.push(`mtu: ${p.mtu}`);
  return [`    ${prop(name)}: {`, ...lines.map((l) => `      ${l},`), "    },"];
}

/** A TypeScript program fragment: the server with every key read from the stack's config. */
export function programFragment(a: LinuxserverAdoption, resourceName = "wireguard"): string {
  const s = a.args;
  const cfg = "keys";
  const top = [
    `serverUrl: ${js(s.serverUrl)}`,
    `serverPort: ${s.serverPort}`,
    `subnet: ${js(s.subnet)}`,
    `dns: ${js(s.dns)}`,
    `allowedIps: ${js(s.allowedIps)}`,
    ...(s.mtu !== undefined ? [`mtu: ${s.mtu}`] : []),
    ...(s.masquerade !== undefined ? [`masquerade: ${s.masquerade}`] : []),
    `privateKey: ${cfg}.requireSecret(${js(configKey("server", "privateKey"))})`,
  ];
  return [
    'import * as pulumi from "@pulumi/pulumi";',
    'import { WireGuardServer } from "@wgkit/pulumi";',
    "",
    `const ${cfg} = new pulumi.Config(${js(CONFIG_NAMESPACE)});`,
    `export const server = new WireGuardServer(${js(resourceName)}, {`,
    ...top.map((l) => `  ${l},`),
    "  peers: {",
    ...Object.entries(s.peers).flatMap(([n, p]) => peerFragment(n, a.files.peers[n].folder, p, cfg)),
    "  },",
    "});",
    "",
  ].join("\n");
}

/** `pulumi config set` commands, each reading its key from its file on stdin when it runs. */
export function configCommands(dir: string, a: LinuxserverAdoption): string {
  return keyLoads(a).map((k) =>
    `pulumi config set ${k.secret ? "--secret" : "--plaintext"} ${CONFIG_NAMESPACE}:${k.key} < ${shellWord(path.join(dir, ...k.file.split("/")))}`,
  ).join("\n") + "\n";
}

/** The whole output of `wgkit adopt <dir>`. */
export function adoptReport(dirArg: string): string {
  const dir = path.resolve(dirArg);
  const a = readLinuxserverConfig(dir);
  return [
    summary(dir, a),
    "// ---- Pulumi program (TypeScript): every key comes from the stack's config ----",
    programFragment(a),
    "# ---- Load the keys into the stack's config: run in the Pulumi project directory. Each key is",
    "# ---- read from its file when the command runs (on stdin: never on a command line, never printed).",
    configCommands(dir, a),
  ].join("\n");
}
