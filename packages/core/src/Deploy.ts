import { createHmac } from "crypto";
import { check } from "./WgKitError";
import { checkInterfaceName, checkPort } from "./Validation";
import { checkKey } from "./Key";
import { CONF_DIR, expectFile } from "./ContainerSpec";
import { normalizeWgQuick, renderWgQuick, WgQuickConf } from "./WgQuick";
import { cidrsOverlap, parseCidr } from "./AllowedIPs";
import { MODULE_GATE_LINE, USERSPACE_GATE_LINE } from "./UserspaceImage";
import { FIREWALL_FILES, firewallApply, firewallRemove, renderFirewall } from "./Firewall";
import { COREFILE, HOSTS_FILE } from "./PeerNames";

/**
 * What decides how a new conf reaches a running interface. `wg syncconf`
 * changes peers live but nothing else: not the [Interface] section (addresses,
 * MTU, DNS, Table, FwMark, hooks such as the kill switch) and not the routes
 * wg-quick adds for AllowedIPs outside the interface's own subnets. The
 * fingerprint covers exactly those; when it changes the interface is
 * restarted, otherwise peers are synced live.
 *
 * Routes are applied live (`liveRoutes`, `ip route replace`/`del` in the main
 * table, as wg-quick adds them) when wg-quick would put them there: no `Table`
 * (or `auto`) and no default route (/0) among the AllowedIPs, which wg-quick
 * turns into policy routing. Then the fingerprint does not cover them and a
 * LAN routed to a peer (a spoke) is added or removed without a restart.
 *
 * Secrecy: the fingerprint sits in the install command's plain `create` script, and what it
 * covers may be secret (a LAN in serverAllowedIps, DNS, an address). A plain or salted digest
 * would let anyone holding the state confirm a guess by hashing it. So it is an HMAC-SHA256 whose
 * key is the interface's private key: without the key it cannot be reproduced, nor a guess
 * checked. Consequence: a new private key (rotation, re-import) changes the fingerprint, so the
 * interface is restarted rather than synced — which a key change warrants anyway: every peer has
 * to handshake again with the new key.
 */
export interface DeployDigests {
  /** HMAC-SHA256, keyed by the private key, of the [Interface] section without its PrivateKey plus the routed AllowedIPs not inside the interface's subnets (unless they are applied live). */
  fingerprint: string;
  /** The routed AllowedIPs the install step converges the main table to, live; undefined when they are part of the fingerprint. */
  liveRoutes?: string[];
}

export function deployDigests(model: WgQuickConf): DeployDigests {
  const conf = normalizeWgQuick(model);
  check(conf.interface.privateKey !== undefined, "conf", "private-key", "has no PrivateKey (it keys the fingerprint)");
  const own = conf.interface.address.map((a) => parseCidr(a, "address"));
  const inside = (cidr: string) => {
    const c = parseCidr(cidr, "allowedIps");
    return own.some((o) => o.addr.kind() === c.addr.kind() && o.prefix <= c.prefix && cidrsOverlap(o, c));
  };
  const routes = [...new Set(conf.peers.flatMap((p) => p.allowedIps).filter((a) => !inside(a)))].sort();
  const iface = renderWgQuick({ interface: conf.interface, peers: [] }).split("\n").filter((l) => !/^PrivateKey\s*=/.test(l)).join("\n");
  const live = (conf.interface.table === undefined || conf.interface.table === "auto") && !routes.some((r) => r.endsWith("/0"));
  // Live: the same fingerprint as a conf without routed LANs, so adding or removing a LAN restarts nothing.
  const fingerprint = createHmac("sha256", Buffer.from(conf.interface.privateKey, "base64"))
    .update(`wgkit interface fingerprint\n${iface}\nroutes=${live ? "" : routes.join(",")}`).digest("hex");
  return live ? { fingerprint, liveRoutes: routes } : { fingerprint };
}

export interface ApplyScriptInput {
  /** Tunnel interface, e.g. wg0; the conf goes to /config/wg_confs/<iface>.conf. */
  interfaceName: string;
  /** The public key the running interface must report. */
  expectedPublicKey: string;
  /** The listen port it must report (omit for clients with a random port). */
  expectedListenPort?: number;
  /** From deployDigests of the conf on stdin. The peers are checked against that conf in the container: no digest of them travels. */
  digests: DeployDigests;
  /** Seconds to wait for the interface (default 60). */
  timeoutSeconds?: number;
  /** A hub's live parts (Hub.ts): firewall payloads and the peers' hosts file, written and applied without a restart. */
  hub?: HubFiles;
}

