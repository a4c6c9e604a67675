import * as pulumi from "@pulumi/pulumi";
import { Peer } from "@wgkit/pulumi";

// A NixOS machine dialling a server managed elsewhere: the snippet goes into
// configuration.nix; the private/preshared keys go to the files it names.
// The defaults deploy anywhere (keys only, no container); for your server:
// `pulumi config set serverPublicKey <its key>` and `pulumi config set endpoint <host:port>`.
const config = new pulumi.Config();
const nixbox = new Peer("nixbox", {
  serverPublicKey: config.get("serverPublicKey") ?? "xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg=",
  endpoint: config.get("endpoint") ?? "example.com:51820",
  address: "10.13.13.9",
  dns: ["192.168.1.8"],
  listenPort: 51820,
  allowedIps: ["0.0.0.0/0", "::/0"],
});

export const nixos = nixbox.nixos;
export const publicKey = nixbox.publicKey;
export const privateKey = nixbox.privateKey;
export const presharedKey = nixbox.presharedKey;
export const wgQuickConfig = nixbox.config;
