/**
 * Peer state: what keeps a device configured once working through every later `pulumi up`.
 *
 * INVARIANT. A peer keeps its keys and its tunnel address across updates unless its own
 * `rotation` changes (keys only) or the server's `subnet` changes (address only, once). A peer
 * created in an update is placed on an address that no peer already in state remembers and no
 * pin claims. Every decision follows from the stack's state and the program: nothing here
 * depends on the process (an Automation API host running many updates in one Node process
 * behaves as a fresh `pulumi up` would).
 *
 * MECHANISM. Two custom resources per peer from the random provider (no dynamic provider):
 *  - the key seed `<server>/<peer>/keys` — a `random.RandomPassword` of 64 alphanumerics (see
 *    KeySeed.ts: its secret string gives 64 bytes of key material, 32 clamp into the private
 *    key, 32 are the preshared key; a password's id is `none`, so no key is ever in clear in
 *    state). A peer with imported keys keeps its seed unused, so that dropping the import later
 *    gives back the same generated keys;
 *    keepers `{ rotation, createdIn }`. A `rotation` change replaces it (new keys). `createdIn`
 *    is ignored after creation (ignoreChanges), so it remembers WHEN the seed was created: a
 *    stamp `<epoch ms>.<uuid>` made fresh by each construction of the component. After
 *    registration, a seed whose `createdIn` equals this construction's stamp was created by
 *    this update (a newcomer); any other value is older state. Replacement keeps the ignored
 *    stamp, so a rotated peer keeps its age.
 *  - the address memory `<server>/<peer>/address-<subnet>` — a `random.RandomBytes` of 1 byte
 *    (its value, the resource id, is not secret and unused), keepers
 *    `{ address, address6 }` wholly ignored after creation: it holds the address it was created
 *    with, forever (address6 is informational; see IPv6 below). Its name carries the subnet, so a subnet change creates fresh memories
 *    (every peer re-addressed once) which then stay.
 * Memories are registered ONE AFTER ANOTHER in placement order (core `placementOrder`: older
 * seeds first, newcomers last, ties by name); each memory's input is core
 * `AddressLedger.candidate` computed after every memory before it has been read back and
 * committed. For a memory that exists the engine keeps its old value (the input is ignored);
 * for one created now the input is what it stores. So a newcomer's address avoids every
 * address remembered by an older peer, and every pin.
 *
 * WHY TWO RESOURCES, NOT ONE. "Is this peer new?" is only known after its resource has been
 * registered (the engine's `getResource` answers only for resources registered in the current
 * update, never for the previous state). With keys and address in one resource, a newcomer's
 * address — an input of that resource — would need the memories of the existing peers, and
 * which peers exist would need every resource registered first: a cycle. The seed carries no
 * address, so seeds register at once and their stamps give the order without a cycle.
 *
 * FAILURE MODES.
 *  - An update interrupted after a newcomer's seed was created but before its memory was:
 *    next time the seed is "old", so the peer is placed by its seed's age — after every peer
 *    created before it, whose memories it therefore avoids; a peer created later cannot hold a
 *    memory yet (its memory would have been registered after this one, in the same chain).
 *  - An update interrupted in its delete phase after a peer was removed can leave that peer's
 *    memory without its seed; if the same name is added again later it inherits that stale
 *    memory, which may now be another peer's address. The ledger then fails with
 *    `address-memory` naming the peer: pin it (a pinned peer's memory gives way), or delete the
 *    stale memory from state (`pulumi state delete <its URN>`).
 *  - IPv6 has no memory of its own: a peer's IPv6 address mirrors its IPv4 host number into
 *    `subnet6` (unless pinned), so it is exactly as stable as the IPv4 address.
 *  - Clocks: ages compare wall-clock stamps. A runner whose clock is behind an earlier runner's
 *    by more than the time between two updates, combined with an interrupted update, could
 *    order two peers against their creation; the ledger then finds two memories on one address
 *    and the update fails with `address-memory` naming the peer to pin — never a silent move.
 *  - A memory from before wgkit 0.2 (`<server>-<peer>-address`, adopted through an alias) that
 *    lies outside the current subnet counts as no memory: that peer is placed anew on every
 *    update (stable while older peers stay). Pin it to make it durable.
 *  - A pin on an address another peer remembers fails with `pin-collision` naming the pin — at
 *    preview too, since remembered values are known then.
 *  - Registration is sequential for memories: N round trips to the engine per update.
 *
 * NAMES. `/` joins server, peer and kind (see `childName`): names cannot contain it, so no two
 * (server, peer) pairs share a URN. Before, `-` joined them and `home`+`office-laptop` and
 * `home-office`+`laptop` were one URN. Each resource lists its `-` name as an alias (the URN a
 * name-only alias resolves to: the same parent and type), so a stack made with `-` names
 * keeps every seed and memory: keys and addresses unchanged. A program that hit the old
 * collision never completed an update (the engine refuses a duplicate URN), so its stack holds at
 * most one such resource; both new resources alias it and the engine gives it to one of them or
 * refuses. `pulumi state delete` of that URN gives both peers fresh keys.
 *
 * MIGRATION from the 0.1 layout (a `wgkit:index:Peer` component per server peer, with the
 * seed and a `<server>-<peer>-address` memory under it): aliases carry both resources over,
 * keys and addresses unchanged.
 *
 * MIGRATION from RandomBytes seeds (every version before this one kept the seed in a
 * `random.RandomBytes`, whose id is its value in clear): `wgkit migrate-state` rewrites each
 * seed in the stack's state into a RandomPassword of the same name and parent holding
 * `wgkit-seed-b64:<its old bytes>` (SeedMigration.ts), so keys, `createdIn` stamps and
 * therefore placement order are unchanged; the aliases above name the RandomPassword type. A
 * stack updated before that migration gets new seeds for every peer (new keys) but keeps its
 * addresses (memories are untouched, and the newcomers' order among themselves is by name).
 */
