/**
 * Does this host's kernel have WireGuard? Decides `userspace` for the default stack on its first
 * run when WGKIT_USERSPACE is not set: without the module the image's own start-up cannot bring
 * a tunnel up, and wgkit runs wireguard-go instead.
 *
 * The probe is the operation the container itself would need: create a WireGuard link (in a
 * fresh network namespace, so the host's interfaces are never touched), loading the module if the
 * kernel can. Without root or iproute2 the answer is "no" with the reason.
 */
import { spawnSync } from "child_process";

/** Whether the kernel can make a WireGuard interface, and the evidence. */
export function kernelWireGuard(): { available: boolean; why: string } {
  const ns = `wgkit-probe-${process.pid}`;
  const add = spawnSync("ip", ["netns", "add", ns], { encoding: "utf8" });
  if (add.status !== 0) return { available: false, why: `cannot probe (ip netns add: ${(add.stderr || String(add.error)).trim()})` };
  try {
    const r = spawnSync("ip", ["-n", ns, "link", "add", "wg0", "type", "wireguard"], { encoding: "utf8" });
    return r.status === 0
      ? { available: true, why: "ip link add type wireguard succeeded" }
      : { available: false, why: `ip link add type wireguard: ${r.stderr.trim() || "failed"}` };
  } finally {
    spawnSync("ip", ["netns", "del", ns]);
  }
}
