import { randomBytes } from 'node:crypto';
import OpenAI from 'openai';
import { Registry } from 'prom-client';
import { createLogger, FileConfigSchema } from '../../src/core/index.ts';
import { createAccounts } from '../../src/domains/accounts/index.ts';
import type { FastifyInstance } from 'fastify';
import { createGateway, type CompletedCall, type Gateway } from '../../src/gateway/index.ts';
import { buildApp } from '../../src/http/index.ts';
import { startFakeOpenAI, type FakeOpenAI } from '../fakes/openai-upstream.ts';
import { bearer, register } from './app.ts';
import { createTestDatabase } from './database.ts';

export interface GatewayHarness {
  url: string;
  apiKey: string;
  /** Two fake upstreams: `primary` and `backup`, the targets of alias `fast` in that order. */
  primary: FakeOpenAI;
  backup: FakeOpenAI;
  calls: CompletedCall[];
  /** What the AI SDK warned about. */
  warnings: unknown[];
  client: OpenAI;
  gateway: Gateway;
  app: FastifyInstance;
  ownerToken: string;
  tenantId: string;
  close(): Promise<void>;
}

/** A listening Fidus (real sockets: streaming needs them) in front of two fake OpenAI upstreams. */
export async function startGatewayHarness(
  gateway: Record<string, number> = {},
  extra: { limits?: unknown; redisUrl?: string; anthropicUrl?: string } = {},
): Promise<GatewayHarness> {
  const primary = await startFakeOpenAI();
  const backup = await startFakeOpenAI();
  const file = FileConfigSchema.parse({
    providers: [
      { id: 'primary', type: 'openai-compatible', baseURL: primary.url },
      { id: 'backup', type: 'openai-compatible', baseURL: backup.url },
      ...(extra.anthropicUrl
        ? [{ id: 'claude', type: 'anthropic', baseURL: extra.anthropicUrl, apiKey: 'k' }]
        : []),
    ],
    models: [
      {
        alias: 'fast',
        targets: [
          { provider: 'primary', model: 'small-1' },
          { provider: 'backup', model: 'small-2' },
        ],
      },
      { alias: 'solo', targets: [{ provider: 'primary', model: 'small-1' }] },
      ...(extra.anthropicUrl
        ? [
            {
              alias: 'smart',
              targets: [
                { provider: 'claude', model: 'claude-sonnet-4-5' },
                { provider: 'primary', model: 'small-1' },
              ],
            },
          ]
        : []),
    ],
    prices: { 'primary/small-1': { input: 1, output: 2, cachedInput: 0.5 } },
    gateway: { retryBaseDelayMs: 5, retryMaxDelayMs: 20, ...gateway },
    ...(extra.limits ? { limits: extra.limits } : {}),
  });
  const calls: CompletedCall[] = [];
  const warnings: unknown[] = [];
  const database = await createTestDatabase();
  const logger = createLogger(process.env['FIDUS_TEST_LOG_LEVEL'] ?? 'silent');
  const accounts = await createAccounts({
    db: database.db,
    masterKey: randomBytes(32),
    signup: 'open',
    logger,
  });
  const metrics = new Registry();
  const gatewayInstance = createGateway({
    file,
    env: {},
    db: database.db,
    redisUrl: extra.redisUrl,
    metrics,
    onCompleted: (call) => calls.push(call),
    onProviderWarning: (warning) => warnings.push(warning),
  });
  const app = await buildApp({ db: database.db, logger, accounts, gateway: gatewayInstance, metrics });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  const owner = await register(app);
  const key = await app.inject({
    method: 'POST',
    url: '/api/v1/api-keys',
    headers: bearer(owner.accessToken),
    payload: { name: 'gateway tests' },
  });
  const apiKey = key.json<{ key: string }>().key;
  return {
    url,
    apiKey,
    primary,
    backup,
    calls,
    warnings,
    gateway: gatewayInstance,
    app,
    ownerToken: owner.accessToken,
    tenantId: owner.tenant.id,
    client: new OpenAI({ baseURL: `${url}/v1`, apiKey, maxRetries: 0 }),
    close: async () => {
      await app.close();
      await gatewayInstance.close();
      accounts.close();
      await database.drop();
      await primary.close();
      await backup.close();
    },
  };
}

/** Reassembles the first tool call of a streamed answer from its deltas. */
export async function firstToolCall(
  stream: AsyncIterable<OpenAI.Chat.Completions.ChatCompletionChunk>,
): Promise<{ name: string; args: unknown }> {
  let name = '';
  let args = '';
  for await (const chunk of stream) {
    const call = chunk.choices[0]?.delta.tool_calls?.[0];
    name += call?.function?.name ?? '';
    args += call?.function?.arguments ?? '';
  }
  return { name, args: JSON.parse(args) };
}
