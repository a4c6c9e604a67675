/**
 * A WireGuardServer as a hub: from its spec and address plan, everything that changes LIVE with
 * peers, LANs and rules, and nothing that would restart the container or the interface —
 * the firewall payloads (Firewall.ts), the hosts file for peer names (PeerNames.ts), each peer's
 * conf AllowedIPs and each spoke's LAN-router routes (SpokeRoutes.ts).
 */
import { AddressPlan } from "./AddressPlan";
import { Access, AccessSpec, compileAccess, HubPeer, parseAccess } from "./AccessRules";
import { renderFirewall } from "./Firewall";
import { DEFAULT_DOMAIN, hostsFile, peerDnsName } from "./PeerNames";
import { FULL_TUNNEL } from "./PeerConf";
import { outside, SpokeRouting } from "./SpokeRoutes";
import { parseAllowedIps, parseSubnetList } from "./AllowedIPs";
import { checkGroups } from "./AccessRules";

/** The settings a hub's live parts depend on (a subset of ServerSpec). */
export interface HubSpec {
  allowedIps?: string[];
  access?: AccessSpec;
  domain?: string;
  peers?: Record<string, { serverAllowedIps?: string[]; allowedIps?: string[]; groups?: string[]; enabled?: boolean }>;
}

export interface Hub {
  /** Parsed rules; undefined without `access` (everything forwarded, as before). */
  access?: Access;
  /** `iptables-restore --noflush` payload; only with `access`. */
  firewall4?: string;
  /** `ip6tables-restore --noflush` payload; only with `access` and dual stack. */
  firewall6?: string;
  /** The hosts file the server's DNS serves. */
  hosts: string;
  /** Per peer: its conf's AllowedIPs (its own `allowedIps` as given, else derived). */
  allowedIps: Record<string, string[]>;
  /** Per peer: destinations its LAN router routes via it (empty for peers without LANs). */
  routes: Record<string, string[]>;
  /** Per peer: `<peer>.<domain>`, undefined when its name is no DNS label. */
  dnsNames: Record<string, string | undefined>;
}

export function buildHub(spec: HubSpec, plan: AddressPlan, iface = "wg0"): Hub {
  const declared = Object.entries(spec.peers ?? {});
  const all: HubPeer[] = declared.map(([name, p]) => {
    const a = plan.peers[name];
    return {
      name,
      addresses: [`${a.address}/32`, ...(a.address6 ? [`${a.address6}/128`] : [])],
      lans: parseSubnetList(p.serverAllowedIps, `peers.${name}.serverAllowedIps`),
      groups: checkGroups(p.groups, `peers.${name}.groups`),
    };
  });
  const enabled = all.filter((_, i) => declared[i][1].enabled !== false);
  const access = spec.access === undefined ? undefined : parseAccess(spec.access, spec.peers ?? {});
  const compiled = compileAccess(access, enabled);
  const base = spec.allowedIps === undefined ? FULL_TUNNEL : parseAllowedIps(spec.allowedIps, "allowedIps");
  const tunnel = [plan.subnet, ...(plan.subnet6 ? [plan.subnet6] : [])];
  const domain = spec.domain ?? DEFAULT_DOMAIN;
  // Every peer's related LANs from one pass each (SpokeRoutes.ts): for confs, only LANs the base misses.
  const toConf = new SpokeRouting(access, all, outside(base));
  const toLanRouter = new SpokeRouting(access, all);
  const hub: Hub = {
    access,
    hosts: hostsFile(domain, enabled.map((p) => ({ name: p.name, ...plan.peers[p.name] }))),
    allowedIps: Object.fromEntries(declared.map(([n, p]) => [n, p.allowedIps !== undefined ? p.allowedIps : [...base, ...toConf.relatedLans(n)]])),
    routes: Object.fromEntries(declared.map(([n]) => [n, toLanRouter.spokeRoutes(n, tunnel)])),
    dnsNames: Object.fromEntries(declared.map(([n]) => [n, peerDnsName(n, domain)])),
  };
  if (access !== undefined) {
    hub.firewall4 = renderFirewall(compiled, 4, iface);
    if (plan.subnet6) hub.firewall6 = renderFirewall(compiled, 6, iface);
  }
  return hub;
}
