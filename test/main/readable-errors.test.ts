/**
 * What a person reads when an install step fails, on the real engine: wgkit's cause first, in a
 * few lines — never the script (the command provider quotes `create` in its error, so `create` is
 * a short line and the script travels in WGKIT_SCRIPT) — and the cause is not crowded out by
 * wireguard-go's banner. The case: a provider conf whose Endpoint does not resolve (the
 * route-containers example a user tried), a cause the user can act on, so it fails at once. Then
 * the user fixes the endpoint and runs up again: the container the image left without a default
 * route comes back with the new conf, without a manual restart.
 */
import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { LocalWorkspace, PulumiCommand } from "@pulumi/pulumi/automation";
import { ClientTunnel } from "@wgkit/pulumi";
import { findToolchain } from "../../cli/Toolchain";

const wg = (args: string[], input?: string) => spawnSync("wg", args, { input, encoding: "utf8" }).stdout.trim();

describe("a failing install step reads cause first (real engine)", function () {
  this.timeout(600_000);
  const name = `wgkit-err-${crypto.randomBytes(3).toString("hex")}`;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "wgkit-err-"));

  after(() => {
    spawnSync("docker", ["rm", "-f", name]);
    spawnSync("docker", ["volume", "rm", "-f", `${name}-config`]);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("a ClientTunnel whose endpoint does not resolve fails in seconds with wgkit's line first, the resolver's words in it, and no script", async () => {
    const tc = findToolchain();
    assert.ok(!("missing" in tc), "the toolchain is built (npm run toolchain)");
    if ("missing" in tc) return;
    const priv = wg(["genkey"]);
    const peerPub = wg(["pubkey"], wg(["genkey"]) + "\n");
    const conf = `[Interface]\nPrivateKey = ${priv}\nAddress = 10.99.0.2/32\n\n[Peer]\nPublicKey = ${peerPub}\nAllowedIPs = 10.99.0.0/24\nEndpoint = no-such-host.invalid:51820\n`;
    const image = spawnSync("docker", ["image", "inspect", "-f", "{{.Id}}", "lscr.io/linuxserver/wireguard:1.0.20250521"]).status === 0
      ? "lscr.io/linuxserver/wireguard:1.0.20250521" : assert.fail("the stand-in image is built (bash test/e2e/setup.sh)");
    let config = conf;
    const program = async () => {
      const t = new ClientTunnel(name, { config, userspace: true, image, dns: [] });
      return { networkMode: t.networkMode };
    };
    fs.mkdirSync(path.join(dir, "state"));
    const stack = await LocalWorkspace.createOrSelectStack({ stackName: "err", projectName: "wgkit-err", program }, {
      pulumiCommand: await PulumiCommand.get({ root: tc.root }),
      workDir: dir,
      projectSettings: { name: "wgkit-err", runtime: "nodejs", backend: { url: `file://${path.join(dir, "state")}` } },
      envVars: { ...tc.env, PULUMI_CONFIG_PASSPHRASE: "err" },
    });
    let output = "";
    const t0 = Date.now();
    const err = await stack.up({ onOutput: (s) => { output += s; } }).then(() => undefined, (e: Error) => String(e.message ?? e));
    const ms = Date.now() - t0;
    assert.ok(err, "up failed");
    const route = () => spawnSync("docker", ["exec", name, "ip", "route", "show", "default"], { encoding: "utf8" }).stdout.trim();
    assert.equal(route(), "", "the image deleted the container's default route when the conf failed as it started");
    // The user fixes the endpoint and runs up again: no manual restart.
    config = conf.replace("no-such-host.invalid:51820", "192.0.2.1:51820");
    let fixOutput = "";
    const t1 = Date.now();
    const fixed = await stack.up({ onOutput: (s) => { fixOutput += s; } });
    const fixMs = Date.now() - t1;
    assert.equal(fixed.summary.result, "succeeded");
    assert.match(route(), /^default via /, "the default route is back");
    assert.match(spawnSync("docker", ["exec", name, "wg", "show", "wg0", "endpoints"], { encoding: "utf8" }).stdout, /192\.0\.2\.1:51820/, "the interface runs the new conf");
    assert.equal((await stack.preview({ expectNoChanges: true })).changeSummary.same !== undefined, true);
    console.log(`      fixed endpoint: up in ${fixMs} ms${/restarting it to start from the conf just written/.test(fixOutput) ? " (container restarted by the install step)" : ""}`);
    try { await stack.destroy(); } catch { /* the after hook removes what is left */ }
    // The command's error in the Diagnostics: `exit status 1: running "<create>":` then what it printed.
    const diag = output.slice(output.indexOf("Diagnostics:"));
    const at = diag.indexOf("running \"");
    assert.ok(at >= 0, `the command's error is in the diagnostics:\n${diag}`);
    const block = diag.slice(at).split("\n").slice(0, 12);
    assert.match(block[0], /^running "exec \/bin\/sh -c \\"\$WGKIT_SCRIPT\\" wgkit":$/, "create is one short line");
    const lines = block.slice(1).map((l) => l.trim()).filter((l) => l && !/^(pulumi:pulumi:Stack|error: update failed)/.test(l));
    assert.match(lines[0], /^wgkit: /, `wgkit's line first:\n${block.join("\n")}`);
    assert.match(lines[0], /Name or service not known|name resolution/i, `the resolver's words in wgkit's line:\n${lines[0]}`);
    assert.doesNotMatch(lines[0], /[│┌└]/, "no line of wireguard-go's banner in the excerpt");
    const commandLines = diag.slice(at).split(/\n\s*\n/)[0].split("\n");
    assert.ok(commandLines.length <= 8, `a few lines, not a screen (${commandLines.length}):\n${commandLines.join("\n")}`);
    assert.doesNotMatch(diag, /docker exec|wgkit_main|set -eu/, "no script in the error");
    console.log(`      failed after ${ms} ms; first line: ${lines[0].slice(0, 160)}`);
  });
});
