/**
 * KeySeed: the one resource a generated WireGuard key lives in — a `random.RandomPassword` of 64
 * alphanumerics whose secret string core `seedMaterial` turns into 64 bytes (0–31 clamp into the
 * private key, 32–63 are the preshared key).
 *
 * INVARIANT. Key material is only ever in the password's `result` (and its `bcryptHash`), which
 * the engine keeps as ciphertext; the resource id is the constant `none`. (A `random.RandomBytes`
 * would put its value, the keys, in clear in its id: seeds made that way by older wgkit versions
 * are moved by `wgkit migrate-state`, see SeedMigration.ts, and keep their bytes.) Changing
 * `rotation` replaces the seed and so rotates both keys; nothing else does. `keepers.createdIn`
 * records a creation stamp and is ignored afterwards (PeerState.ts relies on it).
 * Failure mode: a stack still holding RandomBytes seeds that is updated before
 * `wgkit migrate-state` gets new seeds (every device new keys); the old ones are deleted.
 */
import * as crypto from "crypto";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { creationStamp, keysOfSeedMaterial } from "@wgkit/core";
import { asSecret } from "./Secrecy";

/** The type of a key seed. */
export const SEED_TYPE = "random:index/randomPassword:RandomPassword";
/** The type of the seeds older versions made (see SeedMigration.ts), and of the address memories. */
export const RANDOM_BYTES_TYPE = "random:index/randomBytes:RandomBytes";

/** A peer's three keys at once (what its conf is rendered from). */
export interface KeyMaterial {
  publicKey: string;
  /** Undefined for device-held keys. */
  privateKey?: string;
  /** Undefined when imported keys come without one. */
  presharedKey?: string;
}

/** Keys derived from one persisted seed. Private and preshared keys are secrets; the public key is not. */
export interface SeedKeys {
  seed: random.RandomPassword;
  privateKey: pulumi.Output<string>;
  publicKey: pulumi.Output<string>;
  presharedKey: pulumi.Output<string>;
  /** All three, always secret: one output for what needs them together, rather than three to join. */
  material: pulumi.Output<KeyMaterial & { privateKey: string; presharedKey: string }>;
}

/** Private, public and preshared key of a seed (core `keysOfSeedMaterial` of its secret string). */
export function keysOfSeed(seed: random.RandomPassword): Omit<SeedKeys, "seed"> {
  // Secret from the start (the engine marks result secret too): everything derived inherits it.
  const material = seed.result.apply((r) => asSecret(() => keysOfSeedMaterial(r)));
  return {
    material,
    privateKey: material.apply((k) => k.privateKey),
    presharedKey: material.apply((k) => k.presharedKey),
    // Derived purely from generated key material: the one place a secret is made plain.
    publicKey: pulumi.unsecret(material.apply((k) => k.publicKey)),
  };
}

/**
 * Declares a seed: always 64 alphanumerics (a change of length or alphabet would replace it, so
 * nothing else may vary), keepers `{ rotation, createdIn }` with `createdIn` ignored after creation.
 */
export function seedResource(name: string, keepers: { rotation: pulumi.Input<string>; createdIn: string }, opts: pulumi.CustomResourceOptions): random.RandomPassword {
  return new random.RandomPassword(name, { length: 64, special: false, keepers },
    // `result` and `bcryptHash` are secret outputs by the SDK itself.
    { ...opts, ignoreChanges: ["keepers.createdIn"] });
}

/** A seed and its keys; `rotation` replaces the seed (see the header). */
export function keySeed(name: string, rotation: pulumi.Input<string> | undefined, opts: pulumi.CustomResourceOptions): SeedKeys {
  const seed = seedResource(name, { rotation: rotation ?? "", createdIn: creationStamp(Date.now(), crypto.randomUUID()) }, opts);
  return { seed, ...keysOfSeed(seed) };
}
