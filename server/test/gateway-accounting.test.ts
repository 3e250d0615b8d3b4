import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { bearer, joinByInvite } from './support/app.ts';
import { startGatewayHarness, type GatewayHarness } from './support/gateway.ts';

let h: GatewayHarness;
beforeAll(async () => {
  h = await startGatewayHarness({ connectTimeoutMs: 300 });
});
afterAll(() => h.close());
beforeEach(() => {
  h.primary.reset();
  h.backup.reset();
});

const messages = [{ role: 'user' as const, content: 'Count my tokens' }];
const exactUsage = { promptTokens: 1000, completionTokens: 500, cachedTokens: 200, reasoningTokens: 50 };

async function usageByModel(token = h.ownerToken) {
  const response = await h.app.inject({
    method: 'GET',
    url: '/api/v1/usage?groupBy=model',
    headers: bearer(token),
  });
  expect(response.statusCode).toBe(200);
  return response.json<{
    data: {
      group: string;
      requests: number;
      costUsd: number | null;
      inputTokens: number;
      outputTokens: number;
      cachedInputTokens: number;
      reasoningTokens: number;
      errors: number;
    }[];
  }>().data;
}

describe('request log and usage', () => {
  it('logs tokens and the exact cost of streamed and whole answers, cached tokens at their own price', async () => {
    h.primary.script(
      { kind: 'ok', reply: { usage: exactUsage } },
      { kind: 'ok', reply: { usage: exactUsage } },
    );
    await h.client.chat.completions.create({ model: 'fast', messages });
    const stream = await h.client.chat.completions.create({ model: 'fast', messages, stream: true });
    for await (const chunk of stream) void chunk;
    const row = (await usageByModel()).find((entry) => entry.group === 'primary/small-1')!;
    expect(row).toMatchObject({
      requests: 2,
      inputTokens: 2000,
      outputTokens: 1000,
      cachedInputTokens: 400,
      reasoningTokens: 100,
    });
    // Per request: 800 uncached × $1 + 200 cached × $0.50 + 500 output × $2, per million tokens.
    expect(row.costUsd).toBeCloseTo(2 * 0.0019, 12);
    const metrics = (await h.app.inject('/metrics')).body;
    expect(metrics).toMatch(/fidus_llm_requests_total\{provider="primary",model="small-1",status="ok"\} 2/);
    expect(metrics).toMatch(/fidus_llm_cost_usd_total 0\.0038/);
    expect(metrics).toMatch(/fidus_llm_tokens_total\{direction="output"\} 1000/);
  });

  it('logs a request whose every target failed, with no cost', async () => {
    h.primary.setDefault({ kind: 'status', status: 503 });
    h.backup.setDefault({ kind: 'status', status: 503 });
    await h.client.chat.completions.create({ model: 'fast', messages }).catch(() => undefined);
    const rows = await usageByModel();
    const failed = rows.find((entry) => entry.group === 'backup/small-2')!;
    expect(failed.errors).toBe(1);
    expect(failed.costUsd).toBeNull();
  });

  it('shows members only their own usage, admins everyone’s', async () => {
    const member = await joinByInvite(h.app, h.ownerToken, 'member');
    const own = await usageByModel(member.accessToken);
    expect(own).toEqual([]);
    expect((await usageByModel()).length).toBeGreaterThan(0);
  });

  it('refuses a malformed usage query naming the field', async () => {
    const response = await h.app.inject({
      method: 'GET',
      url: '/api/v1/usage?groupBy=week&from=yesterday',
      headers: bearer(h.ownerToken),
    });
    expect(response.statusCode).toBe(400);
    expect(response.json().errors.map((issue: { field: string }) => issue.field)).toEqual(
      expect.arrayContaining(['query.groupBy']),
    );
  });
});
