import * as crypto from "crypto";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { presharedKeyFromSeed, privateKeyFromSeed, publicKeyOf } from "@wgkit/core";

/** Differs per `pulumi up`; recorded once per seed (ignoreChanges) to tell new peers from existing ones. */
export const RUN_ID = crypto.randomUUID();

/** Keys derived from one persisted seed. Private and preshared keys are secrets; the public key is not. */
export interface SeedKeys {
  seed: random.RandomBytes;
  privateKey: pulumi.Output<string>;
  publicKey: pulumi.Output<string>;
  presharedKey: pulumi.Output<string>;
  /** The run in which this seed was created. */
  createdIn: pulumi.Output<string>;
}

/**
 * 64 random bytes in state (RandomBytes: secret, importable, no dynamic
 * provider): bytes 0–31 clamp into the private key, 32–63 are the preshared
 * key. Changing `rotation` replaces the seed and so rotates both keys;
 * nothing else does.
 */
export function keySeed(name: string, rotation: pulumi.Input<string> | undefined, opts: pulumi.CustomResourceOptions): SeedKeys {
  const seed = new random.RandomBytes(name, {
    length: 64,
    keepers: { rotation: pulumi.output(rotation ?? ""), createdIn: RUN_ID },
  }, { ...opts, ignoreChanges: ["keepers.createdIn"], additionalSecretOutputs: ["base64", "hex"] });
  const bytes = seed.base64.apply((b) => Buffer.from(b, "base64"));
  const privateKey = pulumi.secret(bytes.apply((b) => privateKeyFromSeed(b.subarray(0, 32))));
  const presharedKey = pulumi.secret(bytes.apply((b) => presharedKeyFromSeed(b.subarray(32, 64).toString("base64"))));
  const publicKey = pulumi.unsecret(privateKey.apply((k) => publicKeyOf(k)));
  const createdIn = pulumi.unsecret(seed.keepers.apply((k) => String(k?.createdIn ?? "")));
  return { seed, privateKey, publicKey, presharedKey, createdIn };
}
