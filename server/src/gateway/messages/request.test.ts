import { describe, expect, it } from 'vitest';
import { FidusError } from '../../core/index.ts';
import { estimateInputTokens } from './count.ts';
import { toChatCompletionRequest } from './request.ts';
import { toAnthropicMessage } from './response.ts';
import { CountTokensRequestSchema, MessagesRequestSchema, parseAnthropicRequest } from './schema.ts';

const translate = (body: Record<string, unknown>) =>
  toChatCompletionRequest(parseAnthropicRequest(MessagesRequestSchema, { max_tokens: 100, ...body }));

function refusal(body: unknown): FidusError {
  try {
    const parsed = parseAnthropicRequest(MessagesRequestSchema, body);
    toChatCompletionRequest(parsed);
  } catch (error) {
    if (FidusError.isInstance(error)) return error;
    throw error;
  }
  throw new Error('the request was accepted');
}

const image = { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBORw0KGgo=' } };

describe('Anthropic request → OpenAI chat request', () => {
  it('translates system, settings and the stream flag, and drops what OpenAI has no use for', () => {
    const chat = translate({
      model: 'fast',
      system: [
        { type: 'text', text: 'You are terse.', cache_control: { type: 'ephemeral' } },
        { type: 'text', text: 'Answer in English.' },
      ],
      messages: [{ role: 'user', content: 'Hi' }],
      stop_sequences: ['END'],
      temperature: 0.2,
      top_p: 0.9,
      top_k: 40,
      metadata: { user_id: 'u-1' },
      thinking: { type: 'enabled', budget_tokens: 2000 },
      stream: true,
      some_future_field: { x: 1 },
    });
    expect(chat).toEqual({
      model: 'fast',
      messages: [
        { role: 'system', content: 'You are terse.\n\nAnswer in English.' },
        { role: 'user', content: 'Hi' },
      ],
      max_completion_tokens: 100,
      stop: ['END'],
      temperature: 0.2,
      top_p: 0.9,
      user: 'u-1',
      stream: true,
      stream_options: { include_usage: true },
    });
  });

  it('turns tool use into tool_calls and tool results into tool messages, in order, splitting the user turn', () => {
    const chat = translate({
      messages: [
        { role: 'user', content: 'Weather in Lisbon and Porto?' },
        {
          role: 'assistant',
          content: [
            { type: 'thinking', thinking: 'hmm', signature: 'sig' },
            { type: 'text', text: 'Checking.' },
            { type: 'tool_use', id: 'toolu_1', name: 'weather', input: { city: 'Lisbon' } },
            { type: 'tool_use', id: 'toolu_2', name: 'weather', input: { city: 'Porto' } },
          ],
        },
        {
          role: 'user',
          content: [
            { type: 'tool_result', tool_use_id: 'toolu_1', content: '21°C' },
            {
              type: 'tool_result',
              tool_use_id: 'toolu_2',
              is_error: true,
              content: [{ type: 'text', text: 'station offline' }, image],
            },
            { type: 'text', text: 'And tomorrow?' },
          ],
        },
      ],
      tools: [{ name: 'weather', description: 'Weather now', input_schema: { type: 'object' } }],
      tool_choice: { type: 'any', disable_parallel_tool_use: true },
    });
    expect(chat.messages).toEqual([
      { role: 'user', content: 'Weather in Lisbon and Porto?' },
      {
        role: 'assistant',
        content: 'Checking.',
        tool_calls: [
          { id: 'toolu_1', type: 'function', function: { name: 'weather', arguments: '{"city":"Lisbon"}' } },
          { id: 'toolu_2', type: 'function', function: { name: 'weather', arguments: '{"city":"Porto"}' } },
        ],
      },
      { role: 'tool', tool_call_id: 'toolu_1', content: '21°C' },
      { role: 'tool', tool_call_id: 'toolu_2', content: 'Error: station offline' },
      {
        role: 'user',
        content: [
          { type: 'text', text: '(images returned by tool call toolu_2)' },
          { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } },
          { type: 'text', text: 'And tomorrow?' },
        ],
      },
    ]);
    expect(chat['tools']).toEqual([
      {
        type: 'function',
        function: { name: 'weather', description: 'Weather now', parameters: { type: 'object' } },
      },
    ]);
    expect(chat['tool_choice']).toBe('required');
    expect(chat['parallel_tool_calls']).toBe(false);
  });

  it('maps tool_choice tool and none, and leaves tool settings out without tools', () => {
    const tools = [{ name: 'f', input_schema: { type: 'object' } }];
    const messages = [{ role: 'user', content: 'x' }];
    expect(translate({ messages, tools, tool_choice: { type: 'tool', name: 'f' } })['tool_choice']).toEqual({
      type: 'function',
      function: { name: 'f' },
    });
    expect(translate({ messages, tools, tool_choice: { type: 'none' } })['tool_choice']).toBe('none');
    const without = translate({ messages, tool_choice: { type: 'any', disable_parallel_tool_use: true } });
    expect(without).not.toHaveProperty('tool_choice');
    expect(without).not.toHaveProperty('parallel_tool_calls');
  });

  it('passes images by URL and base64, and JSON output formats as response_format', () => {
    const chat = translate({
      messages: [
        {
          role: 'user',
          content: [image, { type: 'image', source: { type: 'url', url: 'https://example.com/a.png' } }],
        },
      ],
      output_config: { format: { type: 'json_schema', schema: { type: 'object' } } },
    });
    expect(chat.messages[0]).toEqual({
      role: 'user',
      content: [
        { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } },
        { type: 'image_url', image_url: { url: 'https://example.com/a.png' } },
      ],
    });
    expect(chat['response_format']).toEqual({
      type: 'json_schema',
      json_schema: { name: 'output', schema: { type: 'object' } },
    });
  });

  it.each([
    [{ messages: [{ role: 'user', content: 'x' }] }, 'max_tokens', /max_tokens: Field required/],
    [{ max_tokens: 5, messages: [] }, 'messages', /at least one message/],
    [
      { max_tokens: 5, messages: [{ role: 'user', content: [{ type: 'document', source: {} }] }] },
      'messages.0.content.0.type',
      /messages\.0\.content\.0\.type/,
    ],
    [
      {
        max_tokens: 5,
        messages: [{ role: 'user', content: 'x' }],
        tools: [{ type: 'web_search_20250305', name: 'web_search', max_uses: 3 }],
      },
      'tools.0.type',
      /server tools \("web_search_20250305"\) are not supported/,
    ],
    [
      {
        max_tokens: 5,
        messages: [{ role: 'user', content: [{ type: 'tool_use', id: 't', name: 'f', input: {} }] }],
      },
      'messages.0.content.0',
      /tool_use blocks are not allowed in user messages/,
    ],
    [{ max_tokens: 5, messages: [{ role: 'user', content: 5 }] }, 'messages.0.content', /must be a string/],
  ])('refuses %j with a 400 naming %s', (body, field, message) => {
    const error = refusal(body);
    expect(error.status).toBe(400);
    expect(error.issues?.[0]?.field).toBe(`body.${field}`);
    expect(error.message).toMatch(message);
  });
});

