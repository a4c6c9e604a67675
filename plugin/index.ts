/**
 * The wgkit component plugin's entry point: the components every Pulumi language gets.
 * The Node SDK's run-plugin requires this module and serves the classes it exports; the
 * analyzer reads the same classes from the TypeScript sources (see tsconfig.json).
 */
export { WireGuardServer, Peer, ClientTunnel, SiteLink } from "@wgkit/pulumi";
