import { ApiError } from '../api/client.ts';
import { readSse, type SseEvent } from '../api/sse.ts';
import type { Run, RunState, RunWithSteps, Step } from './types.ts';

/** The events of `GET /runs/:id/events`: the run's own fields, or one step as it is now. */
export type RunEvent = { type: 'run'; run: Run } | { type: 'step'; step: Step };

/** Ended for good: nothing more will happen to the run. */
export const endedStates: readonly RunState[] = ['completed', 'failed', 'cancelled'];
export const isEnded = (state: RunState): boolean => endedStates.includes(state);

export function decodeRunEvent(raw: SseEvent): RunEvent | undefined {
  let data: unknown;
  try {
    data = JSON.parse(raw.data);
  } catch {
    return undefined;
  }
  if (!data || typeof data !== 'object') return undefined;
  if (raw.event === 'run') return { type: 'run', run: data as Run };
  if (raw.event === 'step') return { type: 'step', step: data as Step };
  return undefined;
}

/**
 * Applies an event to a run. Both carry revisions: an older copy than the one held (a replay after a resume, a
 * snapshot read while the stream was ahead) changes nothing, so events may arrive twice or out of order.
 */
export function applyRunEvent(run: RunWithSteps, event: RunEvent): RunWithSteps {
  if (event.type === 'run') {
    if (event.run.revision < run.revision) return run;
    const { steps: _ignored, ...fields } = event.run as Run & { steps?: unknown };
    return { ...run, ...fields, steps: run.steps };
  }
  const { step } = event;
  const at = run.steps.findIndex((s) => s.id === step.id);
  if (at >= 0 && run.steps[at]!.revision > step.revision) return run;
  const steps = at >= 0 ? run.steps.map((s, i) => (i === at ? step : s)) : [...run.steps, step];
  if (at < 0) steps.sort((a, b) => a.index - b.index);
  return { ...run, steps };
}

/** A newer snapshot (`GET /runs/:id`, an action's answer) merged with what is held, newest copy of each part. */
export function mergeRun(held: RunWithSteps | undefined, next: Run | RunWithSteps): RunWithSteps {
  const base: RunWithSteps = held ?? { ...next, steps: [] };
  let merged = applyRunEvent(base, { type: 'run', run: next });
  if ('steps' in next) {
    for (const step of next.steps) merged = applyRunEvent(merged, { type: 'step', step });
  }
  return merged;
}

export type RunFollowOutcome = { kind: 'ended'; run: Run } | { kind: 'aborted' };

export interface RunFollowOptions {
  /** `GET /runs/:id/events`, with `Last-Event-ID` when given. */
  open(lastEventId: string | undefined, signal: AbortSignal | undefined): Promise<Response>;
  onEvent(event: RunEvent): void;
  /** The connection dropped; the `attempt`th reconnection follows after a pause. */
  onReconnecting?(attempt: number): void;
  /** Where to start: the revision of the snapshot already held, so only what came after it is sent. */
  lastEventId?: string;
  signal?: AbortSignal;
  /** Reconnections tried in a row without receiving anything before giving up; default 8. */
  maxAttempts?: number;
  sleep?(ms: number, signal?: AbortSignal): Promise<void>;
}

export const backoffMs = (attempt: number): number => Math.min(500 * 2 ** (attempt - 1), 8_000);

const pause = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
  });

/**
 * Follows a run to its end. The run goes on on the server whatever happens to the connection (it may wait hours
 * for an approval), so a dropped or closed stream is opened again with `Last-Event-ID` — the revision of the last
 * event — and the server sends what changed after it. Rejects with the ApiError of a refused request, or
 * `network_error` after `maxAttempts` failed reconnections in a row.
 */
export async function followRun(options: RunFollowOptions): Promise<RunFollowOutcome> {
  const { signal, onEvent } = options;
  const sleep = options.sleep ?? pause;
  const maxAttempts = options.maxAttempts ?? 8;
  let lastId = options.lastEventId;
  let attempt = 0;
  for (;;) {
    if (signal?.aborted) return { kind: 'aborted' };
    let response: Response | undefined;
    try {
      response = await options.open(lastId, signal);
    } catch (error) {
      if (signal?.aborted) return { kind: 'aborted' };
      // Unreachable: try again below; refused (404: not this caller's run, 401: signed out): give up.
      if (!(error instanceof ApiError && error.code === 'network_error')) throw error;
    }
    let ended: Run | undefined;
    if (response?.body) {
      try {
        for await (const raw of readSse(response.body)) {
          if (signal?.aborted) return { kind: 'aborted' };
          if (raw.id) lastId = raw.id;
          const event = decodeRunEvent(raw);
          if (!event) continue;
          attempt = 0;
          onEvent(event);
          if (event.type === 'run' && isEnded(event.run.state)) ended = event.run;
        }
      } catch {
        // The connection failed mid-stream: open it again below.
      }
    }
    if (ended) return { kind: 'ended', run: ended };
    if (signal?.aborted) return { kind: 'aborted' };
    attempt++;
    if (attempt > maxAttempts) {
      throw new ApiError(0, 'network_error', 'The connection to Fidus was lost while following the run');
    }
    options.onReconnecting?.(attempt);
    await sleep(backoffMs(attempt), signal);
  }
}
