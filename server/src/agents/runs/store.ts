import { and, asc, desc, eq, gt, isNull, sql, type SQL } from 'drizzle-orm';
import { FidusError, hasRole, newId, notFound } from '../../core/index.ts';
import type { Database, Tx } from '../../db/index.ts';
import { emit } from '../../jobs/index.ts';
import { agents, agentVersions } from '../schema.ts';
import type { AgentDefinition } from '../schemas.ts';
import { agentRunApprovalRequested, agentRunUpdated } from './events.ts';
import {
  agentRuns,
  agentRunSteps,
  type AgentRunRow,
  type AgentRunStepRow,
  type ModelPart,
  type RunState,
} from './schema.ts';
import type { RunCaller, RunCreate, RunView, StepView } from './schemas.ts';

export const endedStates: readonly RunState[] = ['completed', 'failed', 'cancelled'];
/** States in which a run waits for nobody but a worker. */
export const activeStates: readonly RunState[] = ['queued', 'running'];

const iso = (date: Date | null) => (date ? date.toISOString() : null);

export function toRunView(row: AgentRunRow, agentName: string): RunView {
  return {
    id: row.id,
    agentId: row.agentId,
    agentVersion: row.agentVersion,
    agentName,
    startedBy: row.startedBy,
    threadId: row.threadId,
    input: row.input,
    state: row.state,
    endReason: row.endReason ?? null,
    output: row.output,
    error: row.errorCode ? { code: row.errorCode, message: row.errorMessage ?? '' } : null,
    usage: {
      modelCalls: row.modelCalls,
      inputTokens: row.inputTokens,
      outputTokens: row.outputTokens,
      costUsd: row.costUsd,
      unpricedCalls: row.unpricedCalls,
      activeMs: row.activeMs,
    },
    revision: row.revision,
    createdAt: row.createdAt.toISOString(),
    startedAt: iso(row.startedAt),
    finishedAt: iso(row.finishedAt),
    updatedAt: row.updatedAt.toISOString(),
  };
}

/** A model step's text: its text parts joined; null when it has none. */
export const textOfParts = (parts: readonly ModelPart[] | null): string | null =>
  (parts ?? [])
    .filter((part) => part.type === 'text')
    .map((part) => part.text)
    .join('') || null;

export function toStepView(row: AgentRunStepRow): StepView {
  const common = {
    id: row.id,
    index: row.index,
    kind: row.kind,
    revision: row.revision,
    startedAt: row.startedAt.toISOString(),
    finishedAt: iso(row.finishedAt),
  };
  if (row.kind === 'model') {
    const parts = row.parts ?? [];
    return {
      ...common,
      text: textOfParts(parts),
      toolCalls: parts.flatMap((part) =>
        part.type === 'tool-call'
          ? [{ toolCallId: part.toolCallId, toolName: part.toolName, args: part.input }]
          : [],
      ),
      finishReason: row.finishReason,
      provider: row.provider,
      model: row.model,
      inputTokens: row.inputTokens,
      outputTokens: row.outputTokens,
      costUsd: row.costUsd,
    };
  }
  return {
    ...common,
    toolCallId: row.toolCallId,
    toolName: row.toolName,
    args: row.args,
    state: row.toolState,
    result: row.result ?? null,
    isError: row.isError,
    approval: row.approval,
  };
}

/** Runs are their starter's and the tenant admins'; anyone else gets 404, as for what does not exist. */
function visibleTo(caller: RunCaller): SQL | undefined {
  return hasRole(caller.role, 'admin') ? undefined : eq(agentRuns.startedBy, caller.userId);
}

export async function agentNameOf(tx: Tx, agentId: string): Promise<string> {
  const [row] = await tx.select({ name: agents.name }).from(agents).where(eq(agents.id, agentId));
  return row?.name ?? '';
}

export async function visibleRun(tx: Tx, caller: RunCaller, runId: string, lock = false) {
  const query = tx
    .select()
    .from(agentRuns)
    .where(and(eq(agentRuns.id, runId), visibleTo(caller)));
  const [row] = lock ? await query.for('update') : await query;
  if (!row) throw notFound('Run');
  return row;
}

export async function stepsOf(tx: Tx, runId: string, afterRevision = -1): Promise<AgentRunStepRow[]> {
  return tx
    .select()
    .from(agentRunSteps)
    .where(and(eq(agentRunSteps.runId, runId), gt(agentRunSteps.revision, afterRevision)))
    .orderBy(asc(agentRunSteps.index));
}

