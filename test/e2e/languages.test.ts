/**
 * wgkit from Pulumi YAML, Python and Go, for real (issue 28): each of examples/yaml-server,
 * python-server and go-server runs as its README tells a user — `pulumi package add ../../plugin`
 * (Go: `pulumi install`, then `package add`), `pulumi stack init`, `pulumi config set`, `pulumi up`
 * — with the real CLI and language hosts of `npm run toolchain`, on the example's own file backend,
 * against the real Docker Engine. No mocks: the engine, the providers and the component plugin
 * (plugin/, run by the Node.js host after its `npm install`) do everything.
 *
 * Oracles: a WireGuard peer in a network namespace handshakes and pings the server's tunnel
 * address with the conf the program exported (read back with `stack output --show-secrets`, only
 * the Endpoint host swapped for the namespace's host-side address); the engine's own summary of
 * a second `up --expect-no-changes`; the error text of `pulumi preview` for a bad input; the
 * backend's files for secrets; Docker for what `destroy` leaves.
 *
 * The checkout is copied first (plugin/, the built packages/core and packages/pulumi, the three
 * examples) into a scratch directory with the same layout, so `../../plugin` resolves as in a
 * clone, the plugin's npm install starts empty (its file: copies of packages/ are this build's),
 * and nothing generated lands in the checkout. The Go build is cached outside the scratch
 * directory by Go itself (GOFLAGS=-trimpath makes the cache independent of the folder).
 *
 * The examples name the server `wireguard` (container, volume `wireguard-config`), as the image's
 * compose file does: each deployment holds /tmp/wgkit-51820.lock from `up` to `destroy`, and a
 * language is skipped (saying why) when someone else's `wireguard` container or volume exists.
 */
import * as assert from "assert";
import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { findToolchain, Toolchain } from "../../cli/Toolchain";
import { tryRun } from "./harness/exec";
import { figure } from "./harness/figures";
import { acquireHostLock, WIREGUARD_NAME_LOCK } from "./harness/hostLock";
import { CleanupRegistry, allocateLink, createNetns, dialFrom, nsPing, nsWgDump, waitFor, wgQuickUp } from "./harness/netns";
import { changedCount, isCiphertext, PulumiProject, StateResource, summaryChanges } from "./harness/pulumiProject";

const REPO = path.resolve(__dirname, "../../..");
const PEERS = ["laptop", "phone"] as const;

interface Language {
  language: "yaml" | "python" | "go";
  example: string;
  /** The README's steps before `stack init`. */
  install: string[][];
  /** What the README exports besides the passphrase. */
  env: (dir: string) => Record<string, string>;
  /** A peer's `config` or `qrCode` in the stack outputs (as `stack output --json` or the checkpoint gives them). */
  peerSecret: (outputs: Record<string, unknown>, peer: string, f: "config" | "qrCode") => unknown;
}

/** Python and Go export the component's `peers` map, which is secret as a whole (ciphertext, "[secret]"). */
const inPeersMap = (outputs: Record<string, unknown>, peer: string, f: "config" | "qrCode"): unknown => {
  const peers = outputs.peers;
  if (typeof peers === "string" || isCiphertext(peers)) return peers;
  return field((peers as Record<string, Record<string, unknown>>)[peer], f);
};

const LANGUAGES: Language[] = [
  {
    language: "yaml", example: "yaml-server", install: [["package", "add", "../../plugin"]], env: () => ({}),
    // laptopConfig, laptopQrCode, …: YAML drops secrets nested in an exported object (see its README).
    peerSecret: (outputs, peer, f) => outputs[`${peer}${f[0].toUpperCase()}${f.slice(1)}`],
  },
  {
    language: "python", example: "python-server", install: [["package", "add", "../../plugin"]],
    env: (dir) => ({ PIP_CONSTRAINT: path.join(dir, "constraints.txt") }), peerSecret: inPeersMap,
  },
  {
    language: "go", example: "go-server", install: [["install"], ["package", "add", "../../plugin"]],
    env: () => ({ GOFLAGS: `${process.env.GOFLAGS ?? ""} -buildvcs=false -trimpath`.trim() }), peerSecret: inPeersMap,
  },
];

