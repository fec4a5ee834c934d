/**
 * Malformed requests for one route of the coordinator, generated from the route's entry in
 * `src/api/openapi/operations.ts` (its method, path, access, query and body schemas): wrong
 * types, out-of-range numbers, over-long and control-character strings, invalid UTF-8, unknown
 * fields, missing bodies, wrong content types, oversized and streamed bodies, hostile IDs and
 * identity headers. Each case says what the coordinator must answer (docs/api.md, "Bounds").
 *
 * A generated body or query counts as malformed only when the route's own wire schema refuses
 * it: the schema is the contract, so the expected `field` is the schema's first issue.
 */
import fc from "fast-check";
import type { z } from "zod";
import { bounds } from "../../src/api/bounds";
import type { Operation } from "../../src/api/openapi/operations";
import { fieldPath } from "../../src/worker/http/validation";

export interface Ids {
  lease: string;
  run: string;
  webhook: string;
}

export interface BadCase {
  label: string;
  method: string;
  path: string;
  headers: Record<string, string>;
  /** Text or bytes; `stream` is a chunked body of that many bytes with no Content-Length. */
  body?: string | Uint8Array | { stream: number };
  /** `4xx`: a stable error code, `field` when given; `not5xx`: the route may ignore the defect. */
  expect: "4xx" | "not5xx";
  field?: string;
  status?: number;
}

type Segment = string | number;
type Def = { type: string; [key: string]: unknown };

function defOf(schema: unknown): Def {
  return (schema as { _zod: { def: Def } })._zod.def;
}

/** The object or array inside optional/default/nullable/pipe wrappers, if there is one. */
function unwrap(schema: unknown): unknown {
  let current = schema;
  for (let depth = 0; depth < 8; depth++) {
    const def = defOf(current);
    if (def.type === "object" || def.type === "array") return current;
    if (def.innerType) current = def.innerType;
    else if (def.type === "pipe") current = defOf(def.in).type === "transform" ? def.out : def.in;
    else return current;
  }
  return current;
}

/** Paths to the fields of `schema`, two objects deep (array entries as index 0). */
export function fieldPaths(schema: z.ZodType, depth = 2): Segment[][] {
  const out: Segment[][] = [];
  const walk = (node: unknown, prefix: Segment[], left: number) => {
    const inner = unwrap(node);
    const def = defOf(inner);
    if (def.type === "array" && left > 0) return walk(def.element, [...prefix, 0], left);
    if (def.type !== "object") return;
    for (const [key, child] of Object.entries(def.shape as Record<string, unknown>)) {
      out.push([...prefix, key]);
      if (left > 0) walk(child, [...prefix, key], left - 1);
    }
  };
  walk(schema, [], depth);
  return out;
}

function setAt(target: Record<string, unknown>, path: Segment[], value: unknown): void {
  let node: Record<string | number, unknown> = target;
  path.forEach((segment, i) => {
    if (i === path.length - 1) {
      node[segment] = value;
      return;
    }
    const next = path[i + 1];
    const existing = node[segment];
    if (typeof existing !== "object" || existing === null) node[segment] = typeof next === "number" ? [] : {};
    node = node[segment] as Record<string | number, unknown>;
  });
}

const long = (n: number) => "a".repeat(n + 1);

/** Strings no field should take as they are. */
export const hostileStrings = [
  "",
  " ",
  "a\u0000b",
  "\u001b[31mred",
  "tab\there",
  "line\nbreak",
  "del\u007f",
  "c1\u0085",
  "\ud800",
  "../../etc/passwd",
  "%00",
  "<script>alert(1)</script>",
  "😀".repeat(bounds.identifier),
  long(bounds.slug),
  long(bounds.shortString),
  long(bounds.sshPublicKey),
  long(bounds.message),
  "0.5",
  "-1",
  "1e400",
  "abc",
  "NaN",
  "2999-01-01T00:00:00Z",
];

/** JSON values of the wrong type or out of range for most fields. */
const hostileJson: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom<unknown>(
    0.5,
    -1,
    -1e9,
    1e21,
    2 ** 53 + 2,
    0,
    true,
    false,
    null,
    {},
    [],
    [1, "x"],
    { nested: { deep: [] } },
    Array(bounds.listEntries + 1).fill("a"),
    Array(bounds.commandArgs + 1).fill("a"),
    Array(bounds.logChunks + 1).fill("a"),
  ),
  fc.constantFrom(...hostileStrings),
  fc.string({ maxLength: 40 }),
  fc.integer(),
  fc.double({ noNaN: true }),
);

const contentTypes = fc.constantFrom(
  "application/json",
  "text/plain",
  "application/x-www-form-urlencoded",
  "application/json; charset=iso-8859-1",
  "",
);

