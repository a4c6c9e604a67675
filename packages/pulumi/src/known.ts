/**
 * known: what of a component's args can be checked before any resource is declared.
 *
 * Invariant: every value that is known when the program runs is validated at preview, whatever
 * shape another Pulumi language (or the component plugin's deserializer) gives it — plain, inside
 * an Output, next to unknown entries of a list, or as the SDK's `unknown` sentinel — and a value
 * that must be plain (it names a resource, or sets the container) is refused as an Output with the
 * rule `plain` instead of reaching a name as an Output's `toString` text.
 * Failure modes: a list with unknown entries is handed on as a sparse array (holes where values
 * are unknown), so core's checks must walk lists with `map`/`forEach` (which skip holes) and
 * treat the length as a lower bound; keys that name a prototype are refused (`prototype-key`)
 * before any copy could drop them.
 */
import * as pulumi from "@pulumi/pulumi";
import { checkOwnKeys, WgKitError } from "@wgkit/core";

/** A value not known while the program runs: an Output, a Promise, or the SDK's `unknown` sentinel. */
export function isLate(v: unknown): boolean {
  return pulumi.Output.isInstance(v) || v instanceof Promise || pulumi.isUnknown(v);
}

/** Whether a value, or anything in its lists and objects, is late (see isLate). */
export function hasLate(v: unknown): boolean {
  if (isLate(v)) return true;
  if (Array.isArray(v)) return v.some(hasLate);
  if (v !== null && typeof v === "object" && !pulumi.Resource.isInstance(v)) return Object.values(v).some(hasLate);
  return false;
}

/**
 * Splits component args into what is already known (plain values) and the dotted paths of values
 * that are not (Outputs, Promises, unknowns). The known part is validated before any resource is
 * declared; the rest once it resolves. A list with some unknown entries keeps its known entries at
 * their indices (a sparse array), so that they are checked now. Throws `prototype-key` for keys
 * that name a prototype (see core `checkOwnKeys`).
 */
export function splitKnown<T extends object>(args: T): { plain: Partial<T>; unknown: Set<string> } {
  const unknown = new Set<string>();
  const LATE = Symbol("late");
  const walk = (v: unknown, path: string): unknown => {
    if (isLate(v)) {
      unknown.add(path);
      return LATE;
    }
    if (Array.isArray(v)) {
      const items: unknown[] = new Array(v.length);
      for (let i = 0; i < v.length; i++) {
        const w = walk(v[i], `${path}[${i}]`);
        if (w !== LATE) items[i] = w;
      }
      return items;
    }
    if (v !== null && typeof v === "object" && !pulumi.Resource.isInstance(v)) {
      checkOwnKeys(v, path);
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v)) {
        const w = walk(x, path ? `${path}.${k}` : k);
        if (w !== LATE && w !== undefined) out[k] = w;
      }
      return out;
    }
    return v;
  };
  return { plain: walk(args, "") as Partial<T>, unknown };
}

/** Top-level field names among dotted unknown paths. */
export function topLevel(unknown: Set<string>): Set<string> {
  return new Set([...unknown].map((p) => p.split(/[.[]/)[0]));
}

/**
 * Refuses an Output (or Promise, or unknown) where the value must be known when the program runs.
 * `why` ends the message, e.g. "it names the component's resources".
 */
export function checkPlain(value: unknown, field: string, why: string): void {
  if (isLate(value)) throw new WgKitError(field, "plain", `must be a plain value when the program runs, not an output: ${why}`);
}

/** Component args: a plain object (an Output of the whole args cannot be checked before resources are declared). */
export function checkPlainObject(value: unknown, field: string, what: string): void {
  checkPlain(value, field, `give ${what} as a plain object (its fields may be outputs)`);
}

/** The plain (non-Input) fields every WireGuard container takes (ContainerArgs): they set the container and its names. */
export const PLAIN_CONTAINER_FIELDS = ["puid", "pgid", "tz", "image", "configPath", "hostModulesLoaded", "userspace"] as const;

/** checkPlain for each of `fields` of `obj` (a plain object), reported under `prefix`. */
export function checkPlainFields(obj: Record<string, unknown>, fields: readonly string[], prefix: string, why: string): void {
  for (const f of fields) checkPlain(obj[f], prefix ? `${prefix}.${f}` : f, why);
}