/** What the install step writes for a hub besides the conf. */
export interface HubFiles {
  firewall4?: string;
  firewall6?: string;
  hosts?: string;
}

const HEREDOC = "WGKIT_EOF";

/** Shell writing `content` atomically to `file` inside the container (content via a quoted heredoc, never interpreted). */
function writeFileStep(file: string, content: string, what: string): string {
  check(!content.split("\n").includes(HEREDOC) && !content.includes("'"), "content", "internal", "content would end the heredoc");
  const dir = file.slice(0, file.lastIndexOf("/"));
  // The temporary file is a dotfile beside the target: DNS servers watching the folder skip dotfiles.
  const tmp = `${dir}/.${file.slice(file.lastIndexOf("/") + 1)}.wgkit-new`;
  // Under /config, owned like /config (the image chowns it at every start; this write comes after).
  const own = dir.startsWith("/config/") ? ` && chown "$(stat -c %u:%g /config)" ${dir} ${file}` : "";
  return `docker exec -i "$c" sh -c 'umask 022; mkdir -p ${dir} && cat > ${tmp} && mv -f ${tmp} ${file}${own}' <<'${HEREDOC}' || fail "could not write ${what} in $c"
${content.endsWith("\n") ? content : `${content}\n`}${HEREDOC}
`;
}

/** Shell converging the main table's routes on the interface to `routes` (validated CIDRs). */
function routesStep(iface: string, routes: readonly string[]): string {
  const list = routes.map((r) => parseCidr(r, "route").cidr);
  const add = list.map((r) => `ip -${r.includes(":") ? 6 : 4} route replace ${r} dev ${iface}`).join(" && ");
  return `docker exec "$c" sh -c '${add ? `${add} && ` : ""}want=" ${list.join(" ")} "; for f in 4 6; do ip -$f route show dev ${iface} proto boot | while read -r d rest; do case $d in */*) ;; *) if [ $f = 4 ]; then d=$d/32; else d=$d/128; fi ;; esac; case "$want" in *" $d "*) ;; *) ip -$f route del $d dev ${iface} || exit 1 ;; esac; done || exit 1; done' 2>&1 || fail "could not apply the routes of ${iface} in $c"
`;
}
const HEX64 = /^[0-9a-f]{64}$/;

/**
 * Which confs in /config/wg_confs wgkit OWNS: those it wrote, i.e. `<name>.conf` with wgkit's
 * marker `.<name>.wanted` beside it (every install and seed writes both). A wgkit container
 * runs exactly one interface, so while installing `iface`, every other owned conf is stale
 * (left by a renamed interface; it holds a private key, and the image brings up every conf in
 * the folder, where one failing conf takes all tunnels down): it is taken down when it is up,
 * then removed with its markers. A conf without a marker is not wgkit's and is left in place,
 * with a warning (the image brings it up too).
 */
function removeStalePayload(iface: string): string {
  return `{ for m in ${CONF_DIR}/.*.wanted; do [ -e "$m" ] || continue; n=\${m#${CONF_DIR}/.}; n=\${n%.wanted}; [ "$n" = ${iface} ] && continue; `
    + `if ip link show "$n" >/dev/null 2>&1; then wg-quick down "${CONF_DIR}/$n.conf" >/dev/null 2>&1 || ip link del dev "$n"; fi; `
    + `rm -f "${CONF_DIR}/$n.conf" "${CONF_DIR}/.$n.wanted" "${CONF_DIR}/.$n.running"; echo "wgkit: removed the stale conf $n.conf (written by wgkit for an interface this container no longer runs)" >&2; done; `
    + `for f in ${CONF_DIR}/*.conf; do [ -e "$f" ] || continue; n=\${f##*/}; n=\${n%.conf}; [ "$n" = ${iface} ] || [ -e "${CONF_DIR}/.$n.wanted" ] || echo "wgkit: warning: $f was not written by wgkit; the image brings it up too" >&2; done; true; }`;
}

/**
 * The shell that writes conf (stdin) and fingerprint atomically, mode 0600, into /config/wg_confs,
 * owned like /config (the image chowns /config to PUID:PGID at every start), after removing stale confs.
 */
