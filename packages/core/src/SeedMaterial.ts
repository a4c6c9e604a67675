/**
 * SeedMaterial: the 64 bytes of key material behind a key seed (bytes 0–31 clamp into the private
 * key, 32–63 are the preshared key), and the keys they give.
 *
 * A seed is kept in Pulumi state as a generated password (alphanumeric, never in a resource id):
 * its secret string is turned into bytes with HKDF-SHA-256 (no salt, info `wgkit key seed v1`,
 * 64 bytes). A seed MOVED from the older layout (64 random bytes, kept as a RandomBytes) is
 * written `wgkit-seed-b64:<base64 of its 64 bytes>` and gives back exactly those bytes, so a
 * device keeps its keys through the move. Generated passwords are alphanumeric: they never
 * start with that prefix, so the two forms cannot be confused.
 *
 * INVARIANT. The same secret gives the same bytes, forever: the derivation is fixed (changing
 * it would give every device new keys). Failure modes: a moved seed whose base64 is not
 * canonical or not 64 bytes, and a secret too short to be a generated seed (under 32
 * characters), are refused with a WgKitError (field `seed`) whose message never shows the value.
 */
import * as crypto from "crypto";
import { privateKeyFromSeed, publicKeyOf } from "./Key";
import { presharedKeyFromSeed } from "./PresharedKey";
import { check } from "./WgKitError";

/** Bytes of key material in one seed: 32 for the private key, 32 for the preshared key. */
export const SEED_BYTES = 64;
/** How a seed moved from the RandomBytes layout is written. */
export const MOVED_SEED_PREFIX = "wgkit-seed-b64:";
/** The shortest generated seed accepted (characters); wgkit's are 64 alphanumerics (≈381 bits). */
export const MIN_SEED_CHARS = 32;
const HKDF_INFO = "wgkit key seed v1";

/** The seed string that gives back exactly `bytes` (64 of them): how a moved seed is kept. */
export function movedSeed(bytes: Uint8Array): string {
  check(bytes.length === SEED_BYTES, "seed", "seed-length", `must be exactly ${SEED_BYTES} bytes, got ${bytes.length}`);
  return MOVED_SEED_PREFIX + Buffer.from(bytes).toString("base64");
}

/** The 64 bytes of key material of a seed's secret string (see the header). */
export function seedMaterial(secret: string): Uint8Array {
  check(typeof secret === "string", "seed", "seed-format", "must be a string");
  if (secret.startsWith(MOVED_SEED_PREFIX)) {
    const b64 = secret.slice(MOVED_SEED_PREFIX.length);
    const bytes = Buffer.from(b64, "base64");
    check(bytes.length === SEED_BYTES && bytes.toString("base64") === b64, "seed", "seed-format",
      `a moved seed must be ${MOVED_SEED_PREFIX} followed by ${SEED_BYTES} bytes of canonical base64 (the value is not shown)`);
    return new Uint8Array(bytes);
  }
  check(secret.length >= MIN_SEED_CHARS, "seed", "seed-length", `must be at least ${MIN_SEED_CHARS} characters (the value is not shown)`);
  return new Uint8Array(crypto.hkdfSync("sha256", secret, Buffer.alloc(0), HKDF_INFO, SEED_BYTES));
}

/** The keys of a seed: private key (bytes 0–31, clamped), its public key, preshared key (bytes 32–63). */
export function keysOfSeedMaterial(secret: string): { privateKey: string; publicKey: string; presharedKey: string } {
  const bytes = seedMaterial(secret);
  const privateKey = privateKeyFromSeed(bytes.subarray(0, 32));
  return { privateKey, publicKey: publicKeyOf(privateKey), presharedKey: presharedKeyFromSeed(Buffer.from(bytes.subarray(32, 64)).toString("base64")) };
}
