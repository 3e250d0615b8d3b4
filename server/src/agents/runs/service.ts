import { and, eq } from 'drizzle-orm';
import { FidusError, notFound } from '../../core/index.ts';
import type { Database, Tx } from '../../db/index.ts';
import type { EventHub, Queue } from '../../jobs/index.ts';
import { runJob, runJobType, type RunEngineOptions, type RunWriter } from './job.ts';
import { RunNotices } from './notices.ts';
import { agentRunSteps, type AgentRunRow, type AgentRunStepRow } from './schema.ts';
import type {
  AgentRuns,
  ApprovalDecision,
  ResumeRequest,
  RunCaller,
  RunCreate,
  RunView,
  RunWithSteps,
} from './schemas.ts';
import {
  activeStates,
  changeRun,
  endedStates,
  insertRun,
  runWithSteps,
  toRunView,
  visibleRun,
} from './store.ts';

export interface AgentRunServiceOptions extends RunEngineOptions {
  queue: Queue;
  /** Refuses a `threadId` the caller may not post to (chat's rule); without it the id is taken as given. */
  checkThread?: ((caller: RunCaller, threadId: string) => Promise<void>) | undefined;
}

/** Starting, reading and steering runs; the `agents.run` job (engine.ts) does the work. */
export class AgentRunService implements AgentRuns {
  readonly #db: Database;
  /** Writes that emit events go through the hub, which announces them on commit. */
  readonly #writer: RunWriter;
  readonly #queue: Queue;
  readonly #checkThread: AgentRunServiceOptions['checkThread'];
  readonly #hub: EventHub | undefined;

  constructor(options: AgentRunServiceOptions) {
    this.#db = options.db;
    this.#writer = options.hub ?? options.db;
    this.#queue = options.queue;
    this.#checkThread = options.checkThread;
    this.#hub = options.hub;
    options.queue.define(runJob(options));
  }

