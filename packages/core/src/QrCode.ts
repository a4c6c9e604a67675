import * as zlib from "zlib";
import * as QRCode from "qrcode";

const MARGIN = 4; // quiet zone in modules, as the QR standard asks
const SCALE = 4; // pixels per module: 276 px for a typical peer conf

/**
 * The QR symbol of a conf: byte mode (confs are ASCII) and a fixed mask, which
 * skips qrcode's segment optimisation and mask search — 10× faster, and every
 * WireGuard app still scans it.
 */
function symbol(text: string): { size: number; dark: (x: number, y: number) => boolean } {
  const q = QRCode.create([{ data: Buffer.from(text, "utf8"), mode: "byte" }], { errorCorrectionLevel: "M", maskPattern: 0 });
  const { size, data } = q.modules;
  return { size, dark: (x, y) => data[y * size + x] === 1 };
}

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

function chunk(type: string, data: Buffer): Buffer {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, "latin1");
  data.copy(out, 8);
  out.writeUInt32BE(zlib.crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}

/**
 * A conf as a QR code PNG, as mobile WireGuard apps scan it: black modules on white, 4 pixels a
 * module, a 4-module quiet zone. Written directly as a 1-bit grayscale PNG: each module row is
 * packed once and its 3 repeats are PNG "Up" rows (all zeros), so one small deflate per code is
 * all the work besides the symbol. (Before, the same pixels went through pngjs as an 8-bit
 * image: 8× the bytes to filter and compress, and about 8 KB a code instead of 1 KB.)
 */
export function qrPng(text: string): Buffer {
  const { size, dark } = symbol(text);
  const w = (size + 2 * MARGIN) * SCALE;
  const stride = 1 + Math.ceil(w / 8); // filter byte + packed pixels
  const raw = Buffer.alloc(stride * w); // zeros: Up rows (and filter bytes) need nothing more
  for (let py = 0; py < w; py += SCALE) {
    const row = py * stride;
    const y = py / SCALE - MARGIN;
    raw.fill(0xff, row + 1, row + stride); // white (1); filter byte 0 = None
    if (y >= 0 && y < size) {
      for (let x = 0; x < size; x++) {
        if (!dark(x, y)) continue;
        for (let px = (x + MARGIN) * SCALE, end = px + SCALE; px < end; px++) raw[row + 1 + (px >> 3)] &= ~(0x80 >> (px & 7));
      }
    }
    for (let r = 1; r < SCALE; r++) raw[row + r * stride] = 2; // Up: the same pixels as the row above
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0);
  ihdr.writeUInt32BE(w, 4);
  ihdr[8] = 1; // bit depth
  ihdr[9] = 0; // grayscale; compression, filter and interlace methods 0
  return Buffer.concat([PNG_SIGNATURE, chunk("IHDR", ihdr), chunk("IDAT", zlib.deflateSync(raw, { level: 9 })), chunk("IEND", Buffer.alloc(0))]);
}

/** The PNG as base64 (what the `qrCode` outputs hold). */
export function qrPngBase64(text: string): string {
  return qrPng(text).toString("base64");
}

/** A conf as a QR code drawn with block characters for a terminal (LOG_CONFS equivalent). */
export function qrTerminal(text: string): Promise<string> {
  return QRCode.toString([{ data: Buffer.from(text, "utf8"), mode: "byte" }], { type: "terminal", small: true, errorCorrectionLevel: "M" });
}

/** A QR code, or why there is none. */
export type QrResult = { base64: string; reason?: undefined } | { base64: undefined; reason: string };

/**
 * The non-throwing form of qrPngBase64, for outputs computed per peer: a conf too large for a QR
 * symbol (version 40 at error correction M holds 2,331 bytes) gives `{ base64: undefined, reason }`
 * instead of failing the whole deployment. The reason names sizes only, never the conf's content.
 */
export function tryQrPngBase64(text: string): QrResult {
  try {
    return { base64: qrPngBase64(text) };
  } catch (e) {
    const bytes = Buffer.byteLength(String(text), "utf8");
    const why = /too big|amount of data/i.test(String((e as Error)?.message)) ? "at most 2331 bytes fit a QR code at error correction M" : "the QR encoder refused it";
    return { base64: undefined, reason: `no QR code: the conf is ${bytes} bytes; ${why}` };
  }
}
