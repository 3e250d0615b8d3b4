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

const typeNames: Record<string, string> = {
  PERSON: 'names',
  EMAIL: 'emails',
  PHONE: 'phone numbers',
  CREDIT_CARD: 'card numbers',
  IBAN: 'IBANs',
  IP_ADDRESS: 'IP addresses',
  US_SSN: 'social security numbers',
  URL: 'URLs',
  STREET_ADDRESS: 'addresses',
  LOCATION: 'places',
  ORGANIZATION: 'organisations',
  DATE_OF_BIRTH: 'dates of birth',
  SECRET: 'secrets',
};

/**
 * What the privacy proxy protected in an answer's call (counts by type): `3 items protected` and, for its title,
 * `2 names, 1 email` (a tenant's own types by their name). Undefined when nothing was.
 */
export function protectedSummary(
  counts: Record<string, number>,
): { label: string; detail: string } | undefined {
  const entries = Object.entries(counts).filter(([, count]) => count > 0);
  const total = entries.reduce((sum, [, count]) => sum + count, 0);
  if (total === 0) return undefined;
  const detail = entries
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .map(([type, count]) => {
      const name = typeNames[type] ?? type.toLowerCase().replaceAll('_', ' ');
      return `${count} ${count === 1 && name.endsWith('s') && typeNames[type] ? name.slice(0, -1) : name}`;
    })
    .join(', ');
  return { label: `${total} ${total === 1 ? 'item' : 'items'} protected`, detail };
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
