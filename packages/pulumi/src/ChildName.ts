/**
 * ChildName: the name of a resource a component declares for one of its parts (a server's peer,
 * a link's site): `home/laptop/keys`.
 *
 * Invariant: component and part names cannot contain `/` (core `checkName`), so two different
 * (component, part) pairs never give one name — with `-` they did: `home`+`office-laptop` and
 * `home-office`+`laptop` were one URN. Failure mode: resources named before with `-` are found
 * again only through the alias `{ name: "<component>-<part>-<what>" }` each caller lists.
 */
export function childName(component: string, part: string, what: string): string {
  return `${component}/${part}/${what}`;
}
