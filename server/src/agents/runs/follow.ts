import type { FastifyReply } from 'fastify';
import { sseHeaders } from '../../core/index.ts';
import type { Database } from '../../db/index.ts';
import type { EventHub } from '../../jobs/index.ts';
import { RunNotices } from './notices.ts';
import type { RunCaller } from './schemas.ts';
import { agentNameOf, endedStates, stepsOf, toRunView, toStepView, visibleRun } from './store.ts';

/** Without a notice (another process's, a lost one), the run is read again this often. */
const pollMs = 1_000;
const heartbeatMs = 15_000;

export interface FollowRunOptions {
  db: Database;
  hub: EventHub | undefined;
  caller: RunCaller;
  runId: string;
  /** The last revision the client saw; -1 for everything. */
  after: number;
  open: Set<AbortController>;
  requestId: string;
}

/** What changed since `after`, as SSE frames; `ended` once the run has nothing more to say. */
async function changesSince(options: FollowRunOptions, after: number) {
  return options.db.tenant(options.caller.tenantId, async (tx) => {
    const run = await visibleRun(tx, options.caller, options.runId);
    const steps = await stepsOf(tx, run.id, after);
    let frames = '';
    for (const step of steps.sort((a, b) => a.revision - b.revision || a.index - b.index)) {
      frames += `id: ${step.revision}\nevent: step\ndata: ${JSON.stringify(toStepView(step))}\n\n`;
    }
    if (run.revision > after) {
      frames += `id: ${run.revision}\nevent: run\ndata: ${JSON.stringify(toRunView(run, await agentNameOf(tx, run.agentId)))}\n\n`;
    }
    return { frames, revision: Math.max(after, run.revision), ended: endedStates.includes(run.state) };
  });
}

/**
 * Streams a run: what was recorded after the client's revision, then each change as it is made, on whichever
 * process makes it (the event hub's notices wake the stream; a poll covers lost ones).
 */
export async function followRun(reply: FastifyReply, options: FollowRunOptions): Promise<void> {
  // Before the first byte: a run the caller may not see answers 404 as problem+json.
  let state = await changesSince(options, options.after);
  const controller = new AbortController();
  const raw = reply.raw;
  raw.on('close', () => controller.abort());
  const notices = await RunNotices.open(options.hub, options.caller.tenantId, controller.signal);
  options.open.add(controller);
  reply.hijack();
  raw.writeHead(200, { ...sseHeaders, 'x-request-id': options.requestId });
  raw.write('retry: 1000\n: connected\n\n');
  const heartbeat = setInterval(() => raw.write(': ping\n\n'), heartbeatMs);
  heartbeat.unref();
  try {
    for (;;) {
      if (state.frames) raw.write(state.frames);
      if (state.ended || controller.signal.aborted) break;
      await notices.next(options.runId, pollMs);
      if (controller.signal.aborted) break;
      state = await changesSince(options, state.revision);
    }
  } catch (error) {
    // The client resumes with Last-Event-ID; nothing is lost by ending here.
    reply.log.warn({ err: error }, 'run stream failed');
  } finally {
    clearInterval(heartbeat);
    controller.abort();
    options.open.delete(controller);
    raw.end();
  }
}
