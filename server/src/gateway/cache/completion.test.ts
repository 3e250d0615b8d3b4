import { describe, expect, it } from 'vitest';
import { renderChat, type ReplySpec } from '../../../test/fakes/openai-wire.ts';
import { CompletionAccumulator, completionOfBody, replayEvents } from './completion.ts';

const turn = {
  id: 'chatcmpl-1',
  created: 1_700_000_000,
  model: 'small-1',
  includeUsage: true,
  promptTokens: 12,
};
const streamOf = (spec: ReplySpec) => renderChat(spec, { ...turn, stream: true });
const wholeOf = (spec: ReplySpec) => renderChat(spec, { ...turn, stream: false })[0]!;

function accumulate(events: string[], maxBytes = 1024 * 1024) {
  const accumulator = new CompletionAccumulator(maxBytes);
  for (const event of events) accumulator.push(event);
  return accumulator.result();
}

const text: ReplySpec = { text: 'Hello there, general Kenobi.' };
const tools: ReplySpec = {
  text: null,
  toolCalls: [
    { name: 'get_weather', arguments: { city: 'Zürich', unit: 'celsius' }, id: 'call_a' },
    { name: 'get_time', arguments: { zone: 'Europe/Zurich' }, id: 'call_b' },
  ],
};

describe('CompletionAccumulator', () => {
  it('builds from a stream what the upstream answers whole: text, finish reason, usage', () => {
    const streamed = accumulate(streamOf(text));
    const whole = completionOfBody(wholeOf(text))!;
    expect(streamed).toMatchObject({
      id: 'chatcmpl-1',
      object: 'chat.completion',
      model: 'small-1',
      choices: [{ index: 0, message: { role: 'assistant', content: 'Hello there, general Kenobi.' } }],
      usage: whole.usage,
    });
    expect(streamed!.choices[0]!.finish_reason).toBe('stop');
  });

  it('joins tool calls sent in fragments, each with its id and name', () => {
    const streamed = accumulate(streamOf(tools))!;
    const whole = completionOfBody(wholeOf(tools))!;
    expect(streamed.choices[0]!.message.tool_calls).toEqual(
      whole.choices[0]!.message.tool_calls!.map(({ id, type, function: fn }) => ({ id, type, function: fn })),
    );
    expect(streamed.choices[0]!.message.content).toBeNull();
    expect(streamed.choices[0]!.finish_reason).toBe('tool_calls');
  });

  it('keeps nothing of a stream with an error event, an unfinished answer, a filtered one or a too long one', () => {
    const events = streamOf(text);
    const error = `data: ${JSON.stringify({ error: { message: 'boom' } })}\n\n`;
    expect(accumulate([...events.slice(0, 2), error, ...events.slice(2)])).toBeUndefined();
    expect(accumulate(events.slice(0, 3))).toBeUndefined(); // no finish reason yet
    expect(accumulate(streamOf({ ...text, finishReason: 'content_filter' }))).toBeUndefined();
    expect(accumulate(events, 10)).toBeUndefined();
    expect(accumulate(['data: {not json\n\n', ...events])).toBeUndefined();
  });
});

describe('completionOfBody', () => {
  it('takes a whole chat completion and refuses errors and unfinished answers', () => {
    expect(completionOfBody(wholeOf(text))?.choices[0]!.message.content).toBe('Hello there, general Kenobi.');
    expect(completionOfBody('{"error":{"message":"nope"}}')).toBeUndefined();
    expect(completionOfBody('not json')).toBeUndefined();
    const errored = JSON.parse(wholeOf(text)) as { choices: { finish_reason: string }[] };
    errored.choices[0]!.finish_reason = 'error';
    expect(completionOfBody(JSON.stringify(errored))).toBeUndefined();
  });
});

describe('replayEvents', () => {
  it('replays a completion as a stream that accumulates back to the same completion', () => {
    for (const spec of [text, tools, { text: 'Let me look.', toolCalls: tools.toolCalls! }]) {
      const completion = completionOfBody(wholeOf(spec))!;
      const events = replayEvents(completion, true);
      expect(events.at(-1)).toBe('data: [DONE]\n\n');
      const again = accumulate(events)!;
      expect(again.choices[0]!.message.content).toEqual(completion.choices[0]!.message.content);
      expect(again.choices[0]!.message.tool_calls ?? []).toEqual(
        (completion.choices[0]!.message.tool_calls ?? []).map(({ id, type, function: fn }) => ({
          id,
          type,
          function: fn,
        })),
      );
      expect(again.usage).toEqual(completion.usage);
      expect(again.choices[0]!.finish_reason).toBe(completion.choices[0]!.finish_reason);
    }
  });

  it('sends the usage chunk only when the client asked for it', () => {
    const completion = completionOfBody(wholeOf(text))!;
    const usageChunks = (events: string[]) => events.filter((event) => event.includes('"usage"')).length;
    expect(usageChunks(replayEvents(completion, true))).toBe(1);
    expect(usageChunks(replayEvents(completion, false))).toBe(0);
    const chunk = JSON.parse(replayEvents(completion, false)[0]!.slice(6)) as Record<string, unknown>;
    expect(chunk).toMatchObject({ id: 'chatcmpl-1', object: 'chat.completion.chunk', model: 'small-1' });
  });
});
