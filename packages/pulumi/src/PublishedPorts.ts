/**
 * PublishedPorts: host ports published by the components of one program run, per Docker engine,
 * so that two components asking one engine for the same port fail at preview (`port-collision`)
 * instead of the second container failing to start at `up`.
 *
 * INVARIANT. The registry belongs to one program run: it is keyed (WeakMap) on the run's root
 * Stack resource, or, where there is none (SDK mocks, a component plugin's Construct), on the
 * run's resource monitor. Running the same program twice in one process (Automation API, tests)
 * starts from an empty registry; nothing is kept in module state that outlives a run.
 * A component's ports are checked against each other and against the registry, and recorded
 * only once every check has passed.
 *
 * FAILURE MODES. Only what is known when the component is built is compared: a port given as an
 * Output is not recorded. Engines are told apart by identity: the Docker provider the component's
 * containers use (explicit `provider`/`providers`, else inherited from `parent`), else the default
 * engine. `dockerHost` does not count: it only steers the conf-install step (`docker exec`), the
 * container goes wherever the provider points. Two providers that reach the same daemon are not
 * recognised as one. Outside a program run there is no registry, and only a component's own
 * ports are compared.
 */
import * as pulumi from "@pulumi/pulumi";
import * as docker from "@pulumi/docker";
import { checkPortCollisions, PortBind } from "@wgkit/core";

const registries = new WeakMap<object, PortBind[]>();

/** The current run's registry, or undefined outside a run. */
function registry(): PortBind[] | undefined {
  const run: object | undefined = pulumi.runtime.getStackResource() ?? (pulumi.runtime.getMonitor() as object | undefined);
  if (run === undefined) return undefined;
  let r = registries.get(run);
  if (r === undefined) registries.set(run, (r = []));
  return r;
}

/** The default engine (no Docker provider given or inherited): the default provider's. */
const DEFAULT_ENGINE = "default-engine";

/**
 * Which Docker engine a component's containers go to: the Docker provider its children would use,
 * else the default engine. (Not `dockerHost`: see the header.)
 */
export function engineOf(opts: pulumi.ComponentResourceOptions): unknown {
  const isDocker = (p: unknown) => docker.Provider.isInstance(p);
  const listed = Array.isArray(opts.providers) ? opts.providers : Object.values(opts.providers ?? {});
  const explicit = [opts.provider, ...listed].find(isDocker);
  if (explicit) return explicit;
  return opts.parent?.getProvider("docker:index/container:Container") ?? DEFAULT_ENGINE;
}

/** True when the component's containers go to the default engine (no Docker provider given or inherited). */
export function usesDefaultEngine(opts: pulumi.ComponentResourceOptions): boolean {
  return engineOf(opts) === DEFAULT_ENGINE;
}

/**
 * Checks a component's published ports against each other and against those of the components
 * built before it in this run, then records them. Binds whose engine is undefined are skipped.
 */
export function publishPorts(binds: readonly PortBind[]): void {
  const known = binds.filter((b) => b.engine !== undefined && Number.isInteger(b.port));
  const r = registry();
  checkPortCollisions(known, r);
  r?.push(...known);
}
