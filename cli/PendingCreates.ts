/**
 * Creates that were in flight when a run died (`kill -9` during `pulumi up`): the engine records a
 * pending "creating" operation before it asks the provider, and nothing after, so the object may
 * exist outside the state. The Automation API offers only to forget them; forgetting a container
 * named `wireguard` that Docker did create would block every later create of the same name.
 *
 * INVARIANT. A pending create ends cleaned up, never only forgotten: the Docker object it may
 * have made (container, volume or network, found by the name the create asked for, on the local
 * engine of the default Docker provider) is removed first, then the pending operation is cleared
 * (`refresh --clear-pending-creates`) and the next `up` creates it again from the program. Objects
 * with nothing outside the state (RandomBytes, a local command, an image build, a pull) are
 * cleared only; the install step re-runs because it is idempotent.
 *
 * FAILURE MODES.
 *  - A pending create on a non-default Docker provider (a remote host): not cleaned here; the
 *    run stops and names it, so the user removes it on that host.
 */
import { spawnSync } from "child_process";

/** A pending operation as `pulumi stack export` lists it (apitype OperationV2). */
export interface PendingOperation {
  type: string;
  resource: { urn: string; type: string; inputs?: Record<string, unknown>; provider?: string };
}

/** What to do about one pending create. */
export interface Cleanup {
  urn: string;
  /** The docker object to remove first, when the create may have made one. */
  docker?: { kind: "container" | "volume" | "network"; name: string };
  /** Why it cannot be cleaned here (the run then stops). */
  refuse?: string;
}

const DOCKER_KINDS: Record<string, "container" | "volume" | "network"> = {
  "docker:index/container:Container": "container",
  "docker:index/volume:Volume": "volume",
  "docker:index/network:Network": "network",
};

/** The cleanups the pending creates of a deployment need (pure). */
export function plannedCleanups(ops: PendingOperation[] | undefined): Cleanup[] {
  const out: Cleanup[] = [];
  for (const op of ops ?? []) {
    if (op.type !== "creating") continue;
    const kind = DOCKER_KINDS[op.resource.type];
    if (!kind) { out.push({ urn: op.resource.urn }); continue; }
    const name = op.resource.inputs?.name;
    if (typeof name !== "string" || !name) { out.push({ urn: op.resource.urn, refuse: "its name is not known" }); continue; }
    if (op.resource.provider && !/::pulumi:providers:docker::default(_[0-9_]+)?::/.test(op.resource.provider)) {
      out.push({ urn: op.resource.urn, refuse: `it was made through the provider ${op.resource.provider}: remove the ${kind} ${name} on that engine yourself, then run again` });
      continue;
    }
    out.push({ urn: op.resource.urn, docker: { kind, name } });
  }
  // Containers before the volumes and networks they use.
  const rank = (c: Cleanup) => (c.docker?.kind === "container" ? 0 : 1);
  return out.sort((a, b) => rank(a) - rank(b));
}

/** Removes the docker object of a cleanup, if it exists; says what it did. */
export function removeDockerObject(c: Cleanup, env: NodeJS.ProcessEnv = process.env): string {
  if (!c.docker) return "nothing outside the state to remove";
  const { kind, name } = c.docker;
  const exists = spawnSync("docker", [kind, "inspect", name], { env, stdio: "ignore" }).status === 0;
  if (!exists) return `no ${kind} ${name} was made`;
  const args = kind === "container" ? ["rm", "-f", name] : kind === "volume" ? ["volume", "rm", "-f", name] : ["network", "rm", name];
  const r = spawnSync("docker", args, { env, encoding: "utf8" });
  if (r.status !== 0) throw new Error(`could not remove the ${kind} ${name} that an interrupted create left: ${r.stderr.trim()}`);
  return `removed the ${kind} ${name} it had made`;
}
