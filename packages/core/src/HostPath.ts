import { check } from "./WgKitError";

/**
 * The host path mounted as the container's /config (`configPath`).
 *
 * Invariant: the path handed to Docker never is, and never lies inside, a directory whose
 * ownership matters to the host. The image changes the owner of everything under /config to
 * PUID:PGID, recursively, at every start — so a bind mount of /etc, of Docker's data root or of
 * root's home gives an unprivileged uid those files.
 *
 * How: the path is normalised (doubled slashes and `.` segments removed; `..` is refused, since
 * its meaning depends on symlinks), then the well-known symlinks of current distributions are
 * resolved (merged /usr: /bin, /sbin, /lib* → /usr/…; /var/run → /run; /var/lock → /run/lock),
 * and the result is checked against the refused trees below. Symlinks: RESOLVED, not refused —
 * `resolve` (given by the Pulumi component when the Docker engine is local) returns the real path
 * of the longest existing prefix, and that real path is checked too.
 *
 * Failure modes: a path that reaches a system tree through a symlink the user created on a REMOTE
 * Docker host cannot be seen at preview (only the well-known symlinks above are resolved there);
 * a symlink created after preview is not seen either. Both are documented in the README's "Security" section.
 */

/** Trees refused with everything under them. */
export const REFUSED_TREES: readonly string[] = [
  "/bin", "/boot", "/dev", "/etc", "/lib", "/lib32", "/lib64", "/libx32", "/proc", "/root", "/run", "/sbin", "/sys", "/usr",
  "/var/run", "/var/lock", "/var/lib/docker", "/var/lib/containerd", "/var/lib/kubelet", "/var/lib/rancher", "/var/lib/snapd",
  "/var/snap", "/var/lib/dpkg", "/var/lib/apt", "/var/lib/rpm", "/var/lib/systemd", "/var/log", "/var/cache", "/var/spool",
  "/var/mail", "/snap", "/nix", "/lost+found",
];

/** Directories refused themselves (their subdirectories are fine, e.g. /srv/wireguard, /home/alice/wg). */
export const REFUSED_DIRS: readonly string[] = ["/", "/home", "/media", "/mnt", "/opt", "/srv", "/tmp", "/var", "/var/lib", "/var/tmp", "/usr/local"];

/** Hidden directories holding credentials, refused anywhere in the path (e.g. /home/alice/.ssh). */
const CREDENTIAL_DIRS = new Set([".ssh", ".gnupg", ".docker", ".kube", ".aws", ".pulumi"]);

/** Symlinks every merged-/usr distribution has (Debian ≥ 12, Ubuntu ≥ 19.04, Fedora, Arch). */
const WELL_KNOWN_LINKS: readonly [string, string][] = [
  ["/bin", "/usr/bin"], ["/sbin", "/usr/sbin"], ["/lib", "/usr/lib"], ["/lib32", "/usr/lib32"], ["/lib64", "/usr/lib64"],
  ["/libx32", "/usr/libx32"], ["/var/run", "/run"], ["/var/lock", "/run/lock"], ["/usr/tmp", "/var/tmp"],
];

const under = (p: string, d: string) => p === d || p.startsWith(d === "/" ? "/" : `${d}/`);

/** `/a//b/./c/` → `/a/b/c`; `..` must have been refused before. */
export function normalizeHostPath(p: string): string {
  return "/" + p.split("/").filter((s) => s !== "" && s !== ".").join("/");
}

/** Applies the well-known symlinks until none matches. */
export function resolveWellKnownLinks(p: string): string {
  for (let i = 0; i < 8; i++) {
    const hit = WELL_KNOWN_LINKS.find(([from]) => under(p, from));
    if (!hit) return p;
    p = hit[1] + p.slice(hit[0].length);
  }
  return p;
}

function refusal(p: string): string | undefined {
  const tree = REFUSED_TREES.find((d) => under(p, d));
  if (tree) return `lies in ${tree}`;
  if (REFUSED_DIRS.includes(p)) return "is a top-level or shared directory";
  if (/^\/home\/[^/]+$/.test(p)) return "is a user's home directory";
  if (p.split("/").some((s) => CREDENTIAL_DIRS.has(s))) return "is or lies in a directory holding credentials";
  return undefined;
}

/**
 * Validates `configPath`; returns the normalised path. `resolve(p)` may return the real path of
 * `p` (following every symlink of its longest existing prefix), or undefined when unknown.
 */
export function checkHostPath(value: string, field: string, resolve?: (p: string) => string | undefined): string {
  check(typeof value === "string" && /^\/[A-Za-z0-9_.+@/-]*$/.test(value) && value.length <= 4096, field, "path",
    "must be an absolute host path of [A-Za-z0-9_.+@/-]");
  check(!value.split("/").includes(".."), field, "path", "must not contain '..' segments (their meaning depends on symlinks)");
  const p = normalizeHostPath(value);
  const advice = "the image chowns /config recursively to PUID:PGID at every start; use a dedicated directory such as /srv/wireguard";
  for (const candidate of [p, resolveWellKnownLinks(p)]) {
    const why = refusal(candidate);
    check(why === undefined, field, "system-path", `${candidate} ${why}: ${advice}`);
  }
  const real = resolve?.(p);
  if (real !== undefined && real !== p) {
    const r = resolveWellKnownLinks(normalizeHostPath(real));
    const why = refusal(r);
    check(why === undefined, field, "system-path", `${p} resolves through a symlink to ${r}, which ${why}: ${advice}`);
  }
  return p;
}
