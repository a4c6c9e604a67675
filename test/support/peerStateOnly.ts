/**
 * A server's peer state and nothing else: the resources WireGuardServer "wg" declares for its
 * keys and addresses (its own key seed `wg-key`, and per peer the seed and the address memory,
 * through the same `serverPeerState`), under a component of the same type and name, so they have
 * the URNs the whole server gives them. No container, no install step: the program the engine
 * model is checked with on the real engine (test/engine), and that the model runs too.
 */
import * as pulumi from "@pulumi/pulumi";
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