function writeConfPayload(iface: string, fingerprint: string): string {
  const conf = `${CONF_DIR}/${iface}.conf`;
  return `umask 077; mkdir -p ${CONF_DIR} && ${removeStalePayload(iface)} && cat > ${conf}.wgkit-new && chmod 600 ${conf}.wgkit-new && chown "$(stat -c %u:%g /config)" ${conf}.wgkit-new && mv -f ${conf}.wgkit-new ${conf} && echo ${fingerprint} > ${CONF_DIR}/.${iface}.wanted && chown "$(stat -c %u:%g /config)" ${CONF_DIR}/.${iface}.wanted`;
}

/** What the seed writes besides the conf, when absent. */
export interface SeedOptions {
  /** A fail-closed firewall payload (the conf's PreUp loads it). */
  firewall?: boolean;
  /** …for IPv6 too. */
  firewall6?: boolean;
  /** wgkit's Corefile (peer names). */
  corefile?: boolean;
}

/**
 * Shell run on the deploying machine before the container exists: writes the
 * conf into the /config volume (or host path) named by $WGKIT_CONFIG with a
 * throwaway container of $WGKIT_IMAGE, so the image finds it at its very
 * first start and brings the tunnel up itself. (Started without a conf, the
 * image deletes the container's default route.)
 */
export function seedScript(interfaceName: string, digests: DeployDigests, opts: SeedOptions = {}): string {
  const iface = checkInterfaceName(interfaceName, "interfaceName");
  check(HEX64.test(digests.fingerprint), "fingerprint", "sha256", "must be a sha256 hex digest");
  // Fixed texts only (no user input), written when absent: a fail-closed firewall until the
  // install step writes the real rules, and wgkit's Corefile (peer names) on a fresh /config.
  const placeholder = (f: 4 | 6) => `[ -f ${FIREWALL_FILES[f].replace("%i", iface)} ] || printf "${renderFirewall({ rules: [], defaultAction: "drop" }, f, iface).replace(/\n/g, "\\n")}" > ${FIREWALL_FILES[f].replace("%i", iface)}`;
  const extra = [
    ...(opts.firewall ? [placeholder(4), ...(opts.firewall6 ? [placeholder(6)] : [])] : []),
    ...(opts.corefile ? [`[ -f /config/coredns/Corefile ] || { mkdir -p /config/coredns && printf "${COREFILE.replace(/\n/g, "\\n")}" > /config/coredns/Corefile; }`] : []),
  ].map((x) => ` && ${x}`).join("");
  return `set -eu
docker run --rm -i --network none --entrypoint sh -v "\${WGKIT_CONFIG:?WGKIT_CONFIG is not set}:/config" "\${WGKIT_IMAGE:?WGKIT_IMAGE is not set}" \\
  -c '${writeConfPayload(iface, digests.fingerprint)} && cp ${CONF_DIR}/.${iface}.wanted ${CONF_DIR}/.${iface}.running${extra}' \\
  || { echo "wgkit: could not write the conf into $WGKIT_CONFIG with $WGKIT_IMAGE" >&2; exit 1; }
echo "wgkit: conf seeded into $WGKIT_CONFIG"
`;
}

/**
 * The excerpt of a tool's output that a failure line quotes: the lines that state a cause
 * (error, not known, unrecognized, invalid, …) first, then the last lines, without wg-quick's
 * `[#]` echo of its own commands, wireguard-go's banner (box-drawing lines) or blank lines; at most
 * 400 bytes on one line. So a banner (wireguard-go prints one on every start) never crowds out
 * "Name or service not known". `grep -a`: the 400-byte cut may split a multibyte character, and
 * grep then calls the text binary and prints "binary file matches" instead of the line.
 */
const CAUSE_FUNCTION = `cause() {
  pat='error|not known|unrecognized|invalid|unable|cannot|failed|no such|denied|refused|not found'
  lines=$(printf '%s\\n' "$1" | grep -a -v -E '^\\[#\\]|^[[:space:]]*$|│|┌|└' || true)
  { printf '%s\\n' "$lines" | grep -a -i -E "$pat" || true; printf '%s\\n' "$lines" | grep -a -v -i -E "$pat" | tail -n 3; } | tr '\\n' ' ' | head -c 400
}`;

/** The `create` text of every install command: short, since the command provider quotes it in every error. */
export const INSTALL_COMMAND = 'exec /bin/sh -c "$WGKIT_SCRIPT" wgkit';

