/**
 * @wgkit/core — pure WireGuard logic for wgkit. No Pulumi import here:
 * everything is testable with plain mocha and WireGuard's own tools.
 */
export * from "./WgKitError";
export * from "./Key";
export * from "./PresharedKey";
export * from "./SeedMaterial";
export * from "./Validation";
export * from "./Endpoint";
export * from "./AllowedIPs";
export * from "./AddressPlan";
export * from "./AddressLedger";
export * from "./WgQuick";
export * from "./ServerConf";
export * from "./PeerConf";
export * from "./NixOS";
export * from "./BilevelPng";
export * from "./QrSymbol";
export * from "./QrCode";
export * from "./HostPath";
export * from "./ContainerSpec";
export * from "./Deploy";
export * from "./ServerSpec";
export * from "./ClientTunnelSpec";
export * from "./SiteLinkSpec";
export * from "./PeerSpec";
export * from "./WgShow";
export * from "./LinuxserverConfig";
export * from "./UserspaceImage";
export * from "./AccessRules";
export * from "./Firewall";
export * from "./SpokeRoutes";
export * from "./PeerNames";
export * from "./Hub";
export * from "./PortCollision";
export * from "./TerminalText";
