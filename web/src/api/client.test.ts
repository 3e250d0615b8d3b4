import { describe, expect, it } from 'vitest';
import { ApiError, createClient } from './client.ts';
import { Session, SessionExpired } from './session.ts';

interface Call {
  url: string;
  init: RequestInit;
}

function setup(answers: ((call: Call) => Response | Promise<Response>)[]) {
  const calls: Call[] = [];
  let refreshes = 0;
  const session = new Session({
    refresh: async () => ({
      accessToken: `access-${++refreshes}`,
      refreshToken: `fidr_${refreshes}`,
      expiresIn: 900,
    }),
  });
  session.start({ accessToken: 'access-0', refreshToken: 'fidr_0', expiresIn: 900 }, false);
  const fetcher = (async (url: string, init: RequestInit) => {
    const call = { url, init };
    calls.push(call);
    const answer = answers.shift();
    if (!answer) throw new Error('unexpected request');
    return answer(call);
  }) as typeof fetch;
  return { client: createClient(session, fetcher), session, calls };
}

const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } });
const auth = (call: Call) => (call.init.headers as Record<string, string>).authorization;

describe('the API client', () => {
  it('sends the access token, and JSON with its content type only when there is a body', async () => {
    const { client, calls } = setup([() => json(200, { ok: 1 }), () => new Response(null, { status: 204 })]);
    expect(await client.json('/api/v1/me')).toEqual({ ok: 1 });
    expect(auth(calls[0]!)).toBe('Bearer access-0');
    expect(calls[0]!.init.headers).not.toHaveProperty('content-type');
    expect(calls[0]!.init.body).toBeNull();
    expect(
      await client.json('/api/v1/threads/x', { method: 'PATCH', body: { pinned: true } }),
    ).toBeUndefined();
    expect(calls[1]!.init.headers).toHaveProperty('content-type', 'application/json');
    expect(calls[1]!.init.body).toBe('{"pinned":true}');
  });

  it('refreshes once on a 401 and sends the request again', async () => {
    const { client, calls } = setup([() => json(401, { code: 'unauthorized' }), () => json(200, { ok: 2 })]);
    expect(await client.json('/api/v1/me')).toEqual({ ok: 2 });
    expect(calls.map(auth)).toEqual(['Bearer access-0', 'Bearer access-1']);
  });

  it('signs out when the refreshed token is refused too', async () => {
    const unauthorized = () => json(401, { code: 'unauthorized' });
    const { client, session } = setup([unauthorized, unauthorized]);
    await expect(client.json('/api/v1/me')).rejects.toBeInstanceOf(SessionExpired);
    expect(session.signedIn).toBe(false);
  });

  it('turns problem+json into an ApiError with the code, the fields and Retry-After', async () => {
    const { client } = setup([
      () =>
        json(
          429,
          { code: 'rate_limited', detail: 'Slow down', errors: [{ field: 'body.email', message: 'bad' }] },
          { 'retry-after': '17' },
        ),
    ]);
    const error = (await client
      .json('/api/v1/auth/login', { method: 'POST', body: {}, anonymous: true })
      .catch((e: unknown) => e)) as ApiError;
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ status: 429, code: 'rate_limited', message: 'Slow down', retryAfter: 17 });
    expect(error.issue('body.email')).toBe('bad');
  });

  it('reads the OpenAI-shaped errors of /v1', async () => {
    const { client } = setup([
      () => json(404, { error: { code: 'model_not_found', message: 'No such model' } }),
    ]);
    await expect(client.json('/v1/models')).rejects.toMatchObject({
      code: 'model_not_found',
      message: 'No such model',
    });
  });

  it('sends no credential for anonymous requests and reports an unreachable server', async () => {
    const { client, calls } = setup([
      () => json(200, {}),
      () => {
        throw new TypeError('fetch failed');
      },
    ]);
    await client.json('/api/v1/auth/register', { method: 'POST', body: {}, anonymous: true });
    expect(auth(calls[0]!)).toBeUndefined();
    await expect(client.json('/api/v1/me')).rejects.toMatchObject({ status: 0, code: 'network_error' });
  });
});
