import { z } from 'zod';
import type { Database, Vault } from '../../db/index.ts';
import type { Gateway } from '../../gateway/index.ts';
import type { EventHub, JobDefinition } from '../../jobs/index.ts';
import type { PrivacyPolicy } from '../../privacy/index.ts';
import type { ToolRegistry } from '../tools.ts';
import type { driveRun } from './engine.ts';
import type { McpToolSource } from './toolset.ts';

export const runJobType = 'agents.run';
const RunJobPayload = z.strictObject({ runId: z.uuid(), tenantId: z.uuid() });
export type RunJobPayload = z.infer<typeof RunJobPayload>;

/** What runs its writes: the event hub (its transactions announce their events on commit) or the database. */
export type RunWriter = Pick<Database, 'tenant'>;

export interface RunEngineOptions {
  db: Database;
  /** Announces the run's events on commit, so that followers on any process hear of each step at once. */
  hub?: EventHub | undefined;
  gateway: Pick<Gateway, 'chatCompletion'>;
  registry: ToolRegistry;
  mcp?: McpToolSource | undefined;
  /** Opens HTTP tools' sealed header values; without it they are used as stored. */
  vault?: Vault | undefined;
  /** Whether HTTP tools may call this machine or private networks (config `agents.allowPrivateNetworks`). */
  allowPrivateNetworks?: boolean | undefined;
  /** The tenant's privacy policies for its model calls (domains/privacy); without it the default policy applies. */
  privacyScopes?: ((tenantId: string) => Promise<readonly PrivacyPolicy[]>) | undefined;
}

/**
 * The `agents.run` job: one attempt at driving a run forward from its last recorded step. The engine (and with it
 * the AI SDK) is loaded by the first run, not at start: it costs memory in every process that never runs one.
 */
export function runJob(options: RunEngineOptions): JobDefinition<RunJobPayload> {
  let engine: Promise<{ driveRun: typeof driveRun }> | undefined;
  return {
    type: runJobType,
    payload: RunJobPayload,
    attempts: 20,
    backoff: { type: 'exponential', delayMs: 1_000, maxDelayMs: 60_000 },
    // Short, with heartbeats every 3 s: a dead worker's run is taken over soon.
    leaseMs: 10_000,
    run: async (job) => (await (engine ??= import('./engine.ts'))).driveRun(options, job),
  };
}
