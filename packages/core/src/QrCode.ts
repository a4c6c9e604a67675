import * as QRCode from "qrcode";
import { PNG } from "pngjs";

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

/** A conf as a QR code PNG (8-bit grayscale), as mobile WireGuard apps scan it. */
export function qrPng(text: string): Buffer {
  const { size, dark } = symbol(text);
  const w = (size + 2 * MARGIN) * SCALE;
  const img = new PNG({ width: w, height: w, colorType: 0, inputColorType: 0, inputHasAlpha: false });
  img.data = Buffer.alloc(w * w, 255);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      if (!dark(x, y)) continue;
      for (let dy = 0; dy < SCALE; dy++) {
        const at = ((y + MARGIN) * SCALE + dy) * w + (x + MARGIN) * SCALE;
        img.data.fill(0, at, at + SCALE);
      }
    }
  }
  // No row filter and fast deflate: a two-tone image compresses well anyway (a few hundred bytes more).
  return PNG.sync.write(img, { colorType: 0, inputColorType: 0, inputHasAlpha: false, filterType: 0, deflateLevel: 1 });
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
