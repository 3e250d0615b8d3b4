// The response cache's key: the tenant and the request exactly as it goes upstream (the target's provider and
// the body with the target's model), so that two requests share an entry only when the upstream would have seen
// the same thing from the same tenant.
import { createHash } from 'node:crypto';
import type { Target } from '../catalog.ts';
import type { ChatCompletionRequest } from '../schemas.ts';

/** Bump when the key or the stored value changes shape: old entries are then simply never found again. */
export const cacheKeyPrefix = 'fidus:cache:v1:';

/**
 * JSON with every object's keys sorted, so that `{"a":1,"b":2}` and `{"b":2,"a":1}` are one request. Arrays keep
 * their order (messages, tools and stop sequences mean something in order); `undefined` is left out, as
 * JSON.stringify does.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) {
    return `[${value.map((item) => (item === undefined ? 'null' : canonicalJson(item))).join(',')}]`;
  }
  const record = value as Record<string, unknown>;
  const fields: string[] = [];
  for (const name of Object.keys(record).sort()) {
    if (record[name] === undefined) continue;
    fields.push(`${JSON.stringify(name)}:${canonicalJson(record[name])}`);
  }
  return `{${fields.join(',')}}`;
}

/**
 * The key of one target's answer to a request. `stream` and `stream_options` are left out: the answer is stored in
 * a neutral form that replays both ways, so a streamed and a whole request share an entry. The tenant is kept in
 * clear (an operator can drop one tenant's entries by prefix); the request is a SHA-256 of its canonical JSON.
 */
export function cacheKeyOf(tenantId: string, target: Target, request: ChatCompletionRequest): string {
  const { stream: _stream, stream_options: _streamOptions, ...rest } = request;
  const body = canonicalJson({ ...rest, model: target.model });
  const digest = createHash('sha256').update(target.provider.id).update('\n').update(body).digest('hex');
  return `${cacheKeyPrefix}${tenantId}:${digest}`;
}
