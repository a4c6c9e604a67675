/**
 * A server's peer state and nothing else: the resources WireGuardServer "wg" declares for its
 * keys and addresses (its own key seed `wg-key`, and per peer the seed and the address memory,
 * through the same `serverPeerState`), under a component of the same type and name, so they have
 * the URNs the whole server gives them. No container, no install step: the program the engine
 * model is checked with on the real engine (test/engine), and that the model runs too. Also the
 * layouts earlier versions left (`declareLegacyPeerState`), which the aliases must carry over.
 */
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { naming, SERVER_TYPE } from "@wgkit/pulumi";
import { keySeed, keysOfSeed } from "@wgkit/pulumi/dist/KeySeed";
import { serverPeerState } from "@wgkit/pulumi/dist/PeerState";
import type { PeerResult, Program } from "./peerStateProgram";

class PeerStateOnly extends pulumi.ComponentResource {
  constructor(name: string) {
    super(SERVER_TYPE, name, {}, {});
    this.registerOutputs({});
  }
}

export interface Declared {
  peers: pulumi.Output<Record<string, PeerResult>>;
  serverPublicKey: pulumi.Output<string>;
}

/** Declares the peer state of server "wg" for `program`; its outputs are what devices would get. */
export function declarePeerStateOnly(program: Program, name = "wg"): Declared {
  const parent = new PeerStateOnly(name);
  const server = keySeed(`${name}-key`, undefined, { parent });
  const state = serverPeerState(parent, name, (f) => naming(SERVER_TYPE, name, f), program);
  const names = Object.keys(program.peers);
  const keys = names.map((n) => keysOfSeed(state.seeds[n]));
  const peers = pulumi.all([state.plan, pulumi.all(keys.map((k) => pulumi.all([k.publicKey, k.privateKey, k.presharedKey])))])
    .apply(([plan, ks]) => Object.fromEntries(names.map((n, i) => [n, {
      address: plan.peers[n].address, address6: plan.peers[n].address6, publicKey: ks[i][0], privateKey: ks[i][1], presharedKey: ks[i][2],
    } satisfies PeerResult])));
  return { peers, serverPublicKey: server.publicKey };
}

/** Layouts of the peer state that earlier wgkit versions left in stacks. */
export type LegacyLayout =
  /** Names joined by `-` (`wg-alice-keys`, `wg-alice-address-10.13.13.0_24`), before `/`. */
  | "dash"
  /** wgkit 0.1: a `wgkit:index:Peer` component per peer, with `wg-alice-keys` and `wg-alice-address` under it. */
  | "peer-component";

class LegacyPeer extends pulumi.ComponentResource {
  constructor(name: string, parent: pulumi.Resource) {
    super("wgkit:index:Peer", name, {}, { parent });
    this.registerOutputs({});
  }
}

/**
 * The peer state of server "wg" as an earlier version laid it out: each peer's seed (of the
 * current seed type, as KeySeed declares it) and its memory, holding the peer's `address` pin.
 */
export function declareLegacyPeerState(program: Program, layout: LegacyLayout, name = "wg"): Declared {
  const parent = new PeerStateOnly(name);
  const server = keySeed(`${name}-key`, undefined, { parent });
  const tag = program.subnet.replace("/", "_");
  const names = Object.keys(program.peers);
  const keys = names.map((n) => {
    const address = program.peers[n].address;
    if (!address) throw new Error(`the legacy layout needs ${n}'s address`);
    const under = layout === "dash" ? parent : new LegacyPeer(`${name}-${n}`, parent);
    new random.RandomBytes(layout === "dash" ? `${name}-${n}-address-${tag}` : `${name}-${n}-address`, { length: 1, keepers: { address, address6: "" } }, { parent: under, ignoreChanges: ["keepers"] });
    return keySeed(`${name}-${n}-keys`, undefined, { parent: under });
  });
  const peers = pulumi.all(keys.map((k) => pulumi.all([k.publicKey, k.privateKey, k.presharedKey])))
    .apply((ks) => Object.fromEntries(names.map((n, i) => [n, {
      address: program.peers[n].address!, publicKey: ks[i][0], privateKey: ks[i][1], presharedKey: ks[i][2],
    } satisfies PeerResult])));
  return { peers, serverPublicKey: server.publicKey };
}
