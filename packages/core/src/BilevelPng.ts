/**
 * A black-and-white image as a PNG (1-bit grayscale), written without zlib: what QrCode.ts needs
 * per peer, on every run, thousands of times. A zlib call costs more to set up (its window and
 * hash tables) than the whole image costs to compress by hand, because such images repeat
 * themselves at a few known distances: the same byte (runs), the row above, the row a block of
 * rows above. `deflateFixed` looks for matches at exactly the distances the caller names and
 * codes them with deflate's fixed Huffman codes (RFC 1951 §3.2.6) — a valid zlib stream that
 * any inflater reads, about twice zlib's size for a QR code and a small fraction of its time.
 */

const LEN_BASE = [3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258];
const LEN_EXTRA = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0];
const DIST_BASE = [1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577];
const DIST_EXTRA = [0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13];
const MAX_MATCH = 258;
const MAX_DISTANCE = 32768;

/** Index of the last base not above `v` (the code whose range holds `v`). */
function codeOf(bases: readonly number[], v: number): number {
  let i = bases.length - 1;
  while (bases[i] > v) i--;
  return i;
}

/** Reverses the low `length` bits of `code`: deflate sends Huffman codes MSB first into an LSB-first stream. */
function reversed(code: number, length: number): number {
  let r = 0;
  for (let i = 0; i < length; i++) r = (r << 1) | ((code >> i) & 1);
  return r;
}

/** The fixed literal/length code (RFC 1951 §3.2.6) of each symbol 0–287, bit-reversed, and its length. */
const LIT_CODE = new Uint16Array(288);
const LIT_BITS = new Uint8Array(288);
for (let s = 0; s < 288; s++) {
  const [code, bits] = s < 144 ? [0x30 + s, 8] : s < 256 ? [0x190 + s - 144, 9] : s < 280 ? [s - 256, 7] : [0xc0 + s - 280, 8];
  LIT_CODE[s] = reversed(code, bits);
  LIT_BITS[s] = bits;
}

/** An LSB-first bit stream into a buffer sized for the worst case (every byte a 9-bit literal). */
class BitWriter {
  private readonly out: Uint8Array;
  private at = 0;
  private acc = 0;
  private n = 0;

  constructor(maxBytes: number) {
    this.out = new Uint8Array(maxBytes);
  }

  bits(value: number, count: number): void {
    this.acc |= value << this.n;
    this.n += count;
    while (this.n >= 8) {
      this.out[this.at++] = this.acc & 0xff;
      this.acc >>>= 8;
      this.n -= 8;
    }
  }

  symbol(s: number): void {
    this.bits(LIT_CODE[s], LIT_BITS[s]);
  }

  bytes(): Uint8Array {
    if (this.n > 0) this.out[this.at++] = this.acc & 0xff;
    this.acc = 0;
    this.n = 0;
    return this.out.subarray(0, this.at);
  }
}

function adler32(data: Uint8Array): number {
  let a = 1, b = 0;
  for (let i = 0; i < data.length;) {
    for (const end = Math.min(i + 5552, data.length); i < end; i++) {
      a += data[i];
      b += a;
    }
    a %= 65521;
    b %= 65521;
  }
  return ((b << 16) | a) >>> 0;
}

/**
 * `data` as a zlib stream (RFC 1950): one fixed-Huffman deflate block whose matches are found
 * only at `distances` back (greedy, the longest at each position). Linear in the data's length.
 */
export function deflateFixed(data: Uint8Array, distances: readonly number[]): Buffer {
  for (const d of distances) if (!Number.isInteger(d) || d < 1 || d > MAX_DISTANCE) throw new RangeError(`deflateFixed: distance ${d} is not 1–${MAX_DISTANCE}`);
  const n = data.length;
  const w = new BitWriter(Math.ceil((n * 9 + 10) / 8) + 1);
  w.bits(1, 1); // BFINAL
  w.bits(1, 2); // BTYPE 01: fixed Huffman codes
  const ds = Int32Array.from(distances);
  for (let i = 0; i < n;) {
    let best = 0, bestD = 0;
    const max = Math.min(MAX_MATCH, n - i);
    for (let k = 0; k < ds.length; k++) {
      const d = ds[k];
      if (d > i) continue;
      let l = 0;
      while (l < max && data[i + l] === data[i + l - d]) l++;
      if (l > best) { best = l; bestD = d; }
    }
    if (best < 3) {
      w.symbol(data[i]);
      i++;
      continue;
    }
    const lc = codeOf(LEN_BASE, best);
    w.symbol(257 + lc);
    w.bits(best - LEN_BASE[lc], LEN_EXTRA[lc]);
    const dc = codeOf(DIST_BASE, bestD);
    w.bits(reversed(dc, 5), 5);
    w.bits(bestD - DIST_BASE[dc], DIST_EXTRA[dc]);
    i += best;
  }
  w.symbol(256); // end of block
  const body = w.bytes();
  const out = Buffer.alloc(2 + body.length + 4);
  out[0] = 0x78; // deflate, 32 KiB window
  out[1] = 0x01; // no dictionary, "fastest"; (0x7801 % 31 === 0)
  out.set(body, 2);
  out.writeUInt32BE(adler32(data), 2 + body.length);
  return out;
}

const CRC_TABLE = (() => {
  const t = new Int32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c;
  }
  return t;
})();

function crc32(data: Uint8Array): number {
  let c = -1;
  for (let i = 0; i < data.length; i++) c = CRC_TABLE[(c ^ data[i]) & 0xff] ^ (c >>> 8);
  return (c ^ -1) >>> 0;
}

function chunk(type: string, data: Uint8Array): Buffer {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, "latin1");
  out.set(data, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/**
 * A 1-bit grayscale PNG (0 = black, 1 = white) of `width` × `height` pixels from its scanlines
 * as PNG stores them: per row a filter byte, then the pixels packed 8 a byte, MSB first
 * (`ceil(width / 8) + 1` bytes a row). `distances`: where the scanlines repeat (see deflateFixed).
 */
export function bilevelPng(width: number, height: number, scanlines: Uint8Array, distances: readonly number[]): Buffer {
  const stride = Math.ceil(width / 8) + 1;
  if (scanlines.length !== stride * height) throw new RangeError(`bilevelPng: ${scanlines.length} bytes of scanlines for ${height} rows of ${stride}`);
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 1; // bit depth
  ihdr[9] = 0; // grayscale; compression, filter and interlace methods 0
  return Buffer.concat([SIGNATURE, chunk("IHDR", ihdr), chunk("IDAT", deflateFixed(scanlines, distances)), chunk("IEND", new Uint8Array(0))]);
}
