import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import { applyScript, causeFirst, deployDigests, generateKeyPair, MODULE_GATE_LINE, peerConf, renderWgQuick, seedScript, serverConf, USERSPACE_GATE_LINE, WgKitError } from "@wgkit/core";
import { tmpDir } from "../support/wgTools";

/**
 * A stand-in `docker` CLI on PATH. Every `sh -c PAYLOAD` it is asked to run in a container is
 * checked with `sh -n` (a syntax error fails like docker would); the interface "exists" once a
 * payload ran `wg-quick up`; `wg show`, the peer comparison and the default route answer from env.
 * Every call is logged. The e2e suite runs the same scripts against real containers.
 */
function fakeDocker(dir: string): void {
  fs.writeFileSync(path.join(dir, "docker"), `#!/bin/sh
echo "$*" >> "$FAKE_LOG"
payload() { sh -n -c "$1" || exit 2; }
case "$1" in
  inspect) case "$*" in *Mounts*) echo "$FAKE_MODULES_MOUNT" ;; *) echo true ;; esac; exit 0 ;;
  logs) printf '%s\n' "$FAKE_LOGS"; exit 0 ;;
  restart) touch "$FAKE_LOG.restarted"; [ -n "$FAKE_NO_ROUTE_AFTER_RESTART" ] || touch "$FAKE_LOG.up"; exit 0 ;;
  run) for a; do last="$a"; done; payload "$last"; cat > /dev/null; exit 0 ;;
  exec)
    shift
    while :; do case "$1" in -i) shift; cat > /dev/null ;; -e) shift 2 ;; *) break ;; esac; done
    shift # container
    if [ "$1" = "sh" ] && [ "$2" = "-c" ]; then
      payload "$3"
      case "$3" in
        *"peers | sort"*) [ -z "$FAKE_PEERS_DIFFER" ]; exit $? ;;
        *"wg-quick up"*) if [ -n "$FAKE_UP_ERROR" ]; then echo "$FAKE_UP_ERROR"; exit 1; fi; touch "$FAKE_LOG.up" ;;
      esac
      exit 0
    fi
    if [ "$1" = "test" ]; then [ -n "$FAKE_TUN" ]; exit $?; fi
    if [ "$1" = "ls" ]; then printf '%s' "$FAKE_MODULES"; exit 0; fi
    if [ "$1" = "ip" ]; then
      # No route while FAKE_NO_ROUTE, until a restart brings it back (FAKE_NO_ROUTE_AFTER_RESTART: the new conf failed too).
      if [ -z "$FAKE_NO_ROUTE" ] || { [ -e "$FAKE_LOG.restarted" ] && [ -z "$FAKE_NO_ROUTE_AFTER_RESTART" ]; }; then echo "default via 198.18.0.1 dev eth0"; fi
      exit 0
    fi
    [ -e "$FAKE_LOG.up" ] || exit 1 # no interface until a payload brought it up
    if [ "$1" = "wg" ] && [ "$4" = "public-key" ]; then echo "$FAKE_PK"; exit 0; fi
    if [ "$1" = "wg" ] && [ "$4" = "listen-port" ]; then echo "$FAKE_PORT"; exit 0; fi
    exit 1 ;;
esac
exit 1
`, { mode: 0o755 });
}