const unknownFields = fc.dictionary(
  fc.constantFrom("__proto__x", "constructor", "zzUnknown", "admin", "owner", "isAdmin"),
  fc.jsonValue({ maxDepth: 1 }),
  { maxKeys: 2 },
);

function firstIssueField(schema: z.ZodType, value: unknown): string | undefined {
  const result = schema.safeParse(value);
  if (result.success) return undefined;
  return fieldPath(result.error.issues[0]?.path ?? []) || "body";
}

/** A JSON body the route's schema refuses, with the field the answer must name. */
function mutatedBody(op: Operation, base: Omit<BadCase, "label" | "expect">): fc.Arbitrary<BadCase> {
  const schema = op.body as z.ZodType;
  const paths = fieldPaths(schema);
  const mutation = fc.tuple(fc.constantFrom(...(paths.length ? paths : [["x"]])), hostileJson);
  return fc
    .record({
      mutations: fc.array(mutation, { minLength: 1, maxLength: 3 }),
      extra: unknownFields,
      contentType: contentTypes,
    })
    .map(({ mutations, extra, contentType }) => {
      const body: Record<string, unknown> = { ...extra };
      for (const [path, value] of mutations) setAt(body, path, value);
      return { body, contentType };
    })
    .filter(({ body }) => firstIssueField(schema, body) !== undefined)
    .map(({ body, contentType }) => ({
      ...base,
      label: "malformed body",
      headers: { ...base.headers, ...(contentType ? { "content-type": contentType } : {}) },
      body: JSON.stringify(body),
      expect: "4xx" as const,
      field: firstIssueField(schema, body),
    }));
}

/** Bytes that are not a JSON object: invalid UTF-8, unparsable text, a JSON scalar or array. */
function rawBody(base: Omit<BadCase, "label" | "expect">): fc.Arbitrary<BadCase> {
  const bad = fc.oneof(
    fc
      .uint8Array({ minLength: 1, maxLength: 16 })
      .map((tail) => Uint8Array.from([0x7b, 0x22, 0xff, 0xfe, ...tail])),
    fc.constantFrom("{", '{"a":', "not json", "{'single':1}", "\u0000", "[", "{}}"),
    fc.constantFrom("[]", "42", '"text"', "true", "null", "[{}]"),
  );
  return bad.map((body) => ({
    ...base,
    label: "not a JSON object",
    body,
    expect: "4xx" as const,
    field: "body",
  }));
}

/** More than any route's cap (the run finish route's 24 MiB is the largest); read lazily. */
const overAnyCap = 2 ** 30;

function oversized(base: Omit<BadCase, "label" | "expect">): fc.Arbitrary<BadCase> {
  return fc.constantFrom("declared", "streamed").map((how) => ({
    ...base,
    label: `${how} body over the cap`,
    headers: how === "declared" ? { ...base.headers, "content-length": String(overAnyCap) } : base.headers,
    body: how === "declared" ? "{}" : { stream: overAnyCap },
    expect: "4xx" as const,
    status: 413,
  }));
}

/** Query strings the route's query schema refuses. */
function mutatedQuery(op: Operation, base: Omit<BadCase, "label" | "expect">): fc.Arbitrary<BadCase> {
  const schema = op.query as z.ZodObject;
  const keys = Object.keys(schema.shape);
  const value = fc.oneof(fc.constantFrom(...hostileStrings), fc.string({ maxLength: 20 }));
  return fc
    .record({
      pairs: fc.array(fc.tuple(fc.constantFrom(...keys), value), { minLength: 1, maxLength: 3 }),
      junk: fc.option(fc.constantFrom("zz=1", "limit", "=x", "%ff=1")),
    })
    .map(({ pairs, junk }) => {
      const params: Record<string, string> = {};
      for (const [key, v] of pairs) if (!Object.hasOwn(params, key)) params[key] = v;
      return { params, junk };
    })
    .filter(({ params }) => !schema.safeParse(params).success)
    .map(({ params, junk }) => {
      const query = new URLSearchParams(params).toString();
      return {
        ...base,
        label: "malformed query",
        path: `${base.path}?${query}${junk ? `&${junk}` : ""}`,
        expect: "4xx" as const,
        field: firstIssueField(schema, params),
      };
    });
}

export const hostileIds = [
  "..",
  "%2e%2e%2f",
  "%ff",
  "%00",
  "cbx_ZZZZZZZZZZZZ",
  "cbx_0123456789ab%00",
  "run_%0a",
  "wh_",
  encodeURIComponent("😀"),
  encodeURIComponent(long(bounds.shortString)),
  "a".repeat(5000),
  encodeURIComponent("<img src=x>"),
  encodeURIComponent("'; DROP TABLE events; --"),
];