/**
 * Wraps an install script so that its failure reads cause first: the script runs with its output
 * captured; its `wgkit:` lines are printed first — on failure the last one (the cause: `fail`
 * ends the script) before the earlier ones (notes such as a restart) —, then (on failure only) at
 * most five other lines it printed, indented. The script reaches the shell in the environment (WGKIT_SCRIPT), never in
 * the command's `create` text (see INSTALL_COMMAND).
 */
export function causeFirst(script: string): string {
  return `wgkit_main() {
${script}
}
out=$(wgkit_main 2>&1); rc=$?
if [ "$rc" -ne 0 ]; then
  printf '%s\\n' "$out" | grep -a '^wgkit: ' | tail -n 1
  printf '%s\\n' "$out" | grep -a '^wgkit: ' | sed '$d'
  printf '%s\\n' "$out" | grep -a -v -e '^wgkit: ' -e '^[[:space:]]*$' | tail -n 5 | sed 's/^/  /'
else
  printf '%s\\n' "$out" | grep -a '^wgkit: ' || true
fi
exit "$rc"
`;
}

/**
 * Shell script run on the deploying machine (`docker exec` into the container
 * named by $WGKIT_CONTAINER). It reads the conf on stdin and writes it with
 * mode 0600 atomically; when only peers changed it applies them live with
 * `wg syncconf`, when the interface section or routes changed (fingerprint)
 * it restarts the interface, and when the interface is down it brings it up.
 * Then it waits until the interface reports the expected public key, port and
 * exactly the expected peers, and the container still has a default route.
 * A container the image left without a default route (a conf failed as it
 * started) is restarted once, after the conf is written.
 * It never prints the conf or any key but the public one. Failures end with
 * one actionable line; a conf the tools reject fails at once. Its success line
 * ends with the time the whole step took (`, applied in <ms> ms`, where `date`
 * has `%N`): `npm run bench` reads it.
 */
