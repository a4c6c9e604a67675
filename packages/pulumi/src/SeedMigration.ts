/**
 * SeedMigration: moves the key seeds older wgkit versions kept in `random.RandomBytes` into
 * `random.RandomPassword`, in a stack's deployment (`pulumi stack export --show-secrets`, apitype
 * v3), without the engine. The random provider makes a RandomBytes' id its base64 value, in clear
 * in the state file: every private and preshared key was readable there. A password's id is
 * `none` and its `result` is kept as ciphertext.
 *
 * WHAT IS A SEED. A resource of type `random:index/randomBytes:RandomBytes` whose parent is a
 * wgkit component (the type before it in the URN's type chain starts with `wgkit:`), whose URN
 * name ends in `/keys`, `-keys`, `/key` or `-key` (the names ChildName.ts and the aliases give:
 * `<server>/<peer>/keys`, `<server>-<peer>-keys`, `<server>-key`, `<peer>-keys`,
 * `<link>/<site>/key`, `<link>-<site>-key`), and whose `length` is 64. Address memories
 * (`…/address-<subnet>`, 1 byte) and the user's own RandomBytes are left alone.
 *
 * INVARIANT. Each seed becomes a RandomPassword of the same URN name and parent (the URN's last
 * type changes), id `none`, the same keepers (so the same `createdIn` stamp, see PeerState.ts),
 * `result` = core `movedSeed(<its 64 bytes>)` — which core `seedMaterial` turns back into exactly
 * those bytes, so every key is unchanged — and every other output a RandomPassword made by the
 * random provider 4.19.1 has (schema version 3, `bcryptHash` of the first 72 bytes at cost 10 as
 * the provider computes it, the character-class settings of `length: 64, special: false`, the
 * bridge's raw-state delta): the next `pulumi up` of this version's program sees no change.
 * Every reference to a moved URN (parent, dependencies, property dependencies, deletedWith,
 * replaceWith, aliases, viewOf), in resources and pending operations, follows it. Nothing else
 * changes. A deployment without RandomBytes seeds comes back unchanged (idempotent).
 *
 * FAILURE MODES (a WgKitError naming the URN, never a value): a deployment that is not v3, a
 * seed whose value is encrypted (exported without `--show-secrets`) or is not 64 bytes, a seed
 * with a pending operation (finish or cancel it: `pulumi refresh`), a RandomPassword already at
 * the new URN. The old base64 stays in the backend's history and backup files, which this cannot
 * reach.
 */
import * as bcrypt from "bcryptjs";
import { check, movedSeed, SEED_BYTES } from "@wgkit/core";
import { RANDOM_BYTES_TYPE, SEED_TYPE } from "./KeySeed";

/** How Pulumi's deployment format marks a secret property value. */
export const SECRET_SIG_KEY = "4dabf18193072939515e22adb298388d";
export const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";

/** The cost the provider's bcrypt uses (golang.org/x/crypto/bcrypt DefaultCost), and the bytes it hashes. */
const BCRYPT_COST = 10;
const BCRYPT_MAX_BYTES = 72;

type Json = any;

/** A resource of a v3 deployment (the fields this touches; every other field is carried over). */
export interface DeploymentResource {
  urn: string;
  type: string;
  id?: string;
  inputs?: Record<string, Json>;
  outputs?: Record<string, Json>;
  [field: string]: Json;
}

/** What `pulumi stack export` prints (apitype.UntypedDeployment, version 3). */
export interface ExportedDeployment {
  version: number;
  deployment: { resources?: DeploymentResource[]; pending_operations?: { resource: DeploymentResource; type: string }[]; [field: string]: Json };
}

export interface SeedMigration {
  /** The deployment to import (a new object; the input is not modified). */
  deployment: ExportedDeployment;
  /** The URNs of the moved seeds, as they are now (URNs are names, never secrets). */
  moved: string[];
}

