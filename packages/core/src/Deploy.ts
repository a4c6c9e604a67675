import { check } from "./WgKitError";
import { checkCidr, checkEach, checkInterfaceName, checkPort } from "./Validation";
import { checkKey } from "./Key";
import { CONF_DIR } from "./ContainerSpec";

export interface ApplyScriptInput {
  /** Tunnel interface, e.g. wg0; the conf goes to /config/wg_confs/<iface>.conf. */
  interfaceName: string;
  /** The public key the running interface must report. */
  expectedPublicKey: string;
  /** The listen port it must report (omit for clients with a random port). */
  expectedListenPort?: number;
  /** Interface addresses (CIDRs) the conf sets; when they changed, the interface is restarted (syncconf cannot change addresses). */
  expectedAddresses?: string[];
  /** Seconds to wait for the interface (default 60). */
  timeoutSeconds?: number;
}

/**
 * Shell script run on the deploying machine (`docker exec` into the
 * container named by $WGKIT_CONTAINER). It reads the conf on stdin, writes it
 * with mode 0600 atomically, applies it live with `wg syncconf` when the
 * interface is up (peers change without a restart) or brings it up with
 * `wg-quick up`, then waits until the interface reports the expected public
 * key and port. It never prints the conf or any key but the public one.
 * Failures end with one actionable line.
 */
export function applyScript(input: ApplyScriptInput): string {
  const iface = checkInterfaceName(input.interfaceName, "interfaceName");
  checkKey(input.expectedPublicKey, "expectedPublicKey");
  if (input.expectedListenPort !== undefined) checkPort(input.expectedListenPort, "expectedListenPort");
  const timeout = input.timeoutSeconds ?? 60;
  check(Number.isInteger(timeout) && timeout > 0 && timeout <= 3600, "timeoutSeconds", "range", "must be 1–3600");
  const conf = `${CONF_DIR}/${iface}.conf`;
  const addrs = checkEach(input.expectedAddresses, "expectedAddresses", (v, f) => checkCidr(v, f));
  const addrCheck = addrs.map((a) => `ip -o addr show dev ${iface} | grep -q -w -F ${a}`).join(" && ") || "true";
  // Everything interpolated below is validated above (interface-name charset, base64 key, integer port).
  return `set -eu
c="\${WGKIT_CONTAINER:?WGKIT_CONTAINER is not set}"
fail() { echo "wgkit: $*" >&2; exit 1; }
t=0
until [ "$(docker inspect -f '{{.State.Running}}' "$c" 2>/dev/null)" = true ]; do
  t=$((t+1)); [ $t -le ${timeout} ] || fail "container $c is not running after ${timeout}s: $(docker inspect -f '{{.State.Status}} {{.State.Error}}' "$c" 2>&1 | head -c 300)"
  sleep 1
done
docker exec -i "$c" sh -c 'umask 077; mkdir -p ${CONF_DIR} && cat > ${conf}.wgkit-new && chmod 600 ${conf}.wgkit-new && mv -f ${conf}.wgkit-new ${conf}' \\
  || fail "could not write ${conf} in $c"
out=$(docker exec "$c" sh -c '
  if ip link show ${iface} >/dev/null 2>&1 && ! { ${addrCheck}; }; then wg-quick down ${iface}; fi
  if ip link show ${iface} >/dev/null 2>&1; then
    wg-quick strip ${iface} > /run/${iface}.wgkit-strip && wg syncconf ${iface} /run/${iface}.wgkit-strip; rc=$?; rm -f /run/${iface}.wgkit-strip; exit $rc
  else
    wg-quick up ${iface}
  fi' 2>&1) || true
# A conf the tools reject will not get better by waiting: fail at once with their words.
case "$out" in
  *"Configuration parsing error"*|*"Line unrecognized"*|*"Name or service not known"*)
    fail "${iface} in $c: the conf was rejected: $(printf '%s' "$out" | grep -v -E '^\[#\]' | tr '\n' ' ' | head -c 400)" ;;
esac
t=0
while :; do
  pk=$(docker exec "$c" wg show ${iface} public-key 2>/dev/null || true)
  port=$(docker exec "$c" wg show ${iface} listen-port 2>/dev/null || true)
  if [ "$pk" = "${input.expectedPublicKey}" ]${input.expectedListenPort !== undefined ? ` && [ "$port" = "${input.expectedListenPort}" ]` : ""}; then
    echo "wgkit: ${iface} up in $c with public key $pk, listen port $port"; exit 0
  fi
  t=$((t+1))
  if [ $t -gt ${timeout} ]; then
    if ! docker exec "$c" sh -c 'ip link add dev wgkitprobe type wireguard 2>/dev/null && ip link del dev wgkitprobe' && ! docker exec "$c" test -c /dev/net/tun; then
      fail "${iface} is not up in $c: the host kernel has no WireGuard module and the container has no /dev/net/tun. Load it on the host (modprobe wireguard) or set userspace: true to pass /dev/net/tun for wireguard-go."
    fi
    [ -n "$pk" ] && fail "${iface} in $c reports public key $pk, expected ${input.expectedPublicKey}${input.expectedListenPort !== undefined ? ` and port ${input.expectedListenPort} (got $port)` : ""}"
    fail "${iface} is not up in $c after ${timeout}s; wg-quick said: $(printf '%s' "$out" | tail -n 3 | tr '\\n' ' ' | head -c 400)"
  fi
  # The image may still be starting (it brings confs up itself); retry bringing it up.
  if [ $((t % 10)) -eq 0 ]; then out=$(docker exec "$c" sh -c 'ip link show ${iface} >/dev/null 2>&1 || wg-quick up ${iface}' 2>&1 || true); fi
  sleep 1
done
`;
}
