import { describe, expect, it } from 'vitest';
import { AnthropicStreamTranslator } from './stream.ts';

const options = { id: 'msg_test', model: 'fallback-model', stopSequences: ['END'] };

const chunk = (choice: Record<string, unknown> | null, extra: Record<string, unknown> = {}) =>
  `data: ${JSON.stringify({
    id: 'chatcmpl-1',
    object: 'chat.completion.chunk',
    model: 'upstream-model',
    choices: choice ? [{ index: 0, delta: {}, finish_reason: null, ...choice }] : [],
    ...extra,
  })}\n\n`;
const text = (content: string) => chunk({ delta: { content } });
const toolStart = (index: number, id: string, name: string, args = '') =>
  chunk({ delta: { tool_calls: [{ index, id, type: 'function', function: { name, arguments: args } }] } });
const toolArgs = (index: number, args: string) =>
  chunk({ delta: { tool_calls: [{ index, function: { arguments: args } }] } });
const finish = (reason: string, extra: Record<string, unknown> = {}) =>
  chunk({ delta: {}, finish_reason: reason, ...extra });
const usage = chunk(null, {
  usage: { prompt_tokens: 120, completion_tokens: 30, prompt_tokens_details: { cached_tokens: 20 } },
});
const done = 'data: [DONE]\n\n';

interface Parsed {
  event: string;
  data: Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
}

/** Feeds the events one by one, as the router yields them, and parses what comes out. */
function run(events: string[], translator = new AnthropicStreamTranslator(options)): Parsed[] {
  const out = events.flatMap((event) => translator.push(event));
  return out.map((raw) => {
    expect(raw).toMatch(/^event: [a-z_]+\ndata: .+\n\n$/s);
    const [eventLine, dataLine] = raw.trimEnd().split('\n');
    return { event: eventLine!.slice(7), data: JSON.parse(dataLine!.slice(6)) as Parsed['data'] };
  });
}

/** The blocks and stop reason a client rebuilds from the events, as the Anthropic SDK does. */
function assemble(events: Parsed[]) {
  const blocks: Record<string, any>[] = []; // eslint-disable-line @typescript-eslint/no-explicit-any
  let stop: unknown;
  let usageOut: unknown;
  for (const { data } of events) {
    if (data.type === 'content_block_start') blocks[data.index] = { ...data.content_block, json: '' };
    if (data.type === 'content_block_delta' && data.delta.type === 'text_delta')
      blocks[data.index]!.text += data.delta.text;
    if (data.type === 'content_block_delta' && data.delta.type === 'input_json_delta')
      blocks[data.index]!.json += data.delta.partial_json;
    if (data.type === 'message_delta') {
      stop = data.delta.stop_reason;
      usageOut = data.usage;
    }
  }
  return { blocks, stop, usage: usageOut };
}

