import * as pulumi from "@pulumi/pulumi";

/**
 * Secrecy of derived outputs.
 *
 * Invariant: an output is plain only when it is derived purely from generated key material that
 * may be published (public keys) — or from inputs none of which the user marked secret. Anything
 * derived from a user-secret input (an endpoint, serverUrl, a LAN, DNS) stays secret.
 *
 * Why a helper: a component often computes values inside one `apply` over everything (args and
 * keys); that output is secret because the private keys are. A blanket `pulumi.unsecret` on a
 * value plucked from it would also strip the secrecy the user gave an input. Instead, the value is
 * unsecreted and then re-joined with exactly the inputs it depends on, so it is secret iff one of
 * them is (Pulumi propagates secrecy through nested Inputs in `pulumi.output`).
 *
 * Failure mode: listing too few `dependsOn` inputs makes a value plain that should not be — list
 * every user input the value is computed from.
 */
export function publicUnlessInputsSecret<T>(value: pulumi.Output<T>, dependsOn: unknown[]): pulumi.Output<T> {
  return pulumi.all([pulumi.unsecret(value), pulumi.output(dependsOn as pulumi.Input<unknown>[])]).apply(([v]) => v as T);
}

/** A public key derived from a private key: public by nature, plain whatever the private key's secrecy. */
export function publicKeyOutput(privateKeyDerived: pulumi.Output<string>): pulumi.Output<string> {
  return pulumi.unsecret(privateKeyDerived);
}

/** A known secret with no resources: its applies are secret (Outputs hold no per-run state). */
let secretTrue: pulumi.Output<boolean> | undefined;

/**
 * `f()` as a secret output, for use inside an `apply` (whose output is then secret too): the
 * same as `pulumi.secret(f())`, as one output instead of two and without copying the value.
 */
export function asSecret<T>(f: () => T): pulumi.Output<T> {
  secretTrue ??= pulumi.secret(true);
  return secretTrue.apply(() => f());
}