/** A secret property value in the form `stack export --show-secrets` prints (and `stack import` encrypts). */
export function plaintextSecret(value: Json): Json {
  return { [SECRET_SIG_KEY]: SECRET_SIG, plaintext: JSON.stringify(value) };
}

/** A property value, unwrapped when it is a plaintext secret; `encrypted` when it is ciphertext. */
function plainValue(v: Json): { value?: Json; encrypted?: true } {
  if (v && typeof v === "object" && v[SECRET_SIG_KEY] === SECRET_SIG) {
    if (typeof v.plaintext === "string") return { value: JSON.parse(v.plaintext) };
    return { encrypted: true };
  }
  return { value: v };
}

/** `urn:pulumi:<stack>::<project>::<type chain>::<name>` (a name may itself contain `::`). */
function splitUrn(urn: string): { head: string; chain: string[]; name: string } {
  const parts = urn.split("::");
  check(parts.length >= 4 && parts[0].startsWith("urn:pulumi:"), "deployment", "urn", `is not a Pulumi URN: ${urn}`);
  return { head: `${parts[0]}::${parts[1]}`, chain: parts[2].split("$"), name: parts.slice(3).join("::") };
}

/** True for a key seed of an older wgkit version (see the header). */
export function isBytesSeed(r: DeploymentResource): boolean {
  if (r.type !== RANDOM_BYTES_TYPE || typeof r.urn !== "string") return false;
  const { chain, name } = splitUrn(r.urn);
  return chain.length >= 2 && chain[chain.length - 2].startsWith("wgkit:") && /[/-]keys?$/.test(name) && plainValue(r.inputs?.length).value === SEED_BYTES;
}

function seedUrn(urn: string): string {
  const { head, chain, name } = splitUrn(urn);
  return `${head}::${[...chain.slice(0, -1), SEED_TYPE].join("$")}::${name}`;
}

/** The 64 bytes of an old seed, from its `base64` output. */
function oldBytes(r: DeploymentResource): Buffer {
  const b = plainValue(r.outputs?.base64);
  check(!b.encrypted, r.urn, "encrypted", "the seed is encrypted: export the stack with `pulumi stack export --show-secrets`");
  const bytes = Buffer.from(typeof b.value === "string" ? b.value : "", "base64");
  check(typeof b.value === "string" && bytes.length === SEED_BYTES && bytes.toString("base64") === b.value, r.urn, "seed-format",
    `the seed's base64 output is not ${SEED_BYTES} bytes of canonical base64 (the value is not shown)`);
  return bytes;
}

/** A bcrypt hash as the random provider makes it: `$2a$`, cost 10, of the first 72 bytes. */
function providerBcrypt(password: string): string {
  const salt = bcrypt.genSaltSync(BCRYPT_COST).replace(/^\$2b\$/, "$2a$");
  return bcrypt.hashSync(Buffer.from(password, "utf8").subarray(0, BCRYPT_MAX_BYTES).toString("utf8"), salt);
}

/** The RandomPassword a seed becomes (the shape of one the provider creates with `length: 64, special: false`). */
function asPassword(r: DeploymentResource, urn: string): DeploymentResource {
  const result = movedSeed(oldBytes(r));
  const keepers = r.inputs?.keepers;
  const hasKeepers = keepers !== undefined;
  const inputs: Record<string, Json> = { ...(hasKeepers ? { keepers } : {}), length: SEED_BYTES, special: false };
  const outputs: Record<string, Json> = {
    __meta: JSON.stringify({ schema_version: "3" }),
    // What the bridge records for these inputs (raw Terraform state it cannot rebuild from the outputs alone).
    __pulumi_raw_state_delta: { obj: { ps: { ...(hasKeepers ? { keepers: { map: {} } } : {}), overrideSpecial: plaintextSecret({ replace: { raw: null } }) } } },
    bcryptHash: plaintextSecret(providerBcrypt(result)),
    id: "none",
    ...(hasKeepers ? { keepers: r.outputs?.keepers ?? keepers } : {}),
    length: SEED_BYTES,
    lower: true,
    minLower: 0,
    minNumeric: 0,
    minSpecial: 0,
    minUpper: 0,
    number: true,
    numeric: true,
    result: plaintextSecret(result),
    special: false,
    upper: true,
  };
  return {
    ...r,
    urn,
    type: SEED_TYPE,
    id: "none",
    inputs,
    outputs,
    propertyDependencies: { ...(r.propertyDependencies ?? {}), special: [] },
    additionalSecretOutputs: ["bcryptHash", "result"],
  };
}

