/** A message as sent to the model (the OpenAI chat shape the gateway takes). */
export interface PromptMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

/**
 * Tokens of a text, estimated without the model's tokenizer (which Fidus does not have for every provider): about
 * four characters per token for English, fewer for other scripts — so code points ÷ 3, rounded up, which errs on
 * the side of sending less. Plus a few tokens of per-message framing.
 */
export function estimateTokens(message: PromptMessage): number {
  let codePoints = 0;
  for (const _ of message.content) codePoints++;
  return Math.ceil(codePoints / 3) + 4;
}

export interface FittedContext {
  messages: PromptMessage[];
  /** Turns of the branch left out, oldest first. */
  dropped: number;
  estimatedTokens: number;
}

/**
 * The prompt of one answer: the system prompt (never dropped), then as much of the branch as fits in the context
 * window with `reserveOutputTokens` left for the answer — the oldest turns go first. The newest message (the one
 * being answered) is always sent, even alone over the budget: the provider then says what is wrong.
 */
export function fitContext(
  system: string,
  branch: readonly PromptMessage[],
  contextWindow: number,
  reserveOutputTokens: number,
): FittedContext {
  const head: PromptMessage[] = system.trim() === '' ? [] : [{ role: 'system', content: system }];
  let budget = contextWindow - reserveOutputTokens - head.reduce((sum, m) => sum + estimateTokens(m), 0);
  let start = branch.length;
  let used = 0;
  for (let i = branch.length - 1; i >= 0; i--) {
    const cost = estimateTokens(branch[i]!);
    if (i < branch.length - 1 && cost > budget) break;
    budget -= cost;
    used += cost;
    start = i;
  }
  // A branch must not start with an answer whose question was dropped.
  while (start < branch.length - 1 && branch[start]!.role === 'assistant') {
    used -= estimateTokens(branch[start]!);
    start++;
  }
  const messages = [...head, ...branch.slice(start)];
  return {
    messages,
    dropped: start,
    estimatedTokens: used + head.reduce((sum, m) => sum + estimateTokens(m), 0),
  };
}

/** The system prompt of a thread: its project's instructions, then its own. */
export function systemPromptOf(
  projectInstructions: string | null | undefined,
  threadPrompt: string | null,
): string {
  return [projectInstructions, threadPrompt]
    .filter((part): part is string => typeof part === 'string' && part.trim() !== '')
    .join('\n\n');
}
