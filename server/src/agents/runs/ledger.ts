import { and, eq, sql, type SQL } from 'drizzle-orm';
import { newId } from '../../core/index.ts';
import type { Tx } from '../../db/index.ts';
import type { RunWriter } from './job.ts';
import { announce, announceApproval } from './store.ts';
import {
  agentRuns,
  agentRunSteps,
  type AgentRunRow,
  type AgentRunStepRow,
  type EndReason,
  type ModelPart,
  type RunState,
} from './schema.ts';

/** Another worker took the run over, or a person cancelled it: this worker must stop writing and leave. */
export class RunSuperseded extends Error {
  constructor() {
    super('The run is no longer this worker’s');
    this.name = 'RunSuperseded';
  }
}

/**
 * The record of one run as one worker owns it. Every write raises the run's revision and is fenced by the attempt
 * the worker claimed and the `running` state: a worker that lost the run (its lease ran out, the run was
 * cancelled) fails its next write instead of overwriting another's.
 */
export class RunLedger {
  readonly #db: RunWriter;
  #run: AgentRunRow;
  readonly steps: AgentRunStepRow[];
  readonly #claimedAt = Date.now();
  readonly #activeMsBefore: number;

  constructor(db: RunWriter, run: AgentRunRow, steps: AgentRunStepRow[]) {
    this.#db = db;
    this.#run = run;
    this.steps = steps;
    this.#activeMsBefore = run.activeMs;
  }

  get run(): AgentRunRow {
    return this.#run;
  }

  /** Working time so far, this worker's included: what the time limit counts. */
  activeMs(): number {
    return this.#activeMsBefore + (Date.now() - this.#claimedAt);
  }

  /** Claims the run for a new attempt; undefined when it is not for a worker (ended, waiting for a person). */
  static async claim(
    db: RunWriter,
    tenantId: string,
    runId: string,
    jobId: string,
  ): Promise<RunLedger | undefined> {
    return db.tenant(tenantId, async (tx) => {
      const [row] = await tx
        .update(agentRuns)
        .set({
          state: 'running',
          attempt: sql`${agentRuns.attempt} + 1`,
          jobId,
          startedAt: sql`coalesce(${agentRuns.startedAt}, now())`,
          revision: sql`${agentRuns.revision} + 1`,
          updatedAt: new Date(),
        })
        .where(and(eq(agentRuns.id, runId), sql`${agentRuns.state} in ('queued', 'running')`))
        .returning();
      if (!row) return undefined;
      await announce(tx, row);
      const steps = await tx
        .select()
        .from(agentRunSteps)
        .where(eq(agentRunSteps.runId, runId))
        .orderBy(agentRunSteps.index);
      return new RunLedger(db, row, steps);
    });
  }

  /** Runs `work` with the run changed as given (fenced); `work` gets the new revision for the steps it writes. */
  async #write<T>(
    changes: Partial<{ [K in keyof AgentRunRow]: AgentRunRow[K] | SQL }>,
    work: (tx: Tx, run: AgentRunRow) => Promise<T>,
  ): Promise<T> {
    const run = this.#run;
    return this.#db.tenant(run.tenantId, async (tx) => {
      const [row] = await tx
        .update(agentRuns)
        .set({
          ...changes,
          activeMs: this.activeMs(),
          revision: sql`${agentRuns.revision} + 1`,
          updatedAt: new Date(),
        })
        .where(
          and(eq(agentRuns.id, run.id), eq(agentRuns.attempt, run.attempt), eq(agentRuns.state, 'running')),
        )
        .returning();
      if (!row) throw new RunSuperseded();
      const result = await work(tx, row);
      await announce(tx, row);
      this.#run = row;
      return result;
    });
  }

  #replace(step: AgentRunStepRow): void {
    const at = this.steps.findIndex((each) => each.id === step.id);
    if (at >= 0) this.steps[at] = step;
    else this.steps.push(step);
  }

  async #insertStep(tx: Tx, run: AgentRunRow, values: Partial<AgentRunStepRow>): Promise<AgentRunStepRow> {
    const index = this.steps.length === 0 ? 0 : this.steps[this.steps.length - 1]!.index + 1;
    const [step] = await tx
      .insert(agentRunSteps)
      .values({
        id: newId(),
        runId: run.id,
        tenantId: run.tenantId,
        index,
        kind: 'tool',
        revision: run.revision,
        ...values,
      })
      .returning();
    this.#replace(step!);
    return step!;
  }

  async recordModelStep(step: {
    parts: ModelPart[];
    finishReason: string;
    provider: string | null;
    model: string | null;
    inputTokens: number;
    outputTokens: number;
    costUsd: number | null;
  }): Promise<void> {
    await this.#write(
      {
        modelCalls: sql`${agentRuns.modelCalls} + 1`,
        inputTokens: sql`${agentRuns.inputTokens} + ${step.inputTokens}`,
        outputTokens: sql`${agentRuns.outputTokens} + ${step.outputTokens}`,
        costUsd: sql`${agentRuns.costUsd} + ${step.costUsd ?? 0}`,
        unpricedCalls: sql`${agentRuns.unpricedCalls} + ${step.costUsd === null ? 1 : 0}`,
      },
      (tx, run) => this.#insertStep(tx, run, { kind: 'model', finishedAt: new Date(), ...step }),
    );
  }

  /** A tool call's row, written before anything else happens to it. */
  async recordToolCall(values: {
    toolCallId: string;
    toolName: string;
    args: Record<string, unknown>;
    toolState: 'running' | 'awaiting_approval' | 'denied' | 'completed';
    result?: unknown;
    isError?: boolean;
  }): Promise<AgentRunStepRow> {
    const ended = values.toolState === 'denied' || values.toolState === 'completed';
    return this.#write({}, async (tx, run) => {
      const step = await this.#insertStep(tx, run, { ...values, finishedAt: ended ? new Date() : null });
      if (values.toolState === 'awaiting_approval') await announceApproval(tx, run, step);
      return step;
    });
  }

  async updateToolCall(step: AgentRunStepRow, changes: Partial<AgentRunStepRow>): Promise<AgentRunStepRow> {
    return this.#write({}, async (tx, run) => {
      const [row] = await tx
        .update(agentRunSteps)
        .set({ ...changes, revision: run.revision })
        .where(eq(agentRunSteps.id, step.id))
        .returning();
      this.#replace(row!);
      return row!;
    });
  }

  /** Leaves the run to a person: waiting for approval, or interrupted. */
  async pause(state: Extract<RunState, 'awaiting_approval' | 'interrupted'>): Promise<void> {
    await this.#write({ state }, async () => {});
  }

  async end(
    reason: EndReason,
    fields: { output?: string | null; error?: { code: string; message: string } } = {},
  ): Promise<void> {
    const state: RunState =
      reason === 'error' ? 'failed' : reason === 'cancelled' ? 'cancelled' : 'completed';
    await this.#write(
      {
        state,
        endReason: reason,
        finishedAt: new Date(),
        ...(fields.output !== undefined ? { output: fields.output } : {}),
        errorCode: fields.error?.code ?? null,
        errorMessage: fields.error?.message ?? null,
      },
      async () => {},
    );
  }
}
