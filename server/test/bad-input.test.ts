/**
 * The bad-input suite (foundation acceptance item 5): thousands of malformed requests, anonymous and signed in,
 * against every endpoint of the app's own OpenAPI document, so a new endpoint is fuzzed the day it is added.
 *
 * Every response must be < 500; every 4xx must be `application/problem+json` with a string `code`, `status`
 * equal to the HTTP status and no stack trace or source path; every 400 must name the offending field(s)
 * (`body`, `body.x`, `query.x`, `params.x`, `headers.x`). Where the case determines the outcome (malformed
 * JSON, wrong types, unknown fields, oversized bodies, wrong content types, bad credentials, unknown routes)
 * the exact status, `code` and field are asserted too.
 *
 * Cases are generated deterministically from a seeded PRNG (`FIDUS_FUZZ_SEED` overrides the seed); a failing
 * `it` lists each offending request with its response, so the failure can be replayed by hand.
 */
import { createHmac } from 'node:crypto';
import type { FastifyInstance, HTTPMethods, InjectOptions, LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importBodyLimitBytes } from '../src/domains/chat/index.ts';
import { bodyLimitBytes } from '../src/http/index.ts';
import { bearer, createTestApp, register, type Session } from './support/app.ts';

// ---------------------------------------------------------------------------------------------------------------
// Deterministic randomness
// ---------------------------------------------------------------------------------------------------------------

const seed = Number(process.env['FIDUS_FUZZ_SEED'] ?? 0x5eed_f1d5) >>> 0;

/** mulberry32: small, fast and good enough to pick fuzz values reproducibly. */
function prng(state: number): () => number {
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}
const random = prng(seed);
const randomInt = (below: number) => Math.floor(random() * below);
const pick = <T>(items: readonly T[]): T => items[randomInt(items.length)]!;

const randomHex = (length: number) => Array.from({ length }, () => randomInt(16).toString(16)).join('');
/** A well-formed v4 UUID that names nothing in the database. */
function randomUuid(): string {
  const hex = randomHex(32).split('');
  hex[12] = '4';
  hex[16] = pick(['8', '9', 'a', 'b']);
  const h = hex.join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}
const randomBase64url = (length: number) =>
  Array.from({ length }, () =>
    pick('ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'.split('')),
  ).join('');