describe('OpenAI chat.completion → Anthropic message', () => {
  const options = { id: 'msg_1', model: 'target-model', stopSequences: [] };

  it('gives text and tool_use blocks with parsed input, the stop reason and uncached input tokens', () => {
    const message = toAnthropicMessage(
      JSON.stringify({
        model: 'small-1',
        choices: [
          {
            message: {
              role: 'assistant',
              content: 'On it.',
              tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'f', arguments: '{"a":1}' } }],
            },
            finish_reason: 'tool_calls',
          },
        ],
        usage: { prompt_tokens: 50, completion_tokens: 9, prompt_tokens_details: { cached_tokens: 10 } },
      }),
      options,
    );
    expect(message).toEqual({
      id: 'msg_1',
      type: 'message',
      role: 'assistant',
      model: 'small-1',
      content: [
        { type: 'text', text: 'On it.' },
        { type: 'tool_use', id: 'call_1', name: 'f', input: { a: 1 } },
      ],
      stop_reason: 'tool_use',
      stop_sequence: null,
      usage: {
        input_tokens: 40,
        output_tokens: 9,
        cache_read_input_tokens: 10,
        cache_creation_input_tokens: 0,
      },
    });
  });

  it('says max_tokens for length, and refuses what is no chat completion', () => {
    const cut = toAnthropicMessage(
      '{"choices":[{"message":{"content":"abc"},"finish_reason":"length"}]}',
      options,
    );
    expect(cut).toMatchObject({ model: 'target-model', stop_reason: 'max_tokens' });
    expect(toAnthropicMessage('<html>', options)).toBeUndefined();
    expect(toAnthropicMessage('{"choices":[]}', options)).toBeUndefined();
  });
});

describe('count_tokens estimate', () => {
  it('counts text by characters and images flat, whatever their size', () => {
    const small = parseAnthropicRequest(CountTokensRequestSchema, {
      messages: [{ role: 'user', content: 'x'.repeat(400) }],
    });
    const withImage = parseAnthropicRequest(CountTokensRequestSchema, {
      messages: [{ role: 'user', content: [{ type: 'text', text: 'x'.repeat(400) }, image] }],
    });
    expect(estimateInputTokens(small)).toBe(100 + 6);
    expect(estimateInputTokens(withImage)).toBe(100 + 1_600 + 6);
  });
});