/** Files under `dir`, relative, without what the steps generate (sdks/, venv/) or the state folder. */
function sourceFiles(dir: string): string[] {
  return (fs.readdirSync(dir, { recursive: true, encoding: "utf8" }) as string[])
    .filter((f) => !/^(sdks|venv|state)(\/|$)/.test(f) && fs.statSync(path.join(dir, f)).isFile())
    .sort();
}

/** A scratch copy of the parts of the checkout a user's clone would use, in the same layout. */
function scratchCheckout(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "wgkit-languages-"));
  const generated = new Set(["node_modules", "sdks", "venv", ".pulumi"]);
  const copy = (rel: string) => fs.cpSync(path.join(REPO, rel), path.join(dir, rel), {
    recursive: true,
    filter: (src) => !generated.has(path.basename(src)) && !src.endsWith(".tsbuildinfo"),
  });
  copy("plugin");
  for (const p of ["core", "pulumi"]) for (const f of ["package.json", "dist", "src"]) copy(path.join("packages", p, f));
  for (const l of LANGUAGES) copy(path.join("examples", l.example));
  return dir;
}

/** A peer output field as the language spells it (Python's SDK gives snake_case keys). */
function field(o: Record<string, unknown>, camel: string): unknown {
  return o[camel] ?? o[camel.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)];
}

/** The value of `Key = value` in a conf. */
function confValue(conf: string, key: string): string {
  const m = new RegExp(`^${key} = (.+)$`, "m").exec(conf);
  assert.ok(m, `the conf has no ${key} line`);
  return m[1].trim();
}

function containerIdIn(resources: StateResource[]): string | undefined {
  return resources.find((r) => r.type === "docker:index/container:Container")?.id;
}

/** Someone else's deployment of the examples' names (ours never exist before our `up`). */
function foreignWireguard(): string | undefined {
  if (tryRun("docker", ["container", "inspect", "wireguard"]).ok) return "a container named wireguard exists";
  if (tryRun("docker", ["volume", "inspect", "wireguard-config"]).ok) return "a volume named wireguard-config exists";
  return undefined;
}

/**
 * `config` and `qrCode` of every peer are ciphertext in the backend's checkpoint (the component's
 * own outputs and the stack's outputs), and no file the backend wrote (checkpoints, history,
 * backups) holds the keys of a conf or a piece of a QR code in clear. Returns how many files were read.
 */
function assertSecretsAtRest(lang: Language, project: PulumiProject, projectName: string, clear: Record<string, { config: string; qrCode: string }>): number {
  const resources = project.checkpoint(projectName, "dev").resources;
  const server = resources.find((r) => r.type === "wgkit:index:WireGuardServer");
  assert.ok(server, "the checkpoint has the WireGuardServer component");
  const statePeers = server.outputs?.peers as Record<string, Record<string, unknown>>;
  for (const n of PEERS) {
    assert.ok(isCiphertext(statePeers[n].config), `peers.${n}.config is ciphertext in the checkpoint`);
    assert.ok(isCiphertext(statePeers[n].qrCode), `peers.${n}.qrCode is ciphertext in the checkpoint`);
  }
  const stack = resources.find((r) => r.type === "pulumi:pulumi:Stack");
  for (const n of PEERS) {
    for (const f of ["config", "qrCode"] as const) assert.ok(isCiphertext(lang.peerSecret(stack?.outputs ?? {}, n, f)), `the stack's output of peer ${n}'s ${f} is ciphertext in the checkpoint`);
  }
  const files = project.backendFiles();
  assert.ok(files.length > 0, "the backend wrote files");
  for (const n of PEERS) {
    const { config, qrCode } = clear[n];
    assert.ok(qrCode.length > 200, `peer ${n}'s qrCode is a PNG in base64`);
    const pieces = { privateKey: confValue(config, "PrivateKey"), presharedKey: confValue(config, "PresharedKey"), qrCode: qrCode.slice(100, 164) };
    for (const f of files) {
      for (const [what, value] of Object.entries(pieces)) assert.ok(!f.text.includes(value), `${f.file} holds peer ${n}'s ${what} in clear`);
    }
  }
  return files.length;
}

