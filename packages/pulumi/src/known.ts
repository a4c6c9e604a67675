import * as pulumi from "@pulumi/pulumi";

/**
 * Splits component args into what is already known (plain values) and the
 * dotted paths of values that are Outputs or Promises. The known part is
 * validated before any resource is declared; the rest once it resolves.
 */
export function splitKnown<T extends object>(args: T): { plain: Partial<T>; unknown: Set<string> } {
  const unknown = new Set<string>();
  const walk = (v: unknown, path: string): unknown => {
    if (pulumi.Output.isInstance(v) || v instanceof Promise) {
      unknown.add(path);
      return undefined;
    }
    if (Array.isArray(v)) {
      const items = v.map((x, i) => walk(x, `${path}[${i}]`));
      if ([...unknown].some((u) => u.startsWith(`${path}[`))) {
        unknown.add(path);
        return undefined;
      }
      return items;
    }
    if (v !== null && typeof v === "object" && !pulumi.Resource.isInstance(v)) {
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v)) {
        const w = walk(x, path ? `${path}.${k}` : k);
        if (w !== undefined) out[k] = w;
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
