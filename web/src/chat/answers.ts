import { create } from 'zustand';
import { ApiError } from '../api/client.ts';
import { api, queryClient, session } from '../api/instance.ts';
import { SessionExpired } from '../api/session.ts';
import type { Message, MessageTree, Thread } from '../api/types.ts';
import { messagesKey, threadKey, threadsKey } from './keys.ts';
import { followAnswer, type ChatEvent } from './stream.ts';
import { applyDelta, codePoints, showBranch, updateMessage, withMessage } from './tree.ts';

/** An answer being followed in a thread. */
export interface Live {
  phase: 'sending' | 'streaming' | 'reconnecting';
  answerId?: string;
  /** Stops following (the server goes on generating; only `stop` ends the answer). */
  controller: AbortController;
}

/** A request that failed before or while following an answer; `retry` tries it again. */
export interface Failure {
  code: string;
  message: string;
  retryAfter?: number | undefined;
  retry?(): void;
}

interface AnswersState {
  live: Record<string, Live | undefined>;
  failures: Record<string, Failure | undefined>;
}

export const useAnswers = create<AnswersState>(() => ({ live: {}, failures: {} }));

const setLive = (threadId: string, live: Live | undefined) =>
  useAnswers.setState((state) => ({ live: { ...state.live, [threadId]: live } }));
const setFailure = (threadId: string, failure: Failure | undefined) =>
  useAnswers.setState((state) => ({ failures: { ...state.failures, [threadId]: failure } }));

session.subscribe(() => {
  for (const live of Object.values(useAnswers.getState().live)) live?.controller.abort();
  useAnswers.setState({ live: {}, failures: {} });
});

const editTree = (threadId: string, change: (tree: MessageTree) => MessageTree) =>
  queryClient.setQueryData<MessageTree>(messagesKey(threadId), (tree) => (tree ? change(tree) : tree));

function failureOf(error: unknown, retry?: () => void): Failure {
  const failure: Failure =
    error instanceof ApiError
      ? { code: error.code, message: error.message, retryAfter: error.retryAfter }
      : { code: 'internal', message: (error as Error).message ?? String(error) };
  return retry ? { ...failure, retry } : failure;
}

/** Applies one event of the stream to the cached message tree. */
function onEvent(threadId: string, lengths: Map<string, number>, event: ChatEvent): void {
  switch (event.type) {
    case 'message':
      editTree(threadId, (tree) => withMessage(tree, event.message));
      if (event.message.role === 'assistant') {
        lengths.set(event.message.id, codePoints(event.message.content));
        const live = useAnswers.getState().live[threadId];
        if (live) setLive(threadId, { ...live, phase: 'streaming', answerId: event.message.id });
      }
      return;
    case 'delta': {
      let gap = false;
      editTree(threadId, (tree) =>
        updateMessage(tree, event.messageId, (message) => {
          const known = lengths.get(message.id) ?? codePoints(message.content);
          const next = applyDelta({ content: message.content, length: known }, event.offset, event.text);
          if (!next) {
            gap = true;
            return message;
          }
          lengths.set(message.id, next.length);
          return { ...message, content: next.content };
        }),
      );
      if (gap) void queryClient.invalidateQueries({ queryKey: messagesKey(threadId) });
      const live = useAnswers.getState().live[threadId];
      if (live && live.phase !== 'streaming') setLive(threadId, { ...live, phase: 'streaming' });
      return;
    }
    case 'usage':
      editTree(threadId, (tree) =>
        updateMessage(tree, event.messageId, (message) => ({
          ...message,
          usage: { inputTokens: event.inputTokens, outputTokens: event.outputTokens },
          costUsd: event.costUsd,
        })),
      );
      return;
    case 'done':
      editTree(threadId, (tree) =>
        updateMessage(tree, event.messageId, (message) => ({ ...message, status: event.status })),
      );
      return;
    case 'error':
      editTree(threadId, (tree) =>
        updateMessage(tree, event.messageId, (message) => ({
          ...message,
          status: 'error',
          error: { code: event.code, message: event.message },
        })),
      );
  }
}

/** Reads the thread again once an answer ended: totals, the title written in the background, the list order. */
function refreshAfterAnswer(threadId: string): void {
  void queryClient.invalidateQueries({ queryKey: messagesKey(threadId) });
  void queryClient.invalidateQueries({ queryKey: threadKey(threadId) });
  void queryClient.invalidateQueries({ queryKey: threadsKey });
  const untitled = queryClient.getQueryData<Thread>(threadKey(threadId))?.title === '';
  if (untitled) {
    // The title is written by a background job right after the first answer.
    for (const ms of [2_000, 6_000]) {
      setTimeout(() => {
        void queryClient.invalidateQueries({ queryKey: threadKey(threadId) });
        void queryClient.invalidateQueries({ queryKey: threadsKey });
      }, ms);
    }
  }
}

const resumeRequest = (threadId: string) => (lastEventId: string | undefined, signal?: AbortSignal) =>
  api
    .fetch(`/api/v1/threads/${threadId}/stream`, {
      headers: lastEventId ? { 'last-event-id': lastEventId } : {},
      signal,
    })
    .then((response) => (response.status === 204 ? null : response));

/** Follows a started answer to its end, keeping the cache of the thread's messages current. */
async function follow(
  threadId: string,
  controller: AbortController,
  first: Response,
  lastEventId?: string,
): Promise<void> {
  const lengths = new Map<string, number>();
  try {
    const outcome = await followAnswer({
      first,
      ...(lastEventId === undefined ? {} : { lastEventId }),
      resume: resumeRequest(threadId),
      onEvent: (event) => onEvent(threadId, lengths, event),
      onReconnecting: () => {
        const live = useAnswers.getState().live[threadId];
        if (live) setLive(threadId, { ...live, phase: 'reconnecting' });
      },
      signal: controller.signal,
    });
    if (outcome.kind === 'aborted') return;
  } catch (error) {
    if (error instanceof SessionExpired || controller.signal.aborted) return;
    setFailure(
      threadId,
      failureOf(error, () => void resume(threadId)),
    );
  } finally {
    if (useAnswers.getState().live[threadId]?.controller === controller) setLive(threadId, undefined);
  }
  refreshAfterAnswer(threadId);
}

