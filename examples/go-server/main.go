// The default stack (index.ts at the repository root) in Go: one WireGuard server on the local
// Docker engine, peers "laptop" and "phone" (keepalive 25), settings from config.
// Steps: README.md (`pulumi install` generates the wgkit SDK under sdks/).
package main

import (
	"example.com/pulumi-wgkit/sdk/go/wgkit"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/config"
)

func main() {
	pulumi.Run(func(ctx *pulumi.Context) error {
		cfg := config.New(ctx, "")
		serverURL := cfg.Get("serverUrl")
		if serverURL == "" {
			serverURL = "wireguard.example.com"
		}
		serverPort := cfg.GetInt("serverPort")
		if serverPort == 0 {
			serverPort = 51820
		}
		subnet := cfg.Get("subnet")
		if subnet == "" {
			subnet = "10.13.13.0/24"
		}
		userspace := cfg.GetBool("userspace") // host kernel without WireGuard
		server, err := wgkit.NewWireGuardServer(ctx, "wireguard", &wgkit.WireGuardServerArgs{
			ServerUrl:  pulumi.String(serverURL),
			ServerPort: pulumi.Float64(float64(serverPort)),
			Subnet:     pulumi.String(subnet),
			Userspace:  &userspace,
			Peers: map[string]wgkit.ServerPeerArgsArgs{
				"laptop": {},
				"phone":  {PersistentKeepalive: pulumi.Float64(25)},
			},
		})
		if err != nil {
			return err
		}
		ctx.Export("serverPublicKey", server.PublicKey)
		ctx.Export("endpoint", server.Endpoint)
		// Per peer: address, address6, publicKey, config (secret), qrCode (secret), nixos.
		ctx.Export("peers", server.Peers)
		return nil
	})
}
