/**
 * The QR code symbol (ISO/IEC 18004) of a byte string at error correction level M with mask 0:
 * what QrCode.ts draws for every peer's conf on every run. The `qrcode` package computes the
 * same modules (its matrices are the oracle in the tests, for every version), but its
 * Reed–Solomon division copies the whole polynomial for every codeword — about 100 KB of
 * garbage and most of the time of a code; here the division is the usual shift register, and
 * the matrix two flat byte arrays.
 *
 * Steps: the smallest version whose data capacity at M holds the bytes (byte mode: the mode,
 * the length, the bytes, a terminator, pad codewords 0xEC/0x11); the codewords split into the
 * version's blocks, each with its error-correction codewords; data then EC codewords interleaved
 * column by column; function patterns (finders, separators, timing, alignment, format and
 * version information, the dark module); the codeword bits placed in the two-column zigzag
 * from the bottom right, skipping the timing column and every function module; mask 0
 * (`(row + col) % 2 === 0`) over the data modules.
 */

/** Error-correction blocks per version (1–40) at level M. */
const EC_BLOCKS_M = [1, 1, 1, 2, 2, 4, 4, 4, 5, 5, 5, 8, 9, 9, 10, 10, 11, 13, 14, 16, 17, 17, 18, 20, 21, 23, 25, 26, 28, 29, 31, 33, 35, 37, 38, 40, 43, 45, 47, 49];
/** Error-correction codewords in all per version at level M. */
const EC_CODEWORDS_M = [10, 16, 26, 36, 48, 64, 72, 88, 110, 130, 150, 176, 198, 216, 240, 280, 308, 338, 364, 416, 442, 476, 504, 560, 588, 644, 700, 728, 784, 812, 868, 924, 980, 1036, 1064, 1120, 1204, 1260, 1316, 1372];
/** Codewords (data and error correction) per version. */
const TOTAL_CODEWORDS = [26, 44, 70, 100, 134, 172, 196, 242, 292, 346, 404, 466, 532, 581, 655, 733, 815, 901, 991, 1085, 1156, 1258, 1364, 1474, 1588, 1706, 1828, 1921, 2051, 2185, 2323, 2465, 2611, 2761, 2876, 3034, 3196, 3362, 3532, 3706];

/** GF(256) with the QR code's polynomial x^8 + x^4 + x^3 + x^2 + 1. */
const EXP = new Uint8Array(512);
const LOG = new Uint8Array(256);
for (let i = 0, x = 1; i < 255; i++) {
  EXP[i] = x;
  LOG[x] = i;
  x <<= 1;
  if (x & 0x100) x ^= 0x11d;
}
for (let i = 255; i < 512; i++) EXP[i] = EXP[i - 255];
const mul = (a: number, b: number) => (a === 0 || b === 0 ? 0 : EXP[LOG[a] + LOG[b]]);

/** The Reed–Solomon generator polynomial of a degree, highest power first (its leading 1 included). */
const generators = new Map<number, Uint8Array>();
function generator(degree: number): Uint8Array {
  const known = generators.get(degree);
  if (known !== undefined) return known;
  let g: Uint8Array = new Uint8Array([1]);
  for (let i = 0; i < degree; i++) {
    const next: Uint8Array = new Uint8Array(g.length + 1);
    for (let j = 0; j < g.length; j++) {
      next[j] ^= g[j];
      next[j + 1] ^= mul(g[j], EXP[i]);
    }
    g = next;
  }
  generators.set(degree, g);
  return g;
}

/** The error-correction codewords of one block: the remainder of data·x^degree by the generator. */
function reedSolomon(data: Uint8Array, degree: number): Uint8Array {
  const g = generator(degree);
  const ec = new Uint8Array(degree);
  for (let k = 0; k < data.length; k++) {
    const factor = data[k] ^ ec[0];
    ec.copyWithin(0, 1);
    ec[degree - 1] = 0;
    if (factor !== 0) for (let i = 0; i < degree; i++) ec[i] ^= mul(g[i + 1], factor);
  }
  return ec;
}

/** BCH code of `value` (the bits above the remainder) by the generator `g` of `bits` bits. */
function bch(value: number, g: number, bits: number): number {
  const len = (n: number) => 32 - Math.clz32(n);
  let d = value << (bits - 1);
  while (len(d) >= bits) d ^= g << (len(d) - bits);
  return (value << (bits - 1)) | d;
}

/** Format information for level M (bits 00) and mask 0, masked as the standard asks. */
const FORMAT_M_MASK0 = bch(0, 0b10100110111, 11) ^ 0b101010000010010;

/** Row (and column) centres of the alignment patterns of a version. */
function alignmentCoords(version: number, size: number): number[] {
  if (version === 1) return [];
  const count = Math.floor(version / 7) + 2;
  const step = size === 145 ? 26 : Math.ceil((size - 13) / (2 * count - 2)) * 2;
  const out = [size - 7];
  for (let i = 1; i < count - 1; i++) out[i] = out[i - 1] - step;
  out.push(6);
  return out.reverse();
}