const URN_FIELDS = ["parent", "deletedWith", "viewOf"] as const;
const URN_LIST_FIELDS = ["dependencies", "replaceWith", "aliases"] as const;

/** `r` with every reference to a renamed URN following it. */
function renamed(r: DeploymentResource, to: ReadonlyMap<string, string>): DeploymentResource {
  const out = { ...r };
  const f = (u: Json) => (typeof u === "string" ? to.get(u) ?? u : u);
  for (const k of URN_FIELDS) if (out[k] !== undefined) out[k] = f(out[k]);
  for (const k of URN_LIST_FIELDS) if (Array.isArray(out[k])) out[k] = out[k].map(f);
  if (out.propertyDependencies && typeof out.propertyDependencies === "object") {
    out.propertyDependencies = Object.fromEntries(Object.entries(out.propertyDependencies).map(([k, v]) => [k, Array.isArray(v) ? v.map(f) : v]));
  }
  return out;
}

/** Moves every RandomBytes key seed of `exported` into a RandomPassword (see the header). */
export function migrateKeySeeds(exported: ExportedDeployment): SeedMigration {
  check(!!exported && typeof exported === "object" && exported.version === 3 && !!exported.deployment && typeof exported.deployment === "object",
    "deployment", "version", "must be what `pulumi stack export` prints for a version 3 deployment");
  const resources = exported.deployment.resources ?? [];
  const pending = exported.deployment.pending_operations ?? [];
  const to = new Map<string, string>();
  for (const r of resources) if (isBytesSeed(r)) to.set(r.urn, seedUrn(r.urn));
  if (to.size === 0) return { deployment: exported, moved: [] };

  for (const p of pending) check(!to.has(p.resource?.urn), p.resource.urn, "pending-operation",
    `has a pending ${p.type} operation: finish or clear it first (\`pulumi refresh\`), then migrate`);
  const live = new Set(resources.filter((r) => !r.delete).map((r) => r.urn));
  for (const u of new Set(to.values())) check(!live.has(u), u, "exists", "a resource with this URN is already in the stack; remove one of the two first");

  const moved: string[] = [];
  const out = resources.map((r) => {
    if (!to.has(r.urn)) return renamed(r, to);
    const urn = to.get(r.urn)!;
    moved.push(urn);
    return renamed(asPassword(r, urn), to);
  });
  return {
    deployment: {
      ...exported,
      deployment: {
        ...exported.deployment,
        resources: out,
        ...(exported.deployment.pending_operations ? { pending_operations: pending.map((p) => ({ ...p, resource: renamed(p.resource, to) })) } : {}),
      },
    },
    moved,
  };
}

/** Every plaintext secret value in a deployment (to keep them out of anything printed). */
export function plaintextSecrets(v: Json, out: Set<string> = new Set()): Set<string> {
  if (Array.isArray(v)) for (const x of v) plaintextSecrets(x, out);
  else if (v && typeof v === "object") {
    if (v[SECRET_SIG_KEY] === SECRET_SIG && typeof v.plaintext === "string") {
      const collect = (x: Json): void => {
        if (typeof x === "string") { if (x.length >= 4) out.add(x); }
        else if (x && typeof x === "object") Object.values(x).forEach(collect);
      };
      collect(JSON.parse(v.plaintext));
    } else for (const x of Object.values(v)) plaintextSecrets(x, out);
  }
  return out;
}
