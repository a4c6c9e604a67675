import * as crypto from "crypto";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { creationStamp, presharedKeyFromSeed, privateKeyFromSeed, publicKeyOf } from "@wgkit/core";
import { asSecret } from "./Secrecy";

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
  seed: random.RandomBytes;
  privateKey: pulumi.Output<string>;
  publicKey: pulumi.Output<string>;
  presharedKey: pulumi.Output<string>;
  /** All three, always secret: one output for what needs them together, rather than three to join. */
  material: pulumi.Output<KeyMaterial & { privateKey: string; presharedKey: string }>;
}

/** Private, public and preshared key from a 64-byte seed's base64 (bytes 0–31 → private key, 32–63 → PSK). */
export function keysOfSeed(seed: random.RandomBytes): Omit<SeedKeys, "seed"> {
  // Secret from the start (the engine marks base64 secret too): everything derived inherits it.
  const material = seed.base64.apply((b) => asSecret(() => {
    const bytes = Buffer.from(b, "base64");
    const privateKey = privateKeyFromSeed(bytes.subarray(0, 32));
    return { privateKey, publicKey: publicKeyOf(privateKey), presharedKey: presharedKeyFromSeed(bytes.subarray(32, 64).toString("base64")) };
  }));
  return {
    material,
    privateKey: material.apply((k) => k.privateKey),
    presharedKey: material.apply((k) => k.presharedKey),
    // Derived purely from generated key material: the one place a secret is made plain.
    publicKey: pulumi.unsecret(material.apply((k) => k.publicKey)),
  };
}

/**
 * 64 random bytes in state (RandomBytes: secret, importable, no dynamic
 * provider): bytes 0–31 clamp into the private key, 32–63 are the preshared
 * key. Changing `rotation` replaces the seed and so rotates both keys;
 * nothing else does. `keepers.createdIn` records a creation stamp and is
 * ignored afterwards (see PeerState.ts, which relies on the same layout).
 */
export function keySeed(name: string, rotation: pulumi.Input<string> | undefined, opts: pulumi.CustomResourceOptions): SeedKeys {
  const seed = new random.RandomBytes(name, {
    length: 64,
    keepers: { rotation: rotation ?? "", createdIn: creationStamp(Date.now(), crypto.randomUUID()) },
  }, { ...opts, ignoreChanges: ["keepers.createdIn"], additionalSecretOutputs: ["base64", "hex"] });
  return { seed, ...keysOfSeed(seed) };
}
