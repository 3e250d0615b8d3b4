import { z } from 'zod';
import { newId } from '../../core/index.ts';
import type { Database, Tx } from '../../db/index.ts';
import { assertMayCreate, type Viewer } from './access.ts';
import {
  documentsOf,
  invalidData,
  maxMessagesPerConversation,
  parentsFirst,
  parseAll,
  parseChatGpt,
} from './chatgpt.ts';
import {
  messages,
  threads,
  toSearchVector,
  type MessageRole,
  type MessageRow,
  type MessageStatus,
  type ThreadRow,
} from './schema.ts';
import { toMessage } from './messages.ts';
import { MessageSchema, ThreadSchema } from './schemas.ts';
import { targetProject } from './threads.ts';
import { pathTo } from './tree.ts';

/** A message to write, keyed by its id in the imported file. */
export interface PlannedMessage {
  key: string;
  parentKey: string | null;
  role: MessageRole;
  content: string;
  status: MessageStatus;
  model: string | null;
  provider: string | null;
  providerModel: string | null;
  inputTokens: number;
  outputTokens: number;
  costUsd: number | null;
  error: { code: string; message: string } | null;
  createdAt: Date;
}

/** A thread to write; its messages come parents first. */
export interface ImportPlan {
  title: string;
  model: string | null;
  systemPrompt: string | null;
  pinned: boolean;
  archived: boolean;
  createdAt: Date;
  /** Used when there are no messages; else the newest message's time. */
  lastActivityAt: Date;
  messages: PlannedMessage[];
  activeKey: string | null;
}

const Id = z.uuid();
const Timestamp = z.string().describe('ISO-8601, UTC');

export const ExportQuery = z.strictObject({
  format: z.enum(['json', 'markdown']).default('json'),
});

export const ThreadExportSchema = z.object({
  format: z.literal('fidus.thread'),
  version: z.literal(1),
  exportedAt: Timestamp,
  thread: z.object({
    title: z.string(),
    model: z.string().nullable(),
    systemPrompt: z.string().nullable(),
    pinned: z.boolean(),
    archived: z.boolean(),
    createdAt: Timestamp,
    lastActivityAt: Timestamp,
    totals: ThreadSchema.shape.totals,
  }),
  activeLeafId: Id.nullable(),
  messages: z
    .array(MessageSchema.omit({ createdBy: true, updatedAt: true }))
    .describe('Every message of every branch, oldest first'),
});

export const ImportBody = z.strictObject({
  format: z.enum(['chatgpt', 'fidus']),
  data: z
    .union([z.array(z.unknown()), z.record(z.string(), z.unknown())])
    .describe(
      '`chatgpt`: the array of `conversations.json` from OpenAI’s data export; `fidus`: one export of ' +
        '`GET /threads/{id}/export` or an array of them. At most 10,000 conversations of 50,000 messages.',
    ),
  projectId: Id.optional().describe('The project to import into (you must be one of its editors)'),
});

export const ImportResultSchema = z.object({
  threads: z.array(z.object({ id: Id, title: z.string(), messages: z.number().int() })),
});

export type ImportBody = z.infer<typeof ImportBody>;
export type ThreadExport = z.infer<typeof ThreadExportSchema>;

// ------------------------------------------------------------------------------------------------- export

export function toExport(thread: ThreadRow, rows: readonly MessageRow[], now: Date): ThreadExport {
  return {
    format: 'fidus.thread',
    version: 1,
    exportedAt: now.toISOString(),
    thread: {
      title: thread.title,
      model: thread.model,
      systemPrompt: thread.systemPrompt,
      pinned: thread.pinned,
      archived: thread.archived,
      createdAt: thread.createdAt.toISOString(),
      lastActivityAt: thread.lastActivityAt.toISOString(),
      totals: {
        inputTokens: thread.inputTokens,
        outputTokens: thread.outputTokens,
        costUsd: Number(thread.costUsd),
        unpricedAnswers: thread.unpricedAnswers,
      },
    },
    activeLeafId: rows.some((row) => row.id === thread.activeLeafId) ? thread.activeLeafId : null,
    messages: rows.map((row) => {
      const { createdBy: _createdBy, updatedAt: _updatedAt, ...message } = toMessage(row);
      return message;
    }),
  };
}

const headings: Record<MessageRole, string> = { system: 'System', user: 'User', assistant: 'Assistant' };
const oneLine = (text: string) => text.replace(/\s+/g, ' ').trim();

