import { PNG } from "pngjs";
import * as QRCode from "qrcode";

/**
 * The QR PNG as wgkit rendered it before issue 29 (8-bit grayscale through pngjs and zlib): the
 * oracle for the pixels of today's 1-bit PNG (test/core/Renderers.test.ts) and the baseline of its
 * cost (`npm run bench`).
 */
export function qrPngBefore(text: string): Buffer {
  const q = QRCode.create([{ data: Buffer.from(text, "utf8"), mode: "byte" }], { errorCorrectionLevel: "M", maskPattern: 0 });
  const { size, data } = q.modules;
  const w = (size + 8) * 4;
  const img = new PNG({ width: w, height: w, colorType: 0, inputColorType: 0, inputHasAlpha: false });
  img.data = Buffer.alloc(w * w, 255);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      if (data[y * size + x] !== 1) continue;
      for (let dy = 0; dy < 4; dy++) img.data.fill(0, ((y + 4) * 4 + dy) * w + (x + 4) * 4, ((y + 4) * 4 + dy) * w + (x + 4) * 4 + 4);
    }
  }
  return PNG.sync.write(img, { colorType: 0, inputColorType: 0, inputHasAlpha: false, filterType: 0, deflateLevel: 1 });
}
