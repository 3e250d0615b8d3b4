/**
 * Splits a byte stream of server-sent events into whole events (`data: …\n\n`) so that they can be passed on
 * unchanged, inspected only where needed.
 */
export class SseSplitter {
  #pending = '';

  /** Returns the complete events in `chunk` (each with its trailing blank line); keeps the rest for later. */
  push(chunk: Buffer | string): string[] {
    this.#pending += typeof chunk === 'string' ? chunk : chunk.toString('utf8');
    const events: string[] = [];
    let start = 0;
    for (;;) {
      const end = this.#pending.indexOf('\n\n', start);
      if (end === -1) break;
      events.push(this.#pending.slice(start, end + 2));
      start = end + 2;
    }
    this.#pending = this.#pending.slice(start);
    return events;
  }

  /** Whatever arrived without its closing blank line. */
  rest(): string {
    return this.#pending;
  }
}

export interface OpenAiUsage {
  prompt_tokens?: number;
  completion_tokens?: number;
  prompt_tokens_details?: { cached_tokens?: number } | null;
  completion_tokens_details?: { reasoning_tokens?: number } | null;
}

/** The data of a `data: {...}` event, parsed only when it carries usage (most chunks do not). */
export function usageOfEvent(event: string): { usage: OpenAiUsage; choicesEmpty: boolean } | undefined {
  if (!event.includes('"usage":{') && !event.includes('"usage": {')) return undefined;
  const data = event.startsWith('data:') ? event.slice(5).trim() : undefined;
  if (!data) return undefined;
  try {
    const parsed = JSON.parse(data) as { usage?: OpenAiUsage | null; choices?: unknown[] };
    if (!parsed.usage) return undefined;
    return { usage: parsed.usage, choicesEmpty: !parsed.choices || parsed.choices.length === 0 };
  } catch {
    return undefined;
  }
}

export const isDoneEvent = (event: string): boolean => event.startsWith('data: [DONE]');
