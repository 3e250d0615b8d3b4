import { parseTypeFilter, type EventHub, type LogEvent } from '../../jobs/index.ts';
import { agentRunUpdated } from './events.ts';
import type { RunState } from './schema.ts';

function concerns(
  event: LogEvent,
  runId: string,
  wanted: ((state: RunState) => boolean) | undefined,
): boolean {
  if (!event.payloadJson.includes(runId)) return false;
  if (!wanted) return true;
  const payload = JSON.parse(event.payloadJson) as { runId?: string; state?: RunState };
  return payload.runId === runId && payload.state !== undefined && wanted(payload.state);
}

/**
 * Wakes whoever waits for a run to change: on the event hub's `agent.run.updated` notices (from any process), or
 * after a while at the latest, since a notice can be lost. Without a hub it is only the while.
 */
export class RunNotices {
  readonly #stream: AsyncGenerator<LogEvent[], void, undefined> | undefined;
  readonly #signal: AbortSignal;
  readonly #aborted: Promise<'aborted'>;
  #pending: Promise<IteratorResult<LogEvent[]>> | undefined;

  private constructor(stream: AsyncGenerator<LogEvent[], void, undefined> | undefined, signal: AbortSignal) {
    this.#stream = stream;
    this.#signal = signal;
    this.#aborted = new Promise((resolve) => {
      if (signal.aborted) resolve('aborted');
      else signal.addEventListener('abort', () => resolve('aborted'), { once: true });
    });
  }

  /** Listens from now on, until `signal` aborts. */
  static async open(hub: EventHub | undefined, tenantId: string, signal: AbortSignal): Promise<RunNotices> {
    const stream = hub
      ? await hub.follow({ tenantId, types: parseTypeFilter(agentRunUpdated.type), signal })
      : undefined;
    return new RunNotices(stream, signal);
  }

  /**
   * Resolves on a notice about `runId` (whose new state `wanted` accepts, when given), after `ms`, or when the
   * signal aborts, whichever comes first.
   */
  async next(runId: string, ms: number, wanted?: (state: RunState) => boolean): Promise<void> {
    const deadline = Date.now() + ms;
    while (Date.now() < deadline && !this.#signal.aborted) {
      const left = Math.max(1, deadline - Date.now());
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<'timeout'>(
        (resolve) => (timer = setTimeout(() => resolve('timeout'), left)),
      );
      if (!this.#stream) {
        await Promise.race([timeout, this.#aborted]);
        clearTimeout(timer);
        return;
      }
      // One read in flight at a time: a notice that arrives after the timeout is kept for the next call.
      this.#pending ??= this.#stream.next();
      const next = await Promise.race([this.#pending, timeout, this.#aborted]);
      clearTimeout(timer);
      if (next === 'timeout' || next === 'aborted') return;
      this.#pending = undefined;
      if (next.done || next.value.some((event) => concerns(event, runId, wanted))) return;
    }
  }
}
