import * as pulumi from "@pulumi/pulumi";
import { ClientTunnel } from "@wgkit/pulumi";

// The image as a client of a VPN provider, split-tunnelled: `Table = 55111` keeps the
// provider's routes out of the main table; only the chosen destinations use the tunnel.
// `pulumi config set --secret providerConf "$(cat provider-wg.conf)"` (the one setting to change).
// The defaults deploy on one machine with a throwaway provider conf (its endpoint is a documentation
// address: no handshake); on a kernel without WireGuard: `pulumi config set userspace true`.
const config = new pulumi.Config();
const tunnel = new ClientTunnel("vpn", {
  config: config.getSecret("providerConf") ?? exampleProviderConf(),
  table: "55111",
  routeDestinations: config.getObject<string[]>("routeDestinations") ?? ["203.0.113.0/24"],
  killSwitch: config.getBoolean("killSwitch") ?? true,
  dns: [],
  userspace: config.getBoolean("userspace") ?? false,
});

export const publicKey = tunnel.publicKey;
export const networkMode = tunnel.networkMode;

/** A syntactically real provider conf with throwaway keys, so the example evaluates without config. */
function exampleProviderConf(): string {
  return [
    "[Interface]",
    "PrivateKey = yAnz5TF+lXXJte14tji3zlMNq+hd2rYUIgJBgB3fBmk=",
    "Address = 10.64.12.7/32",
    "DNS = 10.64.0.1",
    "",
    "[Peer]",
    "PublicKey = xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg=",
    "AllowedIPs = 0.0.0.0/0",
    "Endpoint = 198.51.100.10:51820",
    "",
  ].join("\n");
}