import * as crypto from "crypto";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { childName } from "./ChildName";
import { RANDOM_BYTES_TYPE, SEED_TYPE, seedResource } from "./KeySeed";
import { AddressLedger, AddressPlan, creationStamp, DEFAULT_SUBNET, LedgerInput, parseSubnet, PeerAddresses, placementOrder, withoutValue } from "@wgkit/core";

/** One peer whose state is kept. */
export interface PeerStateRequest {
  name: string;
  /** Rotation token: a change replaces the key seed. */
  rotation: pulumi.Input<string> | undefined;
}

export interface PeerState {
  /** Per peer: the key seed (see KeySeed.ts; unused while the peer's keys are imported). */
  seeds: Record<string, random.RandomPassword>;
  /** Every peer's addresses and the server's; carries no resource dependencies (O(N) to consume). */
  plan: pulumi.Output<AddressPlan>;
}

const LEGACY_PEER = "wgkit:index:Peer";

interface Deferred<T> { promise: Promise<T>; resolve: (v: T) => void; reject: (e: unknown) => void }
function deferred<T>(): Deferred<T> {
  let resolve!: (v: T) => void, reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => { resolve = res; reject = rej; });
  promise.catch(() => undefined); // consumed through Outputs; never an unhandled rejection
  return { promise, resolve, reject };
}

/** The memory's name part for a subnet: readable, e.g. `10.13.13.0_24`. */
export function subnetTag(subnet: string): string {
  return parseSubnet(subnet, "subnet", 4).cidr.replace("/", "_");
}

/**
 * Declares every peer's seed and memory under `parent` and returns the address plan.
 * `ledger` must resolve to the current subnets and every peer's pins; `subnet` is the plain
 * IPv4 subnet (it names the memories).
 */
