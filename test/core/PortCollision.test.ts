import { strict as assert } from "assert";
import { checkPortCollisions, PortBind, portsCollide, WgKitError } from "@wgkit/core";

const bind = (b: Partial<PortBind>): PortBind => ({ owner: "X", field: "f", engine: "e", port: 51820, protocol: "udp", ...b });

describe("PortCollision: host ports on one Docker engine", () => {
  it("one engine, protocol and port collide; another engine or protocol does not", () => {
    assert.ok(portsCollide(bind({}), bind({})));
    assert.ok(!portsCollide(bind({}), bind({ engine: "ssh://other" })));
    assert.ok(!portsCollide(bind({}), bind({ protocol: "tcp" })));
    assert.ok(!portsCollide(bind({}), bind({ port: 51821 })));
  });
  it("a specific host address collides with the wildcard and with itself, not with another address", () => {
    for (const w of [undefined, "0.0.0.0", "::"]) assert.ok(portsCollide(bind({ ip: "192.0.2.1" }), bind({ ip: w })), String(w));
    assert.ok(portsCollide(bind({ ip: "192.0.2.1" }), bind({ ip: "192.0.2.1" })));
    assert.ok(!portsCollide(bind({ ip: "192.0.2.1" }), bind({ ip: "192.0.2.2" })));
  });
  it("refuses a collision within the binds or with an earlier one, naming both", () => {
    assert.throws(() => checkPortCollisions([bind({ field: "a" }), bind({ field: "b" })]),
      (e: unknown) => e instanceof WgKitError && e.field === "b" && e.rule === "port-collision" && /this component \(a\)/.test(e.message));
    assert.throws(() => checkPortCollisions([bind({ field: "serverPort", owner: "WireGuardServer \"b\"" })], [bind({ owner: "WireGuardServer \"a\"", field: "serverPort" })]),
      (e: unknown) => e instanceof WgKitError && e.field === "serverPort" && e.message.includes("WireGuardServer \"a\" (serverPort)"));
    checkPortCollisions([bind({}), bind({ protocol: "tcp" }), bind({ engine: "other" })], [bind({ port: 1 })]);
  });
});