/** The active branch as a document to read: a section per message, the model under each answer. */
export function toMarkdown(thread: ThreadRow, rows: readonly MessageRow[]): string {
  const lines = [`# ${oneLine(thread.title) || 'Untitled'}`, ''];
  for (const row of pathTo(rows, thread.activeLeafId)) {
    lines.push(`## ${headings[row.role]}`, '');
    if (row.role === 'assistant' && row.model)
      lines.push(`\`${oneLine(row.model).replaceAll('`', '')}\``, '');
    if (row.content.trim() !== '') lines.push(row.content.trimEnd(), '');
    if (row.status !== 'done') lines.push(`_(${row.status})_`, '');
  }
  return lines.join('\n');
}

/** A file name from a title: ASCII letters and digits, so that no header needs escaping. */
export function fileNameOf(title: string): string {
  const slug = title
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 60)
    .replace(/-+$/, '');
  return slug || 'thread';
}

// ------------------------------------------------------------------------------------------- Fidus import

// Not strict: a file from a later release may carry fields this one does not know; `version` says what changed.
const latest = Date.UTC(9999, 11, 31, 23, 59, 59, 999);
const isoTime = z.iso
  .datetime({ offset: true })
  .refine((text) => Date.parse(text) >= 0 && Date.parse(text) <= latest, 'must be between 1970 and 9999');
const maxTokens = 2_147_483_647; // an int4 column
const tokens = z.number().int().min(0).max(maxTokens);
const maxCostUsd = 1e9; // the column holds less than 1e10

const FidusMessage = z.object({
  id: z.string().min(1).max(200),
  parentId: z.string().min(1).max(200).nullable(),
  role: z.enum(['system', 'user', 'assistant']),
  content: z.string(),
  status: z.enum(['streaming', 'done', 'stopped', 'error', 'interrupted']).default('done'),
  model: z.string().max(300).nullish(),
  provider: z.string().max(300).nullish(),
  providerModel: z.string().max(300).nullish(),
  usage: z.object({ inputTokens: tokens, outputTokens: tokens }).nullish(),
  costUsd: z.number().min(0).max(maxCostUsd).nullish(),
  error: z.object({ code: z.string().max(200), message: z.string().max(10_000) }).nullish(),
  createdAt: isoTime,
});

const FidusExport = z.object({
  format: z.literal('fidus.thread'),
  version: z.literal(1),
  thread: z.object({
    title: z.string(),
    model: z.string().max(300).nullish(),
    systemPrompt: z.string().max(100_000).nullish(),
    pinned: z.boolean().default(false),
    archived: z.boolean().default(false),
    createdAt: isoTime,
    lastActivityAt: isoTime.optional(),
  }),
  activeLeafId: z.string().nullish(),
  messages: z.array(FidusMessage),
});

function planFidus(file: z.output<typeof FidusExport>, field: string): ImportPlan {
  const keys = new Map<string, number>();
  file.messages.forEach((message, index) => {
    if (keys.has(message.id))
      throw invalidData(`${field}.messages.${index}.id`, 'repeats the id of an earlier message');
    keys.set(message.id, index);
  });
  file.messages.forEach((message, index) => {
    if (message.parentId !== null && !keys.has(message.parentId))
      throw invalidData(`${field}.messages.${index}.parentId`, 'is not a message of this export');
  });
  if (file.activeLeafId != null && !keys.has(file.activeLeafId))
    throw invalidData(`${field}.activeLeafId`, 'is not a message of this export');
  const planned: PlannedMessage[] = file.messages.map((message) => ({
    key: message.id,
    parentKey: message.parentId,
    role: message.role,
    content: message.content,
    // Its generation belonged to the exporting server: here it can only have ended.
    status: message.status === 'streaming' ? 'interrupted' : message.status,
    model: message.model ?? null,
    provider: message.provider ?? null,
    providerModel: message.providerModel ?? null,
    inputTokens: message.usage?.inputTokens ?? 0,
    outputTokens: message.usage?.outputTokens ?? 0,
    costUsd: message.costUsd ?? null,
    error: message.error ?? null,
    createdAt: new Date(message.createdAt),
  }));
  const ordered = parentsFirst(planned, (message) => message.createdAt.getTime());
  if (!Array.isArray(ordered))
    throw invalidData(`${field}.messages.${keys.get(ordered.cycle.key)}.parentId`, 'makes a cycle');
  const totals = totalsOf(ordered);
  if (totals.inputTokens > maxTokens || totals.outputTokens > maxTokens)
    throw invalidData(`${field}.messages`, 'use more tokens in all than a thread can count');
  if (totals.costUsd > maxCostUsd)
    throw invalidData(`${field}.messages`, 'cost more in all than a thread can count');
  const createdAt = new Date(file.thread.createdAt);
  return {
    title: file.thread.title,
    model: file.thread.model ?? null,
    systemPrompt: file.thread.systemPrompt ?? null,
    pinned: file.thread.pinned,
    archived: file.thread.archived,
    createdAt,
    lastActivityAt: file.thread.lastActivityAt ? new Date(file.thread.lastActivityAt) : createdAt,
    messages: ordered,
    activeKey: file.activeLeafId ?? null,
  };
}

