/**
 * @wgkit/pulumi — Pulumi components for WireGuard on Docker. Each component
 * validates its args with @wgkit/core before declaring any resource.
 */
export * from "./Peer";
export * from "./WireGuardServer";
export * from "./ServerPeerOutputs";
export * from "./ClientTunnel";
export * from "./SiteLink";
export * from "./ContainerArgs";
export * from "./Secrecy";
export * from "./LocalHostPath";
export * from "./ComponentError";
export { AccessAction, AccessDefault, AccessProtocol, Protocol, SiteLinkMode, WgKitError } from "@wgkit/core";
