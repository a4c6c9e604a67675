import * as crypto from "crypto";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { creationStamp, presharedKeyFromSeed, privateKeyFromSeed, publicKeyOf } from "@wgkit/core";

/** Keys derived from one persisted seed. Private and preshared keys are secrets; the public key is not. */
export interface SeedKeys {
  seed: random.RandomBytes;
  privateKey: pulumi.Output<string>;
  publicKey: pulumi.Output<string>;
  presharedKey: pulumi.Output<string>;
}

/** Private, public and preshared key from a 64-byte seed's base64 (bytes 0–31 → private key, 32–63 → PSK). */
export function keysOfSeed(seed: random.RandomBytes): Omit<SeedKeys, "seed"> {
  const keys = seed.base64.apply((b) => {
    const bytes = Buffer.from(b, "base64");
    const privateKey = privateKeyFromSeed(bytes.subarray(0, 32));
    return { privateKey, publicKey: publicKeyOf(privateKey), presharedKey: presharedKeyFromSeed(bytes.subarray(32, 64).toString("base64")) };
  });
  return {
    privateKey: pulumi.secret(keys.apply((k) => k.privateKey)),
    presharedKey: pulumi.secret(keys.apply((k) => k.presharedKey)),
    // Derived purely from generated key material: the one place a secret is made plain.
    publicKey: pulumi.unsecret(keys.apply((k) => k.publicKey)),
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
    keepers: { rotation: pulumi.output(rotation ?? ""), createdIn: creationStamp(Date.now(), crypto.randomUUID()) },
  }, { ...opts, ignoreChanges: ["keepers.createdIn"], additionalSecretOutputs: ["base64", "hex"] });
  return { seed, ...keysOfSeed(seed) };
}