export async function runWithSteps(db: Database, caller: RunCaller, runId: string) {
  return db.tenant(caller.tenantId, async (tx) => {
    const row = await visibleRun(tx, caller, runId);
    const steps = await stepsOf(tx, runId);
    return { ...toRunView(row, await agentNameOf(tx, row.agentId)), steps: steps.map(toStepView) };
  });
}

/** A new run of the agent's current version, `queued`; the caller enqueues its job once this has committed. */
export async function insertRun(
  db: Pick<Database, 'tenant'>,
  caller: RunCaller,
  agentId: string,
  body: RunCreate,
): Promise<{ run: AgentRunRow; definition: AgentDefinition; agentName: string }> {
  if (!hasRole(caller.role, 'member'))
    throw new FidusError('forbidden', 'Tenant viewers may not start agent runs');
  return db.tenant(caller.tenantId, async (tx) => {
    const [agent] = await tx
      .select({ agent: agents, definition: agentVersions.definition })
      .from(agents)
      .innerJoin(
        agentVersions,
        and(eq(agentVersions.agentId, agents.id), eq(agentVersions.version, agents.currentVersion)),
      )
      .where(and(eq(agents.id, agentId), isNull(agents.deletedAt)));
    if (!agent) throw notFound('Agent');
    const [run] = await tx
      .insert(agentRuns)
      .values({
        id: newId(),
        tenantId: caller.tenantId,
        agentId,
        agentVersion: agent.agent.currentVersion,
        startedBy: caller.userId,
        starterRole: caller.role,
        threadId: body.threadId ?? null,
        input: body.input,
        state: 'queued',
      })
      .returning();
    await announce(tx, run!);
    return { run: run!, definition: agent.definition, agentName: agent.agent.name };
  });
}

export async function announce(tx: Tx, run: AgentRunRow): Promise<void> {
  await emit(tx, run.tenantId, agentRunUpdated, {
    runId: run.id,
    agentId: run.agentId,
    state: run.state,
    endReason: run.endReason ?? null,
    revision: run.revision,
  });
}

export async function announceApproval(tx: Tx, run: AgentRunRow, step: AgentRunStepRow): Promise<void> {
  await emit(tx, run.tenantId, agentRunApprovalRequested, {
    runId: run.id,
    agentId: run.agentId,
    callId: step.id,
    toolName: step.toolName ?? '',
    startedBy: run.startedBy,
  });
}

export async function listRuns(
  db: Database,
  caller: RunCaller,
  filter: { agentId?: string; threadId?: string; state?: RunState; limit: number },
) {
  return db.tenant(caller.tenantId, async (tx) => {
    const rows = await tx
      .select({ run: agentRuns, agentName: agents.name })
      .from(agentRuns)
      .innerJoin(agents, eq(agents.id, agentRuns.agentId))
      .where(
        and(
          visibleTo(caller),
          filter.agentId ? eq(agentRuns.agentId, filter.agentId) : undefined,
          filter.threadId ? eq(agentRuns.threadId, filter.threadId) : undefined,
          filter.state ? eq(agentRuns.state, filter.state) : undefined,
        ),
      )
      .orderBy(desc(agentRuns.createdAt), desc(agentRuns.id))
      .limit(filter.limit);
    return rows.map(({ run, agentName }) => toRunView(run, agentName));
  });
}

/** Sets a run's fields with a new revision (and announces it); for changes made outside the run's worker. */
export async function changeRun(
  tx: Tx,
  run: AgentRunRow,
  changes: Partial<AgentRunRow>,
): Promise<AgentRunRow> {
  const [row] = await tx
    .update(agentRuns)
    .set({ ...changes, revision: sql`${agentRuns.revision} + 1`, updatedAt: new Date() })
    .where(eq(agentRuns.id, run.id))
    .returning();
  await announce(tx, row!);
  return row!;
}

export async function loadDefinition(tx: Tx, run: AgentRunRow): Promise<AgentDefinition> {
  const [row] = await tx
    .select({ definition: agentVersions.definition })
    .from(agentVersions)
    .where(and(eq(agentVersions.agentId, run.agentId), eq(agentVersions.version, run.agentVersion)));
  if (!row) throw notFound('Agent version');
  return row.definition;
}
