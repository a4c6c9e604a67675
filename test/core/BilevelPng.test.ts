import { strict as assert } from "assert";
import * as zlib from "zlib";
import * as fc from "fast-check";
import { PNG } from "pngjs";
import { bilevelPng, deflateFixed } from "@wgkit/core";

/** Oracles: zlib's own inflater for the streams, pngjs (with its CRC checks) for the images. */
describe("BilevelPng: a 1-bit PNG without zlib", () => {
  // Bytes that repeat the way images do: runs, and copies of what came some distance before.
  const repetitive = fc.array(fc.oneof(
    fc.uint8Array({ minLength: 1, maxLength: 40 }),
    fc.tuple(fc.integer({ min: 0, max: 255 }), fc.integer({ min: 1, max: 600 })).map(([b, n]) => new Uint8Array(n).fill(b)),
  ), { maxLength: 30 }).chain((parts) => fc.tuple(fc.constant(parts), fc.array(fc.integer({ min: 1, max: 400 }), { maxLength: 3 }))).map(([parts, copies]) => {
    const out: number[] = [];
    for (const p of parts) {
      out.push(...p);
      const d = copies[out.length % (copies.length || 1)];
      if (d !== undefined && d <= out.length) for (let k = 0; k < 300; k++) out.push(out[out.length - d]);
    }
    return Uint8Array.from(out);
  });

  it("property: zlib inflates deflateFixed's stream to exactly the data, whatever the distances (runs, overlaps, matches longer than 258)", () => {
    fc.assert(fc.property(repetitive, fc.uniqueArray(fc.integer({ min: 1, max: 32768 }), { maxLength: 4 }), (data, distances) => {
      const z = deflateFixed(data, distances);
      assert.ok(Buffer.from(zlib.inflateSync(z)).equals(Buffer.from(data)));
    }), { numRuns: 300 });
  });

  it("compresses what repeats at the given distances, and refuses a distance deflate cannot express", () => {
    const rows = new Uint8Array(100 * 35).fill(0);
    for (let r = 0; r < 100; r += 4) for (let i = 1; i < 35; i++) rows[r * 35 + i] = (i * 37) & 0xff;
    assert.ok(deflateFixed(rows, [1, 35, 140]).length < rows.length / 5, "rows that repeat 4 rows later");
    assert.ok(deflateFixed(rows, []).length > rows.length, "literals only: 8–9 bits a byte");
    assert.equal(zlib.inflateSync(deflateFixed(new Uint8Array(0), [1])).length, 0);
    for (const bad of [0, 32769, 1.5]) assert.throws(() => deflateFixed(rows, [bad]), RangeError);
  });

  it("property: pngjs reads bilevelPng's image back pixel for pixel, for any width (whole bytes a row or not)", () => {
    const image = fc.tuple(fc.integer({ min: 1, max: 70 }), fc.integer({ min: 1, max: 40 })).chain(([w, h]) =>
      fc.tuple(fc.constant(w), fc.constant(h), fc.array(fc.array(fc.boolean(), { minLength: w, maxLength: w }), { minLength: h, maxLength: h })));
    fc.assert(fc.property(image, ([w, h, px]) => {
      const stride = Math.ceil(w / 8) + 1;
      const scanlines = new Uint8Array(stride * h);
      px.forEach((row, y) => row.forEach((white, x) => { if (white) scanlines[y * stride + 1 + (x >> 3)] |= 0x80 >> (x & 7); }));
      const png = PNG.sync.read(bilevelPng(w, h, scanlines, [1, stride]));
      assert.equal(png.width, w);
      assert.equal(png.height, h);
      px.forEach((row, y) => row.forEach((white, x) => assert.equal(png.data[(y * w + x) * 4], white ? 255 : 0, `pixel ${x},${y}`)));
    }), { numRuns: 150 });
    assert.throws(() => bilevelPng(9, 2, new Uint8Array(5), [1]), RangeError, "2 rows of 3 bytes are 6");
  });
});