export function peerState(
  parent: pulumi.Resource,
  server: string,
  /** Runs the ledger's checks (so that their errors name the component); values are hidden when the ledger input is secret. */
  plainNamed: <T>(f: () => T) => T,
  peers: readonly PeerStateRequest[],
  subnet: string,
  ledger: pulumi.Output<LedgerInput>,
): PeerState {
  const stamp = creationStamp(Date.now(), crypto.randomUUID());
  const tag = subnetTag(subnet);
  const seeds: Record<string, random.RandomPassword> = {};
  // Aliases as URNs, formed as the engine forms them (`<parent's type chain>$<type>::<name>`) from
  // the server's URN, known once for all peers: the 0.1 layout's (under a Peer component) and the
  // `-` name's (what the name-only alias `{ name }` resolves to under this parent and type). Each
  // is a Promise<string>: the SDK turns every alias into outputs, and a `{ name }` spec or an
  // Output per alias cost several times what a promise does — per resource, two per peer. A 0.1
  // seed is found as a RandomPassword once `wgkit migrate-state` has moved it.
  const serverPrefix = new Promise<string>((resolve) => { parent.urn.apply((u) => resolve(u.substring(0, u.lastIndexOf("::")))); });
  const legacyUrn = (type: string, name: string) => serverPrefix.then((pre) => `${pre}$${LEGACY_PEER}$${type}::${server}-${name}`);
  const dashUrn = (type: string, name: string) => serverPrefix.then((pre) => `${pre}$${type}::${server}-${name}`);

  for (const p of peers) {
    // The same seed whatever the peer's keys: toggling imported keys on and off must not touch
    // it (imported peers simply do not use it).
    seeds[p.name] = seedResource(childName(server, p.name, "keys"), { rotation: p.rotation ?? "", createdIn: stamp }, {
      parent,
      aliases: [legacyUrn(SEED_TYPE, `${p.name}-keys`), dashUrn(SEED_TYPE, `${p.name}-keys`)],
    });
  }

  // Plain promises between the resources, so that no per-peer Output carries the N-element
  // dependency set of the other peers' resources (that made evaluation O(N²)). `start` depends
  // only on the user's inputs: the subnets, the pins and the rotations — the only inputs that can
  // make a seed's keepers unknown (preview), in which case nothing below runs and everything
  // derived is unknown too.
  const stamps = new Map(peers.map((p) => [p.name, deferred<string>()]));
  for (const p of peers) seeds[p.name].keepers.apply((k) => stamps.get(p.name)!.resolve(String(k?.createdIn ?? "")));
  const start = pulumi.all([ledger, pulumi.all(peers.map((p) => p.rotation ?? ""))]);
  const candidates = new Map(peers.map((p) => [p.name, deferred<PeerAddresses>()]));
  const remembered = new Map(peers.map((p) => [p.name, deferred<Partial<PeerAddresses>>()]));
  const planned = deferred<AddressPlan>();

  // The chain: runs once the subnets, pins and every seed's stamp are known.
  const plan = start.apply(async ([input]) => {
    // A late error shows addresses and subnets only when none of them came from a secret.
    const named = await pulumi.isSecret(ledger) ? <T>(f: () => T): T => plainNamed(() => { try { return f(); } catch (e) { throw withoutValue(e); } }) : plainNamed;
    const st = await Promise.all(peers.map((p) => stamps.get(p.name)!.promise));
    const order = placementOrder(peers.map((p, i) => ({ name: p.name, stamp: st[i], isNew: st[i] === stamp })));
    let book: AddressLedger;
    let prev: Promise<void>;
    try {
      book = named(() => new AddressLedger(input));
      prev = Promise.resolve();
    } catch (e) {
      prev = Promise.reject(e);
    }
    for (const n of order) {
      const cand = prev.then(() => named(() => book.candidate(n)));
      cand.then(candidates.get(n)!.resolve, candidates.get(n)!.reject);
      prev = cand.then(() => remembered.get(n)!.promise).then((mem) => { named(() => book.commit(n, mem)); });
    }
    prev.then(() => named(() => book.plan())).then(planned.resolve, planned.reject);
    return planned.promise;
  });

  for (const p of peers) {
    // One output per memory for its keepers (the candidate, once the chain reaches it).
    const keepers = start.apply(() => candidates.get(p.name)!.promise.then((c) => ({ address: c.address, address6: c.address6 ?? "" })));
    const m = new random.RandomBytes(childName(server, p.name, `address-${tag}`), {
      length: 1,
      keepers,
    }, {
      parent,
      ignoreChanges: ["keepers"],
      aliases: [legacyUrn(RANDOM_BYTES_TYPE, `${p.name}-address`), dashUrn(RANDOM_BYTES_TYPE, `${p.name}-address-${tag}`)],
    });
    m.keepers.apply((k) => remembered.get(p.name)!.resolve({ address: k?.address, address6: k?.address6 || undefined }));
  }
  return { seeds, plan };
}

/** The settings of a server that its peer state follows (WireGuardServerArgs' fields of the same names). */
export interface ServerPeerStateArgs {
  /** Plain (it names the memories); the default subnet when absent. */
  subnet?: pulumi.Input<string>;
  subnet6?: pulumi.Input<string>;
  peers: Record<string, { address?: pulumi.Input<string>; address6?: pulumi.Input<string>; rotation?: pulumi.Input<string> }>;
}

/**
 * A server's peer state from its settings: every peer's seed and memory, with each peer's pins in
 * the ledger. What WireGuardServer declares, and all that the real-engine check of the engine
 * model declares (test/engine).
 */
export function serverPeerState(parent: pulumi.Resource, server: string, plainNamed: <T>(f: () => T) => T, args: ServerPeerStateArgs): PeerState {
  const names = Object.keys(args.peers);
  return peerState(parent, server, plainNamed, names.map((n) => ({ name: n, rotation: args.peers[n].rotation })),
    (args.subnet as string | undefined) ?? DEFAULT_SUBNET,
    // One output over every pin (an output only where a pin is one), not a join per peer.
    pulumi.output({ subnet: args.subnet, subnet6: args.subnet6, pins: names.map((n) => [args.peers[n].address, args.peers[n].address6]) })
      .apply(({ subnet, subnet6, pins }) => ({ subnet: subnet ?? DEFAULT_SUBNET, subnet6, peers: names.map((n, j) => ({ name: n, address: pins[j][0], address6: pins[j][1] })) })));
}
