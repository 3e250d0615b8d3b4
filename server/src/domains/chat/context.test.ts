import { describe, expect, it } from 'vitest';
import { estimateTokens, fitContext, systemPromptOf, type PromptMessage } from './context.ts';

const turn = (role: 'user' | 'assistant', words: number, tag: string): PromptMessage => ({
  role,
  content: `${tag} ${'word '.repeat(words)}`.trim(),
});

describe('fitContext', () => {
  const branch: PromptMessage[] = [
    turn('user', 30, 'q1'),
    turn('assistant', 30, 'a1'),
    turn('user', 30, 'q2'),
    turn('assistant', 30, 'a2'),
    turn('user', 30, 'q3'),
  ];
  const cost = (messages: PromptMessage[]) => messages.reduce((sum, m) => sum + estimateTokens(m), 0);
  const system = 'You are terse.';

  it('sends everything when it fits, the system prompt first', () => {
    const fitted = fitContext(system, branch, 10_000, 100);
    expect(fitted.messages.map((m) => m.content.slice(0, 2))).toEqual(['Yo', 'q1', 'a1', 'q2', 'a2', 'q3']);
    expect(fitted.dropped).toBe(0);
    expect(fitted.estimatedTokens).toBe(cost(fitted.messages));
  });

  it('at the edge of the window: exactly fitting keeps all, one token less drops the oldest turn', () => {
    const reserve = 50;
    const all = cost([{ role: 'system', content: system }, ...branch]);
    expect(fitContext(system, branch, all + reserve, reserve).dropped).toBe(0);
    const tight = fitContext(system, branch, all + reserve - 1, reserve);
    // The oldest question goes, and with it its answer (a branch never starts with an answer).
    expect(tight.dropped).toBe(2);
    expect(tight.messages.map((m) => m.content.slice(0, 2))).toEqual(['Yo', 'q2', 'a2', 'q3']);
    expect(tight.estimatedTokens).toBeLessThanOrEqual(all + reserve - 1 - reserve);
  });

  it('never drops the system prompt, and always sends the newest message', () => {
    const fitted = fitContext(system, branch, 20, 10);
    expect(fitted.messages.map((m) => m.content.slice(0, 2))).toEqual(['Yo', 'q3']);
    expect(fitted.dropped).toBe(4);
  });

  it('has no system message when there is no prompt', () => {
    expect(fitContext('  ', branch.slice(0, 1), 1_000, 10).messages).toEqual(branch.slice(0, 1));
  });

  it('counts characters, not UTF-16 units', () => {
    expect(estimateTokens({ role: 'user', content: '😀😀😀' })).toBe(1 + 4);
  });

  it('joins the project instructions and the thread prompt', () => {
    expect(systemPromptOf('Project rules.', 'Thread rules.')).toBe('Project rules.\n\nThread rules.');
    expect(systemPromptOf(undefined, null)).toBe('');
    expect(systemPromptOf('  ', 'Only this.')).toBe('Only this.');
  });
});
