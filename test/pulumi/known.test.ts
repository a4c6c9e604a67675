import { strict as assert } from "assert";
import * as pulumi from "@pulumi/pulumi";
import { splitKnown, topLevel } from "@wgkit/pulumi/dist/known";

describe("known: splitKnown", () => {
  it("keeps plain values and lists the paths of Outputs and Promises", () => {
    const { plain, unknown } = splitKnown({ a: "x", b: pulumi.output("y"), c: { d: Promise.resolve(1), e: 2 }, f: ["p", pulumi.output("q")] });
    assert.deepEqual(plain, { a: "x", c: { e: 2 } });
    assert.deepEqual([...unknown].sort(), ["b", "c.d", "f", "f[1]"]);
    assert.deepEqual([...topLevel(unknown)].sort(), ["b", "c", "f"]);
  });
});
