import { strict as assert } from "assert";
import * as fc from "fast-check";
import * as QRCode from "qrcode";
import { qrSymbol, tryQrPngBase64 } from "@wgkit/core";

/** Oracle: the `qrcode` package's own symbol for the same bytes, level M, mask 0 (what wgkit drew with before). */
const oracle = (bytes: Uint8Array) => QRCode.create([{ data: Buffer.from(bytes), mode: "byte" }], { errorCorrectionLevel: "M", maskPattern: 0 });

function same(bytes: Uint8Array): number {
  const ours = qrSymbol(bytes), theirs = oracle(bytes);
  assert.equal(ours.size, theirs.modules.size, `${bytes.length} bytes: size`);
  assert.ok(Buffer.from(ours.data).equals(Buffer.from(theirs.modules.data)), `${bytes.length} bytes: every module`);
  return theirs.version;
}

describe("QrSymbol: the qrcode package's symbols, module for module (oracle)", () => {
  it("at both ends of every version's capacity (1–40), and for nothing at all", () => {
    const versions = new Set<number>();
    let previous = 0;
    for (let n = 0; n <= 2331; n++) {
      const bytes = Uint8Array.from({ length: n }, (_, i) => (i * 131 + n) & 0xff);
      const v = oracle(bytes).version;
      if (v !== previous || n === 2331) {
        // the first length of a version and the last of the one before
        versions.add(same(bytes));
        if (n > 0) versions.add(same(bytes.subarray(0, n - 1)));
        previous = v;
      }
    }
    assert.equal(versions.size, 40, "every version was compared");
  });

  it("property: any bytes", () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 2331 }), (b) => { same(b); }), { numRuns: 150 });
  });

  it("refuses what no symbol holds, as the package does (so the QR output degrades to none)", () => {
    assert.throws(() => qrSymbol(new Uint8Array(2332)), /too big/);
    assert.throws(() => oracle(new Uint8Array(2332)), /too big/);
    assert.equal(tryQrPngBase64("x".repeat(2332)).base64, undefined);
  });
});
