import * as crypto from "crypto";
import * as ipaddr from "ipaddr.js";
import * as nacl from "tweetnacl";
import {
  buildPeer, checkServerSpec, checkNoOverlap, OverlapStats, parseCidr, generateKeyPair, generatePresharedKey, peerConf, peerStatus, planAddresses, presharedKeyFromSeed,
  privateKeyFromSeed, publicKeyOf, qrPngBase64, renderNixOS, renderWgQuick, serverConf, KeyPair,
} from "@wgkit/core";
import { qrPngBefore } from "../support/qrBefore";

export interface Figure { bench: string; [k: string]: unknown }

/** Address planning + server conf + every peer conf rendered (and validated) for N peers. */
export function coreRender(peers: number, keys: KeyPair[], psks: string[]): Figure {
  const t0 = process.hrtime.bigint();
  const server = keys[0];
  const plan = planAddresses({ subnet: "10.20.0.0/16", subnet6: "fd20::/64", peers: Array.from({ length: peers }, (_, i) => ({ name: `peer${i}` })) });
  const srv = renderWgQuick(serverConf({
    privateKey: server.privateKey, address: plan.server.address, address6: plan.server.address6, subnet: plan.subnet, subnet6: plan.subnet6,
    peers: Object.values(plan.peers).map((a, i) => ({ publicKey: keys[i + 1].publicKey, presharedKey: psks[i], address: a.address, address6: a.address6 })),
  }));
  let bytes = srv.length;
  Object.values(plan.peers).forEach((a, i) => {
    bytes += renderWgQuick(peerConf({ privateKey: keys[i + 1].privateKey, address: a.address, address6: a.address6, dns: [plan.server.address], serverPublicKey: server.publicKey, presharedKey: psks[i], endpoint: "vpn.example.com:51820" }), keys[i + 1].publicKey).length; // as the components render: the public key they already derived
  });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  return { bench: "core-render", peers, ms: Math.round(ms * 10) / 10, bytes };
}

export function keygen(n: number): Figure {
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) generateKeyPair();
  const us = Number(process.hrtime.bigint() - t0) / 1e3 / n;
  return { bench: "keygen", keys: n, usPerKey: Math.round(us * 10) / 10 };
}

/**
 * Overlap check of N routed LANs (n log n: sort + sweep), beside the baseline of the same run:
 * parsing the same N LANs only. The pairwise check it replaced would need N(N-1)/2 comparisons.
 */
export function overlapCheck(n: number): Figure {
  // in a scrambled order (a sorted input would flatter the sort): i * 7919 mod n visits every i once
  const items = Array.from({ length: n }, (_, k) => (k * 7919) % n).map((i) => ({ field: `lans[${i}]`, cidr: `10.${(i >> 8) & 0xff}.${i & 0xff}.0/24` }));
  const t0 = process.hrtime.bigint();
  for (const i of items) parseCidr(i.cidr, i.field);
  const t1 = process.hrtime.bigint();
  const stats: OverlapStats = { comparisons: 0 };
  checkNoOverlap(items, stats);
  const t2 = process.hrtime.bigint();
  const ms = (a: bigint, b: bigint) => Math.round(Number(b - a) / 1e5) / 10;
  return { bench: "overlap-check", lans: n, ms: ms(t1, t2), parseOnlyMs: ms(t0, t1), comparisons: stats.comparisons, pairwiseWouldCompare: (n * (n - 1)) / 2 };
}

/**
 * The whole server validation (checkServerSpec: every CIDR checked, overlaps, the address
 * plan) of N routed LANs on 200 peers, beside two baselines of the same run: ipaddr.js's
 * family-agnostic parseCIDR of the same LANs (what each LAN cost before IpParse.ts: a failed
 * IPv6 parse, then IPv4) and the family-dispatched parse alone.
 */
export function serverValidation(n: number): Figure {
  const per = Math.ceil(n / 200);
  const lans = Array.from({ length: n }, (_, i) => `10.${100 + ((i >> 16) & 0x7f)}.${(i >> 8) & 0xff}.${i & 0xff}/32`);
  const peers: Record<string, { serverAllowedIps: string[] }> = {};
  for (let p = 0; p * per < n; p++) peers[`p${p}`] = { serverAllowedIps: lans.slice(p * per, (p + 1) * per) };
  const t0 = process.hrtime.bigint();
  for (const l of lans) ipaddr.parseCIDR(l);
  const t1 = process.hrtime.bigint();
  for (const l of lans) ipaddr.IPv4.parseCIDR(l);
  const t2 = process.hrtime.bigint();
  checkServerSpec({ serverUrl: "vpn.example.com", subnet: "10.13.0.0/16", peers });
  const t3 = process.hrtime.bigint();
  const ms = (a: bigint, b: bigint) => Math.round(Number(b - a) / 1e5) / 10;
  return { bench: "server-validation", lans: n, peers: Object.keys(peers).length, ms: ms(t2, t3), genericParseOnlyMs: ms(t0, t1), dispatchedParseOnlyMs: ms(t1, t2) };
}

