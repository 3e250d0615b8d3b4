import { formatCost } from '../chat/format.ts';

export { formatCost };

const integer = new Intl.NumberFormat('en-US');
const compact = new Intl.NumberFormat('en-US', { notation: 'compact', maximumFractionDigits: 1 });
const dayFormat = new Intl.DateTimeFormat('en-US', { month: 'short', day: 'numeric', timeZone: 'UTC' });

export const formatInteger = (n: number): string => integer.format(n);

/** Axis labels and tight spots: 950, 1.2K, 3.4M. */
export const formatCompact = (n: number): string => compact.format(n);

/** `2026-03-05` → `Mar 5` (a UTC day). */
export const formatDay = (day: string): string => dayFormat.format(new Date(`${day}T00:00:00Z`));

/** A cost for an axis tick: short, but never `$0` for a small non-zero step. */
export function formatCostTick(usd: number): string {
  if (usd === 0) return '$0';
  if (usd >= 1000) return `$${compact.format(usd)}`;
  return formatCost(usd);
}

/** `provider/model`, or what a null group means: requests that never reached a provider. */
export const modelLabel = (group: string | null): string => group ?? 'not routed';

/**
 * What a chart shows, in one sentence for screen readers: the total, the busiest entry and how many have any.
 * `entries` are label and value pairs; `unit` names what an entry is.
 */
export function chartSummary(
  title: string,
  entries: { label: string; value: number }[],
  format: (n: number) => string,
  unit: 'day' | 'model',
): string {
  const total = entries.reduce((sum, e) => sum + e.value, 0);
  const used = entries.filter((e) => e.value > 0);
  if (!used.length) return `${title}: nothing in this period.`;
  const top = used.reduce((best, e) => (e.value > best.value ? e : best));
  const plural = (n: number) => `${n} ${unit}${n === 1 ? '' : 's'}`;
  return `${title}: ${format(total)} in total over ${plural(used.length)}; the most, ${format(top.value)}, ${unit === 'day' ? 'on' : 'for'} ${top.label}.`;
}