/** Code points from the awkward corners of Unicode: controls, bidi marks, combining, surrogates, astral. */
const awkwardRanges: readonly [number, number][] = [
  [0x00, 0x1f],
  [0x7f, 0x9f],
  [0x300, 0x36f],
  [0x590, 0x6ff],
  [0x200b, 0x200f],
  [0x202a, 0x202e],
  [0x2066, 0x2069],
  [0xd800, 0xdfff],
  [0xfe00, 0xfe0f],
  [0xfff0, 0xffff],
  [0x1f300, 0x1faff],
  [0xe0000, 0xe007f],
];
function randomUnicode(length: number): string {
  let out = '';
  for (let i = 0; i < length; i++) {
    const [low, high] = pick(awkwardRanges);
    const code = low + randomInt(high - low + 1);
    // fromCharCode keeps lone surrogates lone; fromCodePoint handles the astral planes.
    out += code > 0xffff ? String.fromCodePoint(code) : String.fromCharCode(code);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// The API, as its OpenAPI document describes it
// ---------------------------------------------------------------------------------------------------------------

interface JsonSchema {
  type?: string | string[];
  enum?: unknown[];
  const?: unknown;
  format?: string;
  pattern?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  items?: JsonSchema;
  minItems?: number;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  allOf?: JsonSchema[];
  $ref?: string;
}
interface OpenApiParameter {
  in: string;
  name: string;
  required?: boolean;
  schema?: JsonSchema;
}
interface OpenApiOperation {
  parameters?: OpenApiParameter[];
  requestBody?: { content?: Record<string, { schema?: JsonSchema }> };
  security?: unknown[];
}
interface OpenApiDocument {
  paths?: Record<string, Record<string, OpenApiOperation>>;
  components?: { schemas?: Record<string, JsonSchema> };
}

interface Param {
  name: string;
  schema: JsonSchema;
}
interface Endpoint {
  label: string;
  method: HTTPMethods;
  /** OpenAPI form: `/api/v1/api-keys/{id}`. */
  path: string;
  /** Signed-in only (the operation declares a security requirement). */
  secured: boolean;
  params: Param[];
  query: Param[];
  body: { properties: Record<string, JsonSchema>; required: string[] } | undefined;
}

const httpMethods = ['get', 'post', 'put', 'patch', 'delete'] as const;

function endpointsOf(app: FastifyInstance): Endpoint[] {
  const doc = app.swagger() as unknown as OpenApiDocument;
  const resolve = (schema: JsonSchema | undefined): JsonSchema => {
    if (!schema?.$ref) return schema ?? {};
    const name = schema.$ref.split('/').pop()!;
    return resolve(doc.components?.schemas?.[name]);
  };
  const endpoints: Endpoint[] = [];
  for (const [path, operations] of Object.entries(doc.paths ?? {})) {
    if (!path.startsWith('/api/v1/')) continue;
    for (const method of httpMethods) {
      const operation = operations[method];
      if (!operation) continue;
      const parameters = (operation.parameters ?? []).map((p) => ({ ...p, schema: resolve(p.schema) }));
      const bodySchema = resolve(operation.requestBody?.content?.['application/json']?.schema);
      endpoints.push({
        label: `${method.toUpperCase()} ${path}`,
        method: method.toUpperCase() as HTTPMethods,
        path,
        secured: (operation.security ?? []).length > 0,
        params: parameters.filter((p) => p.in === 'path').map(({ name, schema }) => ({ name, schema })),
        query: parameters.filter((p) => p.in === 'query').map(({ name, schema }) => ({ name, schema })),
        body: operation.requestBody
          ? {
              properties: Object.fromEntries(
                Object.entries(bodySchema.properties ?? {}).map(([name, schema]) => [name, resolve(schema)]),
              ),
              required: bodySchema.required ?? [],
            }
          : undefined,
      });
    }
  }
  return endpoints;
}

/** The JSON types a schema admits (`integer` counts as `number` too). */
function typesOf(schema: JsonSchema): Set<string> {
  const types = new Set<string>();
  const visit = (s: JsonSchema) => {
    if (Array.isArray(s.type)) s.type.forEach((type) => types.add(type));
    else if (s.type) types.add(s.type);
    else if (s.enum) s.enum.forEach((value) => types.add(value === null ? 'null' : typeof value));
    for (const inner of [...(s.anyOf ?? []), ...(s.oneOf ?? []), ...(s.allOf ?? [])]) visit(inner);
  };
  visit(schema);
  if (types.has('number')) types.add('integer');
  return types;
}

/** A value the schema accepts, used as the well-formed background for one malformed field. */
function sampleValue(name: string, schema: JsonSchema): unknown {
  if (schema.const !== undefined) return schema.const;
  // The last enum value: for roles that is the least privileged one.
  if (schema.enum?.length) return schema.enum[schema.enum.length - 1];
  const types = typesOf(schema);
  if (types.has('string')) {
    if (schema.format === 'uuid' || /uuid/i.test(schema.pattern ?? '') || /id$/i.test(name))
      return randomUuid();
    if (/email/i.test(name)) return `fuzz-${randomHex(8)}@example.com`;
    const length = Math.min(Math.max(schema.minLength ?? 0, 16), schema.maxLength ?? 16);
    return `fuzz-${randomHex(length)}`.slice(0, Math.max(length, 1));
  }
  if (types.has('integer') || types.has('number')) return schema.minimum ?? 1;
  if (types.has('boolean')) return true;
  // Containers are as small as their schema allows, made of valid parts: the base body must pass validation.
  if (types.has('array')) {
    const items = schema.items ?? {};
    return Array.from({ length: schema.minItems ?? 0 }, () => sampleValue(name, items));
  }
  if (types.has('object')) {
    return Object.fromEntries(
      (schema.required ?? []).map((key) => [key, sampleValue(key, schema.properties?.[key] ?? {})]),
    );
  }
  return null;
}

function baseBody(endpoint: Endpoint): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  for (const name of endpoint.body?.required ?? []) {
    body[name] = sampleValue(name, endpoint.body?.properties[name] ?? {});
  }
  return body;
}

/** The body as JSON text with one field's value replaced by raw JSON text (which may be anything). */
function bodyWith(base: Record<string, unknown>, field: string, rawValue: string): string {
  const entries = Object.entries(base)
    .filter(([name]) => name !== field)
    .map(([name, value]) => `${JSON.stringify(name)}:${JSON.stringify(value)}`);
  entries.push(`${JSON.stringify(field)}:${rawValue}`);
  return `{${entries.join(',')}}`;
}

function patternOf(schema: JsonSchema): RegExp | undefined {
  if (!schema.pattern) return undefined;
  try {
    return new RegExp(schema.pattern, 'u');
  } catch {
    return new RegExp(schema.pattern);
  }
}

/** True when a string certainly fails the schema (whatever trimming or coercion the server applies first). */
function stringViolates(schema: JsonSchema, value: string): boolean {
  const types = typesOf(schema);
  if (types.size > 0 && !types.has('string')) return true;
  if (schema.enum && !schema.enum.includes(value)) return true;
  const pattern = patternOf(schema);
  if (pattern && !pattern.test(value)) return true;
  if (schema.maxLength !== undefined && value.trim().length > schema.maxLength) return true;
  if (schema.minLength !== undefined && value.length < schema.minLength) return true;
  return false;
}

/** True when query values certainly fail a numeric or patterned schema; numbers are read the lenient way. */
function queryViolates(schema: JsonSchema, values: string[]): boolean {
  const types = typesOf(schema);
  if (types.has('integer') || types.has('number')) {
    if (values.length !== 1) return true;
    const n = Number(values[0]);
    if (!Number.isFinite(n)) return true;
    if (!types.has('number') && !Number.isInteger(n)) return true;
    if (schema.minimum !== undefined && n < schema.minimum) return true;
    if (schema.maximum !== undefined && n > schema.maximum) return true;
    return false;
  }
  return (
    values.length === 1 && types.has('string') && !types.has('array') && stringViolates(schema, values[0]!)
  );
}

/** Percent-encodes every byte outside the unreserved set (lone surrogates become U+FFFD, as on the wire). */
const encode = (value: string, keep = /[A-Za-z0-9_~-]/) =>
  [...Buffer.from(value, 'utf8')]
    .map((byte) => {
      const char = String.fromCharCode(byte);
      return byte < 0x80 && keep.test(char) ? char : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
    })
    .join('');

const isJson = (text: string) => {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
};

// ---------------------------------------------------------------------------------------------------------------
// Malformed values
// ---------------------------------------------------------------------------------------------------------------

const sqlStrings = [
  "' OR 1=1 --",
  "' OR '1'='1",
  "'; drop table users; --",
  '"; drop table users; --',
  '1; select pg_sleep(5); --',
  "' union select null, version() --",
  "admin'--",
  "%' or 1=1 or '%'='",
  '$$; select 1; $$',
  "\\'; drop table tenants; --",
  "' || (select password_hash from users limit 1) || '",
];
const scriptStrings = [
  '<script>alert(1)</script>',
  '"><img src=x onerror=alert(1)>',
  'javascript:alert(1)',
  '<svg/onload=alert(1)>',
  '{{constructor.constructor("alert(1)")()}}',
  '${7*7}',
];
const unicodeStrings = [
  '\u202Eevil\u202C.exe',
  '\u200F\u200E',
  '\u200B\u200C\u200D\uFEFF',
  'a\u0000b',
  '\u0000',
  '👩‍👩‍👧‍👦🔥💩',
  'Z̷̧͓a̶l̸g̵o',
  '\uD800',
  '\uDFFF',
  'a\uD83D',
  '\uDBFF\uDFFF',
  '\uFFFE\uFFFF',
  '\u001b[31mred\u001b[0m',
  'line\r\nInjected: header',
  'Ａｄｍｉｎ',
  '\t\n\v\f\r ',
  '',
  ' ',
  '𝕒'.repeat(5_000),
  'A'.repeat(100_000),
];
const stringJunk = [
  ...sqlStrings,
  ...scriptStrings,
  ...unicodeStrings,
  randomUnicode(16),
  randomUnicode(300),
];

/** Raw bytes that are not UTF-8 (a CESU-encoded surrogate, an overlong '/', stray bytes, a cut sequence). */
const rawByteJunk: readonly [string, Buffer][] = [
  ['CESU-8 surrogate bytes', Buffer.from([0xed, 0xa0, 0x80])],
  ['overlong slash', Buffer.from([0xc0, 0xaf])],
  ['bytes FF FE', Buffer.from([0xff, 0xfe])],
  ['beyond U+10FFFF', Buffer.from([0xf4, 0x90, 0x80, 0x80])],
  ['truncated sequence', Buffer.from([0xe2, 0x80])],
];

const deep = (depth: number) => '['.repeat(depth) + ']'.repeat(depth);

/** Not JSON at all: each must be answered 400 `invalid_json`. */
const invalidJsonBodies: readonly (string | Buffer)[] = [
  '{',
  '}',
  '{"a":}',
  '{"a":1,}',
  '[1,2,]',
  '{"a":NaN}',
  '{"a":Infinity}',
  '{"a":-Infinity}',
  "{'a':1}",
  '{a:1}',
  'hello',
  '{"a":"unterminated}',
  '{"a":1}}',
  '{"a":1} trailing',
  '{"a":undefined}',
  '{"a":01}',
  '{"a":.5}',
  '{"a":"\\x41"}',
  '{"a":"\\u12"}',
  '{"a":"tab\there"}',
  '{"a":1 /* comment */}',
  '\u0000',
  '   ',
  '',
  '['.repeat(10_000),
  Buffer.from([0xff, 0xfe, 0xfd]),
  Buffer.from([0xed, 0xa0, 0x80]),
];
/** JSON, but not an object: each must be answered 400 naming `body`. */
const wrongTopLevelBodies = ['"a bare string"', '42', 'true', 'null', '[]', '[{}]', deep(10_000)];
/** Raw JSON values by JSON type, to put where the schema expects something else. */
const valuesByType: Record<string, string[]> = {
  integer: ['42', '-1'],
  number: ['-1.5', '1e999'],
  boolean: ['true', 'false'],
  null: ['null'],
  array: ['[]', '["x"]', deep(10_000)],
  object: ['{}', '{"x":"y"}'],
  string: ['"42"'],
};
const unknownFieldNames = [
  'evilField',
  'EMAIL',
  'isAdmin',
  'role_',
  'constructor',
  '<script>',
  "' OR 1=1 --",
];

// ---------------------------------------------------------------------------------------------------------------
// Sending and checking
// ---------------------------------------------------------------------------------------------------------------

interface Expectation {
  status?: number | readonly number[];
  code?: string | readonly string[];
  /** Fields the 400 must name (each one must appear among `errors[].field`). */
  fields?: readonly string[];
  /** A status the response must not have (e.g. 413 for a body exactly at the limit). */
  notStatus?: number;
}
interface Case {
  label: string;
  method: HTTPMethods;
  url: string;
  headers?: Record<string, string>;
  payload?: string | Buffer;
  expect?: Expectation;
}
interface Caller {
  name: string;
  headers: Record<string, string>;
  anonymous: boolean;
}

let requestsSent = 0;
const statusCounts = new Map<number, number>();

// `query.` (an empty parameter name, as in `?=1`) still names the location.
// `path`: a URL that cannot be decoded names the path itself.
const fieldPattern = /^(body|query|params|headers|path)(\..*)?$/s;
const leakPattern =
  /\/server\/src\/|node_modules|file:\/\/|\bat \S+ \(|\.ts:\d+:\d+|Failed query|DrizzleQueryError/;

const preview = (value: string | Buffer | undefined, max = 160): string => {
  if (value === undefined) return '(none)';
  if (Buffer.isBuffer(value)) return `<${value.length} bytes: ${value.subarray(0, 48).toString('hex')}>`;
  const shown = JSON.stringify(value.slice(0, max));
  return value.length > max ? `${shown}… (${value.length} chars)` : shown;
};

function describeExchange(c: Case, response: LightMyRequestResponse | undefined, problems: string[]): string {
  const headers = Object.entries(c.headers ?? {})
    .map(([name, value]) => `${name}: ${preview(value, 80)}`)
    .join(', ');
  const lines = [
    `[${c.label}] ${c.method} ${preview(c.url, 200)}`,
    `  headers: {${headers}}`,
    `  payload: ${preview(c.payload)}`,
  ];
  if (response) {
    lines.push(
      `  → ${response.statusCode} ${response.headers['content-type'] ?? '(no content-type)'}: ${preview(response.body, 400)}`,
    );
  }
  lines.push(`  ✗ ${problems.join('\n  ✗ ')}`);
  return lines.join('\n');
}

function hasKeyDeep(value: unknown, key: string): boolean {
  if (Array.isArray(value)) return value.some((item) => hasKeyDeep(item, key));
  if (value && typeof value === 'object') {
    return Object.entries(value).some(([name, inner]) => name === key || hasKeyDeep(inner, key));
  }
  return false;
}

/** The invariants every response must meet, plus what this case expects. Returns what is wrong. */
function problemsOf(c: Case, response: LightMyRequestResponse): string[] {
  const problems: string[] = [];
  const status = response.statusCode;
  const contentType = String(response.headers['content-type'] ?? '');
  const expected = c.expect ?? {};

  if (status >= 500) problems.push(`status ${status} is a server error`);
  if (/text\/html/i.test(contentType)) problems.push(`content-type ${contentType} could render script`);
  if (leakPattern.test(response.body)) problems.push('the body leaks a stack trace, source path or query');

  if (expected.status !== undefined) {
    const allowed = ([] as number[]).concat(expected.status);
    if (!allowed.includes(status)) problems.push(`expected status ${allowed.join(' or ')}, got ${status}`);
  }
  if (expected.notStatus !== undefined && status === expected.notStatus) {
    problems.push(`status must not be ${expected.notStatus}`);
  }

  if (status >= 200 && status < 300 && status !== 204 && response.body.length > 0) {
    if (!contentType.startsWith('application/json')) problems.push(`a ${status} must be application/json`);
  }

  if (status >= 400) {
    if (!contentType.startsWith('application/problem+json')) {
      problems.push(`a ${status} must be application/problem+json, got ${contentType || 'none'}`);
    }
    if (status === 429 && !/^\d+$/.test(String(response.headers['retry-after'] ?? ''))) {
      problems.push('a 429 must carry a numeric Retry-After header');
    }
    if (status === 401 && !/^Bearer/.test(String(response.headers['www-authenticate'] ?? ''))) {
      problems.push('a 401 must carry WWW-Authenticate: Bearer');
    }
    if (c.method === 'HEAD') return problems;
    let problem: Record<string, unknown>;
    try {
      problem = JSON.parse(response.body) as Record<string, unknown>;
    } catch {
      problems.push('the body is not JSON');
      return problems;
    }
    if (typeof problem['code'] !== 'string' || problem['code'] === '')
      problems.push('`code` must be a string');
    if (problem['status'] !== status)
      problems.push(`\`status\` is ${String(problem['status'])}, not ${status}`);
    if (hasKeyDeep(problem, 'stack')) problems.push('the body has a `stack`');
    if (expected.code !== undefined) {
      const codes = ([] as string[]).concat(expected.code);
      if (!codes.includes(String(problem['code']))) {
        problems.push(`expected code ${codes.join(' or ')}, got ${String(problem['code'])}`);
      }
    }
    const errors = problem['errors'];
    const fields = Array.isArray(errors)
      ? errors.map((error) => (error as { field?: unknown } | null)?.field)
      : undefined;
    if (status === 400) {
      if (!fields || fields.length === 0) {
        problems.push('a 400 must have a non-empty `errors` array naming the offending fields');
      } else {
        for (const field of fields) {
          if (typeof field !== 'string' || !fieldPattern.test(field)) {
            problems.push(
              `errors[].field ${JSON.stringify(field)} does not name body/query/params/headers/path`,
            );
          }
        }
      }
    }
    for (const field of expected.fields ?? []) {
      if (!fields?.includes(field)) {
        problems.push(`errors must name ${JSON.stringify(field)}, got ${JSON.stringify(fields ?? [])}`);
      }
    }
  }
  return problems;
}

/** Sends every case (a few at a time: argon2 runs on the thread pool) and fails listing each offending one. */
async function run(app: FastifyInstance, cases: Case[], concurrency = 4): Promise<void> {
  const failures: { index: number; text: string }[] = [];
  let next = 0;
  const worker = async () => {
    while (next < cases.length) {
      const index = next++;
      const c = cases[index]!;
      const options: InjectOptions = { method: c.method, url: c.url, headers: c.headers ?? {} };
      if (c.payload !== undefined) options.payload = c.payload;
      requestsSent++;
      let response: LightMyRequestResponse;
      try {
        response = await app.inject(options);
      } catch (error) {
        failures.push({ index, text: describeExchange(c, undefined, [`inject threw: ${String(error)}`]) });
        continue;
      }
      statusCounts.set(response.statusCode, (statusCounts.get(response.statusCode) ?? 0) + 1);
      const problems = problemsOf(c, response);
      if (problems.length > 0) failures.push({ index, text: describeExchange(c, response, problems) });
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, cases.length) }, worker));
  failures.sort((a, b) => a.index - b.index);
  const shown = failures.slice(0, 30).map((failure) => failure.text);
  if (failures.length > shown.length) shown.push(`… and ${failures.length - shown.length} more`);
  expect(
    failures.length,
    `${failures.length} of ${cases.length} malformed requests were mishandled (seed ${seed}):\n\n${shown.join('\n\n')}\n`,
  ).toBe(0);
}

