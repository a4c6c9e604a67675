/**
 * Checks a program's use of a component package against the package's schema: every type token,
 * every input property (recursively, through object types, maps, arrays and enums) and every
 * output property read. Used on the Pulumi YAML and Python examples (the fast check; test/e2e/languages.test.ts runs them for real).
 * Strict by design: a shape the readers do not know fails the check instead of being skipped.
 */
import { strict as assert } from "assert";
import * as YAML from "yaml";
import { PackageSchema, PropertySchema } from "./plugin";

/** A value taken from config or another output: its type is not known from the program text. */
export const OPAQUE = Symbol("opaque");
type Value = string | number | boolean | null | typeof OPAQUE | Value[] | { [k: string]: Value };

/** One component declared by a program: its token, its inputs (keys as in the schema) and the outputs it reads. */
export interface Usage {
  name: string;
  type: string;
  inputs: Record<string, Value>;
  /** Output property paths read, e.g. ["peers"] or ["publicKey"]. */
  reads: string[][];
}

const typeOf = (s: PackageSchema, ref: string) => {
  assert.match(ref, /^#\/types\//, `unexpected $ref ${ref}`);
  const t = s.types[ref.slice("#/types/".length)];
  assert.ok(t, `schema has no type ${ref}`);
  return t;
};

function checkValue(s: PackageSchema, v: Value, p: PropertySchema, at: string, key: (k: string) => string): void {
  if (v === OPAQUE || v === null) return;
  if (p.$ref) {
    const t = typeOf(s, p.$ref);
    if (t.enum) {
      assert.ok(t.enum.some((m) => m.value === v), `${at}: ${JSON.stringify(v)} is not one of ${t.enum.map((m) => m.value).join(", ")}`);
      return;
    }
    assert.ok(typeof v === "object" && !Array.isArray(v), `${at}: expected an object`);
    checkObject(s, v as Record<string, Value>, t.properties ?? {}, t.required ?? [], at, key);
    return;
  }
  switch (p.type) {
    case "string": assert.equal(typeof v, "string", at); return;
    case "number": assert.ok(typeof v === "number" && Number.isFinite(v), at); return;
    case "boolean": assert.equal(typeof v, "boolean", at); return;
    case "array":
      assert.ok(Array.isArray(v), `${at}: expected a list`);
      (v as Value[]).forEach((x, i) => checkValue(s, x, p.items!, `${at}[${i}]`, key));
      return;
    case "object":
      assert.ok(typeof v === "object" && !Array.isArray(v), `${at}: expected a map`);
      for (const [k, x] of Object.entries(v as Record<string, Value>)) checkValue(s, x, p.additionalProperties!, `${at}.${k}`, key);
      return;
    default: assert.fail(`${at}: schema type ${JSON.stringify(p)} not handled`);
  }
}

function checkObject(s: PackageSchema, v: Record<string, Value>, props: Record<string, PropertySchema>, required: string[], at: string, key: (k: string) => string): void {
  const given: Record<string, Value> = Object.fromEntries(Object.entries(v).map(([k, x]) => [key(k), x]));
  for (const [k, x] of Object.entries(given)) {
    assert.ok(props[k], `${at}: the schema has no property ${k} (has ${Object.keys(props).join(", ")})`);
    checkValue(s, x, props[k], `${at}.${k}`, key);
  }
  for (const r of required) assert.ok(r in given, `${at}: required property ${r} missing`);
}

/** Checks every usage against the schema; `key` maps the program's spelling to the schema's. Returns how many properties were checked. */
export function checkUsage(s: PackageSchema, uses: Usage[], key: (k: string) => string = (k) => k): number {
  let checked = 0;
  for (const u of uses) {
    const r = s.resources[u.type];
    assert.ok(r, `${u.name}: the schema has no resource ${u.type}`);
    checkObject(s, u.inputs, r.inputProperties ?? {}, r.requiredInputs ?? [], `${u.name} (${u.type})`, key);
    checked += Object.keys(u.inputs).length;
    for (const path of u.reads) {
      let props = r.properties ?? {};
      for (let i = 0; i < path.length; i++) {
        const p: PropertySchema | undefined = props[key(path[i])];
        assert.ok(p, `${u.name}: output ${path.slice(0, i + 1).join(".")} not in the schema`);
        // a map: the next segment is a key (any name), then come properties of the map's value type
        if (p.additionalProperties && i + 1 < path.length) i++;
        if (i === path.length - 1) break;
        const inner = p.additionalProperties?.$ref ?? p.$ref;
        assert.ok(inner, `${u.name}: cannot read below ${path.slice(0, i + 1).join(".")}`);
        props = typeOf(s, inner).properties ?? {};
      }
      checked++;
    }
  }
  return checked;
}

/** `serverUrl` from `server_url`, as Pulumi's Python SDKs spell properties. */
export const fromSnake = (k: string) => k.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());

