/**
 * `configPath` through a symlink, by where the container really goes. `dockerHost` on
 * WireGuardServer and ClientTunnel steers only the install step (`docker exec`); the container
 * goes where the Docker provider points. So a component on the default (local) engine is checked
 * as local — symlinks followed — whatever `dockerHost` says; only a component with a Docker
 * provider of its own and a remote `dockerHost` skips what the local filesystem cannot tell.
 */
import { strict as assert } from "assert";
import * as docker from "@pulumi/docker";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { generateKeyPair, peerConf, renderWgQuick, WgKitError } from "@wgkit/core";
import { ClientTunnel, WireGuardServer } from "@wgkit/pulumi";
import { RecordingMocks, settle, useMocks } from "../support/mocks";

describe("configPath through a symlink is checked where the container really goes", () => {
  let dir: string;
  let link: string;
  const env = process.env.DOCKER_HOST;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "wgkit-lhp-"));
    link = path.join(dir, "wireguard");
    fs.symlinkSync("/etc", link); // a data folder that is really /etc
    delete process.env.DOCKER_HOST;
  });
  after(() => {
    fs.rmSync(dir, { recursive: true, force: true });
    if (env !== undefined) process.env.DOCKER_HOST = env;
  });
  const refused = (f: () => unknown) => assert.throws(f, (e: unknown) =>
    e instanceof WgKitError && e.field === "configPath" && /\/etc/.test(e.message));
  const tunnelConf = () => {
    const me = generateKeyPair(), server = generateKeyPair();
    return renderWgQuick(peerConf({ privateKey: me.privateKey, address: "10.64.0.2", serverPublicKey: server.publicKey, endpoint: "vpn.example.com:51820" }), me.publicKey);
  };

  it("WireGuardServer on the default engine with a remote dockerHost: the symlink to /etc is refused", async () => {
    const m = useMocks(new RecordingMocks());
    refused(() => new WireGuardServer("home", { serverUrl: "vpn.example.com", configPath: link, dockerHost: "ssh://u@203.0.113.9" }));
    refused(() => new WireGuardServer("home2", { serverUrl: "vpn.example.com", configPath: link }));
    await settle();
    assert.equal(m.registrations.length, 0);
  });

  it("ClientTunnel on the default engine with a remote dockerHost: refused too", async () => {
    useMocks(new RecordingMocks());
    refused(() => new ClientTunnel("vpn", { config: tunnelConf(), configPath: link, dockerHost: "ssh://u@203.0.113.9" }));
    await settle();
  });

  it("a Docker provider of its own with a remote dockerHost: the remote filesystem cannot be seen here, so it is not refused by a local symlink", async () => {
    const m = useMocks(new RecordingMocks());
    const remote = new docker.Provider("remote", { host: "ssh://u@203.0.113.9" });
    new WireGuardServer("home3", { serverUrl: "vpn.example.com", configPath: link, dockerHost: "ssh://u@203.0.113.9" }, { providers: { docker: remote } });
    await settle();
    assert.ok(m.registrations.some((r) => r.type === "docker:index/container:Container"), "the server is declared");
  });
});
