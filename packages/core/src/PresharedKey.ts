import * as nacl from "tweetnacl";
import { KEY_BYTES, checkKey } from "./Key";

/** A fresh preshared key: 32 random bytes, base64 (what `wg genpsk` prints). */
export function generatePresharedKey(): string {
  return Buffer.from(nacl.randomBytes(KEY_BYTES)).toString("base64");
}

/**
 * A preshared key from 32 persisted random bytes (base64). Unlike private
 * keys, preshared keys are not clamped.
 */
export function presharedKeyFromSeed(seedBase64: string, field = "presharedKey"): string {
  const b64 = Buffer.from(Buffer.from(seedBase64, "base64")).toString("base64");
  checkKey(b64, field);
  return b64;
}