  /** Hands the run to a worker. Keyed by revision: a resumed run gets a new job, a repeated call does not. */
  async #enqueue(run: AgentRunRow): Promise<void> {
    await this.#queue.enqueue(
      runJobType,
      { runId: run.id, tenantId: run.tenantId },
      { tenantId: run.tenantId, idempotencyKey: `agents.run:${run.id}:${run.revision}` },
    );
  }

  async start(caller: RunCaller, agentId: string, body: RunCreate): Promise<RunView> {
    if (body.threadId && this.#checkThread) await this.#checkThread(caller, body.threadId);
    const { run, agentName } = await insertRun(this.#writer, caller, agentId, body);
    try {
      await this.#enqueue(run);
    } catch (error) {
      // Without its job nothing would ever take the run: it ends now, saying why, instead of waiting forever.
      const failure = FidusError.from(error);
      await this.#writer
        .tenant(caller.tenantId, (tx) =>
          changeRun(tx, run, {
            state: 'failed',
            endReason: 'error',
            errorCode: failure.code,
            errorMessage: `The run could not be queued: ${failure.message}`,
            finishedAt: new Date(),
          }),
        )
        .catch(() => {});
      throw FidusError.isInstance(error)
        ? error
        : new FidusError('unavailable', 'The run could not be queued; try again', { cause: error });
    }
    return toRunView(run, agentName);
  }

  get(caller: RunCaller, runId: string): Promise<RunWithSteps> {
    return runWithSteps(this.#db, caller, runId);
  }

  async wait(caller: RunCaller, runId: string, timeoutMs: number): Promise<RunWithSteps> {
    const deadline = Date.now() + timeoutMs;
    const listening = new AbortController();
    // Listening before the first read: a change made in between still wakes the wait.
    const notices =
      timeoutMs > 0 ? await RunNotices.open(this.#hub, caller.tenantId, listening.signal) : undefined;
    try {
      for (;;) {
        const run = await this.get(caller, runId);
        if (!notices || !activeStates.includes(run.state) || Date.now() >= deadline) return run;
        // Only a change that stops the run is worth reading it again for.
        await notices.next(
          runId,
          Math.min(1_000, deadline - Date.now()),
          (state) => !activeStates.includes(state),
        );
      }
    } finally {
      listening.abort();
    }
  }

  async cancel(caller: RunCaller, runId: string): Promise<RunWithSteps> {
    const jobId = await this.#writer.tenant(caller.tenantId, async (tx) => {
      const run = await visibleRun(tx, caller, runId, true);
      if (endedStates.includes(run.state)) return null;
      await changeRun(tx, run, {
        state: 'cancelled',
        endReason: 'cancelled',
        finishedAt: new Date(),
      });
      return run.jobId;
    });
    // The worker's next write would fail anyway; this stops a model or tool call it is waiting on.
    if (jobId) await this.#queue.cancel(jobId).catch(() => false);
    return this.get(caller, runId);
  }

  /** Records a person's decision on a call waiting for approval; the run goes on once no call waits. */
  async decide(
    caller: RunCaller,
    runId: string,
    callId: string,
    decision: ApprovalDecision,
  ): Promise<RunWithSteps> {
    const resumed = await this.#writer.tenant(caller.tenantId, async (tx) => {
      const run = await visibleRun(tx, caller, runId, true);
      const step = await toolStep(tx, runId, callId);
      if (run.state !== 'awaiting_approval' || step.toolState !== 'awaiting_approval' || step.approval) {
        throw new FidusError('conflict', 'This tool call is not waiting for a decision', {
          issues: [{ field: 'params.callId', message: `is ${step.approval?.decision ?? step.toolState}` }],
        });
      }
      const record = {
        decision: decision.decision,
        by: caller.userId,
        at: new Date().toISOString(),
        ...(decision.decision === 'approve' && decision.editedArgs
          ? { editedArgs: decision.editedArgs }
          : {}),
        ...(decision.reason ? { reason: decision.reason } : {}),
      };
      const waiting = await tx
        .select({ id: agentRunSteps.id, approval: agentRunSteps.approval })
        .from(agentRunSteps)
        .where(and(eq(agentRunSteps.runId, runId), eq(agentRunSteps.toolState, 'awaiting_approval')));
      const stillWaiting = waiting.some((each) => each.id !== callId && !each.approval);
      const changed = await changeRun(tx, run, stillWaiting ? {} : { state: 'queued' });
      await tx
        .update(agentRunSteps)
        .set(
          decision.decision === 'approve'
            ? { approval: record, revision: changed.revision }
            : {
                approval: record,
                toolState: 'denied',
                result: { reason: decision.reason ?? 'A person denied this call' },
                finishedAt: new Date(),
                revision: changed.revision,
              },
        )
        .where(eq(agentRunSteps.id, callId));
      return stillWaiting ? undefined : changed;
    });
    if (resumed) await this.#enqueue(resumed);
    return this.get(caller, runId);
  }

  /** Goes on with a run a crash interrupted mid-call: the call runs again, or the model is told it may not have. */
  async resume(caller: RunCaller, runId: string, request: ResumeRequest): Promise<RunWithSteps> {
    const resumed = await this.#writer.tenant(caller.tenantId, async (tx) => {
      const run = await visibleRun(tx, caller, runId, true);
      if (run.state !== 'interrupted') {
        throw new FidusError('conflict', `The run is ${run.state}, not interrupted`);
      }
      const changed = await changeRun(tx, run, { state: 'queued' });
      const at = new Date();
      await tx
        .update(agentRunSteps)
        .set(
          request.toolCall === 'retry'
            ? {
                toolState: 'awaiting_approval',
                approval: {
                  decision: 'approve',
                  by: caller.userId,
                  at: at.toISOString(),
                  reason: 'Run again after an interruption',
                },
                revision: changed.revision,
              }
            : {
                toolState: 'skipped',
                result: {
                  error: 'The run was interrupted during this call; whether it took effect is unknown',
                },
                isError: true,
                finishedAt: at,
                revision: changed.revision,
              },
        )
        .where(and(eq(agentRunSteps.runId, runId), eq(agentRunSteps.toolState, 'running')));
      return changed;
    });
    await this.#enqueue(resumed);
    return this.get(caller, runId);
  }
}

async function toolStep(tx: Tx, runId: string, callId: string): Promise<AgentRunStepRow> {
  const [step] = await tx
    .select()
    .from(agentRunSteps)
    .where(and(eq(agentRunSteps.id, callId), eq(agentRunSteps.runId, runId), eq(agentRunSteps.kind, 'tool')))
    .for('update');
  if (!step) throw notFound('Tool call');
  return step;
}