/** Starts an answer with `request` and follows it; false when the request was refused (nothing was created). */
async function start(
  threadId: string,
  request: (signal: AbortSignal) => Promise<Response>,
  retry: () => void,
) {
  if (useAnswers.getState().live[threadId]) return false;
  const controller = new AbortController();
  setLive(threadId, { phase: 'sending', controller });
  setFailure(threadId, undefined);
  let first: Response;
  try {
    first = await request(controller.signal);
  } catch (error) {
    setLive(threadId, undefined);
    if (!(error instanceof SessionExpired) && !controller.signal.aborted)
      setFailure(threadId, failureOf(error, retry));
    return false;
  }
  void follow(threadId, controller, first);
  return true;
}

/** Sends a message (under `parentId`, or at the end of the active branch) and follows its answer. */
export function sendMessage(threadId: string, content: string, parentId?: string | null): Promise<boolean> {
  return start(
    threadId,
    (signal) =>
      api.fetch(`/api/v1/threads/${threadId}/messages`, {
        method: 'POST',
        body: parentId === undefined ? { content } : { content, parentId },
        signal,
      }),
    () => void sendMessage(threadId, content, parentId),
  );
}

/** Another answer beside `messageId` (a failed or unwanted answer). */
export function regenerate(threadId: string, messageId: string): Promise<boolean> {
  return start(
    threadId,
    (signal) => api.fetch(`/api/v1/messages/${messageId}/regenerate`, { method: 'POST', signal }),
    () => void regenerate(threadId, messageId),
  );
}

/** Follows the answer being generated in the thread, from what the cache holds of it (after a reload, a drop). */
export async function resume(threadId: string): Promise<void> {
  if (useAnswers.getState().live[threadId]) return;
  const tree = queryClient.getQueryData<MessageTree>(messagesKey(threadId));
  const streaming: Message | undefined = tree?.messages.find(
    (m) => m.status === 'streaming' && m.id === tree.activeLeafId,
  );
  const lastEventId = streaming ? `${streaming.id}:${codePoints(streaming.content)}` : undefined;
  const controller = new AbortController();
  setLive(threadId, { phase: 'reconnecting', controller, ...(streaming ? { answerId: streaming.id } : {}) });
  setFailure(threadId, undefined);
  let first: Response | null;
  try {
    first = await resumeRequest(threadId)(lastEventId, controller.signal);
  } catch (error) {
    setLive(threadId, undefined);
    if (!(error instanceof SessionExpired) && !controller.signal.aborted) {
      setFailure(
        threadId,
        failureOf(error, () => void resume(threadId)),
      );
    }
    return;
  }
  if (first === null) {
    setLive(threadId, undefined);
    refreshAfterAnswer(threadId);
    return;
  }
  await follow(threadId, controller, first, lastEventId);
}

/** Stops the answers being generated in the thread; their streams end with `done` (`stopped`). */
export async function stop(threadId: string): Promise<void> {
  try {
    await api.json(`/api/v1/threads/${threadId}/stop`, { method: 'POST' });
  } catch (error) {
    if (!(error instanceof SessionExpired))
      setFailure(
        threadId,
        failureOf(error, () => void stop(threadId)),
      );
  }
}

const switches = new Map<string, number>();

/**
 * Shows the branch through `messageId` (a sibling chosen in `‹ 2/3 ›`): at once in the cache, then as the server
 * answers. The server follows the newest children from `messageId` itself, so the branch shown is right even when
 * this tab has not seen a message another added under it. Not while an answer streams (it belongs to the branch
 * shown).
 */
export async function switchBranch(threadId: string, messageId: string): Promise<void> {
  if (useAnswers.getState().live[threadId]) return;
  const before = queryClient.getQueryData<MessageTree>(messagesKey(threadId));
  if (!before) return;
  editTree(threadId, (tree) => showBranch(tree, messageId));
  setFailure(threadId, undefined);
  // Clicked quickly in a row, only the last switch's answer is shown.
  const turn = (switches.get(threadId) ?? 0) + 1;
  switches.set(threadId, turn);
  try {
    const branch = await api.json<{ activeLeafId: string; activePath: string[] }>(
      `/api/v1/threads/${threadId}/active-branch`,
      { method: 'PUT', body: { messageId } },
    );
    if (switches.get(threadId) !== turn) return;
    editTree(threadId, (tree) => ({ ...tree, ...branch }));
    // A leaf this tab did not know: read the tree again.
    if (!before.messages.some((m) => m.id === branch.activeLeafId))
      void queryClient.invalidateQueries({ queryKey: messagesKey(threadId) });
  } catch (error) {
    if (switches.get(threadId) !== turn) return;
    editTree(threadId, (tree) => ({
      ...tree,
      activeLeafId: before.activeLeafId,
      activePath: before.activePath,
    }));
    showFailure(threadId, error, () => void switchBranch(threadId, messageId));
  }
}

export const dismissFailure = (threadId: string) => setFailure(threadId, undefined);

/** Shows a failed request about the thread (a change of its model, …) where its answers' failures show. */
export function showFailure(threadId: string, error: unknown, retry?: () => void): void {
  if (error instanceof SessionExpired) return;
  setFailure(threadId, failureOf(error, retry));
}
