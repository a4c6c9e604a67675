/**
 * What an e2e program exports of a wgkit component, so a scenario reads it back from the real
 * engine's stack outputs (secrets as their values): the container, the install step's verdict, the
 * keys and every peer's conf.
 */
import * as pulumi from "@pulumi/pulumi";
import { WireGuardServer } from "@wgkit/pulumi";

/** A peer of a server, as read back from the stack outputs. */
export interface PeerOut {
  address: string;
  address6?: string;
  publicKey: string;
  config: string;
  nixos: string;
  dnsName?: string;
  routes: string[];
}

/** A server, as read back from the stack outputs. */
export interface ServerOut {
  container: string;
  containerId: string;
  install: string;
  publicKey: string;
  config: string;
  status: Record<string, any>;
  peers: Record<string, PeerOut>;
}

/** The outputs to export for a WireGuardServer (read back as a ServerOut). */
export function serverOutputs(server: WireGuardServer): pulumi.Output<ServerOut> {
  const peers = Object.fromEntries(Object.entries(server.peers).map(([n, p]) => [n, {
    address: p.address, address6: p.address6, publicKey: p.publicKey, config: p.config, nixos: p.nixos, dnsName: p.dnsName, routes: p.routes,
  }]));
  return pulumi.output({
    container: server.container.name,
    containerId: server.container.id,
    install: server.install.stdout,
    publicKey: server.publicKey,
    config: server.config,
    status: server.status,
    peers,
  }) as unknown as pulumi.Output<ServerOut>;
}