/** The bytes' data codewords and error-correction codewords, interleaved as the symbol holds them. */
function codewords(bytes: Uint8Array, version: number): Uint8Array {
  const total = TOTAL_CODEWORDS[version - 1];
  const dataTotal = total - EC_CODEWORDS_M[version - 1];
  const data = new Uint8Array(dataTotal);
  // Mode and length take 12 or 20 bits, so every byte after them straddles two codewords.
  const head = version < 10 ? (0b0100 << 8) | bytes.length : (0b0100 << 16) | bytes.length;
  const headBits = version < 10 ? 12 : 20;
  let acc = head, n = headBits, at = 0;
  for (let i = 0; i < bytes.length; i++) {
    acc = (acc << 8) | bytes[i];
    n += 8;
    while (n >= 8) {
      n -= 8;
      data[at++] = (acc >>> n) & 0xff;
    }
    acc &= (1 << n) - 1;
  }
  while (n >= 8) { n -= 8; data[at++] = (acc >>> n) & 0xff; acc &= (1 << n) - 1; }
  // The terminator (4 zero bits, or fewer at the very end) and zero bits to the byte: what is left of acc.
  if (n > 0 && at < dataTotal) data[at++] = (acc << (8 - n)) & 0xff;
  for (let i = 0; at < dataTotal; i++) data[at++] = i % 2 ? 0x11 : 0xec;

  const blocks = EC_BLOCKS_M[version - 1];
  const inGroup2 = total % blocks, inGroup1 = blocks - inGroup2;
  const dataPerBlock1 = Math.floor(dataTotal / blocks);
  const ecPerBlock = Math.floor(total / blocks) - dataPerBlock1;
  const dc: Uint8Array[] = [], ec: Uint8Array[] = [];
  for (let b = 0, at = 0; b < blocks; b++) {
    const n = b < inGroup1 ? dataPerBlock1 : dataPerBlock1 + 1;
    dc.push(data.subarray(at, at + n));
    ec.push(reedSolomon(dc[b], ecPerBlock));
    at += n;
  }
  const out = new Uint8Array(total);
  let k = 0;
  for (let i = 0; i <= dataPerBlock1; i++) for (let b = 0; b < blocks; b++) if (i < dc[b].length) out[k++] = dc[b][i];
  for (let i = 0; i < ecPerBlock; i++) for (let b = 0; b < blocks; b++) out[k++] = ec[b][i];
  return out;
}

/** A QR symbol: `size` × `size` modules, row by row, 1 = dark. */
export interface QrModules {
  size: number;
  data: Uint8Array;
}

/** The smallest symbol at level M, mask 0, holding `bytes` in byte mode. Throws when 2,331 bytes are too many. */
export function qrSymbol(bytes: Uint8Array): QrModules {
  let version = 1;
  const capacity = (v: number) => Math.floor(((TOTAL_CODEWORDS[v - 1] - EC_CODEWORDS_M[v - 1]) * 8 - 4 - (v < 10 ? 8 : 16)) / 8);
  while (version <= 40 && bytes.length > capacity(version)) version++;
  if (version > 40) throw new Error(`The amount of data is too big to be stored in a QR Code (${bytes.length} bytes; at most ${capacity(40)} at error correction M)`);
  const size = version * 4 + 17;
  const dark = new Uint8Array(size * size);
  const reserved = new Uint8Array(size * size);
  const set = (row: number, col: number, on: boolean | number) => {
    dark[row * size + col] = on === true || on === 1 ? 1 : 0;
    reserved[row * size + col] = 1;
  };

  for (const [row, col] of [[0, 0], [size - 7, 0], [0, size - 7]]) { // finders and their separators
    for (let r = -1; r <= 7; r++) {
      if (row + r < 0 || row + r >= size) continue;
      for (let c = -1; c <= 7; c++) {
        if (col + c < 0 || col + c >= size) continue;
        set(row + r, col + c, (r >= 0 && r <= 6 && (c === 0 || c === 6)) || (c >= 0 && c <= 6 && (r === 0 || r === 6)) || (r >= 2 && r <= 4 && c >= 2 && c <= 4));
      }
    }
  }
  for (let i = 8; i < size - 8; i++) { // timing
    set(i, 6, i % 2 === 0);
    set(6, i, i % 2 === 0);
  }
  const centres = alignmentCoords(version, size);
  for (let i = 0; i < centres.length; i++) {
    for (let j = 0; j < centres.length; j++) {
      if ((i === 0 && j === 0) || (i === 0 && j === centres.length - 1) || (i === centres.length - 1 && j === 0)) continue; // under a finder
      for (let r = -2; r <= 2; r++) for (let c = -2; c <= 2; c++) set(centres[i] + r, centres[j] + c, r === -2 || r === 2 || c === -2 || c === 2 || (r === 0 && c === 0));
    }
  }
  for (let i = 0; i < 15; i++) { // format information, both copies, and the dark module
    const on = (FORMAT_M_MASK0 >> i) & 1;
    set(i < 6 ? i : i < 8 ? i + 1 : size - 15 + i, 8, on);
    set(8, i < 8 ? size - i - 1 : i < 9 ? 15 - i : 14 - i, on);
  }
  set(size - 8, 8, 1);
  if (version >= 7) { // version information, both copies
    const bits = bch(version, 0b1111100100101, 13);
    for (let i = 0; i < 18; i++) {
      const on = (bits >> i) & 1;
      const row = Math.floor(i / 3), col = (i % 3) + size - 11;
      set(row, col, on);
      set(col, row, on);
    }
  }

  const words = codewords(bytes, version);
  const bits = words.length * 8;
  let inc = -1, row = size - 1, bit = 0;
  for (let col = size - 1; col > 0; col -= 2) {
    if (col === 6) col--; // the timing column
    for (;;) {
      for (let c = 0; c < 2; c++) {
        const at = row * size + col - c;
        if (reserved[at] === 1) continue;
        const on = bit < bits ? (words[bit >> 3] >> (7 - (bit & 7))) & 1 : 0;
        dark[at] = on ^ ((row + col - c + 1) & 1); // mask 0: flip where (row + col) is even
        bit++;
      }
      row += inc;
      if (row < 0 || row >= size) {
        row -= inc;
        inc = -inc;
        break;
      }
    }
  }
  return { size, data: dark };
}
