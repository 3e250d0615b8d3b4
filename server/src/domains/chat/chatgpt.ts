import { z } from 'zod';
import { FidusError, type FieldIssue } from '../../core/index.ts';
import type { MessageRole } from './schema.ts';
import type { ImportPlan, PlannedMessage } from './transfer.ts';

/** Caps of one import request: the body may be 64 MB, but one thread must stay a size the UI can show. */
export const maxConversations = 10_000;
export const maxMessagesPerConversation = 50_000;

/** 9999-12-31: later times fit neither ISO strings nor every client. */
const maxUnixSeconds = 253_402_300_799;

export function invalidData(field: string, message: string): FidusError {
  return new FidusError('validation_failed', `Invalid import: ${field} ${message}`, {
    issues: [{ field, message }],
  });
}

/** `data` as a list of documents with the path of each: one document may be sent without its array. */
export function documentsOf(data: unknown): { value: unknown; field: string }[] {
  if (!Array.isArray(data)) return [{ value: data, field: 'body.data' }];
  if (data.length > maxConversations)
    throw invalidData('body.data', `must hold at most ${maxConversations} conversations`);
  return data.map((value, index) => ({ value, field: `body.data.${index}` }));
}

/** Parses every document before anything is written, so that bad input writes nothing. */
export function parseAll<S extends z.ZodType>(
  schema: S,
  documents: { value: unknown; field: string }[],
): z.output<S>[] {
  const issues: FieldIssue[] = [];
  const parsed: z.output<S>[] = [];
  for (const document of documents) {
    const result = schema.safeParse(document.value);
    if (result.success) parsed.push(result.data);
    else
      for (const issue of result.error.issues) {
        issues.push({ field: [document.field, ...issue.path.map(String)].join('.'), message: issue.message });
      }
    if (issues.length >= 20) break;
  }
  if (issues.length > 0) {
    throw new FidusError('validation_failed', `Invalid import: ${issues[0]!.field} ${issues[0]!.message}`, {
      issues: issues.slice(0, 20),
    });
  }
  return parsed;
}

/**
 * The messages ordered so that a parent always comes before its children (they are inserted in that order, for
 * the foreign key), otherwise oldest first. Returns the message that closes a cycle instead, if one does.
 */
export function parentsFirst<M extends Pick<PlannedMessage, 'key' | 'parentKey'>>(
  items: readonly M[],
  timeOf: (item: M) => number,
): M[] | { cycle: M } {
  const byKey = new Map(items.map((item) => [item.key, item]));
  const sorted = items
    .map((item, index) => ({ item, index, time: timeOf(item) }))
    .sort((a, b) => a.time - b.time || a.index - b.index);
  const placed = new Set<string>();
  const ordered: M[] = [];
  for (const { item } of sorted) {
    const chain: M[] = [];
    const onChain = new Set<string>();
    for (
      let at: M | undefined = item;
      at && !placed.has(at.key);
      at = at.parentKey === null ? undefined : byKey.get(at.parentKey)
    ) {
      if (onChain.has(at.key)) return { cycle: at };
      onChain.add(at.key);
      chain.push(at);
    }
    for (const ancestor of chain.reverse()) {
      placed.add(ancestor.key);
      ordered.push(ancestor);
    }
  }
  return ordered;
}

// ------------------------------------------------------------------------------------ the ChatGPT export

// Objects are not strict: OpenAI's export carries many fields (and adds more) that an import has no use for.
const seconds = z.number().min(0).max(maxUnixSeconds);

const ChatGptMessage = z.object({
  author: z.object({ role: z.string() }),
  create_time: seconds.nullish(),
  content: z.object({
    content_type: z.string(),
    parts: z.array(z.unknown()).nullish(),
    text: z.unknown().optional(),
  }),
  metadata: z
    .object({
      is_visually_hidden_from_conversation: z.boolean().nullish(),
      model_slug: z.string().nullish(),
    })
    .nullish(),
});

const ChatGptNode = z.object({
  message: ChatGptMessage.nullish(),
  parent: z.string().nullish(),
  children: z.array(z.string()).nullish(),
});

const ChatGptConversation = z.object({
  title: z.string().nullish(),
  create_time: seconds.nullish(),
  update_time: seconds.nullish(),
  mapping: z.record(z.string(), ChatGptNode),
  current_node: z.string().nullish(),
});

type ChatGptMessage = z.output<typeof ChatGptMessage>;
type ChatGptConversation = z.output<typeof ChatGptConversation>;

/** The text of a part of a multimodal message: what is not text is named, so that the answer still reads. */
function partText(part: unknown): string {
  if (typeof part === 'string') return part;
  if (typeof part !== 'object' || part === null) return '';
  const { content_type: type, text } = part as { content_type?: unknown; text?: unknown };
  if (typeof type === 'string' && type.includes('image')) return '[image]';
  if (typeof text === 'string') return text; // a voice message's transcription
  if (typeof type === 'string' && type.includes('audio')) return '[audio]';
  return '[attachment]';
}

function textOf(content: ChatGptMessage['content']): string {
  if (content.parts && content.parts.length > 0) {
    return content.parts
      .map(partText)
      .filter((text) => text.trim() !== '')
      .join('\n\n');
  }
  // `code` and `execution_output` (and quotes, …) carry `text` instead of parts.
  return typeof content.text === 'string' ? content.text : '';
}

