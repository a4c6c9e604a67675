import * as crypto from "crypto";
import * as nacl from "tweetnacl";
import { check } from "./WgKitError";

/** WireGuard keys are 32 bytes, written as 44 characters of standard base64. */
export const KEY_BYTES = 32;
const KEY_RE = /^[A-Za-z0-9+/]{42}[AEIMQUYcgkosw048]=$/;

export interface KeyPair {
  /** Base64 private key (clamped exactly as `wg genkey` does). */
  privateKey: string;
  /** Base64 public key, X25519 of the private key and the base point. */
  publicKey: string;
}

function randomBytes(n: number): Uint8Array {
  return nacl.randomBytes(n);
}

function toB64(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString("base64");
}

function fromB64(key: string, field: string): Uint8Array {
  checkKey(key, field);
  return new Uint8Array(Buffer.from(key, "base64"));
}

/** True when `s` is 32 bytes of canonical base64 (44 characters ending in `=`). */
export function isValidKey(s: unknown): s is string {
  return typeof s === "string" && KEY_RE.test(s);
}

/** Throws a WgKitError naming `field` unless `key` is a valid WireGuard key. */
export function checkKey(key: unknown, field: string): asserts key is string {
  check(isValidKey(key), field, "key-format", "must be a WireGuard key: 32 bytes as 44 characters of base64");
}

/**
 * Turns 32 bytes (e.g. the first half of a key seed's material, SeedMaterial.ts) into a private
 * key, clamping as curve25519 and `wg genkey` do. Accepts bytes or base64.
 */
export function privateKeyFromSeed(seed: Uint8Array | string): string {
  const bytes = typeof seed === "string" ? new Uint8Array(Buffer.from(seed, "base64")) : Uint8Array.from(seed);
  check(bytes.length === KEY_BYTES, "seed", "seed-length", `must be exactly ${KEY_BYTES} bytes, got ${bytes.length}`);
  bytes[0] &= 248;
  bytes[31] = (bytes[31] & 127) | 64;
  return toB64(bytes);
}

/** Node reads an X25519 JWK's private scalar from `d`; `x` must be a string, and a private import does not use it. */
const JWK_X_UNUSED = "A".repeat(43);

/**
 * X25519 of a private key and the base point by Node's crypto (OpenSSL): the same function as
 * tweetnacl's `scalarMult.base` (RFC 7748, the scalar clamped inside), about 15× faster, which is
 * what a key per peer costs on every run. Undefined where this Node cannot import the key so
 * (publicKeyOf then uses tweetnacl).
 */
export function x25519BaseNative(privateKey: Uint8Array): Uint8Array | undefined {
  try {
    const key = crypto.createPrivateKey({ key: { kty: "OKP", crv: "X25519", d: Buffer.from(privateKey).toString("base64url"), x: JWK_X_UNUSED }, format: "jwk" });
    const x = crypto.createPublicKey(key).export({ format: "jwk" }).x;
    const pub = x === undefined ? undefined : Buffer.from(x, "base64url");
    return pub?.length === KEY_BYTES ? new Uint8Array(pub) : undefined;
  } catch {
    return undefined;
  }
}

/** The public key of a base64 private key (what `wg pubkey` prints). */
export function publicKeyOf(privateKey: string, field = "privateKey"): string {
  const priv = fromB64(privateKey, field);
  return toB64(x25519BaseNative(priv) ?? nacl.scalarMult.base(priv));
}

/** A fresh key pair from tweetnacl's CSPRNG. */
export function generateKeyPair(): KeyPair {
  const privateKey = privateKeyFromSeed(randomBytes(KEY_BYTES));
  return { privateKey, publicKey: publicKeyOf(privateKey) };
}
