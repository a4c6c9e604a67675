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
 * For validation that runs on values that must not be shown — resolved later from Pulumi Outputs
 * (possibly secret), or read from a hostile file: the same field and rule, but a message that
 * shows no part of the value. `why` says why it is not shown. Other errors pass unchanged.
 */
export function withoutValue(e: unknown, why = "it was resolved from an Output, which may be secret"): unknown {
  if (!(e instanceof WgKitError)) return e;
  return new WgKitError(e.field, e.rule, `is invalid (the value is not shown: ${why})`);
}