describe('AnthropicStreamTranslator', () => {
  it('turns a text answer into message_start, one text block, message_delta with the final usage, message_stop', () => {
    const events = run([
      chunk({ delta: { role: 'assistant', content: '' } }),
      text('Hello'),
      text(' there'),
      finish('stop'),
      usage,
      done,
    ]);
    expect(events.map((e) => e.event)).toEqual([
      'message_start',
      'content_block_start',
      'content_block_delta',
      'content_block_delta',
      'content_block_stop',
      'message_delta',
      'message_stop',
    ]);
    expect(events[0]!.data.message).toMatchObject({
      id: 'msg_test',
      type: 'message',
      role: 'assistant',
      model: 'upstream-model',
      content: [],
      stop_reason: null,
      usage: { input_tokens: 0, output_tokens: 0 },
    });
    expect(assemble(events)).toEqual({
      blocks: [{ type: 'text', text: 'Hello there', json: '' }],
      stop: 'end_turn',
      usage: {
        input_tokens: 100,
        output_tokens: 30,
        cache_read_input_tokens: 20,
        cache_creation_input_tokens: 0,
      },
    });
  });

  it('reassembles a tool call whose arguments arrive in many small chunks', () => {
    const args = JSON.stringify({ city: 'Lisbon', units: 'metric', days: [1, 2, 3] });
    const pieces = args.match(/.{1,3}/gs)!;
    const events = run([
      toolStart(0, 'call_abc', 'get_weather'),
      ...pieces.map((piece) => toolArgs(0, piece)),
      finish('tool_calls'),
      usage,
      done,
    ]);
    const { blocks, stop } = assemble(events);
    expect(blocks).toEqual([
      { type: 'tool_use', id: 'call_abc', name: 'get_weather', input: {}, json: args },
    ]);
    expect(JSON.parse(blocks[0]!.json as string)).toEqual({
      city: 'Lisbon',
      units: 'metric',
      days: [1, 2, 3],
    });
    expect(stop).toBe('tool_use');
    expect(events.filter((e) => e.event === 'content_block_delta')).toHaveLength(pieces.length);
  });

  it('gives text and two tool calls one block each, in order, each started and stopped', () => {
    const events = run([
      text('Let me check '),
      text('both.'),
      toolStart(0, 'call_1', 'lookup', '{"q":'),
      toolArgs(0, '"a"}'),
      toolStart(1, 'call_2', 'lookup'),
      toolArgs(1, '{"q":"b"}'),
      finish('tool_calls'),
      usage,
      done,
    ]);
    const { blocks, stop } = assemble(events);
    expect(blocks).toEqual([
      { type: 'text', text: 'Let me check both.', json: '' },
      { type: 'tool_use', id: 'call_1', name: 'lookup', input: {}, json: '{"q":"a"}' },
      { type: 'tool_use', id: 'call_2', name: 'lookup', input: {}, json: '{"q":"b"}' },
    ]);
    expect(stop).toBe('tool_use');
    // Strictly one block at a time: each start is followed by its own stop before the next start.
    const framing = events
      .filter((e) => e.event === 'content_block_start' || e.event === 'content_block_stop')
      .map((e) => `${e.event === 'content_block_start' ? 'start' : 'stop'}:${e.data.index as number}`);
    expect(framing).toEqual(['start:0', 'stop:0', 'start:1', 'stop:1', 'start:2', 'stop:2']);
  });

  it('starts a tool block only once the name is known, and splits calls sent whole in one chunk', () => {
    const both = chunk({
      delta: {
        tool_calls: [
          { index: 0, id: 'call_a', function: { name: 'one', arguments: '{}' } },
          { index: 1, id: 'call_b', function: { name: 'two', arguments: '{"x":1}' } },
        ],
      },
    });
    const nameLater = [
      chunk({ delta: { tool_calls: [{ index: 2, id: 'call_c', function: { arguments: '{"y"' } }] } }),
      chunk({ delta: { tool_calls: [{ index: 2, function: { name: 'three', arguments: ':2}' } }] } }),
    ];
    // Ollama-style: the finish reason says stop although the answer is tool calls.
    const { blocks, stop } = assemble(run([both, ...nameLater, finish('stop'), done]));
    expect(blocks.map((b) => [b.name, b.json])).toEqual([
      ['one', '{}'],
      ['two', '{"x":1}'],
      ['three', '{"y":2}'],
    ]);
    expect(stop).toBe('tool_use');
  });

  it('maps finish reasons, and a stop sequence the upstream names', () => {
    const stopOf = (events: string[]) => run(events).find((e) => e.event === 'message_delta')!.data.delta;
    expect(stopOf([text('x'), finish('length'), done])).toEqual({
      stop_reason: 'max_tokens',
      stop_sequence: null,
    });
    expect(stopOf([text('x'), finish('content_filter'), done]).stop_reason).toBe('refusal');
    expect(stopOf([text('x'), finish('stop', { stop_reason: 'END' }), done])).toEqual({
      stop_reason: 'stop_sequence',
      stop_sequence: 'END',
    });
  });

  it('ends with an error event when the router reports a broken stream, and says nothing after it', () => {
    const translator = new AnthropicStreamTranslator(options);
    const broken = `data: ${JSON.stringify({
      error: {
        message: 'The upstream stream broke off: socket hang up',
        code: 'upstream_stream_interrupted',
      },
    })}\n\n`;
    const events = run([text('Hel'), broken, text('lo'), done], translator);
    expect(events.map((e) => e.event)).toEqual([
      'message_start',
      'content_block_start',
      'content_block_delta',
      'error',
    ]);
    expect(events.at(-1)!.data).toEqual({
      type: 'error',
      error: { type: 'api_error', message: 'The upstream stream broke off: socket hang up' },
    });
    expect(translator.finished).toBe(true);
    expect(translator.end()).toEqual([]);
  });

  it('reports a stream that ended without [DONE] or an error, and ignores comments and keep-alives', () => {
    const translator = new AnthropicStreamTranslator(options);
    expect(translator.push(': OPENROUTER PROCESSING\n\n')).toEqual([]);
    run([text('partial')], translator);
    expect(translator.finished).toBe(false);
    const [ending] = translator.end();
    expect(ending).toMatch(/^event: error\n/);
    expect(translator.push(done)).toEqual([]);
  });

  it('carries the usage in message_start when the first chunk already has it', () => {
    const first = chunk({ delta: { content: 'Hi' } }, { usage: { prompt_tokens: 7, completion_tokens: 1 } });
    const events = run([first, done]);
    expect(events[0]!.data.message.usage).toMatchObject({ input_tokens: 7 });
    expect(events.find((e) => e.event === 'message_delta')!.data.usage).toMatchObject({ output_tokens: 1 });
  });
});
