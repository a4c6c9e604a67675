import { check } from "./WgKitError";

/**
 * A host port a container publishes. `engine` identifies the Docker engine (a DOCKER_HOST string,
 * a provider object, or any other identity compared with `===`): ports on different engines never
 * collide. `ip` is the host address bound; undefined, `0.0.0.0` and `::` bind every address.
 */
export interface PortBind {
  /** Who publishes it, e.g. `WireGuardServer "home"`. */
  owner: string;
  /** The field that sets it, e.g. `serverPort` or `publishPorts[1].external`. */
  field: string;
  engine: unknown;
  ip?: string;
  port: number;
  protocol: string;
}

const WILDCARD = new Set([undefined, "", "0.0.0.0", "::"]);

/** True when Docker could not bind both: one engine, one protocol, one port, and overlapping host addresses. */
export function portsCollide(a: PortBind, b: PortBind): boolean {
  return a.engine === b.engine && a.protocol === b.protocol && a.port === b.port && (WILDCARD.has(a.ip) || WILDCARD.has(b.ip) || a.ip === b.ip);
}

/**
 * Refuses `binds` (one component's published ports) when two of them, or one of them and one of
 * `earlier` (ports published by other components on the same engines), collide. The error names
 * the field of `binds` and the other publisher and its field.
 */
export function checkPortCollisions(binds: readonly PortBind[], earlier: Iterable<PortBind> = []): void {
  // Bucketed by port and protocol: a program with many components stays linear.
  const seen = new Map<string, PortBind[]>();
  const add = (b: PortBind) => {
    const k = `${b.port}/${b.protocol}`;
    seen.set(k, [...(seen.get(k) ?? []), b]);
  };
  for (const b of earlier) add(b);
  for (const b of binds) {
    const other = (seen.get(`${b.port}/${b.protocol}`) ?? []).find((o) => portsCollide(o, b));
    check(other === undefined, b.field, "port-collision",
      `${b.port}/${b.protocol} is already published on this Docker engine by ${other?.owner === b.owner ? "this component" : other?.owner} (${other?.field}); give it another port`);
    add(b);
  }
}
