import * as fs from "fs";
import * as path from "path";
import { checkHostPath } from "@wgkit/core";

/**
 * `configPath` checked on the machine running Pulumi when that machine is the Docker host.
 *
 * Invariant: with a local engine (no DOCKER_HOST other than a unix socket, and no `dockerHost` for
 * containers on a Docker provider of their own: callers pass `dockerHost` only then, since it
 * steers the install step, not where the default provider puts the container), the
 * path handed to Docker is checked after following every symlink of its longest existing prefix
 * (Docker follows them when it bind-mounts), so `/srv/wg → /etc` is refused like `/etc` itself.
 * Chosen over refusing symlinks outright: a symlinked data disk (`/srv → /data/srv`) is common and
 * harmless. Failure modes: a remote engine's filesystem cannot be seen here (core's lexical and
 * well-known-symlink checks still apply); a symlink created after preview is not seen.
 */
export function checkConfigPathOnLocalEngine(configPath: unknown, dockerHost: unknown, field: string): void {
  if (typeof configPath !== "string") return;
  const env = process.env.DOCKER_HOST;
  const local = dockerHost === undefined && (env === undefined || env === "" || env.startsWith("unix://"));
  checkHostPath(configPath, field, local ? realPathOfExistingPrefix : undefined);
}

/** The real path of `p`: its longest existing prefix resolved with realpath, plus the rest as written. */
export function realPathOfExistingPrefix(p: string, depth = 0): string | undefined {
  let head = p;
  const tail: string[] = [];
  for (;;) {
    try {
      return path.join(fs.realpathSync(head), ...tail);
    } catch {
      // a dangling symlink: Docker would create its target, so follow the link text
      const link = (() => { try { return fs.lstatSync(head).isSymbolicLink() ? fs.readlinkSync(head) : undefined; } catch { return undefined; } })();
      if (link !== undefined && depth < 16) return realPathOfExistingPrefix(path.join(path.resolve(path.dirname(head), link), ...tail), depth + 1);
      if (head === "/" || head === "") return undefined;
      tail.unshift(path.basename(head));
      head = path.dirname(head);
    }
  }
}
