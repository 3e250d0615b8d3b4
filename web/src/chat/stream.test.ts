import { describe, expect, it } from 'vitest';
import { ApiError } from '../api/client.ts';
import type { Message } from '../api/types.ts';
import { followAnswer, type ChatEvent, type FollowOptions } from './stream.ts';
import { applyDelta } from './tree.ts';

const answerId = '0190f5c8-1d2e-7a3b-8c4d-5e6f7a8b9c0d';
const frame = (event: string, data: object, id?: string) =>
  `${id ? `id: ${id}\n` : ''}event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
const messageFrame = (role: Message['role'], id: string) =>
  frame('message', {
    message: { id, role, content: '', status: role === 'assistant' ? 'streaming' : 'done' },
  });
const delta = (offset: number, text: string) =>
  frame('delta', { messageId: answerId, offset, text }, `${answerId}:${offset + [...text].length}`);
const done = (length: number, status = 'done') =>
  frame('done', { messageId: answerId, status }, `${answerId}:${length}`);

/** A response whose body sends `frames`, then ends — or fails, like a dropped connection. */
function sse(frames: string[], end: 'close' | 'drop' = 'close'): Response {
  const encoder = new TextEncoder();
  const queue = [...frames];
  const body = new ReadableStream<Uint8Array>({
    // One frame per read, so that a drop comes after the frames before it were read.
    pull(controller) {
      const next = queue.shift();
      if (next !== undefined) controller.enqueue(encoder.encode(next));
      else if (end === 'close') controller.close();
      else controller.error(new TypeError('network error'));
    },
  });
  return new Response(body, { headers: { 'content-type': 'text/event-stream' } });
}

/** Follows with scripted resumes; collects the text the way the app does (offsets, no duplicates). */
async function run(first: Response, resumes: (() => Response | null)[], extra: Partial<FollowOptions> = {}) {
  const events: ChatEvent[] = [];
  const lastIds: (string | undefined)[] = [];
  let text = { content: '', length: 0 };
  const outcome = await followAnswer({
    first,
    resume: async (lastEventId) => {
      lastIds.push(lastEventId);
      const next = resumes.shift();
      if (!next) throw new Error('no more resumes scripted');
      return next();
    },
    onEvent: (event) => {
      events.push(event);
      if (event.type === 'delta') text = applyDelta(text, event.offset, event.text) ?? text;
    },
    sleep: async () => {},
    ...extra,
  });
  return { outcome, events, lastIds, text: text.content };
}

describe('following an answer', () => {
  it('reads the events to done', async () => {
    const result = await run(
      sse([
        messageFrame('user', 'u'),
        messageFrame('assistant', answerId),
        delta(0, 'Hel'),
        delta(3, 'lo'),
        done(5),
      ]),
      [],
    );
    expect(result.outcome).toEqual({ kind: 'done', messageId: answerId, status: 'done' });
    expect(result.events.map((e) => e.type)).toEqual(['message', 'message', 'delta', 'delta', 'done']);
    expect(result.text).toBe('Hello');
  });

  it('resumes after a drop from the last event id, without losing or repeating text', async () => {
    const result = await run(sse([messageFrame('assistant', answerId), delta(0, 'Hel')], 'drop'), [
      // The server overlaps a little: the app keeps each character once.
      () => sse([delta(2, 'llo wor')], 'drop'),
      () =>
        sse([
          delta(9, 'ld'),
          frame(
            'usage',
            { messageId: answerId, inputTokens: 3, outputTokens: 2, costUsd: null },
            `${answerId}:11`,
          ),
          done(11),
        ]),
    ]);
    expect(result.lastIds).toEqual([`${answerId}:3`, `${answerId}:9`]);
    expect(result.text).toBe('Hello world');
    expect(result.outcome.kind).toBe('done');
  });

  it('resumes from the start of an answer that had no text yet', async () => {
    const result = await run(sse([messageFrame('user', 'u'), messageFrame('assistant', answerId)], 'drop'), [
      () => sse([delta(0, 'Hi'), done(2)]),
    ]);
    expect(result.lastIds).toEqual([`${answerId}:0`]);
    expect(result.text).toBe('Hi');
  });

  it('resumes when the server closes the stream before done (a restart)', async () => {
    const result = await run(sse([delta(0, 'a')]), [() => sse([done(1, 'interrupted')])]);
    expect(result.outcome).toMatchObject({ kind: 'done', status: 'interrupted' });
  });

  it('ends with the answer’s error event', async () => {
    const result = await run(
      sse([
        messageFrame('assistant', answerId),
        frame('error', { messageId: answerId, code: 'budget_exceeded', message: 'Spent' }, `${answerId}:0`),
      ]),
      [],
    );
    expect(result.outcome).toEqual({
      kind: 'error',
      messageId: answerId,
      code: 'budget_exceeded',
      message: 'Spent',
    });
  });

  it('reports nothing left to follow when a resume answers 204', async () => {
    const result = await run(sse([delta(0, 'a')], 'drop'), [() => null]);
    expect(result.outcome).toEqual({ kind: 'gone' });
  });

  it('keeps trying while the server cannot be reached, then gives up', async () => {
    const unreachable = () => {
      throw new ApiError(0, 'network_error', 'unreachable');
    };
    const recovered = await run(sse([delta(0, 'a')], 'drop'), [
      unreachable,
      unreachable,
      () => sse([done(1)]),
    ]);
    expect(recovered.outcome.kind).toBe('done');
    expect(recovered.lastIds).toEqual([`${answerId}:1`, `${answerId}:1`, `${answerId}:1`]);

    const attempts: number[] = [];
    await expect(
      run(sse([], 'drop'), [unreachable, unreachable, unreachable], {
        maxAttempts: 3,
        onReconnecting: (attempt) => attempts.push(attempt),
      }),
    ).rejects.toMatchObject({ code: 'network_error' });
    expect(attempts).toEqual([1, 2, 3]);
  });

  it('gives up at once when a resume is refused', async () => {
    const refused = () => {
      throw new ApiError(404, 'not_found', 'Thread not found');
    };
    await expect(run(sse([delta(0, 'a')], 'drop'), [refused])).rejects.toMatchObject({ code: 'not_found' });
  });

  it('stops following when aborted', async () => {
    const controller = new AbortController();
    const result = await run(sse([delta(0, 'a')], 'drop'), [], {
      signal: controller.signal,
      onReconnecting: () => controller.abort(),
    });
    expect(result.outcome).toEqual({ kind: 'aborted' });
  });
});
