import type { Parsed } from './providers.ts';

/** The server's bounds for `retentionDays` (server/src/domains/chat/retention.ts). */
export const minRetentionDays = 1;
export const maxRetentionDays = 36_500;

/** The form's choice into `retentionDays`: null keeps threads forever. */
export function parseRetention(keep: 'forever' | 'days', daysText: string): Parsed<number | null> {
  if (keep === 'forever') return { value: null };
  const text = daysText.trim();
  const days = Number(text);
  if (!/^\d+$/.test(text) || days < minRetentionDays || days > maxRetentionDays) {
    return {
      error: `Enter a whole number of days from ${minRetentionDays} to ${maxRetentionDays.toLocaleString('en-US')}`,
    };
  }
  return { value: days };
}

export function describeRetention(days: number | null): string {
  if (days === null) return 'Threads are kept until someone deletes them.';
  return `Threads without activity for ${days.toLocaleString('en-US')} day${days === 1 ? '' : 's'} are deleted every night (03:17 UTC), with their messages.`;
}
