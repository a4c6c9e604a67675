/**
 * cli/StackConfigFile.ts against the real CLI: a stack config file a kill left empty loses every
 * setting without a word (the CLI's own behaviour is the oracle), and the main command's restore
 * brings back every setting, secrets included.
 */
import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { brokenStackConfig, copyOf, keepStackConfig, restoreStackConfig } from "../../cli/StackConfigFile";
import { findToolchain } from "../../cli/Toolchain";

describe("StackConfigFile: Pulumi.<stack>.yaml kept whole across a kill", function () {
  this.timeout(120_000);
  let scratch = "", stateDir = "", configFile = "";
  const pulumi = (...args: string[]) => {
    const found = findToolchain();
    if ("missing" in found) throw new Error(found.missing);
    const env: NodeJS.ProcessEnv = { ...process.env, ...found.env, PULUMI_BACKEND_URL: `file://${path.join(scratch, "backend")}`, PULUMI_CONFIG_PASSPHRASE: "wgkit-stack-config-test" };
    delete env.PULUMI_ACCESS_TOKEN;
    delete env.PULUMI_CONFIG_PASSPHRASE_FILE;
    return spawnSync(path.join(found.binDir, "pulumi"), [...args, "--non-interactive"], { cwd: scratch, env, encoding: "utf8", timeout: 60_000 });
  };
  const get = (key: string) => pulumi("config", "get", key, "--stack", "dev");

  beforeEach(() => {
    scratch = fs.mkdtempSync(path.join(os.tmpdir(), "wgkit-stack-config-"));
    stateDir = path.join(scratch, ".wgkit-state");
    configFile = path.join(scratch, "Pulumi.dev.yaml");
    fs.mkdirSync(path.join(scratch, "backend"));
    fs.writeFileSync(path.join(scratch, "Pulumi.yaml"), "name: sc\nruntime: nodejs\n");
    for (const args of [["stack", "init", "dev"], ["config", "set", "sc:peers", "laptop,phone,nas", "--stack", "dev"], ["config", "set", "--secret", "sc:token", "s3cr3t", "--stack", "dev"]]) {
      const r = pulumi(...args);
      assert.equal(r.status, 0, r.stderr);
    }
  });
  afterEach(() => fs.rmSync(scratch, { recursive: true, force: true }));

  it("emptied, the CLI reads no settings at all; restored from the kept copy, every setting and secret is back", () => {
    assert.equal(keepStackConfig(configFile, stateDir), true);
    assert.equal(fs.statSync(copyOf(configFile, stateDir)).mode & 0o777, 0o600);
    fs.writeFileSync(configFile, "");
    const lost = get("sc:peers");
    assert.notEqual(lost.status, 0, "the CLI does not notice the empty file: the setting is simply not found");
    assert.match(lost.stderr, /not found/);
    assert.equal(keepStackConfig(configFile, stateDir), false, "a broken file never replaces the copy");
    assert.match(restoreStackConfig(configFile, stateDir)!, /^recover: Pulumi\.dev\.yaml was broken \(it is empty;/);
    assert.equal(get("sc:peers").stdout.trim(), "laptop,phone,nas");
    assert.equal(get("sc:token").stdout.trim(), "s3cr3t", "the salt is back: the secret decrypts");
    assert.equal(restoreStackConfig(configFile, stateDir), undefined, "whole again: nothing to do");
  });

  it("a hand edit is kept; a file that is not YAML is restored; broken with no copy, the run stops and says what to do", () => {
    keepStackConfig(configFile, stateDir);
    fs.appendFileSync(configFile, "  sc:extra: yes\n");
    assert.equal(restoreStackConfig(configFile, stateDir), undefined);
    assert.equal(get("sc:extra").stdout.trim(), "yes");
    fs.writeFileSync(configFile, "config:\n  sc:peers: [laptop\n");
    assert.match(restoreStackConfig(configFile, stateDir)!, /it is not YAML/);
    assert.equal(get("sc:peers").stdout.trim(), "laptop,phone,nas");
    fs.rmSync(path.join(stateDir, "stack-config"), { recursive: true });
    fs.writeFileSync(configFile, "");
    assert.throws(() => restoreStackConfig(configFile, stateDir), /Pulumi\.dev\.yaml is broken \(it is empty: .*no good copy.*Nothing was run.*Restore it from version control/);
  });

  it("tells a broken text from a whole one", () => {
    assert.equal(brokenStackConfig(undefined), undefined, "absent: a new stack");
    assert.equal(brokenStackConfig("encryptionsalt: v1:abc\n"), undefined);
    assert.equal(brokenStackConfig(" \n"), "it is empty");
    assert.equal(brokenStackConfig("- a\n- b\n"), "it is not a YAML mapping");
    assert.equal(brokenStackConfig("just words"), "it is not a YAML mapping");
  });
});
