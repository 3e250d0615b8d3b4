import { describe, expect, it } from 'vitest';
import {
  draftOf,
  emptyDraft,
  formatTargets,
  parseHeaders,
  parseTargets,
  providerInput,
  providerPatch,
} from './providers.ts';
import type { Provider } from './types.ts';

const stored: Provider = {
  id: 'mine',
  type: 'openai-compatible',
  baseURL: 'http://127.0.0.1:8000/v1',
  apiKey: '••••abcd',
  headers: { 'X-Team': '••••' },
  local: null,
  createdAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-01T00:00:00.000Z',
};

describe('provider form', () => {
  it('sends only the fields that were filled in', () => {
    expect(providerInput({ ...emptyDraft, id: ' myopenai ', apiKey: 'sk-1' }).value).toEqual({
      id: 'myopenai',
      type: 'openai',
      apiKey: 'sk-1',
    });
    expect(
      providerInput({
        ...emptyDraft,
        id: 'local',
        type: 'openai-compatible',
        baseURL: 'http://127.0.0.1:8000/v1 ',
        local: 'no',
        headers: 'X-Team: blue\n\nX-Other:  two words ',
      }).value,
    ).toEqual({
      id: 'local',
      type: 'openai-compatible',
      baseURL: 'http://127.0.0.1:8000/v1',
      local: false,
      headers: { 'X-Team': 'blue', 'X-Other': 'two words' },
    });
  });

  it('refuses headers that are not Name: value', () => {
    expect(parseHeaders('X-Ok: 1\nnot a header').error).toMatch(/^Line 2/);
    expect(parseHeaders(': value').error).toMatch(/^Line 1/);
    expect(parseHeaders('').value).toEqual({});
  });

  it('patches what changed, keeps the key unless a new one is typed, and removes with null', () => {
    const draft = draftOf(stored);
    expect(draft).toMatchObject({ id: 'mine', baseURL: stored.baseURL, local: 'auto', apiKey: '' });
    expect(providerPatch(stored, draft).value).toEqual({});
    expect(providerPatch(stored, { ...draft, apiKey: 'sk-new', local: 'yes' }).value).toEqual({
      apiKey: 'sk-new',
      local: true,
    });
    expect(providerPatch(stored, { ...draft, type: 'openai', baseURL: '', removeKey: true }).value).toEqual({
      type: 'openai',
      baseURL: null,
      apiKey: null,
    });
    expect(providerPatch(stored, { ...draft, removeHeaders: true, headers: 'A: b' }).value).toEqual({
      headers: null,
    });
    expect(providerPatch(stored, { ...draft, headers: 'A: b' }).value).toEqual({ headers: { A: 'b' } });
    expect(providerPatch({ ...stored, local: true }, draft).value).toEqual({ local: null });
  });
});

describe('alias targets', () => {
  it('reads provider/model lines, splitting at the first slash', () => {
    expect(parseTargets('mine/llama3\n openrouter/openai/gpt-4o ,fake/small-1').value).toEqual([
      { provider: 'mine', model: 'llama3' },
      { provider: 'openrouter', model: 'openai/gpt-4o' },
      { provider: 'fake', model: 'small-1' },
    ]);
    expect(formatTargets([{ provider: 'a', model: 'b/c' }])).toBe('a/b/c');
  });

  it('says what is wrong', () => {
    expect(parseTargets('').error).toMatch(/at least one/);
    expect(parseTargets('gpt-4o').error).toMatch(/provider\/model/);
    expect(parseTargets('/gpt-4o').error).toMatch(/provider\/model/);
    expect(parseTargets('mine/').error).toMatch(/provider\/model/);
  });
});
