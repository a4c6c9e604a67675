/**
 * npm hygiene, as a consumer meets the packages: `npm pack` both workspaces, check what the
 * tarballs hold, install them into a fresh project with its own @pulumi/pulumi (from the npm
 * registry), and compile a program under `strict` with `skipLibCheck: false` — the program is
 * the TypeScript snippets of both package READMEs plus the enum and error API.
 * Needs the npm registry (or a warm npm cache). Run by `npm run test:pack` (.ci/run calls it).
 */
import { strict as assert } from "assert";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { getSchema, PLUGIN_DIR, startPlugin } from "../support/plugin";

const REPO = path.resolve(__dirname, "../../..");
const PACKAGES = { core: "@wgkit/core", pulumi: "@wgkit/pulumi" } as const;
const root = JSON.parse(fs.readFileSync(path.join(REPO, "package.json"), "utf8"));

interface PackResult { filename: string; files: { path: string }[] }

const npm = (args: string[], cwd: string) => execFileSync("npm", args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], maxBuffer: 64 << 20 });

/** The TypeScript blocks of a README. */
const tsBlocks = (md: string) => [...md.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]);

describe("npm pack → install in a fresh project → compile (strict, skipLibCheck false)", function () {
  this.timeout(600_000);
  let tmp: string;
  const packed: Record<string, PackResult> = {};

  before(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), "wgkit-pack-"));
    for (const dir of Object.keys(PACKAGES)) {
      const [res] = JSON.parse(npm(["pack", "--json", "--pack-destination", tmp], path.join(REPO, "packages", dir))) as PackResult[];
      packed[dir] = res;
    }
  });
  after(() => tmp && fs.rmSync(tmp, { recursive: true, force: true }));

  it("packs only what a user needs: JS with its maps and sources (the plugin's analyzer reads them), declarations, README, LICENSE", () => {
    for (const [dir, res] of Object.entries(packed)) {
      const files = res.files.map((f) => f.path).sort();
      for (const f of files) {
        assert.match(f, /^(package\.json|README\.md|LICENSE|dist\/[A-Za-z0-9_/]+\.(js|js\.map|d\.ts)|src\/[A-Za-z0-9_/]+\.ts)$/, `${dir}: ${f} does not belong in the package`);
        assert.doesNotMatch(f, /tsbuildinfo|(^|\/)test\//, `${dir}: ${f}`);
      }
      for (const need of ["package.json", "README.md", "LICENSE", "dist/index.js", "dist/index.d.ts"]) assert.ok(files.includes(need), `${dir}: ${need} missing`);
      // Every module comes with its declarations, and every source file of the package is there.
      const js = files.filter((f) => f.endsWith(".js"));
      for (const f of js) assert.ok(files.includes(f.replace(/\.js$/, ".d.ts")), `${dir}: ${f} has no .d.ts`);
      // No map without its sources: every map's `sources` are in the tarball.
      for (const m of files.filter((f) => f.endsWith(".js.map"))) {
        const map = JSON.parse(fs.readFileSync(path.join(REPO, "packages", dir, m), "utf8")) as { sources: string[] };
        for (const src of map.sources) assert.ok(files.includes(path.posix.join(path.posix.dirname(m), src)), `${dir}: ${m} points at ${src}, not packed`);
      }
      assert.equal(files.filter((f) => f.endsWith(".js.map")).length, js.length, `${dir}: a map per module`);
      const sources = fs.readdirSync(path.join(REPO, "packages", dir, "src"), { recursive: true }).map(String).filter((f) => f.endsWith(".ts"));
      assert.deepEqual(js.map((f) => f.slice("dist/".length)).sort(), sources.map((f) => f.replace(/\.ts$/, ".js")).sort(), `${dir}: stale or missing modules in dist (npm run clean && npm run build)`);
      assert.deepEqual(files.filter((f) => f.startsWith("src/")).sort(), sources.map((f) => `src/${f}`).sort(), `${dir}: sources`);
      const license = fs.readFileSync(path.join(REPO, "packages", dir, "LICENSE"), "utf8");
      assert.match(license, /Apache License\s+Version 2\.0, January 2004/);
    }
  });

  it("declares its runtime dependencies as semver ranges, pinned exactly only in the lockfile", () => {
    const lock = JSON.parse(fs.readFileSync(path.join(REPO, "package-lock.json"), "utf8"));
    for (const dir of Object.keys(PACKAGES)) {
      const pkg = JSON.parse(fs.readFileSync(path.join(REPO, "packages", dir, "package.json"), "utf8"));
      for (const [name, range] of Object.entries<string>(pkg.dependencies)) {
        assert.match(range, /^\^\d+\.\d+\.\d+$/, `${dir}: ${name}@${range} is not a caret range`);
        if (name.startsWith("@wgkit/")) continue;
        assert.equal(root.devDependencies[name], range.slice(1), `${name}: the root pins exactly the range's floor`);
        assert.equal(lock.packages[`node_modules/${name}`]?.version, range.slice(1), `${name}: the lockfile holds the pinned version`);
      }
    }
  });

  it("installs into a fresh project with its own @pulumi/pulumi and compiles a strict program against both packages", () => {
    const project = path.join(tmp, "consumer");
    fs.mkdirSync(project);
    fs.writeFileSync(path.join(project, "package.json"), JSON.stringify({
      name: "consumer", private: true, version: "1.0.0",
      dependencies: {
        "@wgkit/core": `file:${path.join(tmp, packed.core.filename)}`,
        "@wgkit/pulumi": `file:${path.join(tmp, packed.pulumi.filename)}`,
        "@pulumi/pulumi": root.devDependencies["@pulumi/pulumi"],
      },
      devDependencies: { typescript: root.devDependencies.typescript, "@types/node": root.devDependencies["@types/node"] },
    }, null, 2));
    npm(["install", "--no-audit", "--no-fund", "--prefer-offline"], project);
    // One @pulumi/pulumi: the consumer's. A second copy would mean a package pinned its own.
    const copies = npm(["ls", "@pulumi/pulumi", "--all", "--parseable"], project).trim().split("\n").filter((l) => l.endsWith(path.join("node_modules", "@pulumi", "pulumi")));
    assert.deepEqual(copies, [path.join(project, "node_modules", "@pulumi", "pulumi")]);

    const readme = (dir: string) => fs.readFileSync(path.join(REPO, "packages", dir, "README.md"), "utf8");
    // the README's section "wgkit in every Pulumi language"
    const docs = (() => { const md = fs.readFileSync(path.join(REPO, "README.md"), "utf8"); const start = md.indexOf("## wgkit in every Pulumi language"); return md.slice(start, md.indexOf("\n## ", start + 3)); })();
    const snippets = [...tsBlocks(readme("core")), ...tsBlocks(readme("pulumi")), ...tsBlocks(docs)];
    assert.equal(snippets.length, 3, "one TypeScript example per package README and in the README's multi-language section");
    snippets.forEach((s, i) => fs.writeFileSync(path.join(project, `readme${i}.ts`), s));
    fs.writeFileSync(path.join(project, "api.ts"), `
import * as pulumi from "@pulumi/pulumi";
import { ClientTunnel, ComponentError, Protocol, SiteLink, SiteLinkMode, WgKitError } from "@wgkit/pulumi";
import { SiteLinkMode as CoreMode, WgKitError as CoreError } from "@wgkit/core";

const conf = new pulumi.Config().requireSecret("tunnelConf");
const tunnel = new ClientTunnel("vpn", { config: conf, publishPorts: [{ internal: 8080, protocol: Protocol.tcp }, { internal: 53, protocol: "udp" }] });
export const networkMode: pulumi.Output<string> = tunnel.networkMode;
const link = new SiteLink("office", {
  siteA: { name: "home", lans: ["192.168.1.0/24"], endpoint: "home.example.com:51820" },
  siteB: { name: "office", lans: ["192.168.2.0/24"] },
  mode: "routed",
});
const mode: SiteLinkMode = SiteLinkMode.masquerade;
const same: CoreMode = mode;
export const routes: pulumi.Output<string[]> = link.siteA.routes;
export function describe(e: unknown): string {
  if (e instanceof ComponentError) return e.component + " " + e.field + " " + e.rule;
  if (e instanceof WgKitError || e instanceof CoreError) return e.field + " " + e.rule;
  return String(same);
}
`);
    fs.writeFileSync(path.join(project, "tsconfig.json"), JSON.stringify({
      compilerOptions: { strict: true, skipLibCheck: false, noEmit: true, target: "ES2022", module: "commonjs", moduleResolution: "node", esModuleInterop: true, types: ["node"] },
      files: ["api.ts", ...snippets.map((_, i) => `readme${i}.ts`)],
    }));
    try {
      execFileSync(process.execPath, [path.join(project, "node_modules", "typescript", "bin", "tsc"), "-p", project], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
    } catch (e) {
      const x = e as { stdout?: string; stderr?: string };
      assert.fail(`tsc failed in the consumer project:\n${x.stdout}${x.stderr}`);
    }
  });

  it("serves the plugin folder, as `pulumi package add` installs it, from the packed packages: package wgkit", async () => {
    const dir = path.join(tmp, "plugin");
    fs.mkdirSync(dir);
    for (const f of ["PulumiPlugin.yaml", "tsconfig.json", "index.ts"]) fs.copyFileSync(path.join(PLUGIN_DIR, f), path.join(dir, f));
    const pkg = JSON.parse(fs.readFileSync(path.join(PLUGIN_DIR, "package.json"), "utf8"));
    assert.equal(pkg.name, "wgkit", "the package name is the schema's name");
    assert.equal(pkg.dependencies["@wgkit/pulumi"], "file:../packages/pulumi", "the checkout's own package (see test/pulumi/PluginDependencies.test.ts)");
    // The packed tarballs in place of the checkout's folders: what a release of both packages would give.
    pkg.dependencies["@wgkit/pulumi"] = `file:${path.join(tmp, packed.pulumi.filename)}`;
    pkg.dependencies["@wgkit/core"] = `file:${path.join(tmp, packed.core.filename)}`;
    fs.writeFileSync(path.join(dir, "package.json"), JSON.stringify(pkg, null, 2));
    npm(["install", "--no-audit", "--no-fund", "--prefer-offline"], dir);
    const plugin = await startPlugin(dir);
    try {
      const schema = await getSchema(plugin);
      assert.equal(schema.name, "wgkit");
      assert.deepEqual(Object.keys(schema.resources).sort(), ["ClientTunnel", "Peer", "SiteLink", "WireGuardServer"].map((c) => `wgkit:index:${c}`));
      assert.equal(schema.types["wgkit:index:SiteLinkMode"].enum!.length, 2, "the as-const enum is read from the shipped sources");
    } finally {
      plugin.stop();
    }
  });
});
