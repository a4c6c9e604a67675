import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import { DEFAULT_IMAGE, MODULE_GATE_PATH, userspaceDockerfile, userspaceGateScript, userspaceImageName, WgKitError } from "@wgkit/core";

describe("UserspaceImage: the Dockerfile deriving the userspace image", () => {
  const df = userspaceDockerfile();

  it("derives from the pinned base, installs wireguard-go with apk or apt-get, and fails the build with the fix", () => {
    const lines = df.split("\n");
    assert.equal(lines.filter((l) => l.startsWith("FROM ")).join(), `FROM ${DEFAULT_IMAGE}`);
    assert.match(df, /apk add --no-cache wireguard-go \|\|/);
    assert.match(df, /apt-get install -y --no-install-recommends wireguard-go/);
    assert.match(df, /modprobe wireguard\) and set userspace: false/);
    assert.match(df, /&& wireguard-go --version/, "the build fails when wireguard-go did not land");
    // The RUN lines are plain sh (the legacy builder and BuildKit both run them with /bin/sh -c).
    for (const run of df.replace(/\\\n/g, "").split("\n").filter((l) => l.startsWith("RUN "))) {
      const r = spawnSync("sh", ["-n", "-c", run.slice(4)], { encoding: "utf8" });
      assert.equal(r.status, 0, `${run}\n${r.stderr}`);
    }
  });

  it("replaces the module gate at the image's path with the script core renders, byte for byte", () => {
    const m = new RegExp(`echo ([A-Za-z0-9+/=]+) \\| base64 -d > ${MODULE_GATE_PATH.replace(/[/.]/g, "\\$&")} && chmod 0755`).exec(df);
    assert.ok(m, df);
    const decoded = spawnSync("base64", ["-d"], { input: m[1], encoding: "utf8" }).stdout;
    assert.equal(decoded, userspaceGateScript());
    assert.equal(spawnSync("sh", ["-n", "-c", decoded]).status, 0);
    assert.match(decoded, /ip link add dev wgkitgate type wireguard/);
    assert.match(decoded, /\[ -c \/dev\/net\/tun \] && ip tuntap add dev wgkitgate mode tun/);
    assert.match(decoded, /mkdir -p \/config\/templates \/config\/coredns/, "does what the replaced gate did first");
  });

  it("names the image by its recipe: stable, and new for another base", () => {
    assert.match(userspaceImageName(), /^wgkit\/wireguard-userspace:[0-9a-f]{12}$/);
    assert.equal(userspaceImageName(), userspaceImageName(DEFAULT_IMAGE));
    assert.notEqual(userspaceImageName("lscr.io/linuxserver/wireguard:1.0.20250522"), userspaceImageName());
  });

  it("refuses a base reference that would inject a Dockerfile line", () => {
    for (const bad of ["alpine\nRUN reboot", "alpine:3 AS x", "", "$(id)"]) {
      assert.throws(() => userspaceDockerfile(bad), (e: WgKitError) => e instanceof WgKitError && e.rule === "image-ref", bad);
    }
  });
});
