/**
 * What the Pulumi engine does with a registration, for the parts wgkit's state relies on, used by
 * the SDK-mock tests (RecordingMocks):
 *  - URNs as the engine forms them (the parent's full type chain, `a$b$c`), not the SDK mock
 *    monitor's last-type-only form;
 *  - aliases: a registration takes over the old state of any URN it lists as an alias (URNs, and
 *    specs such as `{ name }`, resolved as the engine does under the registration's parent);
 *  - ignoreChanges with the engine's `PropertyPath.Reset` semantics: for each path, the old
 *    input value replaces the new one; a path the old inputs lack is removed from the new ones.
 *    Applied before diffing, so a replacement keeps ignored values too.
 * The SDK's mock monitor does not pass resource options to `Mocks.newResource`; `engineModel`
 * wraps the installed monitor so that each registration's URN, ignoreChanges and aliases reach
 * the mocks (the monitor calls newResource synchronously at the start of registerResource).
 * This is a model of the engine, not the engine: tested against the paths wgkit uses.
 */
import * as pulumi from "@pulumi/pulumi";

export interface Registration {
  urn: string;
  ignoreChanges: string[];
  aliases: string[];
}

/** The registration that the mock monitor is handing to `newResource` right now. */
export interface RegistrationSink {
  current?: Registration;
}

/** Patches the current mock monitor (call right after `pulumi.runtime.setMocks`). */
export function engineModel(sink: RegistrationSink): void {
  const monitor = pulumi.runtime.getMonitor() as any;
  monitor.newUrn = (parent: string, type: string, name: string) => {
    const chain = parent ? `${parent.split("::")[2]}$${type}` : type;
    return "urn:pulumi:" + [pulumi.getStack(), pulumi.getProject(), chain, name].join("::");
  };
  const register = monitor.registerResource.bind(monitor);
  monitor.registerResource = (req: any, callback: any) => {
    sink.current = {
      urn: monitor.newUrn(req.getParent(), req.getType(), req.getName()),
      ignoreChanges: req.getIgnorechangesList(),
      aliases: (req.getAliasesList?.() ?? []).map((a: any) => a.getUrn?.() || aliasSpecUrn(monitor, req, a.getSpec?.())).filter(Boolean).concat(req.getAliasurnsList?.() ?? []),
    };
    return register(req, callback);
  };
}

/**
 * The URN the engine forms for an alias spec (`{ name }`, `{ name, parent }`, …): each part the
 * spec leaves empty is the registration's own (the SDK fills in the parent it is registered under).
 */
function aliasSpecUrn(monitor: any, req: any, spec: any): string | undefined {
  if (!spec) return undefined;
  const parent = spec.getNoparent() ? "" : (spec.getParenturn() || req.getParent());
  return monitor.newUrn(parent, spec.getType() || req.getType(), spec.getName() || req.getName());
}

function split(path: string): string[] {
  return path.split(".").filter(Boolean);
}

/** The engine's ignoreChanges: old values at each path replace the new ones (removed when absent). */
export function processIgnoreChanges(inputs: Record<string, any>, old: Record<string, any>, paths: readonly string[]): Record<string, any> {
  const out = JSON.parse(JSON.stringify(inputs ?? {}));
  for (const path of paths) {
    const keys = split(path);
    let src: any = old, dst: any = out;
    for (const k of keys.slice(0, -1)) {
      src = src?.[k];
      if (dst[k] === undefined || dst[k] === null || typeof dst[k] !== "object") dst[k] = {};
      dst = dst[k];
    }
    const last = keys[keys.length - 1];
    if (src !== undefined && src !== null && last in Object(src)) dst[last] = JSON.parse(JSON.stringify(src[last]));
    else delete dst[last];
  }
  return out;
}

/** The old state a registration takes over: its own URN first, then its aliases. */
export function findOld<T>(states: ReadonlyMap<string, T>, r: Registration): { urn: string; state: T } | undefined {
  for (const u of [r.urn, ...r.aliases]) {
    const s = states.get(u);
    if (s !== undefined) return { urn: u, state: s };
  }
  return undefined;
}
