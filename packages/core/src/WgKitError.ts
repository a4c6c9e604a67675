/**
 * The one error type wgkit throws for bad input. `field` names the argument
 * (as the user wrote it, e.g. `peers.laptop.address`), `rule` names the rule
 * that was broken (a stable identifier tests and tooling can match on).
 */
export class WgKitError extends Error {
  constructor(
    public readonly field: string,
    public readonly rule: string,
    detail: string,
  ) {
    super(`${field}: ${detail} [rule: ${rule}]`);
    this.name = "WgKitError";
  }
}

/** Throws a WgKitError unless `ok` holds. */
export function check(ok: boolean, field: string, rule: string, detail: string): asserts ok {
  if (!ok) throw new WgKitError(field, rule, detail);
}