// ---------------------------------------------------------------------------------------------------------------
// The suite
// ---------------------------------------------------------------------------------------------------------------

// The app is built while the file is collected so that its OpenAPI document can name one test per endpoint.
const testApp = await createTestApp();
const app = testApp.app;
const endpoints = endpointsOf(app);
const withBody = endpoints.filter((endpoint) => endpoint.body);
const withParams = endpoints.filter((endpoint) => endpoint.params.length > 0);
const secured = endpoints.filter((endpoint) => endpoint.secured);
const parsesBody = (endpoint: Endpoint) => endpoint.method !== 'GET' && endpoint.method !== 'HEAD';

const anonymous: Caller = { name: 'anonymous', headers: {}, anonymous: true };
const ownerToken: Caller = { name: 'owner token', headers: {}, anonymous: false };
const ownerKey: Caller = { name: 'owner API key', headers: {}, anonymous: false };
const callers = [anonymous, ownerToken, ownerKey];
let owner: Session;
let revokedKey: string;

/** Secured endpoints turn anonymous callers away before reading anything else. */
const expectFor = (endpoint: Endpoint, caller: Caller, expectation: Expectation): Expectation =>
  endpoint.secured && caller.anonymous ? { status: 401, code: 'unauthorized' } : expectation;

/** The endpoint's URL with path parameters filled in (valid-looking values unless given). */
function urlOf(endpoint: Endpoint, params: Record<string, string> = {}, query = ''): string {
  let url = endpoint.path;
  for (const param of endpoint.params) {
    const value = params[param.name] ?? encode(String(sampleValue(param.name, param.schema)));
    url = url.replace(`{${param.name}}`, value);
  }
  return query ? `${url}?${query}` : url;
}

