import { z } from 'zod';

const name = z.string().trim().min(1).max(200);
const modelName = z.string().trim().min(1).max(300);
const prompt = z.string().max(100_000);
const Id = z.uuid();
const Timestamp = z.string().describe('ISO-8601, UTC');

export const IdParams = z.strictObject({ id: Id });
export const MemberParams = z.strictObject({ id: Id, userId: Id });

// ------------------------------------------------------------------------------------------------- projects

export const ProjectCreate = z.strictObject({
  name,
  instructions: prompt.optional().describe('The shared system prompt of the project’s threads'),
  defaultModel: modelName.nullish().describe('The model of its new threads (an alias or provider/model)'),
});
export const ProjectUpdate = ProjectCreate.partial();

export const ProjectSchema = z.object({
  id: Id,
  name: z.string(),
  instructions: z.string(),
  defaultModel: z.string().nullable(),
  /** The caller's role in it; null for an admin who is not a member. */
  role: z.enum(['editor', 'reader']).nullable(),
  createdBy: Id.nullable(),
  createdAt: Timestamp,
  updatedAt: Timestamp,
});

export const MemberPut = z.strictObject({ role: z.enum(['editor', 'reader']) });
export const MemberSchema = z.object({
  userId: Id,
  name: z.string(),
  email: z.string(),
  role: z.enum(['editor', 'reader']),
  createdAt: Timestamp,
});

// -------------------------------------------------------------------------------------------------- threads

export const ThreadCreate = z.strictObject({
  title: z.string().trim().max(200).optional().describe('Default: generated after the first exchange'),
  projectId: Id.nullish(),
  model: modelName
    .nullish()
    .describe('Default: the project’s default model, else the gateway’s defaultModel'),
  systemPrompt: prompt.nullish(),
});

export const ThreadUpdate = z.strictObject({
  title: z.string().trim().min(1).max(200).optional(),
  projectId: Id.nullable()
    .optional()
    .describe('Move it into a project (null: make it private to its creator)'),
  model: modelName.nullable().optional(),
  systemPrompt: prompt.nullable().optional(),
  pinned: z.boolean().optional(),
  archived: z.boolean().optional(),
});

export const ThreadListQuery = z.strictObject({
  projectId: Id.optional(),
  archived: z
    .enum(['true', 'false', 'all'])
    .default('false')
    .describe('Archived threads: only, none (default) or all'),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  before: z.iso
    .datetime({ offset: true })
    .optional()
    .describe('Only threads with activity before this time (paging; ISO-8601)'),
  sort: z
    .enum(['activity', 'cost'])
    .default('activity')
    .describe(
      '`activity`: pinned first, then by last activity (default); `cost`: dearest first (total cost)',
    ),
  activeSince: z.iso
    .datetime({ offset: true })
    .optional()
    .describe('Only threads with activity at or after this time (ISO-8601)'),
});

export const ThreadSchema = z.object({
  id: Id,
  title: z.string(),
  projectId: Id.nullable(),
  createdBy: Id.nullable(),
  model: z.string().nullable(),
  systemPrompt: z.string().nullable(),
  pinned: z.boolean(),
  archived: z.boolean(),
  activeLeafId: Id.nullable(),
  canWrite: z.boolean(),
  totals: z.object({
    inputTokens: z.number().int(),
    outputTokens: z.number().int(),
    costUsd: z.number().describe('Known costs only'),
    unpricedAnswers: z.number().int().describe('Answers whose price is unknown, not in costUsd'),
  }),
  createdAt: Timestamp,
  updatedAt: Timestamp,
  lastActivityAt: Timestamp,
});

// ------------------------------------------------------------------------------------------------- messages

export const MessagePost = z.strictObject({
  content: z.string().min(1).max(200_000),
  parentId: Id.nullish().describe(
    'The message this one answers; default: the end of the active branch. The parent of an earlier message ' +
      'makes a new branch beside it (an edit).',
  ),
  model: modelName.optional().describe('Default: the thread’s model'),
});

export const RegenerateBody = z.strictObject({ model: modelName.optional() }).nullish();

export const ActiveBranchPut = z.strictObject({
  messageId: Id.describe('Any message of the branch to show: its newest descendants are followed to a leaf'),
});

export const MessageSchema = z.object({
  id: Id,
  parentId: Id.nullable(),
  role: z.enum(['system', 'user', 'assistant']),
  content: z.string(),
  status: z.enum(['streaming', 'done', 'stopped', 'error', 'interrupted']),
  model: z.string().nullable(),
  provider: z.string().nullable(),
  providerModel: z.string().nullable(),
  usage: z.object({ inputTokens: z.number().int(), outputTokens: z.number().int() }),
  costUsd: z.number().nullable(),
  /** What the privacy proxy protected in the answer's call, by type (counts, never values); null: nothing. */
  protected: z.record(z.string(), z.number().int()).nullable(),
  error: z.object({ code: z.string(), message: z.string() }).nullable(),
  createdBy: Id.nullable(),
  createdAt: Timestamp,
  updatedAt: Timestamp,
});

export const MessageTreeSchema = z.object({
  threadId: Id,
  activeLeafId: Id.nullable(),
  /** The active branch, root first. */
  activePath: z.array(Id),
  /** Every message of the thread, oldest first; `parentId` makes the tree. */
  messages: z.array(MessageSchema),
});

export const StreamHeaders = z.object({
  'last-event-id': z
    .string()
    .max(200)
    .optional()
    .describe('`<message id>:<offset>` of the last event received: the stream resumes right after it'),
});

export type ProjectCreate = z.infer<typeof ProjectCreate>;
export type ProjectUpdate = z.infer<typeof ProjectUpdate>;
export type ThreadCreate = z.infer<typeof ThreadCreate>;
export type ThreadUpdate = z.infer<typeof ThreadUpdate>;
export type MessagePost = z.infer<typeof MessagePost>;
