/**
 * The hub's firewall inside the server container: compiled access rules (AccessRules.ts)
 * rendered as an `iptables-restore` / `ip6tables-restore` payload that touches ONLY wgkit's own
 * chains, WGKIT-FWD (forwarded traffic into or out of the tunnel) and WGKIT-IN (traffic from the
 * tunnel to the server itself), jumped to from the top of FORWARD and INPUT.
 *
 * Invariants:
 * - Atomic: `iptables-restore --noflush` swaps the whole contents of our chains in one commit
 *   (declaring a chain flushes it); every other chain and rule is left as it is. A packet sees
 *   either the old rule set or the new one, never a half-written one, so an allowed flow loses
 *   nothing while the rules of other pairs change.
 * - Order: replies (ESTABLISHED,RELATED) first, then DNS to the server (always reachable), then
 *   the rules in the user's order (first match wins), then the default.
 * - Fail closed across restarts: the server conf's PreUp applies the payload file the install
 *   step wrote (FIREWALL_FILES) before the interface exists, so a restarted container never
 *   forwards without the rules; a missing or rejected file fails `wg-quick up`.
 * - Nothing user-written reaches the payload but validated CIDRs and port numbers.
 *
 * Failure modes: a kernel without conntrack/multiport matches rejects the payload (the install
 * step then fails loudly with iptables-restore's words); ip6tables missing in the container
 * fails dual-stack hubs the same way.
 */
import { check } from "./WgKitError";
import { checkCidr, checkInterfaceName } from "./Validation";
import { CompiledAccess, FilterRule } from "./AccessRules";

export const FORWARD_CHAIN = "WGKIT-FWD";
export const INPUT_CHAIN = "WGKIT-IN";

/** Where the install step writes the payloads (beside the conf; the image only brings up *.conf). */
export const FIREWALL_FILES = { 4: "/config/wg_confs/.%i.fw4", 6: "/config/wg_confs/.%i.fw6" } as const;

/** multiport takes at most 15 ports (a range counts two). */
function portChunks(ports: string[]): string[][] {
  const chunks: string[][] = [];
  let cur: string[] = [], weight = 0;
  for (const p of ports) {
    const w = p.includes(":") ? 2 : 1;
    if (weight + w > 15) { chunks.push(cur); cur = []; weight = 0; }
    cur.push(p); weight += w;
  }
  if (cur.length) chunks.push(cur);
  return chunks;
}

const PORT = /^[1-9][0-9]{0,4}(:[1-9][0-9]{0,4})?$/;

function ruleLines(r: FilterRule, iface: string): string[] {
  const parts = [`-A ${r.chain === "forward" ? FORWARD_CHAIN : INPUT_CHAIN}`, `-i ${iface}`];
  // Never a user string: only validated CIDRs, ports and fixed words go into the payload.
  if (r.source !== undefined) parts.push(`-s ${checkCidr(r.source, "source")}`);
  if (r.destination !== undefined) parts.push(`-d ${checkCidr(r.destination, "destination")}`);
  if (r.out === "tunnel") parts.push(`-o ${iface}`);
  if (r.out === "elsewhere") parts.push(`! -o ${iface}`);
  if (r.protocol === "icmp") parts.push(r.family === 4 ? "-p icmp" : "-p ipv6-icmp");
  else if (r.protocol !== undefined) parts.push(`-p ${r.protocol}`);
  const target = `-j ${r.action === "accept" ? "ACCEPT" : "DROP"}`;
  if (!r.ports?.length) return [[...parts, target].join(" ")];
  check(r.protocol === "tcp" || r.protocol === "udp", "ports", "ports-protocol", "ports need tcp or udp");
  r.ports.forEach((p) => check(PORT.test(p), "ports", "ports", `bad port ${JSON.stringify(p)}`));
  return portChunks(r.ports).map((c) => [...parts, `-m multiport --dports ${c.join(",")}`, target].join(" "));
}

/** The `iptables-restore --noflush` (family 4) or `ip6tables-restore --noflush` (6) payload. */
export function renderFirewall(compiled: CompiledAccess, family: 4 | 6, iface = "wg0"): string {
  checkInterfaceName(iface, "interfaceName");
  const def = compiled.defaultAction === "accept" ? "ACCEPT" : "DROP";
  const lines = [
    "*filter",
    `:${FORWARD_CHAIN} - [0:0]`,
    `:${INPUT_CHAIN} - [0:0]`,
    `-A ${FORWARD_CHAIN} -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT`,
    `-A ${INPUT_CHAIN} -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT`,
    `-A ${INPUT_CHAIN} -i ${iface} -p udp -m udp --dport 53 -j ACCEPT`,
    `-A ${INPUT_CHAIN} -i ${iface} -p tcp -m tcp --dport 53 -j ACCEPT`,
    ...compiled.rules.filter((r) => r.family === family).flatMap((r) => ruleLines(r, iface)),
    `-A ${FORWARD_CHAIN} -j ${def}`,
    `-A ${INPUT_CHAIN} -j ${def}`,
    "COMMIT",
  ];
  return `${lines.join("\n")}\n`;
}

/**
 * Shell (no user input; `%i` is the interface, as in wg-quick hooks) that loads the payload file
 * atomically and makes sure FORWARD and INPUT jump to our chains first. Idempotent: run again,
 * it replaces the chains' contents and adds no second jump. No '#' (wg-quick cuts a line there). Used as the conf's PreUp and by the
 * install step for live changes.
 */
export function firewallApply(family: 4 | 6): string {
  const t = family === 4 ? "iptables" : "ip6tables";
  const jumps = [`FORWARD -i %i -j ${FORWARD_CHAIN}`, `FORWARD -o %i -j ${FORWARD_CHAIN}`, `INPUT -i %i -j ${INPUT_CHAIN}`];
  // Inserted in reverse so they end up in this order at the top (nothing of the image's runs before ours).
  return `${t}-restore --noflush ${FIREWALL_FILES[family]} && for j in ${jumps.reverse().map((j) => `"${j}"`).join(" ")}; do ${t} -C $j 2>/dev/null || { set -- $j; ch=$1; shift; ${t} -I $ch 1 "$@"; } || exit 1; done`;
}

/**
 * Shell (no user input) that removes wgkit's jumps and chains for one family, if present: run
 * by the install step when `access` is gone, so no stale rule outlives it (a conf without
 * `access` has no PreUp, and PostDown never removes the chains).
 */
export function firewallRemove(family: 4 | 6, iface: string): string {
  checkInterfaceName(iface, "interfaceName");
  const t = family === 4 ? "iptables" : "ip6tables";
  const jumps = [`FORWARD -i ${iface} -j ${FORWARD_CHAIN}`, `FORWARD -o ${iface} -j ${FORWARD_CHAIN}`, `INPUT -i ${iface} -j ${INPUT_CHAIN}`];
  return `command -v ${t} >/dev/null || exit 0; for j in ${jumps.map((j) => `"${j}"`).join(" ")}; do while ${t} -D $j 2>/dev/null; do :; done; done; for ch in ${FORWARD_CHAIN} ${INPUT_CHAIN}; do ${t} -F $ch 2>/dev/null; ${t} -X $ch 2>/dev/null; done; true`;
}
