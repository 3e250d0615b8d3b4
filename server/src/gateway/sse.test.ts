import { describe, expect, it } from 'vitest';
import { isDoneEvent, SseSplitter, usageOfEvent } from './sse.ts';

describe('SseSplitter', () => {
  it('yields whole events across arbitrary chunk boundaries', () => {
    const splitter = new SseSplitter();
    expect(splitter.push('data: {"a":1}\n\nda')).toEqual(['data: {"a":1}\n\n']);
    expect(splitter.push('ta: {"b":2}\n')).toEqual([]);
    expect(splitter.push('\ndata: [DONE]\n\n')).toEqual(['data: {"b":2}\n\n', 'data: [DONE]\n\n']);
    expect(splitter.rest()).toBe('');
  });
});

describe('usageOfEvent', () => {
  it('finds usage in the final chunk and says whether it carries choices', () => {
    const event = 'data: {"choices":[],"usage":{"prompt_tokens":3,"completion_tokens":5}}\n\n';
    expect(usageOfEvent(event)).toEqual({
      usage: { prompt_tokens: 3, completion_tokens: 5 },
      choicesEmpty: true,
    });
    expect(usageOfEvent('data: {"choices":[{"delta":{"content":"hi"}}],"usage":null}\n\n')).toBeUndefined();
    expect(isDoneEvent('data: [DONE]\n\n')).toBe(true);
  });
});
