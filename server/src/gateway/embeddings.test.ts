import { describe, expect, it } from 'vitest';
import { EmbeddingsRequestSchema, estimateInputTokens, normaliseAnswer } from './embeddings.ts';

const vector = [0.5, -0.25, 0.125];
const base64 = Buffer.from(Float32Array.from(vector).buffer).toString('base64');
const answer = (value: unknown) => Buffer.from(JSON.stringify(value));
const list = (embedding: unknown, usage: unknown = { prompt_tokens: 7, total_tokens: 7 }) => ({
  object: 'list',
  data: [{ object: 'embedding', index: 0, embedding }],
  model: 'm',
  usage,
});

describe('normaliseAnswer', () => {
  it('passes an answer in the asked encoding through byte for byte, with its usage', () => {
    const raw = answer(list(vector));
    const normalised = normaliseAnswer(raw, 'float')!;
    expect(normalised.body).toBe(raw);
    expect(normalised.usage).toEqual({ prompt_tokens: 7 });
    const encoded = answer(list(base64));
    expect(normaliseAnswer(encoded, 'base64')!.body).toBe(encoded);
  });

  it('converts floats to base64 float32 and back when the upstream ignored encoding_format', () => {
    const toBase64 = JSON.parse(normaliseAnswer(answer(list(vector)), 'base64')!.body.toString());
    expect(toBase64.data[0].embedding).toBe(base64);
    const toFloats = JSON.parse(normaliseAnswer(answer(list(base64)), 'float')!.body.toString());
    expect(toFloats.data[0].embedding).toEqual(vector);
  });

  it('adds zero usage for clients when the upstream reports none, but accounts it as unknown', () => {
    const { usage: _reported, ...withoutUsage } = list(vector);
    for (const value of [withoutUsage, list(vector, null), list(vector, { total_tokens: 3 })]) {
      const normalised = normaliseAnswer(answer(value), 'float')!;
      expect(JSON.parse(normalised.body.toString()).usage).toEqual({ prompt_tokens: 0, total_tokens: 0 });
      expect(normalised.usage).toBeUndefined();
    }
  });

  it('refuses what is not an embedding list', () => {
    for (const value of ['not json', '[]', '{"data": {}}', '{"data": [1]}', '{"data": [{"embedding": 3}]}']) {
      expect(normaliseAnswer(Buffer.from(value), 'float'), value).toBeUndefined();
    }
  });
});

describe('estimateInputTokens', () => {
  it('counts token ids as themselves and text at about four characters a token', () => {
    expect(estimateInputTokens('abcdefgh')).toBe(2);
    expect(estimateInputTokens(['abcde', 'a'])).toBe(3);
    expect(estimateInputTokens([1, 2, 3])).toBe(3);
    expect(estimateInputTokens([[1, 2], [3]])).toBe(3);
  });
});

describe('EmbeddingsRequestSchema', () => {
  it('takes every input shape of OpenAI’s API and passes unknown fields on', () => {
    for (const input of ['a', ['a', 'b'], [1, 2], [[1], [2, 3]]]) {
      expect(EmbeddingsRequestSchema.safeParse({ model: 'm', input }).success, JSON.stringify(input)).toBe(
        true,
      );
    }
    expect(EmbeddingsRequestSchema.parse({ model: 'm', input: 'a', truncate: true })).toMatchObject({
      truncate: true,
    });
  });

  it('refuses empty, mixed and oversized inputs, naming the field', () => {
    for (const input of ['', [], [''], [1, 'a'], [[]], [-1], [1.5], Array(2049).fill('a')]) {
      const result = EmbeddingsRequestSchema.safeParse({ model: 'm', input });
      expect(result.success, JSON.stringify(input).slice(0, 40)).toBe(false);
      expect(result.error!.issues[0]!.path[0]).toBe('input');
    }
  });
});