/** Pulumi YAML: `resources` with `type` and `properties`; `${res.a.b}` reads in outputs and properties. */
export function yamlUsage(text: string): Usage[] {
  const doc = YAML.parse(text) as { resources: Record<string, { type: string; properties?: Record<string, unknown> }>; outputs?: Record<string, unknown>; config?: Record<string, unknown> };
  const config = new Set(Object.keys(doc.config ?? {}));
  const uses: Usage[] = Object.entries(doc.resources).map(([name, r]) => ({ name, type: r.type, inputs: {}, reads: [] }));
  const byName = new Map(uses.map((u) => [u.name, u]));
  const conv = (x: unknown): Value => {
    if (typeof x === "string") {
      const m = /^\$\{([A-Za-z0-9_.]+)\}$/.exec(x);
      if (m) {
        const [head, ...rest] = m[1].split(".");
        if (byName.has(head)) byName.get(head)!.reads.push(rest);
        else assert.ok(config.has(head) && rest.length === 0, `\${${m[1]}} is neither config nor a resource`);
        return OPAQUE;
      }
      assert.doesNotMatch(x, /\$\{/, `interpolation inside a string not handled: ${x}`);
      return x;
    }
    if (Array.isArray(x)) return x.map(conv);
    if (x !== null && typeof x === "object") return Object.fromEntries(Object.entries(x).map(([k, y]) => [k, conv(y)]));
    return x as Value;
  };
  for (const [name, r] of Object.entries(doc.resources)) byName.get(name)!.inputs = conv(r.properties ?? {}) as Record<string, Value>;
  conv(doc.outputs ?? {});
  return uses;
}

/**
 * Python, in the one shape the example has: `x = wgkit.Comp("name", key=value, …)` with values
 * that are literals (str, int, True/False/None, dicts, lists) or config expressions
 * (`config.get…(…) or <literal>`), and `x.attr` reads. Anything else fails.
 */
export function pythonUsage(text: string): Usage[] {
  const uses: Usage[] = [];
  const vars = new Map<string, Usage>();
  let i = 0;
  const src = text;
  const ws = () => { while (i < src.length && /[\s]/.test(src[i])) i++; };
  const expect = (t: string) => { ws(); assert.equal(src.slice(i, i + t.length), t, `expected ${t} at ${src.slice(i, i + 30)}`); i += t.length; };
  const str = (): string => {
    ws();
    const m = /^"((?:[^"\\\n]|\\.)*)"/.exec(src.slice(i));
    assert.ok(m, `expected a string at ${src.slice(i, i + 30)}`);
    i += m[0].length;
    return JSON.parse(`"${m[1]}"`);
  };
  const value = (): Value => {
    ws();
    const rest = src.slice(i);
    if (rest.startsWith("{")) {
      i++;
      const o: Record<string, Value> = {};
      for (ws(); src[i] !== "}"; ws()) {
        const k = str();
        expect(":");
        o[k] = value();
        ws();
        if (src[i] === ",") i++;
        ws();
      }
      i++;
      return o;
    }
    if (rest.startsWith("[")) {
      i++;
      const a: Value[] = [];
      for (ws(); src[i] !== "]"; ws()) {
        a.push(value());
        ws();
        if (src[i] === ",") i++;
        ws();
      }
      i++;
      return a;
    }
    if (rest.startsWith('"')) return str();
    let m = /^-?\d+(?![\w.])/.exec(rest);
    if (m) { i += m[0].length; return Number(m[0]); }
    m = /^(True|False|None)\b/.exec(rest);
    if (m) { i += m[0].length; return m[0] === "None" ? null : m[0] === "True"; }
    m = /^config\.(get|get_int|get_bool|get_float|require|require_int|require_bool|get_secret|require_secret)\("[A-Za-z0-9]+"\)/.exec(rest);
    if (m) {
      i += m[0].length;
      const orM = /^\s+or\s+/.exec(src.slice(i));
      if (orM) { i += orM[0].length; value(); }
      return OPAQUE;
    }
    assert.fail(`value not in the example's shape: ${rest.slice(0, 40)}`);
  };
  const callRe = /^(\w+) = wgkit\.(\w+)\(/gm;
  for (let m = callRe.exec(src); m; m = callRe.exec(src)) {
    i = m.index + m[0].length;
    const u: Usage = { name: str(), type: `wgkit:index:${m[2]}`, inputs: {}, reads: [] };
    expect(",");
    for (ws(); src[i] !== ")"; ws()) {
      const k = /^(\w+)=/.exec(src.slice(i));
      assert.ok(k, `expected key=value at ${src.slice(i, i + 30)}`);
      i += k[0].length;
      u.inputs[k[1]] = value();
      ws();
      if (src[i] === ",") i++;
    }
    uses.push(u);
    vars.set(m[1], u);
  }
  // Every other mention of wgkit is the import.
  const mentions = src.match(/\bwgkit\.\w+/g) ?? [];
  assert.equal(mentions.length, uses.length, "a wgkit use outside `x = wgkit.Comp(…)`");
  for (const [v, u] of vars) {
    for (const r of src.matchAll(new RegExp(`\\b${v}\\.(\\w+)`, "g"))) u.reads.push([r[1]]);
  }
  return uses;
}
