/**
 * The random peer-state updates shared by the property test under the SDK mocks
 * (test/pulumi/PeerState.property.test.ts) and the same sequences on the real engine
 * (test/engine/PeerStateEngine.test.ts): the steps (add, remove, pin — onto a free host or onto
 * another peer's remembered address —, unpin, rotate, disable/enable, subnet change), their
 * fast-check generator, how a step turns one program into the next, and the first promise
 * checked between two delivered updates.
 */
import { strict as assert } from "assert";
import * as fc from "fast-check";
import { bigIntToIp, hostInSubnet, parseSubnet } from "@wgkit/core";
import { Snapshot } from "./mocks";
import { PeerResult, Program } from "./peerStateProgram";

export const SUBNETS = [
  { subnet: "10.13.13.0/24" },
  { subnet: "10.14.0.0/28", subnet6: "fd42:14::/64" },
  { subnet: "10.13.13.0/24", subnet6: "fd42:13:13::/64" },
  { subnet: "172.31.9.0/26" },
];
export const NAMES = ["alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi"];

export type Step =
  | { kind: "add"; who: number }
  | { kind: "remove"; who: number }
  | { kind: "pin"; who: number; host: number; ontoOther: boolean }
  | { kind: "unpin"; who: number }
  | { kind: "rotate"; who: number }
  | { kind: "toggle"; who: number }
  | { kind: "subnet"; to: number };

export const stepArb: fc.Arbitrary<Step> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant("add" as const), who: fc.nat(NAMES.length - 1) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("remove" as const), who: fc.nat(99) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("pin" as const), who: fc.nat(99), host: fc.integer({ min: 2, max: 12 }), ontoOther: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("unpin" as const), who: fc.nat(99) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("rotate" as const), who: fc.nat(99) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("toggle" as const), who: fc.nat(99) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("subnet" as const), to: fc.nat(SUBNETS.length - 1) }) },
);

export const clone = <T>(x: T): T => JSON.parse(JSON.stringify(x));

/** What the stack state remembers for a peer (the address memory of the current subnet). */
export function remembered(snap: Snapshot, name: string, subnet: string, server = "wg"): { address?: string; address6?: string } | undefined {
  const tag = parseSubnet(subnet, "subnet", 4).cidr.replace("/", "_");
  const r = Object.values(snap).find((x) => x.name === `${server}/${name}/address-${tag}`);
  return r ? { address: r.outputs.keepers?.address, address6: r.outputs.keepers?.address6 || undefined } : undefined;
}

export function hostAddress(subnet: string, host: number): string {
  const s = parseSubnet(subnet, "subnet", 4);
  return bigIntToIp(s.network + BigInt(host), 4);
}

/** How many peers a subnet holds (the network, the server and the broadcast address excluded). */
export function subnetCapacity(subnet: string): number {
  const s = parseSubnet(subnet, "subnet", 4);
  return 2 ** (32 - s.prefix) - 3;
}

export interface Applied {
  /** The program after the step (unchanged when the step does not apply). */
  next: Program;
  /** The field a refused pin names (`peers.<name>.address`): the update must fail with pin-collision. */
  expectRefusal?: string;
  /** The program cannot hold the peers (a small subnet): skip the update. */
  overfull: boolean;
}

/**
 * The program after `step`, given the stack state `snap` (whose memories decide whether a pin is
 * refused). `token` makes a rotation's value unique.
 */