export function applyScript(input: ApplyScriptInput): string {
  const iface = checkInterfaceName(input.interfaceName, "interfaceName");
  checkKey(input.expectedPublicKey, "expectedPublicKey");
  if (input.expectedListenPort !== undefined) checkPort(input.expectedListenPort, "expectedListenPort");
  const timeout = input.timeoutSeconds ?? 60;
  check(Number.isInteger(timeout) && timeout > 0 && timeout <= 3600, "timeoutSeconds", "range", "must be 1–3600");
  const { fingerprint } = input.digests;
  check(HEX64.test(fingerprint), "digests", "sha256", "must be a sha256 hex digest");
  const running = `${CONF_DIR}/.${iface}.running`;
  const portOk = input.expectedListenPort !== undefined ? ` && [ "$port" = "${input.expectedListenPort}" ]` : "";
  // Hub parts: files first, then the firewall applied atomically, all before peers change (a new
  // peer never forwards before its rules exist); routes once the interface is up.
  const hub = input.hub ?? {};
  const fwFile = (f: 4 | 6) => FIREWALL_FILES[f].replace("%i", iface);
  const fwApply = (f: 4 | 6) => `out=$(docker exec "$c" sh -c '${firewallApply(f).split("%i").join(iface)}' 2>&1) || fail "the access rules (${f === 4 ? "iptables" : "ip6tables"}) were refused in $c: $(cause "$out")"
`;
  // A hub without rules for a family (access or subnet6 removed): its chains go, so none outlives them.
  const fwRemove = (f: 4 | 6) => (input.hub === undefined ? "" : `docker exec "$c" sh -c '${firewallRemove(f, iface)}' || fail "could not remove the old access rules in $c"
`);
  const hubSteps = [
    ...(hub.firewall4 !== undefined ? [writeFileStep(fwFile(4), hub.firewall4, fwFile(4)), fwApply(4)] : [fwRemove(4)]),
    ...(hub.firewall6 !== undefined ? [writeFileStep(fwFile(6), hub.firewall6, fwFile(6)), fwApply(6)] : [fwRemove(6)]),
    ...(hub.hosts !== undefined ? [writeFileStep(HOSTS_FILE, hub.hosts, HOSTS_FILE)] : []),
  ].join("");
  const routes = input.digests.liveRoutes !== undefined ? routesStep(iface, input.digests.liveRoutes).replace(/^/gm, "    ").replace(/ +$/, "") : "";
  // Everything interpolated below is validated above (interface-name charset, base64 key, integer port, hex digests, CIDRs, generated payloads).
  return `set -eu
c="\${WGKIT_CONTAINER:?WGKIT_CONTAINER is not set}"
fail() { echo "wgkit: $*" >&2; exit 1; }
${CAUSE_FUNCTION}
# This start's log only (an earlier start's lines do not count).
startlog() { docker logs --since "$(docker inspect -f '{{.State.StartedAt}}' "$c" 2>/dev/null || true)" --tail 200 "$c" 2>&1 || true; }
# Milliseconds since the epoch, or nothing where date has no %N (the success line then has no duration).
now_ms() { n=$(date +%s%N 2>/dev/null) || n=""; case "$n" in ""|*[!0-9]*) ;; *) echo $((n / 1000000)) ;; esac; }
t0=$(now_ms)
# Waits until the container runs; $1 says since when (empty: since this step started).
running() {
  w=0
  until [ "$(docker inspect -f '{{.State.Running}}' "$c" 2>/dev/null)" = true ]; do
    w=$((w+1)); [ $w -le ${timeout} ] || fail "container $c is not running after ${timeout}s$1: $(docker inspect -f '{{.State.Status}} {{.State.Error}}' "$c" 2>&1 | head -c 300)"
    sleep 1
  done
}
running ""
# The image's first start-up step is a module gate that sleeps forever (container still "running")
# when it cannot use WireGuard; it says so in the log. Recognise that line and fail with the fix.
gate() {
  logs=$(startlog)
  case "$logs" in
    *"${MODULE_GATE_LINE}"*) why="the image's module gate logged '${MODULE_GATE_LINE}' and stopped start-up (the image has no userspace fallback)" ;;
    *"${USERSPACE_GATE_LINE}"*) fail "${iface} cannot come up in $c: wgkit's userspace gate found neither kernel WireGuard nor a usable /dev/net/tun. The container needs the device /dev/net/tun and NET_ADMIN; on LXC/OpenVZ hosts the host must allow tun devices in the guest." ;;
    *) return 0 ;;
  esac
  tun=""; docker exec "$c" test -c /dev/net/tun 2>/dev/null || tun=" and the container has no /dev/net/tun"
  mods=""
  if [ -n "$(docker inspect -f '{{range .Mounts}}{{if eq .Destination "/lib/modules"}}{{.Source}}{{end}}{{end}}' "$c" 2>/dev/null)" ] \
     && [ -z "$(docker exec "$c" ls -A /lib/modules 2>/dev/null)" ]; then
    mods=" The host has no /lib/modules (Docker created an empty directory for the bind mount), so the module cannot be loaded from the container either: install the kernel's modules on the host, or use userspace."
  fi
  fail "${iface} cannot come up in $c: the host kernel has no WireGuard module$tun; $why. Load the module on the host (modprobe wireguard), or set userspace: true (wgkit then runs an image derived with wireguard-go).$mods"
}
# The image deletes the container's default route when a conf fails as it starts (e.g. an Endpoint
# name that does not resolve); nothing brings the interface up after that, and every name lookup in
# the container then waits for timeouts. So once the conf is written, such a container is
# restarted (once per run): the image starts again from the conf just written and the route comes
# back with the start. (Whether the conf it failed on was another one cannot be told: the seed
# step writes confs too. Restarting a container without a route loses no traffic: it has none.)
# Failed again after the restart: fail at once with the image's words.
restarted=""
routed() {
  docker exec "$c" ip route show default 2>/dev/null | grep -q . && return 0
  if [ -z "$restarted" ]; then
    restarted=1
    echo "wgkit: $c has no default route (a conf failed as it started); restarting it to start from the conf just written" >&2
    docker restart "$c" >/dev/null 2>&1 || fail "could not restart $c (it has no default route since a conf failed as it started): $(docker inspect -f '{{.State.Status}} {{.State.Error}}' "$c" 2>&1 | head -c 300)"
    running " since its restart"
    routed
    return 0
  fi
  fail "${iface} cannot come up in $c: the container has no default route (the image deletes it when a conf fails as it starts); its log says: $(cause "$(startlog)"). The container was restarted with the conf just written and failed again: fix the cause and run pulumi up again"
}
gate
docker exec -i "$c" sh -c '${writeConfPayload(iface, fingerprint)}' || fail "could not write ${CONF_DIR}/${iface}.conf in $c"
routed
${hubSteps}echo "${input.expectedPublicKey}" | docker exec -i "$c" sh -c 'cat > ${expectFile(iface)}.wgkit-new && mv -f ${expectFile(iface)}.wgkit-new ${expectFile(iface)} && chown "$(stat -c %u:%g /config)" ${expectFile(iface)}' || fail "could not write ${expectFile(iface)} in $c"
# wg resolves Endpoint names itself and, while no resolver answers (EAI_AGAIN: the image deletes the
# default route after a failed start), retries 15 times with growing sleeps — minutes. A deploy
# asks twice, then says so; the image's own start-up (a reboot) keeps wg's default.
apply() {
  docker exec "$c" sh -c 'export WG_ENDPOINT_RESOLUTION_RETRIES=2
  if ip link show ${iface} >/dev/null 2>&1 && [ "$(cat ${running} 2>/dev/null)" = "${fingerprint}" ]; then
    wg-quick strip ${iface} > /run/${iface}.wgkit-strip && wg syncconf ${iface} /run/${iface}.wgkit-strip; rc=$?; rm -f /run/${iface}.wgkit-strip
    [ $rc -eq 0 ] || { echo "wg syncconf failed"; exit $rc; }
  else
    if ip link show ${iface} >/dev/null 2>&1; then wg-quick down ${iface}; fi
    wg-quick up ${iface} || exit $?
  fi
  echo ${fingerprint} > ${running} && chown "$(stat -c %u:%g /config)" ${running}' 2>&1
}
# After a restart the image brings the interface up from the new conf itself; applying it at the
# same time would race the image's own wg-quick (the loop below applies it if the image does not).
if [ -n "$restarted" ]; then out="(restarted; the image did not bring ${iface} up)"; else out=$(apply) || true; fi
# A conf the tools reject will not get better by waiting: fail at once with their words.
case "$out" in
  *"Configuration parsing error"*|*"Line unrecognized"*|*"Name or service not known"*|*"name resolution"*|*"wg syncconf failed"*)
    fail "${iface} in $c: the conf was rejected: $(cause "$out")" ;;
esac
t=0
while :; do
  pk=$(docker exec "$c" wg show ${iface} public-key 2>/dev/null || true)
  port=$(docker exec "$c" wg show ${iface} listen-port 2>/dev/null || true)
  if [ "$pk" = "${input.expectedPublicKey}" ]${portOk}; then
${routes}    # The peers the interface runs against those of the conf just written (no digest of them in this script).
    docker exec "$c" sh -c '[ "$(wg show ${iface} peers | sort)" = "$(sed -n "s/^PublicKey = //p" ${CONF_DIR}/${iface}.conf | sort)" ]' 2>/dev/null || fail "${iface} in $c is up but its peers differ from the conf (wg syncconf did not apply it); run pulumi up again or restart the container"
    docker exec "$c" ip route show default | grep -q . || fail "${iface} is up in $c but the container has no default route (the image deletes it when it starts without a conf or a conf fails); restart the container"
    # Brought up by the image after a restart: record the conf it runs, as apply does.
    [ -z "$restarted" ] || docker exec "$c" sh -c 'echo ${fingerprint} > ${running} && chown "$(stat -c %u:%g /config)" ${running}' || fail "could not write ${running} in $c"
    t1=$(now_ms); took=""; [ -n "$t0" ] && [ -n "$t1" ] && took=", applied in $((t1 - t0)) ms"
    echo "wgkit: ${iface} up in $c with public key $pk, listen port $port$took"; exit 0
  fi
  gate
  routed
  t=$((t+1))
  if [ $t -gt ${timeout} ]; then
    if ! docker exec "$c" sh -c 'ip link add dev wgkitprobe type wireguard 2>/dev/null && ip link del dev wgkitprobe' && ! docker exec "$c" test -c /dev/net/tun; then
      fail "${iface} is not up in $c: the host kernel has no WireGuard module and the container has no /dev/net/tun. Load it on the host (modprobe wireguard) or set userspace: true to pass /dev/net/tun for wireguard-go."
    fi
    [ -n "$pk" ] && fail "${iface} in $c reports public key $pk, expected ${input.expectedPublicKey}${input.expectedListenPort !== undefined ? ` and port ${input.expectedListenPort} (got $port)` : ""}"
    fail "${iface} is not up in $c after ${timeout}s; wg-quick said: $(cause "$out")"
  fi
  # The image may still be starting (it brings confs up itself); try again now and then.
  if [ $((t % 10)) -eq 0 ]; then out=$(apply || true); fi
  sleep 1
done
`;
}
