import { execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

/** Thin wrappers around WireGuard's own tools, used as independent oracles. */
export function wg(args: string[], input?: string): string {
  return execFileSync("wg", args, { input, encoding: "utf8" }).trim();
}

export function tmpDir(prefix = "wgkit-"): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** `wg-quick strip` of a conf, written as <iface>.conf with mode 0600. Throws with wg-quick's stderr on rejection. */
export function wgQuickStrip(conf: string, iface = "wgk0"): string {
  const dir = tmpDir();
  try {
    const file = path.join(dir, `${iface}.conf`);
    fs.writeFileSync(file, conf, { mode: 0o600 });
    const r = spawnSync("wg-quick", ["strip", file], { encoding: "utf8" });
    if (r.status !== 0) throw new Error(`wg-quick strip rejected the conf: ${r.stderr}`);
    return r.stdout;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * A throwaway network namespace holding a userspace (wireguard-go) WireGuard
 * interface, for `wg setconf` / `wg showconf` oracle checks.
 */
export class ScratchInterface {
  readonly ns: string;
  readonly iface: string;
  constructor(tag: string) {
    this.ns = `wgkt-${tag}-${process.pid}`;
    this.iface = `wk${(process.pid % 100000).toString(36)}${tag}`.slice(0, 15);
    execFileSync("ip", ["netns", "add", this.ns]);
    execFileSync("ip", ["netns", "exec", this.ns, "wireguard-go", this.iface], {
      stdio: "ignore",
    });
  }
  /** Runs `wg setconf` with a stripped conf; returns `wg showconf`. */
  setconf(stripped: string): string {
    const dir = tmpDir();
    try {
      const file = path.join(dir, "c.conf");
      fs.writeFileSync(file, stripped, { mode: 0o600 });
      execFileSync("ip", ["netns", "exec", this.ns, "wg", "setconf", this.iface, file], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
      return execFileSync("ip", ["netns", "exec", this.ns, "wg", "showconf", this.iface], { encoding: "utf8" });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }
  close(): void {
    spawnSync("ip", ["netns", "exec", this.ns, "ip", "link", "del", this.iface]);
    spawnSync("pkill", ["-f", `wireguard-go ${this.iface}$`]);
    spawnSync("ip", ["netns", "del", this.ns]);
    fs.rmSync(`/var/run/wireguard/${this.iface}.sock`, { force: true });
  }
}
