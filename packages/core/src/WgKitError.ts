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

/**
 * For validation that runs on values resolved later (Pulumi Outputs, possibly secret): the same
 * field and rule, but a message that shows no part of the value. Other errors pass unchanged.
 */
export function withoutValue(e: unknown): unknown {
  if (!(e instanceof WgKitError)) return e;
  return new WgKitError(e.field, e.rule, "is invalid (the value is not shown: it was resolved from an Output, which may be secret)");
}
