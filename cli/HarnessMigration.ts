/**
 * The one-time move of a default stack deployed by the old main command (wgkit's hand-made engine,
 * state in `.wgkit-state/harness.json`) onto the real engine, keeping every device's keys and
 * address.
 *
 * INVARIANT. The harness's key seeds and address memories (RandomBytes) become the same
 * resources in a Pulumi deployment — same URNs as the default program registers them (children of
 * the `wireguard` WireGuardServer), same keepers, same bytes — loaded with `pulumi stack import`
 * into an empty stack. Importing a RandomBytes by id (`pulumi import`) would lose its keepers,
 * where the address memory and the seed's creation stamp live; a deployment keeps them. Nothing
 * else is carried over: the containers, volume, image and install steps are created by the next
 * `up` from the program. The harness's own Docker objects are removed first, so its `wireguard`
 * container never blocks that create.
 *
 * FAILURE MODES.
 *  - Killed after the import but before harness.json is deleted: the next run finds the stack
 *    already holding resources and only deletes the file.
 *  - A harness.json of another program shape (other components): refused, naming what it holds.
 */

/** What the old main command saved (test/e2e/harness/engine-mocks.ts `toState()`). */
export interface HarnessState {
  runId: string;
  resources: { type: string; name: string; id: string | undefined; inputs: Record<string, any>; state: Record<string, any> }[];
  objects: { kind: "container" | "volume" | "network" | "command"; ref: string; owner: string }[];
}

const RANDOM_BYTES = "random:index/randomBytes:RandomBytes";
const SERVER = "wgkit:index:WireGuardServer";
/** The marker of a secret value in a deployment, with its plaintext (what `stack export --show-secrets` prints). */
const SECRET_SIG = { "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270" };
const secret = (v: unknown) => ({ ...SECRET_SIG, plaintext: JSON.stringify(v) });

/** The deployment (apitype v3) that holds the harness's keys and addresses for `stack`. */
export function deploymentFromHarness(h: HarnessState, o: { stack: string; project: string; randomVersion: string; providerId: string }): Record<string, unknown> {
  const servers = h.resources.filter((r) => r.type === SERVER);
  const others = h.resources.filter((r) => r.type.startsWith("wgkit:") && r.type !== SERVER);
  if (servers.length !== 1 || others.length) {
    throw new Error(`harness.json holds ${h.resources.filter((r) => r.type.startsWith("wgkit:")).map((r) => `${r.type} ${r.name}`).join(", ")}: ` +
      "only the default stack (one WireGuardServer) can be moved by npm run up");
  }
  const base = `urn:pulumi:${o.stack}::${o.project}::`;
  const stackUrn = `${base}pulumi:pulumi:Stack::${o.project}-${o.stack}`;
  const serverUrn = `${base}${SERVER}::${servers[0].name}`;
  const providerUrn = `${base}pulumi:providers:random::default_${o.randomVersion.replace(/\./g, "_")}`;
  const resources: Record<string, unknown>[] = [
    { urn: stackUrn, custom: false, type: "pulumi:pulumi:Stack" },
    { urn: providerUrn, custom: true, id: o.providerId, type: "pulumi:providers:random", inputs: { version: o.randomVersion }, outputs: { version: o.randomVersion } },
    { urn: serverUrn, custom: false, type: SERVER, parent: stackUrn },
  ];
  for (const r of h.resources.filter((x) => x.type === RANDOM_BYTES)) {
    const { keepers, length, base64, hex } = r.state;
    if (typeof base64 !== "string" || typeof length !== "number") throw new Error(`harness.json: ${r.name} has no bytes`);
    resources.push({
      urn: `${base}${SERVER}$${RANDOM_BYTES}::${r.name}`,
      custom: true,
      // What the random provider itself uses as a RandomBytes' id.
      id: base64,
      type: RANDOM_BYTES,
      inputs: { keepers: keepers ?? {}, length },
      outputs: { keepers: keepers ?? {}, length, base64: secret(base64), hex: secret(hex) },
      parent: serverUrn,
      provider: `${providerUrn}::${o.providerId}`,
      additionalSecretOutputs: ["base64", "hex"],
    });
  }
  return { version: 3, deployment: { manifest: { time: new Date().toISOString(), magic: "", version: "" }, resources } };
}

/** The harness's own Docker objects (containers first), to remove before the real engine creates its own. */
export function harnessObjects(h: HarnessState): { kind: "container" | "volume" | "network"; ref: string }[] {
  const rank = { container: 0, network: 1, volume: 2 } as const;
  return h.objects.filter((x): x is HarnessState["objects"][number] & { kind: "container" | "volume" | "network" } => x.kind !== "command")
    .map((x) => ({ kind: x.kind, ref: x.ref }))
    .sort((a, b) => rank[a.kind] - rank[b.kind]);
}
