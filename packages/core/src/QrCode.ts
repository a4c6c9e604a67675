import * as QRCode from "qrcode";
import { bilevelPng } from "./BilevelPng";
import { QrModules, qrSymbol } from "./QrSymbol";

const MARGIN = 4; // quiet zone in modules, as the QR standard asks
const SCALE = 4; // pixels per module: 276 px for a typical peer conf

/** The QR symbol of a conf: byte mode (confs are ASCII), error correction M, mask 0 (QrSymbol.ts). */
function symbol(text: string): QrModules {
  return qrSymbol(Buffer.from(text, "utf8"));
}

/**
 * A conf as a QR code PNG, as mobile WireGuard apps scan it: black modules on white, 4 pixels a
 * module, a 4-module quiet zone, as a 1-bit grayscale PNG (BilevelPng.ts). Each module row is
 * packed once; its 3 repeats are PNG "Up" rows (all zeros), and the whole image compresses by
 * matching runs, the row above and the module row above. (Before, the same pixels went through
 * pngjs and zlib as an 8-bit image: about 8 KB a code instead of 2.6 KB, and several times the time.)
 */
export function qrPng(text: string): Buffer {
  const { size, data } = symbol(text);
  const w = (size + 2 * MARGIN) * SCALE;
  const stride = 1 + Math.ceil(w / 8); // filter byte + packed pixels
  const raw = new Uint8Array(stride * w); // zeros: Up rows (and filter bytes) need nothing more
  // Per module column: the bits its pixels clear in a row (a module's pixels lie in one byte or two).
  const byteA = new Int32Array(size), maskA = new Uint8Array(size), maskB = new Uint8Array(size);
  for (let x = 0; x < size; x++) {
    const first = (x + MARGIN) * SCALE, last = first + SCALE - 1;
    byteA[x] = first >> 3;
    for (let px = first; px <= last; px++) {
      if (px >> 3 === byteA[x]) maskA[x] |= 0x80 >> (px & 7); else maskB[x] |= 0x80 >> (px & 7);
    }
  }
  for (let py = 0; py < w; py += SCALE) {
    const row = py * stride;
    const y = py / SCALE - MARGIN;
    raw.fill(0xff, row + 1, row + stride); // white (1); filter byte 0 = None
    if (y >= 0 && y < size) {
      for (let x = 0, at = y * size; x < size; x++) {
        if (data[at + x] !== 1) continue;
        raw[row + 1 + byteA[x]] &= ~maskA[x];
        if (maskB[x] !== 0) raw[row + 2 + byteA[x]] &= ~maskB[x];
      }
    }
    for (let r = 1; r < SCALE; r++) raw[row + r * stride] = 2; // Up: the same pixels as the row above
  }
  return bilevelPng(w, w, raw, [1, stride, SCALE * stride]);
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
