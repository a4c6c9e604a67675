import * as QRCode from "qrcode";

/** A conf as a QR code PNG (base64), as mobile WireGuard apps scan it. */
export async function qrPngBase64(text: string): Promise<string> {
  const png = await QRCode.toBuffer(text, { type: "png", errorCorrectionLevel: "M", margin: 4, scale: 6 });
  return png.toString("base64");
}

/** A conf as a QR code drawn with block characters for a terminal (LOG_CONFS equivalent). */
export function qrTerminal(text: string): Promise<string> {
  return QRCode.toString(text, { type: "terminal", small: true, errorCorrectionLevel: "M" });
}