const json = (caller: Caller, extra: Record<string, string> = {}) => ({
  ...caller.headers,
  'content-type': 'application/json',
  ...extra,
});

function signJwt(header: object, payload: object, key: string | undefined): string {
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const unsigned = `${part(header)}.${part(payload)}`;
  return key === undefined
    ? `${unsigned}.`
    : `${unsigned}.${createHmac('sha256', key).update(unsigned).digest('base64url')}`;
}

beforeAll(async () => {
  // argon2 makes registration slow: one user, whose access token and API key take turns as the signed-in caller.
  owner = await register(app);
  ownerToken.headers = bearer(owner.accessToken);
  const created = await app.inject({
    method: 'POST',
    url: '/api/v1/api-keys',
    headers: ownerToken.headers,
    payload: { name: 'bad-input suite' },
  });
  expect(created.statusCode, created.body).toBe(201);
  ownerKey.headers = bearer(created.json<{ key: string }>().key);
  const doomed = await app.inject({
    method: 'POST',
    url: '/api/v1/api-keys',
    headers: ownerToken.headers,
    payload: { name: 'revoked' },
  });
  revokedKey = doomed.json<{ key: string }>().key;
  const revoked = await app.inject({
    method: 'DELETE',
    url: `/api/v1/api-keys/${doomed.json<{ id: string }>().id}`,
    headers: ownerToken.headers,
  });
  expect(revoked.statusCode).toBe(204);
});