/** The messages a person saw: user questions and answers with text. Everything else is left out. */
function shownMessage(message: ChatGptMessage | null | undefined) {
  if (!message) return undefined;
  const { role } = message.author;
  const kept: MessageRole | undefined =
    role === 'user' ? 'user' : role === 'assistant' ? 'assistant' : undefined;
  if (!kept) return undefined;
  if (message.metadata?.is_visually_hidden_from_conversation === true) return undefined;
  const content = textOf(message.content);
  if (content.trim() === '') return undefined;
  return { role: kept, content, model: kept === 'assistant' ? (message.metadata?.model_slug ?? null) : null };
}

const toDate = (unixSeconds: number) => new Date(Math.round(unixSeconds * 1000));

/** One conversation as a thread: dropped nodes are bridged, each kept message hangs from its nearest kept ancestor. */
function planConversation(conversation: ChatGptConversation, field: string, now: Date): ImportPlan {
  const nodes = new Map(Object.entries(conversation.mapping));
  // `parent` is the link; `children` only stands in for a missing one.
  const listedParent = new Map<string, string>();
  for (const [key, node] of nodes) {
    for (const child of node.children ?? []) if (!listedParent.has(child)) listedParent.set(child, key);
  }
  const parentOf = (key: string): string | null => {
    const node = nodes.get(key)!;
    return node.parent !== undefined ? node.parent : (listedParent.get(key) ?? null);
  };
  for (const key of nodes.keys()) {
    const parent = parentOf(key);
    if (parent !== null && !nodes.has(parent))
      throw invalidData(`${field}.mapping.${key}.parent`, 'is not a node of mapping');
  }

  const shown = new Map<string, NonNullable<ReturnType<typeof shownMessage>>>();
  for (const [key, node] of nodes) {
    const message = shownMessage(node.message);
    if (message) shown.set(key, message);
  }
  // The nearest kept strict ancestor of a node, remembered for the dropped nodes passed on the way.
  const bridged = new Map<string, string | null>();
  const keptAncestor = (key: string): string | null => {
    const passed: string[] = [];
    const onWay = new Set<string>();
    let at = parentOf(key);
    while (at !== null && !shown.has(at) && !bridged.has(at)) {
      if (onWay.has(at)) throw invalidData(`${field}.mapping.${at}.parent`, 'makes a cycle');
      onWay.add(at);
      passed.push(at);
      at = parentOf(at);
    }
    const found = at === null ? null : shown.has(at) ? at : bridged.get(at)!;
    for (const node of passed) bridged.set(node, found);
    return found;
  };

  const planned: (Omit<PlannedMessage, 'createdAt'> & { createdAt: Date | null })[] = [];
  for (const [key, message] of shown) {
    const time = nodes.get(key)!.message!.create_time;
    planned.push({
      key,
      parentKey: keptAncestor(key),
      role: message.role,
      content: message.content,
      status: 'done',
      model: message.model,
      provider: null,
      providerModel: null,
      inputTokens: 0,
      outputTokens: 0,
      costUsd: null,
      error: null,
      createdAt: time == null ? null : toDate(time),
    });
  }
  const started = conversation.create_time == null ? null : toDate(conversation.create_time);
  const fallback = (started ?? now).getTime();
  const ordered = parentsFirst(planned, (message) => message.createdAt?.getTime() ?? fallback);
  if (!Array.isArray(ordered))
    throw invalidData(`${field}.mapping.${ordered.cycle.key}.parent`, 'makes a cycle');
  // A message without a time is given its parent's (parents come first), else the conversation's.
  const times = new Map<string, Date>();
  const messages: PlannedMessage[] = ordered.map((message) => {
    const createdAt =
      message.createdAt ??
      (message.parentKey === null ? undefined : times.get(message.parentKey)) ??
      new Date(fallback);
    times.set(message.key, createdAt);
    return { ...message, createdAt };
  });

  let activeKey: string | null;
  if (conversation.current_node != null) {
    const current = conversation.current_node;
    if (!nodes.has(current)) throw invalidData(`${field}.current_node`, 'is not a node of mapping');
    activeKey = shown.has(current) ? current : keptAncestor(current);
  } else {
    activeKey = newestLeaf(messages);
  }
  const newest = messages.reduce<Date | null>(
    (max, m) => (max && max >= m.createdAt ? max : m.createdAt),
    null,
  );
  const updated = conversation.update_time == null ? null : toDate(conversation.update_time);
  return {
    title: conversation.title ?? '',
    model: null,
    systemPrompt: null,
    pinned: false,
    archived: false,
    createdAt: started ?? messages[0]?.createdAt ?? now,
    lastActivityAt: newest ?? updated ?? started ?? now,
    messages,
    activeKey,
  };
}

function newestLeaf(messages: readonly PlannedMessage[]): string | null {
  const parents = new Set(messages.map((message) => message.parentKey));
  let leaf: PlannedMessage | undefined;
  for (const message of messages) {
    if (parents.has(message.key)) continue;
    if (!leaf || message.createdAt >= leaf.createdAt) leaf = message;
  }
  return leaf?.key ?? null;
}

/** `conversations.json` of OpenAI's data export (or one conversation of it) as threads to write. */
export function parseChatGpt(data: unknown, now: Date): ImportPlan[] {
  const documents = documentsOf(data);
  documents.forEach(({ value, field }) => {
    const mapping = (value as { mapping?: unknown } | null)?.mapping;
    if (
      typeof mapping === 'object' &&
      mapping !== null &&
      Object.keys(mapping).length > maxMessagesPerConversation
    )
      throw invalidData(`${field}.mapping`, `must hold at most ${maxMessagesPerConversation} nodes`);
  });
  const conversations = parseAll(ChatGptConversation, documents);
  return conversations.map((conversation, index) =>
    planConversation(conversation, documents[index]!.field, now),
  );
}
