const integer = new Intl.NumberFormat('en-US');

export function formatTokens(n: number): string {
  return `${integer.format(n)} token${n === 1 ? '' : 's'}`;
}

/** US dollars with enough digits to show a fraction of a cent (most single answers cost less). */
export function formatCost(usd: number): string {
  if (usd === 0) return '$0';
  const digits = usd >= 1 ? 2 : usd >= 0.01 ? 3 : usd >= 0.0001 ? 5 : 7;
  return `$${usd.toFixed(digits).replace(/(\.\d*?[1-9])0+$/, '$1')}`;
}

/** Under an answer: `120 → 48 tokens · $0.00031`, or `cost unknown` when the model has no price. */
export function answerUsage(
  usage: { inputTokens: number; outputTokens: number },
  costUsd: number | null,
): string {
  const tokens = `${integer.format(usage.inputTokens)} → ${formatTokens(usage.outputTokens)}`;
  return `${tokens} · ${costUsd === null ? 'cost unknown' : formatCost(costUsd)}`;
}

/** A thread's total: tokens, cost of the priced answers, and how many were not priced. */
export function threadTotal(totals: {
  inputTokens: number;
  outputTokens: number;
  costUsd: number;
  unpricedAnswers: number;
}): string {
  const unpriced = totals.unpricedAnswers > 0 ? ` (+${totals.unpricedAnswers} unpriced)` : '';
  return `${formatTokens(totals.inputTokens + totals.outputTokens)} · ${formatCost(totals.costUsd)}${unpriced}`;
}
