import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { applyScript, generateKeyPair, WgKitError } from "@wgkit/core";
import { tmpDir } from "../support/wgTools";

/**
 * A stand-in `docker` CLI on PATH: `exec … sh -c PAYLOAD` checks PAYLOAD's syntax with `sh -n`
 * (and fails like docker would on a syntax error), `wg show` answers from env, `inspect` says running.
 * Every call is logged, so the test sees what the script asked the container to do.
 */
function fakeDocker(dir: string): void {
  fs.writeFileSync(path.join(dir, "docker"), `#!/bin/sh
echo "$*" >> "$FAKE_LOG"
case "$1" in
  inspect) echo true; exit 0 ;;
  exec)
    shift; [ "$1" = "-i" ] && { shift; cat > /dev/null; }
    shift # container
    if [ "$1" = "sh" ] && [ "$2" = "-c" ]; then
      sh -n -c "$3" || exit 2
      case "$3" in *"wg-quick up"*)
        if [ -n "$FAKE_UP_ERROR" ]; then echo "$FAKE_UP_ERROR"; exit 1; fi
        touch "$FAKE_LOG.up" ;;
      esac
      exit 0
    fi
    [ -e "$FAKE_LOG.up" ] || exit 1 # no interface until a payload brought it up
    if [ "$1" = "wg" ] && [ "$3" = "wg0" ] && [ "$4" = "public-key" ]; then echo "$FAKE_PK"; exit 0; fi
    if [ "$1" = "wg" ] && [ "$4" = "listen-port" ]; then echo "$FAKE_PORT"; exit 0; fi
    exit 1 ;;
esac
exit 1
`, { mode: 0o755 });
}

describe("Deploy: the conf install script", function () {
  this.timeout(20_000);
  const k = generateKeyPair();
  const script = applyScript({ interfaceName: "wg0", expectedPublicKey: k.publicKey, expectedListenPort: 51820, expectedAddresses: ["10.13.13.1/24", "fd42:13:13::1/64"], timeoutSeconds: 3 });
  const run = (pk: string, port: string, upError = "") => {
    const dir = tmpDir();
    fakeDocker(dir);
    const log = path.join(dir, "log");
    const t0 = Date.now();
    const r = spawnSync("sh", ["-c", script], { input: "[Interface]\nPrivateKey = secret\n", encoding: "utf8", env: { ...process.env, PATH: `${dir}:${process.env.PATH}`, WGKIT_CONTAINER: "wg-test", FAKE_LOG: log, FAKE_PK: pk, FAKE_PORT: port, FAKE_UP_ERROR: upError } });
    const calls = fs.readFileSync(log, "utf8");
    fs.rmSync(dir, { recursive: true, force: true });
    return { ...r, ms: Date.now() - t0, calls };
  };

  it("is valid sh, and every payload it runs in the container is valid sh", () => {
    assert.equal(spawnSync("sh", ["-n", "-c", script]).status, 0);
    const r = run(k.publicKey, "51820");
    assert.equal(r.status, 0, r.stderr);
    assert.ok(r.ms < 2000, `converged at once (${r.ms} ms): no payload failed and forced a retry`);
    assert.match(r.stdout, /wg0 up in wg-test with public key/);
    assert.match(r.calls, /wg-quick strip wg0/);
    assert.ok(!r.calls.includes("PrivateKey") && !r.stdout.includes("secret"), "the conf travels on stdin only");
  });

  it("fails loudly, naming the key it saw, when the interface reports another key", () => {
    const other = generateKeyPair().publicKey;
    const r = run(other, "51820");
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, new RegExp(`reports public key ${other.replace(/[+/]/g, "\\$&")}, expected`));
  });

  it("fails at once, with wg-quick's words, when the conf is rejected (no waiting out the timeout)", () => {
    const r = run(k.publicKey, "51820", "Name or service not known: `vpn.example.com:51820'\nConfiguration parsing error");
    assert.notEqual(r.status, 0);
    assert.ok(r.ms < 2000, `${r.ms} ms`);
    assert.match(r.stderr, /the conf was rejected: Name or service not known: `vpn\.example\.com:51820'/);
  });

  it("refuses values that would break out of the script", () => {
    assert.throws(() => applyScript({ interfaceName: "wg0; reboot", expectedPublicKey: k.publicKey }), (e: WgKitError) => e.rule === "interface-name");
    assert.throws(() => applyScript({ interfaceName: "wg0", expectedPublicKey: "$(id)" }), (e: WgKitError) => e.rule === "key-format");
    assert.throws(() => applyScript({ interfaceName: "wg0", expectedPublicKey: k.publicKey, expectedAddresses: ["10.0.0.1/24'"] }), (e: WgKitError) => e.rule === "cidr");
  });
});