export function parseFidus(data: unknown): ImportPlan[] {
  const documents = documentsOf(data);
  documents.forEach(({ value, field }) => {
    const list = (value as { messages?: unknown } | null)?.messages;
    if (Array.isArray(list) && list.length > maxMessagesPerConversation)
      throw invalidData(`${field}.messages`, `must hold at most ${maxMessagesPerConversation} messages`);
  });
  return parseAll(FidusExport, documents).map((file, index) => planFidus(file, documents[index]!.field));
}

// ------------------------------------------------------------------------------------------------ writing

/** What the generation would have added up: an answer that was called but has no price counts as unpriced. */
function totalsOf(planned: readonly PlannedMessage[]) {
  const totals = { inputTokens: 0, outputTokens: 0, costUsd: 0, unpricedAnswers: 0 };
  for (const message of planned) {
    totals.inputTokens += message.inputTokens;
    totals.outputTokens += message.outputTokens;
    totals.costUsd += message.costUsd ?? 0;
    if (message.role === 'assistant' && message.costUsd === null && message.provider !== null)
      totals.unpricedAnswers += 1;
  }
  return totals;
}

const insertBatch = 500;

async function writeThread(tx: Tx, viewer: Viewer, projectId: string | null, plan: ImportPlan) {
  const ids = new Map(plan.messages.map((message) => [message.key, newId()]));
  const totals = totalsOf(plan.messages);
  const newest = plan.messages.reduce<Date | null>(
    (max, message) => (max && max >= message.createdAt ? max : message.createdAt),
    null,
  );
  const threadId = newId();
  const title = Array.from(oneLine(plan.title)).slice(0, 200).join(''); // by code point: never half an emoji
  await tx.insert(threads).values({
    id: threadId,
    tenantId: viewer.tenantId,
    projectId,
    createdBy: viewer.userId,
    title,
    // An untitled conversation is left to the title job, which names it after its next answer.
    titled: title !== '',
    model: plan.model,
    systemPrompt: plan.systemPrompt,
    pinned: plan.pinned,
    archived: plan.archived,
    activeLeafId: plan.activeKey === null ? null : ids.get(plan.activeKey)!,
    inputTokens: totals.inputTokens,
    outputTokens: totals.outputTokens,
    costUsd: totals.costUsd,
    unpricedAnswers: totals.unpricedAnswers,
    search: toSearchVector(title),
    createdAt: plan.createdAt,
    lastActivityAt: newest ?? plan.lastActivityAt,
  });
  for (let start = 0; start < plan.messages.length; start += insertBatch) {
    await tx.insert(messages).values(
      plan.messages.slice(start, start + insertBatch).map((message) => ({
        id: ids.get(message.key)!,
        tenantId: viewer.tenantId,
        threadId,
        parentId: message.parentKey === null ? null : ids.get(message.parentKey)!,
        role: message.role,
        content: message.content,
        status: message.status,
        createdBy: viewer.userId,
        model: message.model,
        provider: message.provider,
        providerModel: message.providerModel,
        inputTokens: message.inputTokens,
        outputTokens: message.outputTokens,
        costUsd: message.costUsd,
        errorCode: message.error?.code ?? null,
        errorMessage: message.error?.message ?? null,
        search: toSearchVector(message.content),
        createdAt: message.createdAt,
        updatedAt: message.createdAt,
      })),
    );
  }
  return { id: threadId, title, messages: plan.messages.length };
}

/** Validates everything first (bad input writes nothing), then writes one transaction per thread. */
export async function importThreads(db: Database, viewer: Viewer, body: ImportBody) {
  assertMayCreate(viewer);
  const plans = body.format === 'chatgpt' ? parseChatGpt(body.data, new Date()) : parseFidus(body.data);
  await db.tenant(viewer.tenantId, (tx) => targetProject(tx, viewer, body.projectId));
  const imported = [];
  for (const plan of plans) {
    imported.push(
      await db.tenant(viewer.tenantId, async (tx) =>
        writeThread(tx, viewer, (await targetProject(tx, viewer, body.projectId))?.id ?? null, plan),
      ),
    );
  }
  return { threads: imported };
}
