/**
 * The one way everything in this repository that runs Pulumi (the main command, the tests, the
 * benches) finds the real toolchain `npm run toolchain` builds (toolchain/toolchain.sh): its bin
 * dir and the environment to run it with.
 *
 * INVARIANT. A toolchain is taken only when its manifest.json exists (the build writes it last)
 * and lists every piece in PIECES: a manifest of an older, partial toolchain (the CLI alone) is
 * "missing", never "built".
 *
 * The environment pins the toolchain's own PULUMI_HOME (where its resource plugins are installed)
 * and turns off update checks and plugin downloads, so a program that asks for a plugin version
 * the toolchain lacks fails at once with Pulumi's own message.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

/** The pieces a complete toolchain has (names as in toolchain.sh's manifest). */
export const PIECES = ["pulumi", "nodejs", "python", "go", "yaml", "launchers", "docker", "random", "command"] as const;

/** One built piece as the manifest lists it. */
export interface ToolchainPiece {
  version: string;
  sources: string[];
  files: { path: string; sha256: string; bytes: number }[];
  buildSeconds: number;
}

/** What `npm run toolchain` built: the manifest it writes last. */
export interface ToolchainManifest {
  key: string;
  builtAt: string;
  goVersion: string;
  pieces: Record<string, ToolchainPiece>;
}

/** A complete toolchain. */
export interface Toolchain {
  /** The toolchain's directory (the target of `current`). */
  root: string;
  /** Its bin dir: the `pulumi` wrapper, the only thing to put on PATH. */
  binDir: string;
  /** The environment to run Pulumi with: PATH first, the toolchain's PULUMI_HOME, offline switches. */
  env: Record<string, string>;
  manifest: ToolchainManifest;
}

/** Where `npm run toolchain` keeps its cache (the same rule as toolchain/toolchain.sh). */
export function toolchainHome(env: NodeJS.ProcessEnv = process.env): string {
  if (env.WGKIT_TOOLCHAIN_HOME) return env.WGKIT_TOOLCHAIN_HOME;
  return path.join(env.XDG_CACHE_HOME || path.join(os.homedir(), ".cache"), "wgkit", "toolchain");
}

/** The toolchain `npm run toolchain` last built or reused, or why there is none. */
export function findToolchain(env: NodeJS.ProcessEnv = process.env): Toolchain | { missing: string } {
  const current = path.join(toolchainHome(env), "current");
  const manifestFile = path.join(current, "manifest.json");
  if (!fs.existsSync(manifestFile)) return { missing: `no toolchain at ${current} (run \`npm run toolchain\`)` };
  const manifest = JSON.parse(fs.readFileSync(manifestFile, "utf8")) as ToolchainManifest;
  const lacking = PIECES.filter((p) => !manifest.pieces?.[p]?.files);
  if (lacking.length) return { missing: `the toolchain at ${current} lacks ${lacking.join(", ")} (run \`npm run toolchain\`)` };
  const root = fs.realpathSync(current);
  const binDir = path.join(root, "bin");
  return {
    root, binDir, manifest,
    env: {
      PATH: `${binDir}${path.delimiter}${env.PATH ?? ""}`,
      PULUMI_HOME: path.join(root, "home"),
      PULUMI_SKIP_UPDATE_CHECK: "true",
      PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
    },
  };
}
