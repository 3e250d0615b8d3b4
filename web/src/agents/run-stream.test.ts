import { describe, expect, it } from 'vitest';
import { ApiError } from '../api/client.ts';
import { applyRunEvent, followRun, mergeRun, type RunEvent } from './run-stream.ts';
import type { Run, RunWithSteps, Step } from './types.ts';

const runId = '0196a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b';

function runAt(revision: number, state: Run['state'] = 'running'): Run {
  return {
    id: runId,
    agentId: '0196a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a00',
    agentVersion: 1,
    agentName: 'Researcher',
    startedBy: null,
    threadId: null,
    input: 'Look it up',
    state,
    endReason: state === 'completed' ? 'completed' : null,
    output: null,
    error: null,
    usage: { modelCalls: 0, inputTokens: 0, outputTokens: 0, costUsd: 0, unpricedCalls: 0, activeMs: 0 },
    revision,
    createdAt: '2026-01-01T00:00:00Z',
    startedAt: null,
    finishedAt: null,
    updatedAt: '2026-01-01T00:00:00Z',
  };
}

const step = (id: string, index: number, revision: number, extra: Partial<Step> = {}): Step => ({
  id,
  index,
  kind: 'tool',
  revision,
  startedAt: '2026-01-01T00:00:00Z',
  finishedAt: null,
  ...extra,
});

const frame = (event: string, data: object, id: number) =>
  `id: ${id}\nevent: ${event}\ndata: ${JSON.stringify(data)}\n\n`;

function sse(frames: string[], end: 'close' | 'drop' = 'close'): Response {
  const encoder = new TextEncoder();
  const queue = [...frames];
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      const next = queue.shift();
      if (next !== undefined) controller.enqueue(encoder.encode(next));
      else if (end === 'close') controller.close();
      else controller.error(new TypeError('network error'));
    },
  });
  return new Response(body, { headers: { 'content-type': 'text/event-stream' } });
}

async function follow(responses: (() => Response)[], lastEventId?: string) {
  const events: RunEvent[] = [];
  const asked: (string | undefined)[] = [];
  const outcome = await followRun({
    lastEventId,
    open: async (id) => {
      asked.push(id);
      const next = responses.shift();
      if (!next) throw new Error('no more responses scripted');
      return next();
    },
    onEvent: (event) => events.push(event),
    sleep: async () => {},
    maxAttempts: 3,
  });
  return { outcome, events, asked };
}

describe('a run’s events', () => {
  it('apply newer copies and ignore older ones', () => {
    let run: RunWithSteps = { ...runAt(3), steps: [] };
    run = applyRunEvent(run, { type: 'step', step: step('b', 1, 4) });
    run = applyRunEvent(run, { type: 'step', step: step('a', 0, 2) });
    expect(run.steps.map((s) => s.id)).toEqual(['a', 'b']);
    run = applyRunEvent(run, { type: 'step', step: step('b', 1, 5, { state: 'completed' }) });
    run = applyRunEvent(run, { type: 'step', step: step('b', 1, 4, { state: 'awaiting_approval' }) });
    expect(run.steps[1]!.state).toBe('completed');
    run = applyRunEvent(run, { type: 'run', run: runAt(6, 'completed') });
    run = applyRunEvent(run, { type: 'run', run: runAt(5, 'running') });
    expect(run.state).toBe('completed');
    expect(run.steps).toHaveLength(2);
  });

  it('merge a snapshot without losing what the stream brought first', () => {
    const held: RunWithSteps = { ...runAt(7, 'completed'), steps: [step('a', 0, 7, { state: 'completed' })] };
    const snapshot: RunWithSteps = { ...runAt(5), steps: [step('a', 0, 5, { state: 'running' })] };
    const merged = mergeRun(held, snapshot);
    expect(merged.state).toBe('completed');
    expect(merged.steps[0]!.state).toBe('completed');
    expect(mergeRun(undefined, snapshot).steps).toHaveLength(1);
  });
});

describe('following a run', () => {
  it('reads to the end of the run, starting after the snapshot it holds', async () => {
    const result = await follow(
      [
        () =>
          sse([
            frame('step', step('a', 0, 4, { state: 'awaiting_approval' }), 4),
            frame('run', runAt(5, 'completed'), 5),
          ]),
      ],
      '3',
    );
    expect(result.asked).toEqual(['3']);
    expect(result.outcome).toEqual({ kind: 'ended', run: runAt(5, 'completed') });
    expect(result.events.map((e) => e.type)).toEqual(['step', 'run']);
  });

  it('reconnects after a drop with the id of the last event', async () => {
    const result = await follow([
      () => sse([frame('run', runAt(2, 'running'), 2)], 'drop'),
      // A stream closed by the server while the run waits is opened again too.
      () => sse([frame('run', runAt(3, 'awaiting_approval'), 3)]),
      () => sse([frame('run', runAt(4, 'cancelled'), 4)]),
    ]);
    expect(result.asked).toEqual([undefined, '2', '3']);
    expect(result.outcome.kind).toBe('ended');
  });

  it('gives up after failed reconnections in a row, and on a refusal at once', async () => {
    const dropped = () => sse([], 'drop');
    await expect(follow([dropped, dropped, dropped, dropped])).rejects.toMatchObject({
      code: 'network_error',
    });
    const refused = () => {
      throw new ApiError(404, 'not_found', 'No such run');
    };
    await expect(follow([refused])).rejects.toMatchObject({ status: 404 });
  });

  it('stops when aborted', async () => {
    const controller = new AbortController();
    controller.abort();
    const outcome = await followRun({
      open: async () => sse([]),
      onEvent: () => {},
      signal: controller.signal,
    });
    expect(outcome).toEqual({ kind: 'aborted' });
  });
});
