import { strict as assert } from "assert";
import * as fc from "fast-check";
import * as nacl from "tweetnacl";
import {
  generateKeyPair, generatePresharedKey, isValidKey, privateKeyFromSeed, publicKeyOf, presharedKeyFromSeed, WgKitError, x25519BaseNative,
} from "@wgkit/core";
import { wg } from "../support/wgTools";

describe("Key (oracle: wg genkey / wg pubkey)", () => {
  it("publicKeyOf equals `wg pubkey` for 120 keys from `wg genkey`", () => {
    for (let n = 0; n < 120; n++) {
      const priv = wg(["genkey"]);
      assert.equal(publicKeyOf(priv), wg(["pubkey"], priv), `key #${n}`);
    }
  });

  it("`wg pubkey` of 120 generated pairs equals our public key; private keys are clamped like wg genkey", () => {
    for (let n = 0; n < 120; n++) {
      const { privateKey, publicKey } = generateKeyPair();
      assert.ok(isValidKey(privateKey) && isValidKey(publicKey));
      assert.equal(wg(["pubkey"], privateKey), publicKey);
      const b = Buffer.from(privateKey, "base64");
      assert.equal(b[0] & 7, 0, "low 3 bits cleared");
      assert.equal(b[31] & 0xc0, 0x40, "top bit cleared, bit 254 set");
    }
  });

  it("property: the native X25519 (Node's crypto) gives tweetnacl's scalarMult.base for any 32 bytes, clamped or not", () => {
    const check = (bytes: Uint8Array) => {
      const native = x25519BaseNative(bytes);
      assert.ok(native !== undefined, "this Node imports X25519 keys natively");
      assert.deepEqual(Buffer.from(native), Buffer.from(nacl.scalarMult.base(bytes)));
      assert.equal(publicKeyOf(Buffer.from(bytes).toString("base64")), Buffer.from(nacl.scalarMult.base(bytes)).toString("base64"));
    };
    for (const fill of [0, 1, 0x7f, 0x80, 0xff]) check(new Uint8Array(32).fill(fill));
    fc.assert(fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), check), { numRuns: 400 });
    fc.assert(fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), (b) => check(Buffer.from(privateKeyFromSeed(b), "base64"))), { numRuns: 200 });
  });

  it("privateKeyFromSeed clamps 32 bytes exactly as wg does", () => {
    const seed = Buffer.alloc(32, 0xff);
    const priv = privateKeyFromSeed(seed.toString("base64"));
    const b = Buffer.from(priv, "base64");
    assert.equal(b[0], 0xf8);
    assert.equal(b[31], 0x7f);
    assert.ok(b.subarray(1, 31).every((x) => x === 0xff));
    // wg itself accepts the clamped key and derives the same public key
    assert.equal(wg(["pubkey"], priv), publicKeyOf(priv));
    // clamping is idempotent: a wg genkey key is a fixed point
    const g = wg(["genkey"]);
    assert.equal(privateKeyFromSeed(g), g);
    assert.throws(() => privateKeyFromSeed(Buffer.alloc(31)), (e: WgKitError) => e.rule === "seed-length");
  });

  it("preshared keys are 32 random bytes that wg accepts", () => {
    const a = generatePresharedKey();
    assert.ok(isValidKey(a));
    assert.notEqual(a, generatePresharedKey());
    const seed = Buffer.alloc(32, 7).toString("base64");
    assert.equal(presharedKeyFromSeed(seed), seed);
  });

  it("isValidKey rejects everything that is not 32 bytes of canonical base64", () => {
    const good = wg(["genkey"]);
    assert.ok(isValidKey(good));
    for (const bad of ["", good.slice(0, 43), good + "=", good.replace("=", "A"), Buffer.alloc(31).toString("base64"),
      Buffer.alloc(33).toString("base64"), "A".repeat(43) + "B" + "", "A".repeat(42) + "B=", good.replace(/.$/, "\n"),
      `${good}\n[Peer]`, 42 as unknown as string, undefined as unknown as string]) {
      assert.equal(isValidKey(bad), false, JSON.stringify(bad));
    }
    assert.throws(() => publicKeyOf("nope"), (e: WgKitError) => e.rule === "key-format" && e.field === "privateKey");
  });
});
