import * as fs from "fs";
import * as os from "os";
import * as path from "path";

/** What `npm run toolchain` built: the manifest it writes last (toolchain/toolchain.sh). */
export interface ToolchainManifest {
  key: string;
  builtAt: string;
  goVersion: string;
  pieces: Record<string, { version: string; module: string; path: string; sha256: string; bytes: number; buildSeconds: number }>;
}

/** Where `npm run toolchain` keeps its cache (the same rule as toolchain/toolchain.sh). */
export function toolchainHome(env: NodeJS.ProcessEnv = process.env): string {
  if (env.WGKIT_TOOLCHAIN_HOME) return env.WGKIT_TOOLCHAIN_HOME;
  return path.join(env.XDG_CACHE_HOME || path.join(os.homedir(), ".cache"), "wgkit", "toolchain");
}

/**
 * The toolchain `npm run toolchain` last built or reused, or why there is none. Only a
 * directory with a manifest counts: the manifest is written last, so a build killed half way
 * is never taken as built.
 */
export function findToolchain(env: NodeJS.ProcessEnv = process.env):
  { root: string; manifest: ToolchainManifest } | { missing: string } {
  const current = path.join(toolchainHome(env), "current");
  const manifestFile = path.join(current, "manifest.json");
  if (!fs.existsSync(manifestFile)) return { missing: `no toolchain at ${current} (run \`npm run toolchain\`)` };
  const manifest = JSON.parse(fs.readFileSync(manifestFile, "utf8")) as ToolchainManifest;
  return { root: fs.realpathSync(current), manifest };
}