describe("wgkit in every Pulumi language: YAML, Python and Go programs deploy through the component plugin (real CLI, real engine)", function () {
  let tc: Toolchain;
  let scratch: string;
  const passphrase = crypto.randomBytes(18).toString("base64");
  const log = (line: string) => process.env.WGKIT_E2E_VERBOSE && console.log(`      ${line}`);

  before(function () {
    const found = findToolchain();
    if ("missing" in found) {
      console.log(`      skipped: ${found.missing}`);
      this.skip();
    }
    tc = found as Toolchain;
    scratch = scratchCheckout();
  });

  after(() => {
    if (scratch) fs.rmSync(scratch, { recursive: true, force: true });
  });

  for (const lang of LANGUAGES) {
    it(`${lang.language}: examples/${lang.example} as its README says — package add, stack init, config, up; a peer handshakes; a second up changes nothing; a bad input fails at preview; secrets are ciphertext at rest; destroy cleans up`, async function () {
      this.timeout(45 * 60_000);
      if (lang.language === "python") {
        // The Python host runs programs through this script, which it expects beside itself.
        const shim = path.join(tc.root, "libexec", "pulumi-language-python-exec");
        assert.ok(fs.existsSync(shim), `the toolchain lacks ${shim} (sdk/python/cmd/pulumi-language-python-exec of github.com/pulumi/pulumi/sdk/v3@v3.248.0): Python programs cannot run`);
      }
      const t0 = Date.now();
      const stepsMs: Record<string, number> = {};
      const step = async <T>(name: string, fn: () => Promise<T>): Promise<T> => {
        const s = Date.now();
        try {
          return await fn();
        } finally {
          stepsMs[name] = Date.now() - s;
        }
      };
      const dir = path.join(scratch, "examples", lang.example);
      const projectName = /^name:\s*(\S+)/m.exec(fs.readFileSync(path.join(dir, "Pulumi.yaml"), "utf8"))![1];
      const project = new PulumiProject(dir, path.join(tc.binDir, "pulumi"),
        { ...process.env, ...tc.env, PULUMI_CONFIG_PASSPHRASE: passphrase, ...lang.env(dir) }, log);

      // The README's install steps; they leave every committed file of the example as committed.
      await step("install", async () => {
        for (const args of lang.install) await project.run(args);
      });
      const committed = sourceFiles(path.join(REPO, "examples", lang.example));
      assert.deepEqual(sourceFiles(dir), committed, "the steps add no files outside sdks/, venv/ and state/");
      for (const f of committed) {
        assert.equal(fs.readFileSync(path.join(dir, f), "utf8"), fs.readFileSync(path.join(REPO, "examples", lang.example, f), "utf8"), `${f} is as committed after the install steps`);
      }

      // A bad input (the image's own default SERVERURL=auto) fails at preview with wgkit's message.
      const badInputRule = await step("badInput", async () => {
        await project.run(["stack", "init", "bad"]);
        await project.run(["config", "set", "serverUrl", "auto"]);
        const r = await project.run(["preview"], { allowFail: true });
        await project.run(["stack", "rm", "bad", "--yes", "--force"]);
        assert.notEqual(r.status, 0, "pulumi preview fails");
        const m = /WireGuardServer "wireguard": serverUrl: [^\n]*\[rule: ([\w-]+)\]/.exec(r.stdout + r.stderr);
        assert.ok(m, `the error names the component, the field and the rule:\n${r.stdout}\n${r.stderr}`);
        return m[1];
      });
      assert.equal(badInputRule, "no-auto");

      const lock = await step("lockWait", () => acquireHostLock(WIREGUARD_NAME_LOCK));
      const cleanup = new CleanupRegistry();
      let containerId: string | undefined;
      let deployed = false;
      let handshake = false;
      let secondUpChanges = -1;
      try {
        const foreign = foreignWireguard();
        if (foreign) {
          console.log(`      skipped: ${foreign} (someone else's deployment of the examples' names)`);
          this.skip();
        }
        const port = 40000 + crypto.randomInt(10000);
        await project.run(["stack", "init", "dev"]);
        for (const [k, v] of [["serverUrl", "127.0.0.1"], ["serverPort", String(port)], ["userspace", "true"]]) await project.run(["config", "set", k, v]);
        deployed = true;
        await step("up", () => project.run(["up", "--yes"]));
        containerId = containerIdIn(project.checkpoint(projectName, "dev").resources);
        assert.ok(containerId, "the checkpoint has the server's container");

        const masked = await project.outputs();
        assert.equal(masked.endpoint, `127.0.0.1:${port}`, "config reached the component");
        const shown = await project.outputs(true);
        const clear: Record<string, { config: string; qrCode: string }> = {};
        for (const n of PEERS) {
          for (const f of ["config", "qrCode"] as const) assert.equal(lang.peerSecret(masked, n, f), "[secret]", `peer ${n}'s ${f} comes back as a secret`);
          clear[n] = { config: String(lang.peerSecret(shown, n, "config")), qrCode: String(lang.peerSecret(shown, n, "qrCode")) };
          assert.match(clear[n].config, /^\[Interface\]\n/, `peer ${n}'s conf, with --show-secrets`);
        }
        const conf = clear.laptop.config;
        assert.equal(confValue(conf, "Endpoint"), `127.0.0.1:${port}`);
        const stateFiles = assertSecretsAtRest(lang, project, projectName, clear);

        await step("handshake", async () => {
          const ns = createNetns(cleanup, { link: allocateLink() });
          const wg = wgQuickUp(cleanup, ns.name, dialFrom(ns, conf, port));
          assert.equal(wg.dns.length, 1, "the conf names the server's tunnel address as DNS");
          const ping = nsPing(ns.name, wg.dns[0], 3, 3);
          assert.ok(ping.ok, `the peer pings the server's tunnel address ${wg.dns[0]}:\n${ping.output}`);
          await waitFor("the peer's handshake", () => nsWgDump(ns.name, wg.ifname).peers[0].latestHandshake > 0, 20_000, 100);
          handshake = true;
        });
        await cleanup.run();

        const second = await step("secondUp", () => project.run(["up", "--yes", "--skip-preview", "--expect-no-changes", "--json"], { allowFail: true }));
        const changes = summaryChanges(second.stdout);
        secondUpChanges = changedCount(changes);
        assert.equal(secondUpChanges, 0, `the second up changed ${JSON.stringify(changes)}`);
        assert.equal(second.status, 0, "--expect-no-changes holds");
        assert.equal(containerIdIn(project.checkpoint(projectName, "dev").resources), containerId, "same container");

        await step("destroy", () => project.run(["destroy", "--yes", "--skip-preview"]));
        deployed = false;
        assert.equal(project.checkpoint(projectName, "dev").resources.length, 0, "the stack holds no resource");
        assert.ok(!tryRun("docker", ["container", "inspect", containerId]).ok, "the container is gone");
        assert.ok(!tryRun("docker", ["volume", "inspect", "wireguard-config"]).ok, "the /config volume is gone");
        await project.run(["stack", "rm", "dev", "--yes"]);
        log(`${stateFiles} backend files checked for secrets`);
      } finally {
        await cleanup.run();
        if (deployed) {
          // A failure between up and destroy: take down what this stack made, nothing else.
          const d = await project.run(["destroy", "--yes", "--skip-preview"], { allowFail: true });
          if (d.status !== 0 && containerId) {
            tryRun("docker", ["rm", "-f", containerId]);
            tryRun("docker", ["volume", "rm", "wireguard-config"]);
          }
        }
        await lock.release();
      }
      figure({ bench: "multi-language", language: lang.language, handshake, secondUpChanges, badInputRule, ms: Date.now() - t0, stepsMs });
    });
  }
});
