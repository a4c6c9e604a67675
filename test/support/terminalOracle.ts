/**
 * An oracle independent of core's TerminalText pattern: every code point a terminal or an editor
 * acts on (C0, DEL, C1, U+2028/9, the bidirectional controls of Unicode's Bidi_Control property,
 * lone surrogates), spelled out by number. Returns them as `U+<hex>`; `newline: true` lets "\n" pass.
 */
export function terminalControls(s: string, opts: { newline?: boolean } = {}): string[] {
  const out: string[] = [];
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (opts.newline && c === 0x0a) continue;
    if (c < 0x20 || (c >= 0x7f && c <= 0x9f) || c === 0x2028 || c === 0x2029 || c === 0x061c || c === 0x200e || c === 0x200f ||
      (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069) || (c >= 0xd800 && c <= 0xdfff)) out.push(`U+${c.toString(16)}`);
  }
  return out;
}
