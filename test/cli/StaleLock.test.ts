/**
 * The main command's recovery rules, without the engine: which Pulumi locks are stale (the
 * engine's own error text, v3.248.0's format), and what an interrupted create needs cleaned.
 */
import { strict as assert } from "assert";
import { spawn } from "child_process";
import { isLivePulumi, isStale, lockFile, parseLockError } from "../../cli/StaleLock";
import { plannedCleanups } from "../../cli/PendingCreates";

const ENGINE_ERROR = `error: the stack is currently locked by 2 lock(s). Either wait for the other process(es) to end or delete the lock file with \`pulumi cancel\`.
  file:///srv/wgkit/.wgkit-state/pulumi/.pulumi/locks/organization/wgkit/dev/6f1c2d0e-1.json: created by root@gw-1 (pid 4242) at 2026-12-06T00:41:12Z
  s3://bucket/.pulumi/locks/organization/wgkit/dev/77.json: created by ops@other-host (pid 17) at 2026-12-06T00:41:13Z`;

describe("StaleLock: a lock left by a run that died", () => {
  it("reads every lock the engine names, and nothing from an error about something else", () => {
    const locks = parseLockError(ENGINE_ERROR)!;
    assert.deepEqual(locks.map((l) => [l.user, l.host, l.pid]), [["root", "gw-1", 4242], ["ops", "other-host", 17]]);
    assert.equal(parseLockError("error: update failed"), undefined);
  });

  it("is stale only when taken on this host by a process that is gone", () => {
    const [mine, theirs] = parseLockError(ENGINE_ERROR)!;
    assert.equal(isStale(mine, "gw-1", () => false), true);
    assert.equal(isStale(mine, "gw-1", () => true), false, "a live Pulumi process keeps its lock");
    assert.equal(isStale(theirs, "gw-1", () => false), false, "another host's lock is never stale here");
  });

  it("a live process that is not Pulumi (a reused pid) does not keep a lock; a Pulumi process does", async () => {
    assert.equal(isLivePulumi(process.pid), false, "this node process is not pulumi");
    const fake = spawn("bash", ["-c", "exec -a /opt/pulumi/bin/pulumi sleep 30"]);
    await new Promise((r) => setTimeout(r, 300));
    try {
      assert.equal(isLivePulumi(fake.pid!), true);
    } finally {
      fake.kill();
    }
    assert.equal(isLivePulumi(2 ** 22 + 7), false, "no such pid");
  });

  it("names the lock file on a file backend (absolute or relative to the project), none elsewhere", () => {
    const [mine, theirs] = parseLockError(ENGINE_ERROR)!;
    assert.equal(lockFile(mine, "/x"), "/srv/wgkit/.wgkit-state/pulumi/.pulumi/locks/organization/wgkit/dev/6f1c2d0e-1.json");
    assert.equal(lockFile({ ...mine, url: "file://./.wgkit-state/pulumi/.pulumi/locks/a.json" }, "/repo"), "/repo/.wgkit-state/pulumi/.pulumi/locks/a.json");
    assert.equal(lockFile(theirs, "/x"), undefined);
  });
});

describe("PendingCreates: what an interrupted create leaves to clean", () => {
  const op = (type: string, inputs: Record<string, unknown>, provider = "urn:pulumi:dev::wgkit::pulumi:providers:docker::default_5_0_0::abc") =>
    ({ type: "creating", resource: { urn: `urn:pulumi:dev::wgkit::x$${type}::n`, type, inputs, provider } });

  it("a container, volume or network is removed by the name the create asked for, containers first; other creates are only cleared", () => {
    const plan = plannedCleanups([
      op("docker:index/volume:Volume", { name: "wireguard-config" }),
      op("docker:index/container:Container", { name: "wireguard" }),
      op("random:index/randomPassword:RandomPassword", { length: 64 }, "urn:pulumi:dev::wgkit::pulumi:providers:random::default_4_19_1::x"),
      { type: "updating", resource: { urn: "u", type: "docker:index/container:Container", inputs: { name: "other" } } },
    ]);
    assert.deepEqual(plan.map((c) => c.docker ?? c.urn.split("::").pop()), [{ kind: "container", name: "wireguard" }, { kind: "volume", name: "wireguard-config" }, "n"]);
  });

  it("a create through another Docker provider (a remote engine) is refused, naming it", () => {
    const [c] = plannedCleanups([op("docker:index/container:Container", { name: "wireguard" }, "urn:pulumi:dev::wgkit::pulumi:providers:docker::nas::id")]);
    assert.match(c.refuse!, /providers:docker::nas/);
  });
});