/** The route with a hostile ID or slug in place of `:id` (and an empty body where one is needed). */
function hostileId(op: Operation, base: Omit<BadCase, "label" | "expect">): fc.Arbitrary<BadCase> {
  const id = fc.oneof(
    fc.constantFrom(...hostileIds),
    fc.string({ minLength: 1, maxLength: 30 }).map((s) => encodeURIComponent(s)),
  );
  return id.map((value) => ({
    ...base,
    label: "hostile id",
    path: op.path.replace(":id", value),
    ...(op.method === "get" ? {} : { body: "{}" }),
    // Portal pages answer a signed-out visitor with a redirect to the login page.
    expect: op.access === "portal" ? ("not5xx" as const) : ("4xx" as const),
  }));
}

/**
 * An identity header, a token or an idempotency key no coordinator may take as it is, sent
 * with `body` (by default `{}`, which most routes refuse too; the suite also sends each route's
 * valid body, so that the header alone is what is wrong).
 */
function hostileHeader(
  op: Operation,
  base: Omit<BadCase, "label" | "expect">,
  body = "{}",
): fc.Arbitrary<BadCase> {
  const control = fc
    .tuple(
      fc.constantFrom("\u0001", "\u0008", "\u001b", "\u007f", "\u0085", "\u009f", "\t"),
      fc.string({ maxLength: 8 }),
    )
    // Inside the value: HTTP trims whitespace (a tab) at either end before anyone reads it.
    .map(([c, s]) => `a${c}z${s.replace(/[^\x20-\x7e]/g, "")}`);
  const overLong = fc.integer({ min: bounds.identifier + 1, max: 4000 }).map((n) => "o".repeat(n));
  const identity = fc
    .tuple(fc.constantFrom("x-crabbox-owner", "x-crabbox-org"), fc.oneof(control, overLong))
    .map(([name, value]) => ({ label: "hostile identity header", name, value, field: name, status: 400 }));
  const token = fc
    .constantFrom("Bearer ", "Bearer x", "Basic YWRtaW46YWRtaW4=", "bearer\tx", `Bearer ${"t".repeat(5000)}`)
    .map((value) => ({ label: "bad token", name: "authorization", value, field: undefined, status: 401 }));
  const key = fc.constantFrom("a\u0001b", "k".repeat(256), "ключ").map((value) => ({
    label: "bad idempotency key",
    name: "idempotency-key",
    value,
    field: "Idempotency-Key",
    status: 400,
  }));
  const authenticated = op.access === "bearer" || op.access === "admin";
  const pick = authenticated ? fc.oneof(identity, token, ...(op.method === "get" ? [] : [key])) : identity;
  return pick.map(({ label, name, value, field, status }) => ({
    ...base,
    label,
    headers: { ...base.headers, [name]: value },
    ...(op.method === "get" || !op.body ? {} : { body }),
    expect: authenticated ? ("4xx" as const) : ("not5xx" as const),
    ...(authenticated && field ? { field } : {}),
    ...(authenticated ? { status } : {}),
  }));
}

export function concretePath(op: Operation, ids: Ids): string {
  const id = op.path.includes("/runs/") ? ids.run : op.path.includes("/webhooks/") ? ids.webhook : ids.lease;
  return op.path.replace(":id", id);
}

/** A request that is valid but for one hostile header: `body` is a body the route accepts. */
export function hostileHeaderCases(
  op: Operation,
  ids: Ids,
  identity: Record<string, string>,
  body: string,
): fc.Arbitrary<BadCase> {
  const headers = op.body ? { ...identity, "content-type": "application/json" } : identity;
  const base = { method: op.method.toUpperCase(), path: concretePath(op, ids), headers };
  return hostileHeader(op, base, body).map((c) => ({ ...c, label: `${c.label} with a valid body` }));
}

/** Every kind of malformed request that applies to `op`. */
export function badCases(op: Operation, ids: Ids, identity: Record<string, string>): fc.Arbitrary<BadCase> {
  const base = { method: op.method.toUpperCase(), path: concretePath(op, ids), headers: identity };
  const kinds: fc.Arbitrary<BadCase>[] = [hostileHeader(op, base)];
  if (op.path.includes(":id")) kinds.push(hostileId(op, base));
  if (op.query) kinds.push(mutatedQuery(op, base));
  if (op.body) {
    const withType = { ...base, headers: { ...identity, "content-type": "application/json" } };
    kinds.push(mutatedBody(op, withType), mutatedBody(op, withType), rawBody(withType));
    if (!op.bodyOptional)
      kinds.push(fc.constant({ ...withType, label: "missing body", expect: "4xx", field: "body" }));
  }
  if (op.method !== "get")
    kinds.push(oversized({ ...base, headers: { ...identity, "content-type": "application/json" } }));
  return fc.oneof(...kinds);
}
