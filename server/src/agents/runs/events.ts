import { z } from 'zod';
import { defineEvent } from '../../jobs/index.ts';
import { endReasons, runStates } from './schema.ts';

export const agentRunUpdated = defineEvent(
  'agent.run.updated',
  z.strictObject({
    runId: z.uuid().describe('The run'),
    agentId: z.uuid().describe('Its agent'),
    state: z.enum(runStates).describe('The run’s state after the change'),
    endReason: z.enum(endReasons).nullable().describe('Why it ended; null while it has not'),
    revision: z
      .number()
      .int()
      .nonnegative()
      .describe('The run’s revision: `GET /runs/:id` shows at least this'),
  }),
  'An agent run changed: it started, a step was recorded, it stopped for a person, or it ended. Carries ids and ' +
    'the state, never the steps’ content (read the run for those).',
);

export const agentRunApprovalRequested = defineEvent(
  'agent.run.approval_requested',
  z.strictObject({
    runId: z.uuid().describe('The run that waits'),
    agentId: z.uuid().describe('Its agent'),
    callId: z.uuid().describe('The tool call to decide on: `POST /api/v1/runs/:runId/approvals/:callId`'),
    toolName: z.string().describe('The tool the model wants to call'),
    startedBy: z.uuid().nullable().describe('Who started the run (who is asked)'),
  }),
  'A run stopped before a tool call whose policy is `ask`: it waits for a decision, for as long as it takes.',
);
