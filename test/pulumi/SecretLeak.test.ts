import { strict as assert } from "assert";
import * as crypto from "crypto";
import * as pulumi from "@pulumi/pulumi";
import { generateKeyPair, keysOfSeedMaterial, parseWgQuick, peerConf, privateKeyFromSeed, renderWgQuick, seedMaterial } from "@wgkit/core";
import { mockPassword } from "../support/mocks";
import { evaluate, programs, StackRefMocks } from "./Examples.test";

const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";
/** Deterministic "random" bytes per resource name, so the audit knows every key that exists. */
const bytesFor = (name: string, n = 64) => crypto.createHash("sha512").update(`audit:${name}`).digest().subarray(0, n);

/** Every form in which key material can appear: seeds (the password, its bytes in base64/hex), private keys, preshared keys. */
function keyMaterial(registrations: pulumi.runtime.MockResourceArgs[], extra: string[]): string[] {
  const out = new Set(extra);
  // key seeds: RandomPasswords (the mocks make each one's password of its bytesFor)
  for (const r of registrations.filter((x) => x.type === "random:index/randomPassword:RandomPassword")) {
    const password = mockPassword(bytesFor(r.name), r.inputs.length);
    const b = Buffer.from(seedMaterial(password));
    const k = keysOfSeedMaterial(password);
    out.add(password).add(b.toString("base64")).add(b.toString("hex")).add(k.privateKey).add(k.presharedKey);
  }
  // any RandomBytes long enough to be key material (not the 1-byte address memories)
  for (const r of registrations.filter((x) => x.type === "random:index/randomBytes:RandomBytes" && x.inputs.length >= 32)) {
    const b = bytesFor(r.name, r.inputs.length);
    out.add(b.toString("base64")).add(b.toString("hex"));
    if (b.length >= 32) out.add(privateKeyFromSeed(b.subarray(0, 32)));
    if (b.length >= 64) out.add(b.subarray(32, 64).toString("base64"));
  }
  return [...out];
}

/** Paths under `v` where a key appears outside a secret (or anywhere, when `never`). */
function leaks(v: unknown, keys: string[], path: string, inSecret = false, never = false): string[] {
  if (typeof v === "string") return keys.some((k) => v.includes(k)) && (!inSecret || never) ? [path] : [];
  if (Array.isArray(v)) return v.flatMap((x, i) => leaks(x, keys, `${path}[${i}]`, inSecret, never));
  if (v && typeof v === "object") {
    const o = v as Record<string, unknown>;
    if (o["4dabf18193072939515e22adb298388d"] === SECRET_SIG) return leaks(o.value, keys, path, true, never);
    return Object.entries(o).flatMap(([k, x]) => leaks(x, keys, `${path}.${k}`, inSecret, never || ["envs", "labels", "command", "entrypoints", "environment", "create"].includes(k)));
  }
  return [];
}

async function exportLeaks(v: unknown, keys: string[], path: string): Promise<string[]> {
  if (pulumi.Output.isInstance(v)) {
    if (await pulumi.isSecret(v)) return [];
    return leaks(await (v as any).promise(), keys, path);
  }
  if (v && typeof v === "object" && !Array.isArray(v)) {
    return (await Promise.all(Object.entries(v).map(([k, x]) => exportLeaks(x, keys, `${path}.${k}`)))).flat();
  }
  return leaks(v, keys, path);
}

describe("Secret-leak audit: every example with known key material", () => {
  const k = generateKeyPair(), s = generateKeyPair();
  const branchConfig = renderWgQuick(peerConf({ privateKey: k.privateKey, address: "10.13.13.2", serverPublicKey: s.publicKey, endpoint: "vpn.example.com:51820", allowedIps: ["10.13.13.0/24"] }));
  const exampleKey = "yAnz5TF+lXXJte14tji3zlMNq+hd2rYUIgJBgB3fBmk="; // vpn-split-tunnel's throwaway provider key

  for (const p of programs) {
    it(`${p.name}: no key in a non-secret output, a plain resource input, env, label, command or log`, async () => {
      const mocks = new StackRefMocks(branchConfig, (n) => bytesFor(n));
      const logged: string[] = [];
      const write = process.stdout.write.bind(process.stdout), ewrite = process.stderr.write.bind(process.stderr);
      process.stdout.write = ((c: any, ...a: any[]) => { logged.push(String(c)); return write(c, ...a); }) as typeof process.stdout.write;
      process.stderr.write = ((c: any, ...a: any[]) => { logged.push(String(c)); return ewrite(c, ...a); }) as typeof process.stderr.write;
      let exports: Record<string, unknown>;
      try {
        await evaluate(p.module, mocks);
        exports = require(p.module);
      } finally {
        process.stdout.write = write;
        process.stderr.write = ewrite;
      }
      const keys = keyMaterial(mocks.registrations, [k.privateKey, parseWgQuick(branchConfig).interface.privateKey!, exampleKey]);
      assert.ok(keys.length >= 2);
      const found = [
        ...mocks.registrations.flatMap((r) => leaks(r.inputs, keys, `${r.type}::${r.name}`)),
        ...(await exportLeaks(exports!, keys, "exports")),
        ...logged.filter((l) => keys.some((x) => l.includes(x))).map(() => "log"),
      ];
      assert.deepEqual(found, []);
      // the audit can see key material at all: the install step carries the conf (as a secret)
      const install = mocks.registrations.find((r) => r.type === "command:local:Command" && /install$/.test(r.name));
      if (install) assert.ok(leaks(install.inputs, keys, "install", false, true).length > 0, `the audit sees the secret conf on stdin: ${JSON.stringify(install.inputs.stdin).slice(0, 120)}`);
    });
  }
});