/**
 * What each per-peer output costs to compute, in µs per peer over `n` peers (the core work behind
 * a server peer's outputs; the SDK's own cost per output is in program-eval): its keys from a
 * seed, its conf, the conf's QR code, its NixOS snippet, and its share of the server's status.
 * Beside them, from the same run, what the keys and the QR code cost as computed before issue 29
 * (tweetnacl's X25519; pngjs and zlib on an 8-bit image), and the QR code's size then and now.
 */
export function peerOutputCost(n: number): Figure {
  const seeds = Array.from({ length: n }, () => crypto.randomBytes(64));
  const server = generateKeyPair();
  const us = (t0: bigint) => Math.round(Number(process.hrtime.bigint() - t0) / 1e3 / n * 10) / 10;
  let t = process.hrtime.bigint();
  const keys = seeds.map((b) => {
    const privateKey = privateKeyFromSeed(b.subarray(0, 32));
    return { privateKey, publicKey: publicKeyOf(privateKey), presharedKey: presharedKeyFromSeed(b.subarray(32, 64).toString("base64")) };
  });
  const keysUs = us(t);
  t = process.hrtime.bigint();
  for (const k of keys) Buffer.from(nacl.scalarMult.base(Buffer.from(k.privateKey, "base64"))).toString("base64");
  const keysBeforeUs = us(t);
  const shape = (i: number) => ({ serverPublicKey: server.publicKey, endpoint: "vpn.example.com:51820", address: `10.20.${(i + 2) >> 8}.${(i + 2) & 0xff}`, dns: ["10.20.0.1"] });
  t = process.hrtime.bigint();
  const confs = keys.map((k, i) => renderWgQuick(buildPeer(shape(i), k.privateKey, k.presharedKey), k.publicKey));
  const confUs = us(t);
  t = process.hrtime.bigint();
  let qrBytes = 0;
  for (const c of confs) qrBytes += qrPngBase64(c).length;
  const qrUs = us(t);
  const few = confs.slice(0, Math.min(n, 200)); // the old renderer is slow: a sample
  t = process.hrtime.bigint();
  let qrBeforeBytes = 0;
  for (const c of few) qrBeforeBytes += qrPngBefore(c).toString("base64").length;
  const qrBeforeUs = Math.round(Number(process.hrtime.bigint() - t) / 1e3 / few.length * 10) / 10;
  t = process.hrtime.bigint();
  for (let i = 0; i < n; i++) renderNixOS(buildPeer(shape(i), undefined, "A".repeat(43) + "="));
  const nixosUs = us(t);
  const dump = `1700000000\n(hidden)\t${server.publicKey}\t51820\toff\n${keys.map((k, i) => `${k.publicKey}\t(hidden)\t203.0.113.${i & 0xff}:51820\t10.20.0.${i & 0xff}/32\t1699999999\t${i}\t${i}\toff`).join("\n")}\n`;
  t = process.hrtime.bigint();
  peerStatus(dump, Object.fromEntries(keys.map((k, i) => [`peer${i}`, k.publicKey])));
  const statusUs = us(t);
  return {
    bench: "peer-output-cost", peers: n, keysUs, confUs, qrUs, nixosUs, statusUs, keysBeforeUs, qrBeforeUs,
    qrBase64Chars: Math.round(qrBytes / n), qrBeforeBase64Chars: Math.round(qrBeforeBytes / few.length),
  };
}

export function runCoreBench(): Figure[] {
  overlapCheck(2000); // warm-up
  serverValidation(2000);
  peerOutputCost(200); // warm-up
  const out: Figure[] = [keygen(2000), overlapCheck(20000), serverValidation(20000), peerOutputCost(2000)];
  const keys = Array.from({ length: 10001 }, generateKeyPair);
  const psks = Array.from({ length: 10000 }, generatePresharedKey);
  coreRender(250, keys, psks); // warm-up
  for (const n of [250, 1000, 10000]) out.push(coreRender(n, keys, psks));
  return out;
}
