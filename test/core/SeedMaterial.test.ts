import { strict as assert } from "assert";
import { execFileSync } from "child_process";
import * as crypto from "crypto";
import {
  keysOfSeedMaterial, MOVED_SEED_PREFIX, movedSeed, presharedKeyFromSeed, privateKeyFromSeed, publicKeyOf, SEED_BYTES, seedMaterial, WgKitError,
} from "@wgkit/core";
import { wg } from "../support/wgTools";

const ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
/** A password as the random provider makes one with special: false. */
const password = (n = 64) => Array.from(crypto.randomBytes(n), (b) => ALNUM[b % ALNUM.length]).join("");

/** OpenSSL's HKDF (an implementation independent of node's): no salt, wgkit's info, 64 bytes. */
function opensslHkdf(secret: string): Buffer {
  const out = execFileSync("openssl", ["kdf", "-keylen", "64", "-kdfopt", "digest:SHA256", "-kdfopt", `key:${secret}`, "-kdfopt", "info:wgkit key seed v1", "HKDF"], { encoding: "utf8" });
  return Buffer.from(out.trim().replace(/:/g, ""), "hex");
}

describe("SeedMaterial: key material from a seed kept as a password (oracles: openssl kdf HKDF, wg pubkey)", () => {
  it("a generated seed gives HKDF-SHA-256 of its string, as openssl computes it, for 20 passwords", () => {
    for (let i = 0; i < 20; i++) {
      const p = password();
      const m = seedMaterial(p);
      assert.equal(m.length, SEED_BYTES);
      assert.deepEqual(Buffer.from(m), opensslHkdf(p), `password #${i}`);
      assert.deepEqual(seedMaterial(p), m, "the same secret gives the same bytes");
    }
  });

  it("the keys of a seed: bytes 0–31 clamp into the private key (wg pubkey agrees), 32–63 are the preshared key", () => {
    for (let i = 0; i < 20; i++) {
      const p = password();
      const m = Buffer.from(opensslHkdf(p));
      const k = keysOfSeedMaterial(p);
      assert.equal(k.privateKey, privateKeyFromSeed(m.subarray(0, 32)));
      assert.equal(k.publicKey, wg(["pubkey"], k.privateKey));
      assert.equal(k.presharedKey, m.subarray(32, 64).toString("base64"));
    }
    const a = keysOfSeedMaterial(password()), b = keysOfSeedMaterial(password());
    assert.notEqual(a.privateKey, b.privateKey);
    assert.notEqual(a.presharedKey, b.presharedKey);
  });

  it("a moved seed gives back exactly its 64 old bytes, so the keys are those the RandomBytes layout derived", () => {
    for (let i = 0; i < 50; i++) {
      const old = crypto.randomBytes(64);
      const s = movedSeed(old);
      assert.ok(s.startsWith(MOVED_SEED_PREFIX));
      assert.deepEqual(Buffer.from(seedMaterial(s)), old);
      // The old layout: privateKeyFromSeed(bytes 0–31), presharedKeyFromSeed(base64 of bytes 32–63).
      const k = keysOfSeedMaterial(s);
      assert.equal(k.privateKey, privateKeyFromSeed(old.subarray(0, 32)));
      assert.equal(k.publicKey, publicKeyOf(privateKeyFromSeed(old.subarray(0, 32))));
      assert.equal(k.presharedKey, presharedKeyFromSeed(old.subarray(32, 64).toString("base64")));
    }
  });

  it("a generated (alphanumeric) password can never be read as a moved seed", () => {
    assert.match(MOVED_SEED_PREFIX, /[^A-Za-z0-9]/);
    for (let i = 0; i < 200; i++) assert.ok(!password().startsWith(MOVED_SEED_PREFIX));
  });

  it("refuses a malformed moved seed or a short secret, without showing the value", () => {
    const bytes = crypto.randomBytes(64);
    const bad = [
      movedSeed(bytes).slice(0, -4), // 63 bytes… not canonical
      MOVED_SEED_PREFIX + crypto.randomBytes(63).toString("base64"),
      MOVED_SEED_PREFIX + crypto.randomBytes(65).toString("base64"),
      MOVED_SEED_PREFIX + bytes.toString("base64").replace(/=*$/, "") + "\n",
      MOVED_SEED_PREFIX + bytes.toString("base64url"),
      password(31),
      "",
    ];
    for (const s of bad) {
      assert.throws(() => seedMaterial(s), (e: WgKitError) => {
        assert.ok(e instanceof WgKitError && e.field === "seed" && ["seed-format", "seed-length"].includes(e.rule), String(e));
        const shown = s.slice(MOVED_SEED_PREFIX.length);
        assert.ok(shown === "" || !e.message.includes(shown.slice(0, 16)), "the value is not in the message");
        return true;
      }, JSON.stringify(s.slice(0, 20)));
    }
    assert.throws(() => movedSeed(crypto.randomBytes(32)), (e: WgKitError) => e.rule === "seed-length");
  });
});
