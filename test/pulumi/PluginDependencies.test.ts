/**
 * What the Node.js language host installs in plugin/ on `pulumi package add` (it runs `npm install`
 * there; plugin/ is not one of the root's workspaces): this checkout's packages and exactly the
 * versions the root pins, so the plugin runs the SDK and providers the toolchain's plugins pair
 * with, and nothing is looked up on a registry. (test/e2e/languages.test.ts installs it for real.)
 */
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { PLUGIN_DIR, REPO } from "../support/plugin";

interface LockEntry { version?: string; resolved?: string; integrity?: string; link?: boolean }
const readJson = (f: string) => JSON.parse(fs.readFileSync(f, "utf8"));

describe("Component plugin plugin/: its dependencies", () => {
  const pkg = readJson(path.join(PLUGIN_DIR, "package.json"));
  const root = readJson(path.join(REPO, "package.json"));
  const lock = readJson(path.join(PLUGIN_DIR, "package-lock.json")).packages as Record<string, LockEntry>;
  const rootLock = readJson(path.join(REPO, "package-lock.json")).packages as Record<string, LockEntry>;

  it("names wgkit's packages as this checkout's folders and everything else at the root's exact version", () => {
    const deps = pkg.dependencies as Record<string, string>;
    assert.equal(deps["@wgkit/pulumi"], "file:../packages/pulumi");
    assert.equal(deps["@wgkit/core"], "file:../packages/core");
    for (const [name, spec] of Object.entries(deps).filter(([n]) => !n.startsWith("@wgkit/"))) {
      assert.match(spec, /^\d+\.\d+\.\d+$/, `${name} is pinned exactly`);
      assert.equal(spec, root.devDependencies[name], `${name} as the root pins it`);
    }
    for (const name of ["@pulumi/pulumi", "@pulumi/docker", "@pulumi/random", "@pulumi/command", "typescript"]) assert.ok(deps[name], `${name} is a dependency`);
  });

  it("locks every package at the root lockfile's version, and installs wgkit's packages as copies of packages/", () => {
    const shared = Object.keys(lock).filter((k) => k.startsWith("node_modules/") && !k.startsWith("node_modules/@wgkit/"));
    assert.ok(shared.length > 100, "the lockfile lists the whole tree");
    for (const k of shared) {
      assert.ok(rootLock[k], `${k} is in the root lockfile too`);
      assert.equal(lock[k].version, rootLock[k].version, `${k}: same version as the root lockfile`);
      assert.equal(lock[k].integrity, rootLock[k].integrity, `${k}: same tarball as the root lockfile`);
    }
    assert.equal(lock["node_modules/@wgkit/pulumi"].resolved, "file:../packages/pulumi");
    assert.equal(lock["node_modules/@wgkit/core"].resolved, "file:../packages/core");
    assert.ok(!lock["node_modules/@wgkit/pulumi"].link, "a copy, not a symlink");
    const npmrc = fs.readFileSync(path.join(PLUGIN_DIR, ".npmrc"), "utf8");
    assert.match(npmrc, /^install-links=true$/m, "file: dependencies are installed as copies, resolved inside plugin/node_modules");
  });
});
