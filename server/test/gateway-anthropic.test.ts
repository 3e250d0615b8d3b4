import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startFakeAnthropic, type FakeAnthropic } from './fakes/anthropic-upstream.ts';
import { firstToolCall, startGatewayHarness, type GatewayHarness } from './support/gateway.ts';

let anthropic: FakeAnthropic;
let h: GatewayHarness;
beforeAll(async () => {
  anthropic = await startFakeAnthropic({ apiKey: 'k' });
  h = await startGatewayHarness({}, { anthropicUrl: anthropic.url });
});
afterAll(async () => {
  await h.close();
  await anthropic.close();
});
beforeEach(() => {
  anthropic.reset();
  h.primary.reset();
});

const messages = [
  { role: 'system' as const, content: 'Be brief.' },
  { role: 'user' as const, content: 'Hello Claude' },
];

describe('an OpenAI client reaching an Anthropic model through Fidus', () => {
  it('gets a whole answer in OpenAI’s format, translated both ways', async () => {
    const { data, response } = await h.client.chat.completions
      .create({ model: 'smart', messages })
      .withResponse();
    expect(data.choices[0]!.message.content).toBe('Hello from the fake Anthropic upstream.');
    expect(response.headers.get('x-fidus-provider')).toBe('claude');
    expect(anthropic.requests[0]!.body).toMatchObject({
      model: 'claude-sonnet-4-5',
      system: expect.anything(),
      messages: [{ role: 'user' }],
    });
    expect(data.usage?.prompt_tokens).toBeGreaterThan(0);
  });

  it('streams text and tool calls as OpenAI chunks', async () => {
    anthropic.script({ kind: 'ok', reply: { toolUses: [{ name: 'lookup', input: { q: 'weather' } }] } });
    const stream = await h.client.chat.completions.create({
      model: 'smart',
      messages,
      stream: true,
      tools: [{ type: 'function', function: { name: 'lookup', parameters: { type: 'object' } } }],
    });
    expect(await firstToolCall(stream)).toEqual({ name: 'lookup', args: { q: 'weather' } });
    expect(anthropic.requests[0]!.body).toMatchObject({ tools: [{ name: 'lookup' }] });
  });

  it('reports what the AI SDK warns about through the gateway, not on stderr', async () => {
    // OpenAI accepts temperatures up to 2, Anthropic up to 1: the SDK clamps and warns.
    await h.client.chat.completions.create({ model: 'smart', messages, temperature: 1.5 });
    expect(JSON.stringify(h.warnings)).toMatch(/temperature/);
  });

  it('falls back to the next target when Anthropic is overloaded', async () => {
    // Every attempt on the Anthropic target (3 by default) sees 529 overloaded.
    anthropic.script(...Array.from({ length: 3 }, () => ({ kind: 'status' as const, status: 529 })));
    const { response } = await h.client.chat.completions.create({ model: 'smart', messages }).withResponse();
    expect(response.headers.get('x-fidus-provider')).toBe('primary');
    expect(anthropic.requests.length).toBeGreaterThanOrEqual(1);
  });
});
