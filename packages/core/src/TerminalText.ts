/**
 * Text that came from outside (a config directory's file and folder names, a conf's comments and
 * hook lines, a container's logs or a command's output) on its way to a terminal, a printed
 * TypeScript fragment or a printed shell command.
 *
 * Invariants:
 * - `terminalText` returns one line: no C0 control (newline, carriage return, tab, ESC and so
 *   no escape sequence — CSI, OSC …), no DEL, no C1 control (U+0080–U+009F, e.g. the one-byte
 *   CSI U+009B), no line or paragraph separator (U+2028/9), no format character (bidirectional
 *   overrides and isolates U+202A–202E, U+2066–2069, marks U+200E/F, U+061C, zero-width …), no
 *   lone surrogate. Each is shown as a visible escape (`\x1b`, `\u202e`, `\u{e0001}`); every
 *   other character is kept.
 * - `terminalBlock` keeps a multi-line text's lines, each through terminalText, and marks every
 *   line after the first with a prefix, so outside text can never pass for a line of ours.
 * - `tsString(s)` is a TypeScript/JavaScript string literal that evaluates to exactly `s` and
 *   contains none of the characters above (JSON.stringify, plus \u escapes for the rest).
 * - `shellWord(s)` is one shell word that stands for exactly `s`: POSIX single quotes when `s`
 *   holds none of the characters above, else bash/zsh/ksh ANSI-C quoting (`$'…'`) with each of
 *   them as its UTF-8 bytes (`\xe2\x80\xae`), so the printed command stays one visible line.
 *
 * Failure modes: `shellWord` throws for NUL or a lone surrogate (no command argument can hold
 * them); the others accept any string.
 */

/** Everything that must not reach a terminal as it is. */
const UNSAFE = /[\p{Cc}\p{Cf}\p{Cs}\p{Zl}\p{Zp}]/gu;
const UNSAFE_ONE = /[\p{Cc}\p{Cf}\p{Cs}\p{Zl}\p{Zp}]/u;

const hex = (n: number, width: number) => n.toString(16).padStart(width, "0");

/** A visible escape for one unsafe code point. */
function visible(c: string): string {
  const cp = c.codePointAt(0)!;
  if (cp < 0x100) return `\\x${hex(cp, 2)}`;
  if (cp < 0x10000) return `\\u${hex(cp, 4)}`;
  return `\\u{${cp.toString(16)}}`;
}

/** One line that is safe to print: every control, separator and format character escaped visibly. */
export function terminalText(s: string): string {
  return String(s).replace(UNSAFE, visible);
}

/** True when `s` holds nothing that terminalText would escape. */
export function isTerminalSafe(s: string): boolean {
  return !UNSAFE_ONE.test(s);
}

/** A multi-line text for a terminal: each line escaped; lines after the first start with `prefix`. */
export function terminalBlock(s: string, prefix = "  | "): string {
  return String(s).split(/\r?\n/).map((l, i) => (i === 0 ? "" : prefix) + terminalText(l)).join("\n");
}

/** A TypeScript string literal for `s`, safe to print. */
export function tsString(s: string): string {
  // JSON.stringify escapes C0, `"`, `\` and lone surrogates; the rest of UNSAFE becomes \uXXXX
  // (an astral code point as its two surrogate halves).
  return JSON.stringify(s).replace(UNSAFE, (c) => [...Array(c.length).keys()].map((i) => `\\u${hex(c.charCodeAt(i), 4)}`).join(""));
}

/** One shell word for `s` (see the header). */
export function shellWord(s: string): string {
  if (/\0/.test(s) || /\p{Cs}/u.test(s)) throw new Error("a shell word cannot hold NUL or a lone surrogate");
  if (isTerminalSafe(s)) return `'${s.replace(/'/g, "'\\''")}'`;
  const body = s.replace(/[\\'!]|[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/gu, (c) =>
    c === "\\" || c === "'" ? `\\${c}` : [...Buffer.from(c, "utf8")].map((b) => `\\x${hex(b, 2)}`).join(""));
  return `$'${body}'`;
}