afterAll(async () => {
  await testApp.close();
});

describe('bad input', () => {
  it('finds every /api/v1 endpoint in the OpenAPI document', () => {
    const labels = endpoints.map((endpoint) => endpoint.label);
    expect(labels).toEqual(
      expect.arrayContaining([
        'POST /api/v1/auth/register',
        'POST /api/v1/auth/login',
        'GET /api/v1/me',
        'DELETE /api/v1/api-keys/{id}',
        'PATCH /api/v1/members/{id}',
        'GET /api/v1/audit',
      ]),
    );
    expect(withBody.length).toBeGreaterThan(0);
    expect(withParams.length).toBeGreaterThan(0);
    expect(
      endpoints.find((endpoint) => endpoint.label === 'GET /api/v1/audit')?.query.length,
    ).toBeGreaterThan(0);
    expect(endpoints.find((endpoint) => endpoint.label === 'POST /api/v1/auth/login')?.secured).toBe(false);
    expect(endpoints.find((endpoint) => endpoint.label === 'GET /api/v1/me')?.secured).toBe(true);
  });

  describe('malformed JSON', () => {
    it.each(endpoints)('$label', async (endpoint) => {
      const cases: Case[] = [];
      for (const caller of callers) {
        for (const payload of invalidJsonBodies) {
          const expectation: Expectation =
            endpoint.body || parsesBody(endpoint)
              ? { status: 400, code: 'invalid_json', fields: ['body'] }
              : {};
          cases.push({
            label: `invalid JSON as ${caller.name}`,
            method: endpoint.method,
            url: urlOf(endpoint),
            headers: json(caller),
            payload,
            expect: expectFor(endpoint, caller, expectation),
          });
        }
        for (const payload of ['{"__proto__":{"isAdmin":true}}', '{"a":{"__proto__":{"x":1}}}']) {
          cases.push({
            label: `prototype pollution as ${caller.name}`,
            method: endpoint.method,
            url: urlOf(endpoint),
            headers: json(caller),
            payload,
            expect: expectFor(endpoint, caller, endpoint.body ? { status: 400 } : {}),
          });
        }
      }
      await run(app, cases);
    });
  });

  describe('wrong types, missing and unknown fields', () => {
    it.each(withBody)('$label', async (endpoint) => {
      const base = baseBody(endpoint);
      const cases: Case[] = [];
      for (const caller of callers) {
        const send = (label: string, payload: string, expectation: Expectation) =>
          cases.push({
            label: `${label} as ${caller.name}`,
            method: endpoint.method,
            url: urlOf(endpoint),
            headers: json(caller),
            payload,
            expect: expectFor(endpoint, caller, expectation),
          });
        for (const payload of wrongTopLevelBodies) {
          send('a JSON body that is not an object', payload, {
            status: 400,
            code: 'validation_failed',
            fields: ['body'],
          });
        }
        for (const [field, schema] of Object.entries(endpoint.body!.properties)) {
          const admitted = typesOf(schema);
          if (admitted.size === 0) continue;
          for (const [type, values] of Object.entries(valuesByType)) {
            if (admitted.has(type)) continue;
            for (const value of values) {
              send(`${type} for ${field}`, bodyWith(base, field, value), {
                status: 400,
                code: 'validation_failed',
                fields: [`body.${field}`],
              });
            }
          }
        }
        for (const name of unknownFieldNames) {
          if (name in endpoint.body!.properties) continue;
          send(`unknown field ${name}`, bodyWith(base, name, '"x"'), {
            status: 400,
            code: 'validation_failed',
            fields: [`body.${name}`],
          });
        }
        for (const field of endpoint.body!.required) {
          const { [field]: _omitted, ...rest } = base;
          send(`missing ${field}`, JSON.stringify(rest), {
            status: 400,
            code: 'validation_failed',
            fields: [`body.${field}`],
          });
        }
        if (endpoint.body!.required.length > 0) {
          send('an empty object', '{}', {
            status: 400,
            code: 'validation_failed',
            fields: endpoint.body!.required.map((field) => `body.${field}`),
          });
        }
      }
      await run(app, cases);
    });
  });

  describe('SQL, script and unicode junk in every string field', () => {
    it.each(withBody)('$label', async (endpoint) => {
      const base = baseBody(endpoint);
      // Public endpoints ignore credentials, so one signed-in caller is enough there (argon2 is slow).
      const who = endpoint.secured ? callers : [anonymous, ownerToken];
      const cases: Case[] = [];
      for (const caller of who) {
        for (const [field, schema] of Object.entries(endpoint.body!.properties)) {
          if (!typesOf(schema).has('string')) continue;
          for (const value of stringJunk) {
            cases.push({
              label: `${preview(value, 24)} in ${field} as ${caller.name}`,
              method: endpoint.method,
              url: urlOf(endpoint),
              headers: json(caller),
              payload: bodyWith(base, field, JSON.stringify(value)),
              expect: expectFor(
                endpoint,
                caller,
                stringViolates(schema, value) ? { status: 400, fields: [`body.${field}`] } : {},
              ),
            });
          }
          for (const [name, bytes] of rawByteJunk) {
            const [before, after] = bodyWith(base, field, '"\u0001"').split('\u0001') as [string, string];
            cases.push({
              label: `${name} in ${field} as ${caller.name}`,
              method: endpoint.method,
              url: urlOf(endpoint),
              headers: json(caller),
              payload: Buffer.concat([Buffer.from(`${before}x`), bytes, Buffer.from(`x${after}`)]),
              expect: expectFor(endpoint, caller, {}),
            });
          }
        }
      }
      await run(app, cases);
    });
  });

  describe('junk path parameters', () => {
    // Already percent-encoded, sent as is: bad escapes, NUL, dot segments, overlong UTF-8, an over-long value.
    const rawSegments = [
      '%ZZ',
      '%',
      '%00',
      '..',
      '.',
      '%C0%AF',
      '%ED%A0%80',
      '%E2%80',
      'a'.repeat(600),
      '%2e%2e%2f%2e%2e%2fetc%2fpasswd',
    ];
    const uuids = [
      randomUuid(),
      randomUuid().toUpperCase(),
      '00000000-0000-0000-0000-000000000000',
      'ffffffff-ffff-ffff-ffff-ffffffffffff',
    ];
    const decodedJunk = [
      'not-a-uuid',
      '0',
      '-1',
      'null',
      'undefined',
      randomUuid().slice(0, 35),
      `${randomUuid()}x`,
      randomUuid().replaceAll('-', ''),
      `{${randomUuid()}}`,
      'a'.repeat(201),
      ...sqlStrings,
      ...scriptStrings,
      ...unicodeStrings.filter((value) => value.length > 0 && value.length < 300),
    ];

    it.each(withParams)('$label', async (endpoint) => {
      const cases: Case[] = [];
      const body = endpoint.body ? JSON.stringify(baseBody(endpoint)) : undefined;
      for (const caller of callers) {
        const headers = body ? json(caller) : caller.headers;
        for (const param of endpoint.params) {
          const send = (label: string, segment: string, expectation: Expectation) =>
            cases.push({
              label: `${label} as ${caller.name}`,
              method: endpoint.method,
              url: urlOf(endpoint, { [param.name]: segment }),
              headers,
              ...(body ? { payload: body } : {}),
              expect: expectation,
            });
          for (const value of decodedJunk) {
            const violates = stringViolates(param.schema, value);
            send(
              `${param.name} = ${preview(value, 24)}`,
              encode(value),
              expectFor(endpoint, caller, violates ? { status: 400, fields: [`params.${param.name}`] } : {}),
            );
          }
          for (const value of uuids) {
            // A well-formed id that names nothing: not found, never a crash or a leak of someone else's row.
            // Parameters that are names, not UUIDs (a provider's id is lowercase), refuse the uppercase ones.
            const violates = stringViolates(param.schema, value);
            send(
              `${param.name} = unknown id ${value}`,
              value,
              expectFor(
                endpoint,
                caller,
                violates ? { status: 400, fields: [`params.${param.name}`] } : { status: 404 },
              ),
            );
          }
          for (const segment of rawSegments) {
            send(`${param.name} = raw ${preview(segment, 24)}`, segment, {});
          }
        }
      }
      await run(app, cases);
    });
  });

  describe('junk query strings', () => {
    const anyEndpoint = [
      `q=${encode("' OR 1=1 --")}`,
      `q=${encode('<script>alert(1)</script>')}`,
      `${encode("'; drop table users; --")}=1`,
      `q=${encode('\u202E\u0000\uD800💩')}`,
      'q=%ZZ',
      '%ZZ=1',
      'q=%00',
      '__proto__[polluted]=1',
      'constructor[prototype][polluted]=1',
      'a[b][c][d][e][f]=1',
      '&&&&=&=',
      Array.from({ length: 200 }, (_, i) => `p${i}=${i}`).join('&'),
      `q=${'x'.repeat(20_000)}`,
    ];
    const paramJunk = [
      '',
      '-1',
      '0',
      '1.5',
      '1e309',
      '99999999999999999999',
      'NaN',
      'Infinity',
      'true',
      '[]',
      ...sqlStrings.slice(0, 4),
      ...scriptStrings.slice(0, 2),
      '\u0000',
      '\uD800',
      '👩‍👩‍👧‍👦',
      'x'.repeat(10_000),
    ];

    it.each(endpoints)('$label', async (endpoint) => {
      const cases: Case[] = [];
      for (const caller of callers) {
        const send = (label: string, query: string, expectation: Expectation) =>
          cases.push({
            label: `${label} as ${caller.name}`,
            method: endpoint.method,
            url: urlOf(endpoint, {}, query),
            headers: caller.headers,
            expect: expectFor(endpoint, caller, expectation),
          });
        for (const query of anyEndpoint) send(`query ${preview(query, 40)}`, query, {});
        if (endpoint.query.length === 0) continue;
        // Declared query parameters are validated: junk in one is a 400 naming it, and so is an unknown one.
        send('unknown query parameter', 'evilParam=1', { status: 400, fields: ['query.evilParam'] });
        for (const param of endpoint.query) {
          for (const value of paramJunk) {
            const violates = queryViolates(param.schema, [value]);
            send(
              `${param.name}=${preview(value, 24)}`,
              `${encode(param.name)}=${encode(value)}`,
              violates ? { status: 400, fields: [`query.${param.name}`] } : {},
            );
          }
          const twice = ['1', '2'];
          send(
            `${param.name} twice`,
            twice.map((value) => `${encode(param.name)}=${value}`).join('&'),
            queryViolates(param.schema, twice) ? { status: 400, fields: [`query.${param.name}`] } : {},
          );
        }
      }
      await run(app, cases);
    });
  });

  describe('wrong content types', () => {
    const wrong: readonly [string | undefined, string][] = [
      ['text/plain', '{"a":1}'],
      ['text/plain; charset=utf-8', 'hello'],
      ['application/x-www-form-urlencoded', 'email=a%40b.c&password=x'],
      [
        'multipart/form-data; boundary=fuzz',
        '--fuzz\r\nContent-Disposition: form-data; name="a"\r\n\r\n1\r\n--fuzz--\r\n',
      ],
      [
        'application/xml',
        '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>',
      ],
      ['text/xml', '<x/>'],
      ['text/html', '<script>alert(1)</script>'],
      ['application/octet-stream', '\u0000\u0001\u0002'],
      ['application/javascript', 'alert(1)'],
      ['application/jsonx', '{"a":1}'],
      ['image/png', '\u0089PNG'],
      ['', '{"a":1}'],
      [';;;', '{"a":1}'],
      ['*/*', '{"a":1}'],
      [undefined, '{"a":1}'],
    ];

    it.each(endpoints)('$label', async (endpoint) => {
      const cases: Case[] = [];
      for (const caller of callers) {
        for (const [contentType, payload] of wrong) {
          const headers = {
            ...caller.headers,
            ...(contentType === undefined ? {} : { 'content-type': contentType }),
          };
          cases.push({
            label: `content-type ${contentType === undefined ? '(missing)' : JSON.stringify(contentType)} as ${caller.name}`,
            method: endpoint.method,
            url: urlOf(endpoint),
            headers,
            payload,
            expect: expectFor(
              endpoint,
              caller,
              endpoint.body
                ? { status: 415, code: 'unsupported_media_type', fields: ['headers.content-type'] }
                : {},
            ),
          });
        }
      }
      await run(app, cases);
    });
  });

  describe('oversized bodies and headers', () => {
    /** A JSON object of exactly `size` bytes. */
    const jsonOfSize = (size: number) => `{"x":"${'a'.repeat(size - 8)}"}`;
    const atLimit = jsonOfSize(bodyLimitBytes);
    const overLimit = jsonOfSize(bodyLimitBytes + 1);
    const wayOver = jsonOfSize(5 * bodyLimitBytes);

    it('builds bodies of the intended sizes', () => {
      expect(Buffer.byteLength(atLimit)).toBe(bodyLimitBytes);
      expect(Buffer.byteLength(overLimit)).toBe(bodyLimitBytes + 1);
    });

    it.each(endpoints)('$label', async (endpoint) => {
      const cases: Case[] = [];
      // Imports take files of up to 64 MB: these bodies are within their limit (bad, but not too large).
      const ownLimit = endpoint.path === '/api/v1/imports' && importBodyLimitBytes > 5 * bodyLimitBytes;
      const tooLarge: Expectation = ownLimit
        ? { notStatus: 413 }
        : parsesBody(endpoint)
          ? { status: 413, code: 'payload_too_large' }
          : {};
      for (const caller of callers) {
        const send = (label: string, extra: Partial<Case>, expectation: Expectation) =>
          cases.push({
            label: `${label} as ${caller.name}`,
            method: endpoint.method,
            url: urlOf(endpoint),
            headers: json(caller),
            ...extra,
            expect: expectFor(endpoint, caller, expectation),
          });
        send('a body one byte over the limit', { payload: overLimit }, tooLarge);
        send('a body five times the limit', { payload: wayOver }, tooLarge);
        send('a body exactly at the limit', { payload: atLimit }, { notStatus: 413 });
        send(
          'a Content-Length over the limit',
          { payload: '{}', headers: json(caller, { 'content-length': String(2 * bodyLimitBytes) }) },
          ownLimit ? {} : tooLarge,
        );
        send(
          'a Content-Length shorter than the body',
          { payload: '{"x":"0123456789"}', headers: json(caller, { 'content-length': '3' }) },
          parsesBody(endpoint) ? { status: 400, fields: ['headers.content-length'] } : {},
        );
        // Node's default header limit is 16 KiB in all: stay under it.
        const plain = { ...caller.headers };
        send('a 12 KiB header', { headers: { ...plain, 'x-fuzz': 'x'.repeat(12 * 1024) } }, {});
        send('a 12 KiB cookie', { headers: { ...plain, cookie: `a=${'%00'.repeat(4 * 1024)}` } }, {});
        send(
          '150 extra headers',
          {
            headers: {
              ...plain,
              ...Object.fromEntries(Array.from({ length: 150 }, (_, i) => [`x-h${i}`, `${i}`])),
            },
          },
          {},
        );
        send(
          'Latin-1 and SQL in headers',
          { headers: { ...plain, 'x-fuzz': "\u00e9\u00ff' OR 1=1 --", 'accept-language': '<script>' } },
          {},
        );
        send(
          'an unacceptable Accept',
          { headers: { ...plain, accept: 'application/xml, text/html;q=1.0' } },
          {},
        );
        send(
          'a spoofed X-Forwarded-For',
          { headers: { ...plain, 'x-forwarded-for': "' OR 1=1 --, 999.1.1.1" } },
          {},
        );
      }
      await run(app, cases);
    });

    it.each(endpoints)('$label never echoes a junk X-Request-Id', async (endpoint) => {
      const junk = [
        '<script>alert(1)</script>',
        "' OR 1=1 --",
        'a\r\nSet-Cookie: x=1',
        'x'.repeat(200),
        '\u00e9',
      ];
      for (const value of junk) {
        requestsSent++;
        const response = await app.inject({
          method: endpoint.method,
          url: urlOf(endpoint),
          headers: { 'x-request-id': value },
        });
        expect(response.statusCode, response.body).toBeLessThan(500);
        expect(response.headers['x-request-id']).toMatch(/^[\w.:-]{1,128}$/);
      }
    });
  });

  describe('invalid credentials', () => {
    it.each(secured)('$label', async (endpoint) => {
      const [header, payload] = owner.accessToken.split('.') as [string, string, string];
      const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as Record<string, unknown>;
      const forged = { ...claims, role: 'owner', tid: randomUuid(), exp: 4_102_444_800 };
      const flipped = owner.accessToken.slice(0, -2) + (owner.accessToken.endsWith('AA') ? 'BB' : 'AA');
      const authorizations = [
        '',
        'Bearer',
        'Bearer ',
        'bearer',
        'Basic dXNlcjpjb3JyZWN0IGhvcnNl',
        'Digest username="owner", realm="fidus"',
        'Token abc',
        'Bearer fid_garbage',
        `Bearer fid_${randomBase64url(43)}`,
        `Bearer fidr_${randomBase64url(43)}`,
        `Bearer fidi_${randomBase64url(43)}`,
        `Bearer ${owner.refreshToken}`,
        `Bearer ${revokedKey}`,
        `Bearer ${signJwt({ alg: 'none', typ: 'JWT' }, forged, undefined)}`,
        `Bearer ${signJwt({ alg: 'none', typ: 'JWT' }, claims, undefined)}`,
        `Bearer ${signJwt({ alg: 'HS256', typ: 'JWT' }, forged, 'secret')}`,
        `Bearer ${header}.${Buffer.from(JSON.stringify(forged)).toString('base64url')}.${owner.accessToken.split('.')[2]}`,
        `Bearer ${owner.accessToken.slice(0, -10)}`,
        `Bearer ${owner.accessToken.split('.').slice(0, 2).join('.')}`,
        `Bearer ${flipped}`,
        `Bearer ${owner.accessToken} ${owner.accessToken}`,
        `Bearer ${owner.accessToken}, Bearer ${owner.accessToken}`,
        'Bearer a.b.c',
        'Bearer ....',
        `Bearer ${'x'.repeat(8_000)}`,
        "Bearer ' OR 1=1 --",
        'Bearer <script>alert(1)</script>',
        'Bearer \u0000',
        'Bearer fid_\u0000',
        'Bearer \u00e9\u00ff',
      ];
      const cases: Case[] = authorizations.map((authorization) => ({
        label: `Authorization ${preview(authorization, 40)}`,
        method: endpoint.method,
        url: urlOf(endpoint),
        headers: { authorization },
        expect: { status: 401, code: 'unauthorized' },
      }));
      await run(app, cases);
    });
  });

  describe('unknown routes and methods', () => {
    it('answers 404 problem+json for paths that do not exist', async () => {
      const paths = [
        '/api/v1/nope',
        '/api/v1/ME',
        '/API/V1/ME',
        '/api/v2/me',
        '/api/v1/me/extra',
        '/api/v1/api-keys/x/y/z',
        '/api/v1',
        '/api/v1/auth',
        '/nope',
        '/.env',
        '/api/v1/../../etc/passwd',
        `/api/v1/${encode('<script>alert(1)</script>')}`,
        `/api/v1/${encode("' OR 1=1 --")}`,
        `/api/v1/${encode('\u202E\u0000💩')}`,
        `/${'a'.repeat(8_000)}`,
      ];
      const cases: Case[] = [];
      for (const caller of callers) {
        for (const path of paths) {
          for (const method of ['GET', 'POST', 'DELETE'] as const) {
            cases.push({
              label: `unknown path as ${caller.name}`,
              method,
              url: path,
              headers: caller.headers,
              expect: { status: 404, code: 'not_found' },
            });
          }
        }
      }
      await run(app, cases);
    });

    it('answers problem+json for URLs that cannot be decoded', async () => {
      const urls = ['/api/v1/%ZZ', '/api/v1/%', '/api/v1/me%', '/%C0%AF', '/api/v1/api-keys/%ED%A0%80'];
      const cases: Case[] = [];
      for (const caller of callers) {
        for (const url of urls) {
          cases.push({ label: `bad URL as ${caller.name}`, method: 'GET', url, headers: caller.headers });
        }
      }
      await run(app, cases);
    });

    it('answers 404 or 405 problem+json for methods an endpoint does not have', async () => {
      const byPath = new Map<string, Set<string>>();
      for (const endpoint of endpoints) {
        byPath.set(endpoint.path, (byPath.get(endpoint.path) ?? new Set()).add(endpoint.method));
      }
      const cases: Case[] = [];
      for (const [path, methods] of byPath) {
        const endpoint = endpoints.find((candidate) => candidate.path === path)!;
        for (const method of ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const) {
          if (methods.has(method)) continue;
          for (const caller of callers) {
            cases.push({
              label: `${method} on ${path} as ${caller.name}`,
              method,
              url: urlOf(endpoint),
              headers: caller.headers,
              expect: { status: [404], code: ['not_found'] },
            });
          }
        }
      }
      for (const endpoint of endpoints.filter((candidate) => candidate.method === 'GET')) {
        for (const caller of callers) {
          cases.push({
            label: `HEAD as ${caller.name}`,
            method: 'HEAD',
            url: urlOf(endpoint),
            headers: caller.headers,
          });
        }
      }
      await run(app, cases);
    });
  });

  describe('mutated JSON', () => {
    const alphabet = [
      '{',
      '}',
      '[',
      ']',
      '"',
      ',',
      ':',
      '\\',
      ' ',
      '0',
      '-',
      'e',
      'n',
      '\u0000',
      '\uD800',
      '\u00e9',
      '💩',
    ];
    function mutate(text: string): string {
      let out = text;
      const rounds = 1 + randomInt(3);
      for (let i = 0; i < rounds; i++) {
        const at = randomInt(out.length + 1);
        switch (randomInt(5)) {
          case 0:
            out = out.slice(0, at) + out.slice(at + 1);
            break;
          case 1:
            out = out.slice(0, at) + pick(alphabet) + out.slice(at);
            break;
          case 2:
            out = out.slice(0, at) + pick(alphabet) + out.slice(at + 1);
            break;
          case 3:
            out = out.slice(0, at);
            break;
          default:
            out = out.slice(0, at) + out.slice(randomInt(out.length));
        }
      }
      return out;
    }

    it.each(withBody)('$label', async (endpoint) => {
      const text = JSON.stringify(baseBody(endpoint));
      const cases: Case[] = [];
      for (let i = 0; i < 24; i++) {
        const payload = mutate(text);
        const caller = i % 2 === 0 ? ownerToken : anonymous;
        // Whatever JSON.parse rejects, the server must call invalid JSON too (a lone surrogate is sent as U+FFFD).
        const wire = Buffer.from(payload, 'utf8').toString('utf8');
        const expectation: Expectation = isJson(wire)
          ? {}
          : { status: 400, code: 'invalid_json', fields: ['body'] };
        cases.push({
          label: `mutation ${i} as ${caller.name}`,
          method: endpoint.method,
          url: urlOf(endpoint),
          headers: json(caller),
          payload,
          expect: expectFor(endpoint, caller, expectation),
        });
      }
      await run(app, cases);
    });
  });

  it('throttles repeated failed sign-ins with a 429 problem+json and Retry-After', async () => {
    const login = endpoints.find((endpoint) => endpoint.label === 'POST /api/v1/auth/login');
    expect(login).toBeDefined();
    const email = `throttled-${randomHex(8)}@example.com`;
    const cases: Case[] = Array.from({ length: 12 }, (_, i) => ({
      label: `failed sign-in ${i + 1}`,
      method: 'POST',
      url: '/api/v1/auth/login',
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify({ email, password: `wrong password ${i}` }),
      expect: i < 10 ? { status: 401, code: 'invalid_credentials' } : { status: 429, code: 'rate_limited' },
    }));
    await run(app, cases, 1);
  });

  it('sent well over 200 malformed requests', () => {
    const histogram = [...statusCounts.entries()]
      .sort(([a], [b]) => a - b)
      .map(([status, n]) => `${status}×${n}`);
    console.log(`bad-input: ${requestsSent} requests (seed ${seed}); statuses ${histogram.join(' ')}`);
    expect(requestsSent).toBeGreaterThanOrEqual(200);
  });
});
