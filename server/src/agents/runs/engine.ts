import { generateText, isStepCount, jsonSchema, tool, type ModelMessage, type ToolSet } from 'ai';
import { FidusError, type Role } from '../../core/index.ts';
import type { PrivacyContext } from '../../gateway/index.ts';
import type { RunningJob } from '../../jobs/index.ts';
import { emptyMapping, type PseudonymMap } from '../../privacy/index.ts';
import { openHeaders } from '../headers.ts';
import type { AgentDefinition } from '../schemas.ts';
import { toolErrorOutput, type ToolCallContext, type ToolResult } from '../tools.ts';
import { RunLedger, RunSuperseded } from './ledger.ts';
import { gatewayModel, type ModelCallReport } from './model.ts';
import type { AgentRunStepRow, EndReason, ModelPart } from './schema.ts';
import type { RunEngineOptions, RunJobPayload } from './job.ts';
import { loadDefinition, textOfParts } from './store.ts';
import { resolveTools, wireSafe, type RunTool } from './toolset.ts';

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function parseInput(input: unknown): unknown {
  if (typeof input !== 'string') return input;
  try {
    return JSON.parse(input) as unknown;
  } catch {
    return input;
  }
}

const toolCallsOf = (step: AgentRunStepRow) =>
  (step.parts ?? []).filter(
    (part): part is Extract<ModelPart, { type: 'tool-call' }> => part.type === 'tool-call',
  );

const textOf = (step: AgentRunStepRow | undefined) => textOfParts(step?.parts ?? null);

/** A tool call outlived the run's time limit. */
class TimeLimitReached extends Error {
  constructor() {
    super('The run’s time limit was reached');
    this.name = 'TimeLimitReached';
  }
}

function causedBy(error: unknown, type: abstract new (...args: never[]) => Error): boolean {
  for (let at = error; at; at = (at as { cause?: unknown }).cause) {
    if (at instanceof type) return true;
  }
  return false;
}

const isSuperseded = (error: unknown) => causedBy(error, RunSuperseded);

/** The error result of a call that cannot run at all (no such tool, arguments not an object); else undefined. */
function refusalOf(call: Extract<ModelPart, { type: 'tool-call' }>, byKey: Map<string, RunTool>) {
  const args = isRecord(call.input) ? call.input : undefined;
  const error = !byKey.has(call.toolName)
    ? `There is no tool named "${call.toolName}"`
    : !args
      ? 'The arguments must be a JSON object'
      : undefined;
  if (!error) return undefined;
  return {
    toolCallId: call.toolCallId,
    toolName: call.toolName,
    args: args ?? {},
    toolState: 'completed' as const,
    result: { error },
    isError: true,
  };
}

/** The run as the model sees it again: the task, then each model step with the results of its tool calls. */
function messagesOf(input: string, steps: AgentRunStepRow[], byKey: Map<string, RunTool>): ModelMessage[] {
  const wire = (key: string) => byKey.get(key)?.wireName ?? wireSafe(key);
  const messages: ModelMessage[] = [{ role: 'user', content: input }];
  steps.forEach((step, at) => {
    if (step.kind !== 'model') return;
    const calls = toolCallsOf(step);
    messages.push({
      role: 'assistant',
      content: (step.parts ?? []).map((part) =>
        part.type === 'text'
          ? part
          : {
              type: 'tool-call',
              toolCallId: part.toolCallId,
              toolName: wire(part.toolName),
              input: part.input,
            },
      ),
    });
    const next = steps.findIndex((each, i) => i > at && each.kind === 'model');
    const rows = steps.slice(at + 1, next === -1 ? undefined : next);
    const results = calls.flatMap((call) => {
      const row = rows.find((each) => each.toolCallId === call.toolCallId);
      if (!row || row.toolState === 'running' || row.toolState === 'awaiting_approval') return [];
      const output =
        row.toolState === 'denied'
          ? { type: 'execution-denied' as const, reason: (row.result as { reason?: string })?.reason }
          : row.isError
            ? { type: 'error-json' as const, value: (row.result ?? null) as never }
            : { type: 'json' as const, value: (row.result ?? null) as never };
      return [
        { type: 'tool-result' as const, toolCallId: call.toolCallId, toolName: wire(call.toolName), output },
      ];
    });
    if (results.length > 0) messages.push({ role: 'tool', content: results });
  });
  return messages;
}

