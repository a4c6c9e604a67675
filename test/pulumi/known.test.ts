import { strict as assert } from "assert";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { detach, splitKnown } from "@wgkit/pulumi/dist/known";
import { RecordingMocks, useMocks, value } from "../support/mocks";

/** `detach` builds an Output through the SDK's own constructor: guard it against SDK changes. */
describe("known: detach and splitKnown against the installed @pulumi/pulumi", () => {
  it("detach keeps value and secrecy, drops the resource dependencies", async () => {
    useMocks(new RecordingMocks());
    const r = new random.RandomBytes("d", { length: 8 });
    const o = pulumi.secret(r.hex.apply((h) => `x${h}`));
    const d = detach(o);
    assert.equal(await value(d), await value(o));
    assert.equal(await pulumi.isSecret(d), true);
    assert.equal(pulumi.Output.isInstance(d), true);
    const deps = await (d as any).allResources();
    assert.equal(deps.size, 0);
    assert.ok((await (o as any).allResources()).size > 0, "the original depends on the resource");
    assert.equal(await pulumi.isSecret(detach(pulumi.output("plain"))), false);
  });

  it("detach keeps unknowns unknown (preview)", async () => {
    useMocks(new RecordingMocks(), true);
    const unknown = pulumi.output(pulumi.unknown as unknown as string);
    assert.equal(await (unknown as any).isKnown, false, "the SDK's unknown is unknown");
    const d = detach(unknown.apply((u) => `x${u}`));
    assert.equal(await (d as any).isKnown, false);
    assert.equal(await (detach(pulumi.output("k")) as any).isKnown, true);
  });

  it("splitKnown separates plain values from outputs by dotted path", () => {
    const { plain, unknown } = splitKnown({ a: 1, b: pulumi.output(2), c: { d: [1, pulumi.output(3)], e: "x" } });
    assert.deepEqual(plain, { a: 1, c: { e: "x" } });
    assert.deepEqual([...unknown].sort(), ["b", "c.d", "c.d[1]"]);
  });
});
