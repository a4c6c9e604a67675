import { strict as assert } from "assert";
import * as fc from "fast-check";
import { generateKeyPair, WgKitError } from "@wgkit/core";
import { componentTargets, injectionTargets, runComponentInjection, runInjectionProperty } from "../support/injection";

/**
 * No string a user passes may add a line or a section to a rendered conf.
 * `npm run fuzz` runs the same property with 100,000+ cases.
 */
describe("Injection: every string field of every renderer", () => {
  it(`holds for ${injectionTargets.length} targets × 400 generated strings`, () => {
    const total = runInjectionProperty(400);
    assert.ok(total >= injectionTargets.length * 400);
  });

  it(`holds for every string input of every component (${componentTargets.length} inputs × 150)`, () => {
    assert.ok(runComponentInjection(150) >= componentTargets.length * 150);
  });

  it("the generator really produces hostile strings (newline, CR, NUL, [Peer], PostUp =)", () => {
    const samples = fc.sample(require("../support/injection").hostileString, 2000).join("\u0001");
    for (const needle of ["\n", "\r", "\u0000", "[Peer]", "PostUp ="]) assert.ok(samples.includes(needle), JSON.stringify(needle));
  });

  it("a direct attempt is refused with the field name", () => {
    assert.throws(() => injectionTargets.find((t) => t.name === "peerConf.dns")!.render("1.1.1.1\nPostUp = rm -rf /", generateKeyPair()),
      (e: WgKitError) => e instanceof WgKitError && /dns/.test(e.field));
  });
});