/** One attempt at a run: claims it, then alternates model calls and tool calls until it ends or waits. */
class RunAttempt {
  readonly #options: RunEngineOptions;
  readonly #ledger: RunLedger;
  readonly #job: RunningJob<RunJobPayload>;
  #definition!: AgentDefinition;
  #byKey = new Map<string, RunTool>();
  #byWire = new Map<string, RunTool>();
  #mapping: PseudonymMap | undefined;

  constructor(options: RunEngineOptions, ledger: RunLedger, job: RunningJob<RunJobPayload>) {
    this.#options = options;
    this.#ledger = ledger;
    this.#job = job;
  }

  #context(signal: AbortSignal): ToolCallContext {
    const run = this.#ledger.run;
    return {
      tenantId: run.tenantId,
      userId: run.startedBy,
      role: run.starterRole as Role,
      runId: run.id,
      signal,
    };
  }

  async drive(): Promise<void> {
    const { db, registry, mcp, allowPrivateNetworks } = this.#options;
    const run = this.#ledger.run;
    // Header values opened for the calls, in memory only.
    this.#definition = await db.tenant(run.tenantId, async (tx) =>
      openHeaders(tx, this.#options.vault, run.tenantId, run.agentId, await loadDefinition(tx, run)),
    );
    const tools = await resolveTools(run.tenantId, this.#definition, registry, mcp, allowPrivateNetworks);
    this.#byKey = new Map(tools.map((each) => [each.key, each]));
    this.#byWire = new Map(tools.map((each) => [each.wireName, each]));
    try {
      for (;;) {
        if ((await this.#settlePending()) === 'stopped') return;
        const lastModel = this.#lastModelStep();
        if (lastModel && toolCallsOf(lastModel).length === 0) {
          return await this.#ledger.end('completed', { output: textOf(lastModel) });
        }
        const limit = this.#limitReached();
        if (limit) return await this.#ledger.end(limit, { output: textOf(lastModel) });
        if (await this.#callModel()) return;
      }
    } catch (error) {
      if (!causedBy(error, TimeLimitReached)) throw error;
      await this.#ledger.end('time_limit', { output: textOf(this.#lastModelStep()) });
    }
  }

  #lastModelStep(): AgentRunStepRow | undefined {
    return this.#ledger.steps.findLast((step) => step.kind === 'model');
  }

  /** The tenant's policies with one mapping for the attempt, so that a value keeps its placeholder across calls. */
  #privacy(): (() => Promise<PrivacyContext>) | undefined {
    const scopesOf = this.#options.privacyScopes;
    if (!scopesOf) return undefined;
    this.#mapping ??= emptyMapping();
    const mapping = this.#mapping;
    return async () => ({ scopes: await scopesOf(this.#ledger.run.tenantId), mapping });
  }

  #limitReached(): EndReason | undefined {
    const { stepLimit, costLimitUsd, timeLimitSeconds } = this.#definition;
    const run = this.#ledger.run;
    if (run.modelCalls >= stepLimit) return 'step_limit';
    if (costLimitUsd !== null && run.costUsd >= costLimitUsd) return 'cost_limit';
    if (timeLimitSeconds !== null && this.#ledger.activeMs() >= timeLimitSeconds * 1_000) return 'time_limit';
    return undefined;
  }

  /** Model calls through the AI SDK's tool loop, until it stops; true when the run ended. */
  async #callModel(): Promise<boolean> {
    const { stepLimit, costLimitUsd, instructions, model } = this.#definition;
    const ledger = this.#ledger;
    const run = ledger.run;
    const { signal, timer } = this.#signals();
    const tools: ToolSet = {};
    for (const each of this.#byKey.values()) {
      const description = each.callable.description;
      const inputSchema = jsonSchema<Record<string, unknown>>(
        each.callable.inputSchema as Parameters<typeof jsonSchema>[0],
      );
      // Only `auto` tools run inside the SDK's loop; a call of another tool stops the loop (it has no result yet),
      // and the run asks a person or refuses it before going on.
      tools[each.wireName] =
        each.approval === 'auto'
          ? tool({
              description,
              inputSchema,
              execute: async (input, { toolCallId }) => {
                const args = isRecord(input) ? input : {};
                const proposal = { toolCallId, toolName: each.key, args };
                const step = await ledger.recordToolCall({ ...proposal, toolState: 'running' });
                return (await this.#runTool(step, args, each)).output;
              },
            })
          : tool({ description, inputSchema });
    }
    try {
      await generateText({
        model: gatewayModel({
          gateway: this.#options.gateway,
          model,
          tenantId: run.tenantId,
          userId: run.startedBy,
          privacy: this.#privacy(),
          onResponse: (report) => this.#recordModelStep(report),
        }),
        ...(instructions ? { instructions } : {}),
        messages: messagesOf(run.input, ledger.steps, this.#byKey),
        tools,
        stopWhen: [
          isStepCount(Math.max(1, stepLimit - run.modelCalls)),
          () => costLimitUsd !== null && ledger.run.costUsd >= costLimitUsd,
        ],
        abortSignal: signal,
        maxRetries: 0,
      });
      return false;
    } catch (error) {
      if (isSuperseded(error)) throw new RunSuperseded();
      if (timer?.aborted || causedBy(error, TimeLimitReached)) throw new TimeLimitReached();
      // Shutting down (or cancelled): the queue gives the job back, or the cancellation already ended the run.
      if (this.#job.signal.aborted) throw error;
      const failure = FidusError.from(error);
      await ledger.end('error', { error: { code: failure.code, message: failure.message } });
      return true;
    }
  }

  async #recordModelStep(report: ModelCallReport): Promise<void> {
    const parts: ModelPart[] = report.content.flatMap((part): ModelPart[] => {
      if (part.type === 'text') return part.text ? [{ type: 'text', text: part.text }] : [];
      if (part.type === 'tool-call') {
        return [
          {
            type: 'tool-call',
            toolCallId: part.toolCallId,
            toolName: this.#byWire.get(part.toolName)?.key ?? part.toolName,
            input: parseInput(part.input),
          },
        ];
      }
      return [];
    });
    const settled = report.settled;
    await this.#ledger.recordModelStep({
      parts,
      finishReason: report.finishReason,
      provider: settled?.provider ?? null,
      model: settled?.model ?? null,
      inputTokens: settled?.inputTokens ?? 0,
      outputTokens: settled?.outputTokens ?? 0,
      costUsd: settled ? settled.costUsd : null,
    });
    // The SDK answers a call of an unknown tool, or with arguments that are not an object, without running
    // anything: the record says so too, or a resumed run would find the call unanswered.
    for (const part of parts) {
      if (part.type !== 'tool-call') continue;
      const refusal = refusalOf(part, this.#byKey);
      if (refusal) await this.#ledger.recordToolCall(refusal);
    }
  }

  /** The job's signal, and the time limit's when there is one: both abort a model or tool call in flight. */
  #signals(): { signal: AbortSignal; timer: AbortSignal | undefined } {
    const limit = this.#definition.timeLimitSeconds;
    if (limit === null) return { signal: this.#job.signal, timer: undefined };
    const timer = AbortSignal.timeout(Math.max(1, limit * 1_000 - this.#ledger.activeMs()));
    return { signal: AbortSignal.any([this.#job.signal, timer]), timer };
  }

  /** Runs a recorded call and records its result; a tool's failure is a result, never the run's end. */
  async #runTool(
    step: AgentRunStepRow,
    args: Record<string, unknown>,
    runTool: RunTool,
  ): Promise<ToolResult> {
    const { signal, timer } = this.#signals();
    let result: ToolResult;
    try {
      result = await runTool.callable.call(args, this.#context(signal));
    } catch (error) {
      if (timer?.aborted) {
        // Out of time mid-call: the run ends, and the record says the call was cut off.
        await this.#ledger.updateToolCall(step, {
          toolState: 'completed',
          result: { error: 'The run’s time limit ended this call' },
          isError: true,
          finishedAt: new Date(),
        });
        throw new TimeLimitReached();
      }
      if (signal.aborted) throw error;
      result = { output: toolErrorOutput(error), isError: true };
    }
    await this.#ledger.updateToolCall(step, {
      toolState: 'completed',
      result: result.output ?? null,
      isError: result.isError === true,
      finishedAt: new Date(),
    });
    return result;
  }

  /**
   * Brings the last model step's tool calls to a result before the model is called again: runs what may run
   * (approved, or `auto` calls a crash left unstarted), refuses what is denied, and stops the run for a person when a
   * call waits for approval or was cut off mid-way by a crash and is not safe to repeat.
   */
  async #settlePending(): Promise<'ready' | 'stopped'> {
    const ledger = this.#ledger;
    const steps = ledger.steps;
    const at = steps.findLastIndex((step) => step.kind === 'model');
    if (at === -1) return 'ready';
    const rows = steps.slice(at + 1);
    let waiting = false;
    for (const call of toolCallsOf(steps[at]!)) {
      const runTool = this.#byKey.get(call.toolName);
      const row = rows.find((each) => each.toolCallId === call.toolCallId);
      if (!row) {
        const args = isRecord(call.input) ? call.input : {};
        const refusal = refusalOf(call, this.#byKey);
        if (refusal || !runTool) {
          if (refusal) await ledger.recordToolCall(refusal);
        } else if (runTool.approval === 'deny') {
          await ledger.recordToolCall({
            toolCallId: call.toolCallId,
            toolName: call.toolName,
            args,
            toolState: 'denied',
            result: { reason: 'The agent’s policy denies this tool' },
          });
        } else if (runTool.approval === 'ask') {
          const proposal = { toolCallId: call.toolCallId, toolName: call.toolName, args };
          await ledger.recordToolCall({ ...proposal, toolState: 'awaiting_approval' });
          waiting = true;
        } else {
          const proposal = { toolCallId: call.toolCallId, toolName: call.toolName, args };
          const step = await ledger.recordToolCall({ ...proposal, toolState: 'running' });
          await this.#runTool(step, args, runTool);
        }
        continue;
      }
      if (row.toolState === 'running') {
        if (!runTool?.callable.idempotent) {
          await ledger.pause('interrupted');
          return 'stopped';
        }
        await this.#runTool(row, row.args ?? {}, runTool);
      } else if (row.toolState === 'awaiting_approval') {
        if (row.approval?.decision !== 'approve' || !runTool) {
          waiting = true;
          continue;
        }
        // Marked running first: a crash during the call is then seen as one.
        const started = await ledger.updateToolCall(row, { toolState: 'running' });
        await this.#runTool(started, row.approval.editedArgs ?? row.args ?? {}, runTool);
      }
    }
    if (waiting) {
      await ledger.pause('awaiting_approval');
      return 'stopped';
    }
    return 'ready';
  }
}

/** One attempt at a run (the `agents.run` job, job.ts): claims it, then drives it from its last recorded step. */
export async function driveRun(options: RunEngineOptions, job: RunningJob<RunJobPayload>): Promise<void> {
  const writer = options.hub ?? options.db;
  const ledger = await RunLedger.claim(writer, job.payload.tenantId, job.payload.runId, job.id);
  if (!ledger) return;
  const heartbeat = setInterval(() => void job.heartbeat().catch(() => {}), 3_000);
  heartbeat.unref();
  try {
    await new RunAttempt(options, ledger, job).drive();
  } catch (error) {
    // Cancelled, or another worker has the run now: nothing of this attempt is left to do.
    if (isSuperseded(error)) return;
    throw error;
  } finally {
    clearInterval(heartbeat);
  }
}
