import { normalizeWgQuick, WgQuickConf } from "./WgQuick";
import { checkInterfaceName } from "./Validation";
import { check } from "./WgKitError";

export type NixOSStyle = "wg-quick" | "wireguard";

export interface NixOSOptions {
  /** Interface name on the NixOS host (default `wg0`). */
  interfaceName?: string;
  /** `wg-quick` → networking.wg-quick.interfaces (default; supports DNS); `wireguard` → networking.wireguard.interfaces. */
  style?: NixOSStyle;
  /** Directory holding the key files on the host (default `/etc/wireguard`). Keys are never inlined. */
  keyDir?: string;
}

/** Paths of the secret files the snippet refers to; the user places the keys there (e.g. with agenix/sops-nix). */
export interface NixOSSnippet {
  text: string;
  privateKeyFile: string;
  presharedKeyFiles: string[];
}

const str = (s: string) => `"${s.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\$\{/g, "\\${")}"`;
const strList = (xs: string[]) => `[ ${xs.map(str).join(" ")} ]`;

/**
 * A NixOS module snippet for a peer's conf. Private and preshared keys are
 * referenced by file (`privateKeyFile`, `presharedKeyFile`), never inlined,
 * so the snippet can be committed to a Nix repo.
 */
export function renderNixOS(model: WgQuickConf, opts: NixOSOptions = {}): NixOSSnippet {
  const conf = normalizeWgQuick(model);
  const name = checkInterfaceName(opts.interfaceName ?? "wg0", "interfaceName");
  const style = opts.style ?? "wg-quick";
  check(style === "wg-quick" || style === "wireguard", "style", "enum", 'must be "wg-quick" or "wireguard"');
  const dir = (opts.keyDir ?? "/etc/wireguard").replace(/\/+$/, "");
  check(/^\/[A-Za-z0-9_./-]*$/.test(dir), "keyDir", "path", "must be an absolute path of [A-Za-z0-9_./-]");
  const i = conf.interface;
  const privateKeyFile = `${dir}/${name}.key`;
  const pskFiles: string[] = [];
  const out: string[] = ["{"];
  if (i.listenPort !== undefined) out.push(`  networking.firewall.allowedUDPPorts = [ ${i.listenPort} ]; # wireguard`);
  out.push(style === "wg-quick" ? `  networking.wg-quick.interfaces.${str(name)} = {` : `  networking.wireguard.interfaces.${str(name)} = {`);
  out.push(`    ${style === "wg-quick" ? "address" : "ips"} = ${strList(i.address)};`);
  if (i.listenPort !== undefined) out.push(`    listenPort = ${i.listenPort};`);
  if (style === "wg-quick" && i.dns.length) out.push(`    dns = ${strList(i.dns)};`);
  if (i.mtu !== undefined) out.push(`    mtu = ${i.mtu};`);
  out.push(`    privateKeyFile = ${str(privateKeyFile)};`);
  out.push("    peers = [");
  conf.peers.forEach((p, n) => {
    out.push("      {");
    out.push(`        publicKey = ${str(p.publicKey)};`);
    if (p.presharedKey) {
      const f = `${dir}/${name}-peer${n}.psk`;
      pskFiles.push(f);
      out.push(`        presharedKeyFile = ${str(f)};`);
    }
    if (p.endpoint) out.push(`        endpoint = ${str(p.endpoint)};`);
    out.push(`        allowedIPs = ${strList(p.allowedIps)};`);
    if (p.persistentKeepalive) out.push(`        persistentKeepalive = ${p.persistentKeepalive};`);
    out.push("      }");
  });
  out.push("    ];", "  };", "}");
  return { text: out.join("\n") + "\n", privateKeyFile, presharedKeyFiles: pskFiles };
}