describe("Deploy: the conf seed and install scripts", function () {
  this.timeout(20_000);
  const server = generateKeyPair(), peer = generateKeyPair();
  const model = serverConf({ privateKey: server.privateKey, address: "10.13.13.1", subnet: "10.13.13.0/24", peers: [{ publicKey: peer.publicKey, address: "10.13.13.2" }] });
  const digests = deployDigests(model);
  const script = applyScript({ interfaceName: "wg0", expectedPublicKey: server.publicKey, expectedListenPort: 51820, digests, timeoutSeconds: 3 });
  const run = (sh: string, env: Record<string, string> = {}) => {
    const dir = tmpDir();
    fakeDocker(dir);
    const log = path.join(dir, "log");
    const t0 = Date.now();
    const r = spawnSync("sh", ["-c", sh], {
      input: "[Interface]\nPrivateKey = secret\n", encoding: "utf8",
      // env.PATH goes after the stand-in docker's directory.
      env: { ...process.env, WGKIT_CONTAINER: "wg-test", WGKIT_CONFIG: "wg-config", WGKIT_IMAGE: "img", FAKE_LOG: log, FAKE_PK: server.publicKey, FAKE_PORT: "51820", ...env, PATH: `${dir}:${env.PATH ?? process.env.PATH}` },
    });
    const calls = fs.existsSync(log) ? fs.readFileSync(log, "utf8") : "";
    fs.rmSync(dir, { recursive: true, force: true });
    return { ...r, ms: Date.now() - t0, calls };
  };

  it("digests: peers and routed LANs do not change the fingerprint (the LANs' routes are live); the interface section does", () => {
    const other = generateKeyPair();
    const more = deployDigests(serverConf({ privateKey: server.privateKey, address: "10.13.13.1", subnet: "10.13.13.0/24", peers: [{ publicKey: peer.publicKey, address: "10.13.13.2" }, { publicKey: other.publicKey, address: "10.13.13.3" }] }));
    assert.equal(more.fingerprint, digests.fingerprint, "a peer inside the subnet is applied live");
    const lan = deployDigests(serverConf({ privateKey: server.privateKey, address: "10.13.13.1", subnet: "10.13.13.0/24", peers: [{ publicKey: peer.publicKey, address: "10.13.13.2", serverAllowedIps: ["192.168.7.0/24"] }] }));
    assert.equal(lan.fingerprint, digests.fingerprint, "a routed LAN (a spoke) is routed live: no restart");
    assert.deepEqual(lan.liveRoutes, ["192.168.7.0/24"]);
    const table = deployDigests(peerConf({ privateKey: peer.privateKey, address: "10.13.13.2", serverPublicKey: server.publicKey, endpoint: "vpn.example.com:51820", allowedIps: ["10.0.0.0/8"] }));
    assert.deepEqual(table.liveRoutes, ["10.0.0.0/8"], "a split client's routes are live too");
    assert.equal(deployDigests(peerConf({ privateKey: peer.privateKey, address: "10.13.13.2", serverPublicKey: server.publicKey, endpoint: "vpn.example.com:51820" })).liveRoutes, undefined, "a default route is policy routing: part of the fingerprint");
    const mtu = deployDigests(serverConf({ privateKey: server.privateKey, address: "10.13.13.1", subnet: "10.13.13.0/24", mtu: 1380, peers: [{ publicKey: peer.publicKey, address: "10.13.13.2" }] }));
    assert.notEqual(mtu.fingerprint, digests.fingerprint);
    const client = deployDigests(peerConf({ privateKey: peer.privateKey, address: "10.13.13.2", serverPublicKey: server.publicKey, endpoint: "vpn.example.com:51820" }));
    assert.notEqual(client.fingerprint, deployDigests(peerConf({ privateKey: peer.privateKey, address: "10.13.13.2", serverPublicKey: server.publicKey, endpoint: "vpn.example.com:51820", allowedIps: ["10.0.0.0/8"] })).fingerprint, "AllowedIPs of a client are routes");
  });

  it("install: valid sh, every payload valid sh, converges at once; the conf travels on stdin only", () => {
    assert.equal(spawnSync("sh", ["-n", "-c", script]).status, 0);
    const r = run(script);
    assert.equal(r.status, 0, r.stderr);
    assert.ok(r.ms < 2000, `converged at once (${r.ms} ms): no payload failed and forced a retry`);
    assert.match(r.stdout, /wg0 up in wg-test with public key/);
    assert.ok(!r.calls.includes("PrivateKey") && !r.stdout.includes("secret"));
  });

  it("install: its success line says how long the step took (npm run bench reads it), and nothing where date has no %N", () => {
    const r = run(script);
    const took = /, applied in (\d+) ms$/m.exec(r.stdout);
    assert.ok(took, r.stdout);
    assert.ok(Number(took[1]) <= r.ms, `${took[1]} ms within the ${r.ms} ms the test saw`);
    // A date without %N (macOS, some busybox builds) prints it literally.
    const dir = tmpDir();
    fs.writeFileSync(path.join(dir, "date"), "#!/bin/sh\necho 1733450000N\n", { mode: 0o755 });
    const plain = run(script, { PATH: `${dir}:${process.env.PATH}` });
    fs.rmSync(dir, { recursive: true, force: true });
    assert.equal(plain.status, 0, plain.stderr);
    assert.match(plain.stdout, /wg0 up in wg-test with public key \S+, listen port 51820$/m);
  });

  it("install fails loudly: another key, peers not applied, no default route, a rejected conf (at once)", () => {
    const other = generateKeyPair().publicKey;
    let r = run(script, { FAKE_PK: other });
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, new RegExp(`reports public key ${other.replace(/[+/]/g, "\\$&")}, expected`));
    r = run(script, { FAKE_PEERS_DIFFER: "1" });
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /its peers differ from the conf/);
    r = run(script, { FAKE_NO_ROUTE: "1", FAKE_NO_ROUTE_AFTER_RESTART: "1" });
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /no default route/);
    r = run(script, { FAKE_UP_ERROR: "Name or service not known: `vpn.example.com:51820'\nConfiguration parsing error" });
    assert.notEqual(r.status, 0);
    assert.ok(r.ms < 2000, `${r.ms} ms`);
    assert.match(r.stderr, /the conf was rejected: Name or service not known: `vpn\.example\.com:51820'/);
  });

  it("install: a conf the image failed on at start (default route deleted) fails at once with the image's words; wireguard-go's banner does not hide the cause", () => {
    const slow = applyScript({ interfaceName: "wg0", expectedPublicKey: server.publicKey, expectedListenPort: 51820, digests, timeoutSeconds: 600 });
    // What the userspace fallback prints before wg's own error (Debian's wg-quick + wireguard-go).
    const banner = ["[#] ip link add wg0 type wireguard", "Error: Unknown device type.", "[!] Missing WireGuard kernel module. Falling back to slow userspace implementation.",
      "[#] wireguard-go wg0", "┌──────────────────────────────────────────────────────┐", ...Array(8).fill("│   Running wireguard-go is not required because this  │"),
      "└──────────────────────────────────────────────────────┘", "[#] wg setconf wg0 /dev/fd/63"].join("\n");
    const cause = "Name or service not known: `home.example.com:51820'";
    let r = run(slow, { FAKE_NO_ROUTE: "1", FAKE_NO_ROUTE_AFTER_RESTART: "1", FAKE_PK: "", FAKE_LOGS: `**** Activating tunnel /config/wg_confs/wg0.conf ****\n${banner}\n${cause}\nConfiguration parsing error\n**** Tunnel /config/wg_confs/wg0.conf failed; taking all tunnels down and deleting the default route ****` });
    assert.notEqual(r.status, 0);
    assert.ok(r.ms < 2000, `failed at once (${r.ms} ms), not after the 600 s timeout`);
    assert.match(r.stderr, /the container has no default route \(the image deletes it when a conf fails as it starts\); its log says: .*Name or service not known: `home\.example\.com:51820' Configuration parsing error/);
    assert.match(r.stderr, /restarted with the conf just written and failed again: fix the cause and run pulumi up again/);
    assert.equal(r.calls.split("\n").filter((l) => l.startsWith("restart ")).length, 1, "restarted once, not in a loop");
    assert.doesNotMatch(r.stderr, /\[#\]|[│┌└]/, "no echo of wg-quick's commands, no line of wireguard-go's banner");
    assert.ok(!r.calls.includes("wg-quick up"), "nothing applied into a container that cannot come up");
    r = run(slow, { FAKE_UP_ERROR: `${banner}\n${cause}\nConfiguration parsing error` });
    assert.notEqual(r.status, 0);
    assert.ok(r.ms < 2000, `${r.ms} ms`);
    assert.match(r.stderr, /the conf was rejected: .*Name or service not known: `home\.example\.com:51820' Configuration parsing error/);
    // As the command runs it (causeFirst): wgkit's line printed whole even when the excerpt's
    // 400-byte cut splits a multibyte character (grep called it binary and printed nothing else).
    for (const pad of ["", "x", "xx"]) {
      r = run(causeFirst(slow), { FAKE_NO_ROUTE: "1", FAKE_NO_ROUTE_AFTER_RESTART: "1", FAKE_PK: "", LANG: "C.UTF-8", FAKE_LOGS: `${pad}${cause} error ${"—".repeat(200)}` });
      assert.notEqual(r.status, 0);
      assert.match(r.stdout, /^wgkit: wg0 cannot come up in wg-test: the container has no default route.*Name or service not known/m, r.stdout + r.stderr);
      assert.doesNotMatch(r.stdout + r.stderr, /binary file matches/);
    }
  });

  it("install into a container a conf failed on as it started (no default route): restarted once after the conf is written, the image brings it up, nothing races it", () => {
    const slow = applyScript({ interfaceName: "wg0", expectedPublicKey: server.publicKey, expectedListenPort: 51820, digests, timeoutSeconds: 600 });
    const failed = "**** Tunnel /config/wg_confs/wg0.conf failed; taking all tunnels down and deleting the default route ****";
    let r = run(slow, { FAKE_NO_ROUTE: "1", FAKE_LOGS: failed });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.calls.split("\n").filter((l) => l.startsWith("restart ")).length, 1, r.calls);
    assert.match(r.stderr, /wg-test has no default route \(a conf failed as it started\); restarting it to start from the conf just written/);
    assert.ok(!r.calls.includes("wg-quick up"), "the image brings the interface up after the restart; wgkit does not race it");
    assert.ok(r.calls.includes(".wg0.running"), "the conf it runs is recorded, as after apply");
    assert.match(r.stdout, /^wgkit: wg0 up in wg-test with public key /m);
    // The conf fails again after the restart: one restart, then the image's words, at once.
    r = run(slow, { FAKE_NO_ROUTE: "1", FAKE_NO_ROUTE_AFTER_RESTART: "1", FAKE_PK: "", FAKE_LOGS: `Name or service not known: \`home.example.com:51820'\n${failed}` });
    assert.notEqual(r.status, 0);
    assert.ok(r.ms < 5000, `${r.ms} ms`);
    assert.equal(r.calls.split("\n").filter((l) => l.startsWith("restart ")).length, 1, r.calls);
    assert.match(r.stderr, /the container has no default route .*its log says: .*home\.example\.com/);
    // As the command runs it: the cause first, then the note of the restart.
    r = run(causeFirst(slow), { FAKE_NO_ROUTE: "1", FAKE_NO_ROUTE_AFTER_RESTART: "1", FAKE_PK: "", FAKE_LOGS: `Name or service not known: \`home.example.com:51820'\n${failed}` });
    assert.notEqual(r.status, 0);
    const lines = r.stdout.split("\n");
    assert.match(lines[0], /^wgkit: wg0 cannot come up in wg-test: the container has no default route/, r.stdout);
    assert.match(lines[1], /^wgkit: wg-test has no default route \(a conf failed as it started\); restarting it/, r.stdout);
    r = run(causeFirst(slow), { FAKE_NO_ROUTE: "1", FAKE_LOGS: failed });
    assert.equal(r.status, 0, r.stdout);
    assert.deepEqual(r.stdout.trim().split("\n").map((l) => l.replace(/(restarting it|up in wg-test).*/, "$1")), ["wgkit: wg-test has no default route (a conf failed as it started); restarting it", "wgkit: wg0 up in wg-test"], "on success every wgkit line, in order");
  });

  it("digests: keyed by the private key (HMAC): not reproducible without it; a new key restarts the interface; no digest of the peers travels", () => {
    const other = generateKeyPair();
    const rekeyed = deployDigests(serverConf({ privateKey: other.privateKey, address: "10.13.13.1", subnet: "10.13.13.0/24", peers: [{ publicKey: peer.publicKey, address: "10.13.13.2" }] }));
    assert.notEqual(rekeyed.fingerprint, digests.fingerprint, "a key change restarts the interface (every peer handshakes again anyway)");
    assert.equal(deployDigests(model).fingerprint, digests.fingerprint, "same conf, same fingerprint (preview --expect-no-changes)");
    assert.ok(!script.includes(server.privateKey) && !seedScript("wg0", digests).includes(server.privateKey));
    // what an attacker holding the state could compute: plain hashes of the conf's parts, of its interface section, of the peers
    const text = renderWgQuick(model);
    const candidates = [text, text.replace(/^PrivateKey.*\n/m, ""), peer.publicKey, `${peer.publicKey}\n`, "10.13.13.0/24", "10.13.13.1/24"];
    for (const c of candidates) for (const h of ["sha256", "sha1", "md5"]) {
      const d = crypto.createHash(h).update(c).digest("hex");
      assert.ok(!script.includes(d) && !seedScript("wg0", digests).includes(d), `${h} of ${JSON.stringify(c.slice(0, 30))} is in the script`);
    }
    assert.doesNotMatch(script, /sha256sum/);
  });

  it("install: the image's module gate in the log fails at once with the fix (modprobe or userspace), not after the timeout", () => {
    const slow = applyScript({ interfaceName: "wg0", expectedPublicKey: server.publicKey, expectedListenPort: 51820, digests, timeoutSeconds: 600 });
    const gateLog = `[migrations] started\n**** ${MODULE_GATE_LINE}. If you believe ... ****\n`;
    let r = run(slow, { FAKE_LOGS: gateLog, FAKE_PK: "", FAKE_UP_ERROR: "RTNETLINK answers: Not supported" });
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /the host kernel has no WireGuard module and the container has no \/dev\/net\/tun/);
    assert.match(r.stderr, /modprobe wireguard\), or set userspace: true/);
    assert.ok(!/no \/lib\/modules/.test(r.stderr), "no /lib/modules mount: nothing said about it");
    r = run(slow, { FAKE_LOGS: gateLog, FAKE_TUN: "1", FAKE_MODULES_MOUNT: "/lib/modules", FAKE_MODULES: "" });
    assert.match(r.stderr, /no WireGuard module; the image's module gate logged/, "tun present: not claimed missing");
    assert.match(r.stderr, /The host has no \/lib\/modules \(Docker created an empty directory/);
    r = run(slow, { FAKE_LOGS: gateLog, FAKE_MODULES_MOUNT: "/lib/modules", FAKE_MODULES: "6.1.0-28-amd64" });
    assert.ok(!/no \/lib\/modules/.test(r.stderr), "modules present: nothing said about them");
    r = run(slow, { FAKE_LOGS: `**** ${USERSPACE_GATE_LINE} with NET_ADMIN; sleeping forever ****` });
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /userspace gate found neither kernel WireGuard nor a usable \/dev\/net\/tun/);
    r = run(script, { FAKE_LOGS: "[wgkit userspace gate] no kernel WireGuard; tunnels use wireguard-go" });
    assert.equal(r.status, 0, "a passing gate's line is not a failure");
  });

  it("install and seed remove stale confs wgkit wrote for another interface, and warn about confs it did not write", () => {
    const payload = (/docker exec -i "\$c" sh -c '([^']*)'/.exec(script) ?? [])[1];
    assert.ok(payload, "the install writes its conf with one payload");
    const dir = tmpDir();
    // The payload run for real against a folder standing in for /config (paths rewritten, tools on PATH).
    const root = path.join(dir, "config");
    fs.mkdirSync(path.join(root, "wg_confs"), { recursive: true });
    for (const [f, c] of [["wg9.conf", "[Interface]\nPrivateKey = old\n"], [".wg9.wanted", "x\n"], [".wg9.running", "x\n"], ["mine.conf", "[Interface]\n"], ["wg0.conf", "old\n"], [".wg0.wanted", "y\n"]]) fs.writeFileSync(path.join(root, "wg_confs", f), c);
    const r = spawnSync("sh", ["-c", payload.split("/config").join(root)], { input: "[Interface]\nPrivateKey = new\n", encoding: "utf8" });
    const left = fs.readdirSync(path.join(root, "wg_confs")).sort();
    fs.rmSync(dir, { recursive: true, force: true });
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(left, [".wg0.wanted", "mine.conf", "wg0.conf"]);
    assert.match(r.stderr, /removed the stale conf wg9\.conf/);
    assert.match(r.stderr, /warning: .*mine\.conf was not written by wgkit/);
    assert.ok(!r.stderr.includes("old") && !r.stderr.includes("new"), "no conf content in the messages");
  });

  it("seed: writes through a throwaway container with no network; valid sh", () => {
    const seed = seedScript("wg0", digests);
    const r = run(seed);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.calls, /^run --rm -i --network none --entrypoint sh -v wg-config:\/config img -c umask 077/m);
  });

  it("install with a hub: files by quoted heredoc, the firewall applied before peers change, routes converged live, the health expectation written; valid sh", () => {
    const lanModel = serverConf({ privateKey: server.privateKey, address: "10.13.13.1", subnet: "10.13.13.0/24", firewall: true, peers: [{ publicKey: peer.publicKey, address: "10.13.13.2", serverAllowedIps: ["192.168.7.0/24"] }] });
    const d = deployDigests(lanModel);
    const hubScript = applyScript({ interfaceName: "wg0", expectedPublicKey: server.publicKey, expectedListenPort: 51820, digests: d, timeoutSeconds: 3,
      hub: { firewall4: "*filter\n:WGKIT-FWD - [0:0]\nCOMMIT\n", hosts: "10.13.13.2 a.wg.internal\n" } });
    assert.equal(spawnSync("sh", ["-n", "-c", hubScript]).status, 0);
    const r = run(hubScript);
    assert.equal(r.status, 0, r.stderr);
    const calls = r.calls.split("\n");
    const fw = calls.findIndex((l) => l.includes("iptables-restore --noflush /config/wg_confs/.wg0.fw4"));
    const sync = calls.findIndex((l) => l.includes("wg syncconf") || l.includes("wg-quick up"));
    assert.ok(fw >= 0 && sync > fw, "rules in place before peers change");
    assert.ok(calls.some((l) => l.includes("ip -4 route replace 192.168.7.0/24 dev wg0")), "the spoke's LAN routed live");
    assert.match(hubScript, /<<'WGKIT_EOF' [^\n]*\n\*filter\n/);
    assert.ok(hubScript.includes(`echo "${server.publicKey}" | docker exec -i "$c" sh -c 'cat > /config/wg_confs/.wg0.expect.wgkit-new`), "the health check's expectation");
    assert.throws(() => applyScript({ interfaceName: "wg0", expectedPublicKey: server.publicKey, digests: d, hub: { hosts: "x\nWGKIT_EOF\nreboot\n" } }), (e: WgKitError) => e.rule === "internal");
  });

  it("seed with a hub: a fail-closed firewall and wgkit's Corefile, only when absent; valid sh", () => {
    const seed = seedScript("wg0", digests, { firewall: true, firewall6: true, corefile: true });
    assert.equal(run(seed).status, 0);
    const payload = /-c '([^']*)'/.exec(seed)![1];
    const dir = tmpDir();
    const root = path.join(dir, "config");
    fs.mkdirSync(path.join(root, "coredns"), { recursive: true });
    fs.writeFileSync(path.join(root, "coredns", "Corefile"), "mine\n");
    const r = spawnSync("sh", ["-c", payload.split("/config").join(root).replace(/chown "[^"]*" /g, "true ")], { input: "[Interface]\n", encoding: "utf8" });
    assert.equal(r.status, 0, r.stderr);
    const fw4 = fs.readFileSync(path.join(root, "wg_confs", ".wg0.fw4"), "utf8");
    assert.match(fw4, /-A WGKIT-FWD -j DROP\n/);
    assert.ok(fs.existsSync(path.join(root, "wg_confs", ".wg0.fw6")));
    assert.equal(fs.readFileSync(path.join(root, "coredns", "Corefile"), "utf8"), "mine\n", "a Corefile already there is kept");
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("refuses values that would break out of the scripts", () => {
    assert.throws(() => applyScript({ interfaceName: "wg0; reboot", expectedPublicKey: server.publicKey, digests }), (e: WgKitError) => e.rule === "interface-name");
    assert.throws(() => applyScript({ interfaceName: "wg0", expectedPublicKey: "$(id)", digests }), (e: WgKitError) => e.rule === "key-format");
    assert.throws(() => applyScript({ interfaceName: "wg0", expectedPublicKey: server.publicKey, digests: { ...digests, fingerprint: "x'; reboot" } }), (e: WgKitError) => e.rule === "sha256");
    assert.throws(() => seedScript("wg0", { ...digests, fingerprint: "$(id)" }), (e: WgKitError) => e.rule === "sha256");
  });
});
