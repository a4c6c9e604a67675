"""The default stack (index.ts at the repository root) in Python: one WireGuard server on the
local Docker engine, peers "laptop" and "phone" (keepalive 25), settings from config.
Steps: README.md (pulumi package add ../../plugin generates the pulumi_wgkit SDK under sdks/).
"""
import pulumi
import pulumi_wgkit as wgkit

config = pulumi.Config()
server = wgkit.WireGuardServer(
    "wireguard",
    server_url=config.get("serverUrl") or "wireguard.example.com",
    server_port=config.get_int("serverPort") or 51820,
    subnet=config.get("subnet") or "10.13.13.0/24",
    subnet6=config.get("subnet6"),
    userspace=config.get_bool("userspace") or False,
    peers={
        "laptop": {},
        "phone": {"persistent_keepalive": 25},
    },
)

pulumi.export("serverPublicKey", server.public_key)
pulumi.export("endpoint", server.endpoint)
# Per peer: address, address6, public_key, config (secret), qr_code (secret), nixos.
pulumi.export("peers", server.peers)