export function applyStep(program: Program, step: Step, snap: Snapshot, token: string): Applied {
  const names = Object.keys(program.peers);
  const pick = (i: number) => names[i % Math.max(names.length, 1)];
  const next: Program = clone(program);
  let expectRefusal: string | undefined;
  switch (step.kind) {
    case "add": if (!next.peers[NAMES[step.who]]) next.peers[NAMES[step.who]] = {}; break;
    case "remove": if (names.length) delete next.peers[pick(step.who)]; break;
    case "pin": {
      if (!names.length) break;
      const who = pick(step.who);
      const others0 = names.filter((n) => n !== who && remembered(snap, n, next.subnet)?.address);
      const addr = step.ontoOther && others0.length
        ? remembered(snap, others0[step.host % others0.length], next.subnet)!.address!
        : hostAddress(next.subnet, step.host);
      const s = parseSubnet(next.subnet, "subnet", 4);
      try { hostInSubnet(s, addr, "x"); } catch { break; } // beyond a small subnet: skip
      const others = names.filter((n) => n !== who);
      const takenByPin = others.some((n) => next.peers[n].address === addr);
      const takenByMemory = others.some((n) => remembered(snap, n, next.subnet)?.address === addr);
      if (takenByPin) break; // pin vs pin is the static duplicate-address rule, covered elsewhere
      next.peers[who].address = addr;
      if (takenByMemory) expectRefusal = `peers.${who}.address`;
      break;
    }
    case "unpin": if (names.length) delete next.peers[pick(step.who)].address; break;
    case "rotate": if (names.length) next.peers[pick(step.who)].rotation = `r${token}`; break;
    case "toggle": if (names.length) { const p = next.peers[pick(step.who)]; p.enabled = p.enabled === false ? undefined : false; } break;
    case "subnet": {
      const to = SUBNETS[step.to];
      if (to.subnet === next.subnet && to.subnet6 === next.subnet6) break;
      next.subnet = to.subnet;
      if (to.subnet6) next.subnet6 = to.subnet6; else delete next.subnet6;
      for (const p of Object.values(next.peers)) delete p.address; // pins of the old subnet
      break;
    }
  }
  return { next, expectRefusal, overfull: Object.keys(next.peers).length > subnetCapacity(next.subnet) };
}

/**
 * The first promise between two delivered updates: every peer the devices already hold keeps its
 * keys unless its own rotation changed (then they change), and its address unless pinned (then
 * the pin), unpinned (then its remembered address) or the subnet changed; addresses stay inside
 * the subnets; addresses and keys are unique.
 */
export function checkFirstPromise(deliveredProgram: Program, delivered: Record<string, PeerResult>, program: Program, got: Record<string, PeerResult>, snap: Snapshot): void {
  const subnetChanged = deliveredProgram.subnet !== program.subnet;
  for (const [n, now] of Object.entries(got)) {
    const s4 = parseSubnet(program.subnet, "subnet", 4);
    hostInSubnet(s4, now.address, `${n}.address`); // inside the subnet, not the server's
    if (program.subnet6) hostInSubnet(parseSubnet(program.subnet6, "subnet6", 6), now.address6!, `${n}.address6`);
    const before = delivered[n];
    if (!before) continue;
    const prev = deliveredProgram.peers[n];
    const cur = program.peers[n];
    if ((prev?.rotation ?? "") === (cur.rotation ?? "")) {
      assert.equal(now.publicKey, before.publicKey, `${n}: keys kept`);
      assert.equal(now.privateKey, before.privateKey, `${n}: private key kept`);
      assert.equal(now.presharedKey, before.presharedKey, `${n}: psk kept`);
    } else {
      assert.notEqual(now.publicKey, before.publicKey, `${n}: rotated`);
    }
    if (cur.address !== undefined) assert.equal(now.address, cur.address, `${n}: pinned`);
    else if (!subnetChanged) {
      if (prev?.address === undefined) assert.equal(now.address, before.address, `${n}: address kept`);
      else assert.equal(now.address, remembered(snap, n, program.subnet)?.address, `${n}: unpinned → remembered address`);
      if (program.subnet6 && program.subnet6 === deliveredProgram.subnet6 && prev?.address === undefined) {
        assert.equal(now.address6, before.address6, `${n}: address6 kept`);
      }
    }
  }
  const all = Object.values(got).map((p) => p.address);
  assert.equal(new Set(all).size, all.length, `unique addresses: ${all}`);
  const keys = Object.values(got).map((p) => p.publicKey);
  assert.equal(new Set(keys).size, keys.length, "unique keys");
}
