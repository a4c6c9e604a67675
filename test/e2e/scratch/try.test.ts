import * as docker from "@pulumi/docker";
import { RealStack } from "../harness/realStack";
import { standinImage } from "../harness/hooks";
import { run } from "../harness/exec";

describe("scratch", function () {
  it("stopped container refresh", async function () {
    const s = await RealStack.create("scratch");
    try {
      const r = await s.up(() => { const c = new docker.Container("x", { name: `e2e-x-${s.id.slice(-6)}`, image: standinImage(), envs: ["TZ=Etc/UTC"] }); return { name: c.name }; });
      run("docker", ["stop", r.outputs.name]);
      try { await s.refresh(); } catch (e) { console.log(String(e).split("\n").slice(0,4).join("\n")); }
    } finally {
      await s.destroy();
    }
  });
});
