import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import * as fc from "fast-check";
import * as ts from "typescript";
import { shellWord, terminalBlock, terminalText, tsString } from "@wgkit/core";
import { terminalControls as forbidden } from "../support/terminalOracle";

/** Strings rich in what an attacker would send: escape sequences, bidi overrides, separators, any code unit. */
const hostile = fc.oneof(
  fc.string({ unit: "binary", maxLength: 40 }),
  fc.string({ unit: fc.constantFrom("\x1b", "[", "]", "0;", "\x07", "\x9b", "\x9d", "\n", "\r", "\t", "\u202e", "\u2066", "\u2069", "\u2028",
    "\u2029", "\x7f", "\x00", "'", '"', "\\", "$", "`", "!", "a", "é", "\u{1F600}", "\u{E0001}", "\ud800", "\udc00"), maxLength: 30 }),
  fc.string({ unit: "grapheme", maxLength: 20 }),
  fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((n) => String.fromCharCode(n)), maxLength: 20 }),
);
const RUNS = { numRuns: 2000 };

describe("TerminalText: what came from outside reaches a terminal as one harmless line", () => {
  it("terminalText: no control, separator, bidi or lone surrogate, no newline — for any input", () => {
    fc.assert(fc.property(hostile, (s) => {
      const out = terminalText(s);
      assert.deepEqual(forbidden(out), [], JSON.stringify(out));
      assert.ok(!out.includes("\n"));
    }), RUNS);
  });

  it("terminalText keeps ordinary text as it is (letters, accents, emoji, punctuation)", () => {
    for (const s of ["peer_laptop", "wg_confs/wg1.conf", "café ☕ 😀", "iptables -A FORWARD -i %i -j ACCEPT; echo 'x' \"y\" \\z"]) assert.equal(terminalText(s), s);
    assert.equal(terminalText("a\x1b[31mred\nforged\u202eevil"), "a\\x1b[31mred\\x0aforged\\u202eevil");
  });

  it("terminalBlock: every line after the first carries the prefix; none carries a control character", () => {
    fc.assert(fc.property(hostile, (s) => {
      const lines = terminalBlock(`first\n${s}`).split("\n");
      assert.equal(lines[0], "first");
      for (const l of lines.slice(1)) {
        assert.ok(l.startsWith("  | "), JSON.stringify(l));
        assert.deepEqual(forbidden(l), []);
      }
    }), RUNS);
  });

  it("tsString: a TypeScript literal with nothing unsafe in it, that the TypeScript compiler parses and JavaScript evaluates back to the input", () => {
    fc.assert(fc.property(hostile, (s) => {
      const lit = tsString(s);
      assert.deepEqual(forbidden(lit), [], lit);
      const src = `export const v = ${lit};\n`;
      const out = ts.transpileModule(src, { reportDiagnostics: true, compilerOptions: { module: ts.ModuleKind.CommonJS } });
      assert.deepEqual(out.diagnostics?.map((d) => ts.flattenDiagnosticMessageText(d.messageText, "\n")), []);
      const exp: { v?: string } = {};
      new Function("exports", out.outputText)(exp);
      assert.equal(exp.v, s);
    }), { numRuns: 500 });
  });

  it("shellWord: one printable line; real bash prints back exactly the input (printf %s)", function () {
    this.timeout(120_000);
    const words = fc.sample(hostile.filter((s) => !s.includes("\0") && !/[\ud800-\udfff]/u.test(s.replace(/[\ud800-\udbff][\udc00-\udfff]/g, ""))), { numRuns: 400, seed: 19 });
    words.push("", "'", "it's", "a\nb", "\x1b]0;title\x07", "\u202eevil", "$(id)", "`id`", "!!", "\\x41", "$'x'", "\u2028", "\x9b31m");
    // One bash run for all: each word printed between NUL separators.
    const script = words.map((w) => { const q = shellWord(w); assert.deepEqual(forbidden(q), [], q); assert.ok(!q.includes("\n")); return `printf '%s\\0' ${q}`; }).join("\n");
    const r = spawnSync("bash", ["-c", script], { encoding: "buffer" });
    assert.equal(r.status, 0, r.stderr.toString());
    const got = r.stdout.toString("utf8").split("\0").slice(0, -1);
    assert.deepEqual(got, words);
  });

  it("shellWord refuses what no argument can hold (NUL, a lone surrogate)", () => {
    assert.throws(() => shellWord("a\0b"));
    assert.throws(() => shellWord("a\ud800"));
  });

  it("npm run up prints nothing from outside unescaped: every console call's values in cli/ pass through TerminalText (checked on the syntax tree)", () => {
    const cli = path.resolve(__dirname, "..", "..", "..", "cli");
    const ESCAPERS = new Set(["t", "terminalText", "terminalBlock", "Number"]);
    const safe = (e: ts.Expression): boolean => {
      if (ts.isParenthesizedExpression(e)) return safe(e.expression);
      if (ts.isStringLiteral(e) || ts.isNoSubstitutionTemplateLiteral(e) || ts.isNumericLiteral(e)) return true;
      if (ts.isCallExpression(e)) return ts.isIdentifier(e.expression) && ESCAPERS.has(e.expression.text);
      if (ts.isTemplateExpression(e)) return e.templateSpans.every((sp) => safe(sp.expression));
      if (ts.isConditionalExpression(e)) return safe(e.whenTrue) && safe(e.whenFalse);
      return false;
    };
    const unsafe: string[] = [];
    let calls = 0;
    for (const name of fs.readdirSync(cli).filter((f) => f.endsWith(".ts"))) {
      const file = path.join(cli, name);
      const sf = ts.createSourceFile(file, fs.readFileSync(file, "utf8"), ts.ScriptTarget.Latest, true);
      const visit = (n: ts.Node): void => {
        if (ts.isCallExpression(n) && ts.isPropertyAccessExpression(n.expression) && ts.isIdentifier(n.expression.expression) &&
          ["console", "process"].includes(n.expression.expression.text) && /^(log|error|warn|info|stdout|stderr)$/.test(n.expression.name.text)) {
          calls++;
          n.arguments.filter((a) => !safe(a)).forEach((a) => unsafe.push(`${name}:${sf.getLineAndCharacterOfPosition(a.getStart()).line + 1}: ${a.getText()}`));
        }
        ts.forEachChild(n, visit);
      };
      visit(sf);
    }
    assert.ok(calls >= 15, `found ${calls} console calls`);
    assert.deepEqual(unsafe, []);
  });
});
