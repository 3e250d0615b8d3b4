import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { eventually } from './support/app.ts';
import {
  callApi,
  readEvents,
  startChatHarness,
  textOf,
  type ChatHarness,
  type Json,
} from './support/chat.ts';
import { lane } from './support/database.ts';

let h: ChatHarness;
let token: string;

beforeAll(async () => {
  h = await startChatHarness();
  token = h.owner.accessToken;
});
afterAll(() => h.close());
beforeEach(() => {
  h.fake.reset();
  h.titles.reset();
});

const api = (method: string, url: string, body?: unknown, as = token) =>
  callApi(h.main.app, as, method, url, body);

async function newThread(body: Record<string, unknown> = {}, as = token): Promise<string> {
  const created = await api('POST', '/threads', body, as);
  expect(created.status).toBe(201);
  return created.body.id;
}

/** The chat completions the fake upstream answered (it also sees model listings). */
const completions = () =>
  h.fake.requests.filter((request) => request.path.endsWith('/chat/completions')) as { body: Json }[];

const send = (threadId: string, body: Record<string, unknown>, as = token) =>
  readEvents(`${h.main.url}/api/v1/threads/${threadId}/messages`, { method: 'POST', token: as, body });

describe(`chat API (${lane})`, () => {
  it('streams an answer: the messages, text deltas, usage and done; stores tokens and cost', async () => {
    h.fake.script({
      kind: 'ok',
      reply: { chunks: ['Hel', 'lo ', 'there'], usage: { promptTokens: 10, completionTokens: 3 } },
    });
    // Titled: no title job of this thread can take the next test's scripted title.
    const threadId = await newThread({ title: 'greeting' });
    const read = await send(threadId, { content: 'Say hello' });
    expect(read.status).toBe(200);
    const kinds = read.events.map((event) => event.event);
    expect(kinds.slice(0, 2)).toEqual(['message', 'message']);
    expect(kinds.slice(-2)).toEqual(['usage', 'done']);
    expect(textOf(read.events)).toBe('Hello there');
    const answerId = read.events[1]!.data.message.id;
    expect(read.events.at(-1)).toMatchObject({
      id: `${answerId}:11`,
      data: { messageId: answerId, status: 'done' },
    });
    expect(read.events.at(-2)!.data).toMatchObject({ inputTokens: 10, outputTokens: 3, costUsd: 0.000016 });

    const tree = await api('GET', `/threads/${threadId}/messages`);
    expect(
      tree.body.messages.map((m: { role: string; content: string; status: string }) => [
        m.role,
        m.content,
        m.status,
      ]),
    ).toEqual([
      ['user', 'Say hello', 'done'],
      ['assistant', 'Hello there', 'done'],
    ]);
    expect(tree.body.activePath).toEqual(tree.body.messages.map((m: { id: string }) => m.id));
    const thread = await api('GET', `/threads/${threadId}`);
    expect(thread.body.totals).toEqual({
      inputTokens: 10,
      outputTokens: 3,
      costUsd: 0.000016,
      unpricedAnswers: 0,
    });
    // The upstream got the question with the gateway's default model (the title job asks after it).
    expect(completions()[0]!.body).toMatchObject({
      model: 'small-1',
      messages: [{ role: 'user', content: 'Say hello' }],
    });
  });

  it('names a thread after its first exchange in the background', async () => {
    const threadId = await newThread();
    h.fake.script({ kind: 'ok', reply: { text: 'An answer' } });
    h.titles.script({ kind: 'ok', reply: { text: '"Greetings and salutations."' } });
    await send(threadId, { content: 'Hello' });
    await eventually(async () => (await api('GET', `/threads/${threadId}`)).body.title !== '', 5_000);
    expect((await api('GET', `/threads/${threadId}`)).body.title).toBe('Greetings and salutations');
  });

  it('branches: an edit is a sibling, regenerate makes a sibling answer, the active branch can be switched', async () => {
    const threadId = await newThread({ title: 'branches' });
    h.fake.script(
      { kind: 'echo' },
      { kind: 'echo' },
      { kind: 'ok', reply: { text: 'second try' } },
      { kind: 'echo' },
    );
    const first = await send(threadId, { content: 'one' });
    const question1 = first.events[0]!.data.message.id;
    const answer1 = first.events[1]!.data.message.id;
    const second = await send(threadId, { content: 'two' });
    const question2 = second.events[0]!.data.message.id;
    expect(second.events[0]!.data.message.parentId).toBe(answer1);

    // Regenerate the second answer: a sibling of it, under the same question.
    const answer2 = second.events[1]!.data.message.id;
    const again = await readEvents(`${h.main.url}/api/v1/messages/${answer2}/regenerate`, {
      method: 'POST',
      token,
      body: {},
    });
    expect(again.events[0]!.data.message).toMatchObject({ role: 'assistant', parentId: question2 });
    expect(textOf(again.events)).toBe('second try');

    // Edit the second question: a new user message under the first answer, with its own answer.
    const edited = await send(threadId, { content: 'two, edited', parentId: answer1 });
    expect(edited.events[0]!.data.message.parentId).toBe(answer1);
    expect(textOf(edited.events)).toBe('two, edited');
    // The upstream saw the edited branch only.
    const asked = completions().filter((request) => request.body.messages.at(-1).content === 'two, edited');
    expect(asked.at(-1)!.body.messages.map((m: { content: string }) => m.content)).toEqual([
      'one',
      'one',
      'two, edited',
    ]);

    let tree = await api('GET', `/threads/${threadId}/messages`);
    expect(tree.body.messages).toHaveLength(7);
    expect(tree.body.activePath).toEqual([
      question1,
      answer1,
      edited.events[0]!.data.message.id,
      edited.events[1]!.data.message.id,
    ]);

    // Back to the original second question: its newest answer (the regenerated one) is shown.
    const switched = await api('PUT', `/threads/${threadId}/active-branch`, { messageId: question2 });
    expect(switched.status).toBe(200);
    expect(switched.body.activePath).toEqual([
      question1,
      answer1,
      question2,
      again.events[0]!.data.message.id,
    ]);
    tree = await api('GET', `/threads/${threadId}/messages`);
    expect(tree.body.activeLeafId).toBe(again.events[0]!.data.message.id);
    expect(
      (await api('PUT', `/threads/${threadId}/active-branch`, { messageId: crypto.randomUUID() })).status,
    ).toBe(404);
  });

  it('stops only on request: a client that leaves does not stop the answer; stop keeps the partial text', async () => {
    const threadId = await newThread();
    const chunks = Array.from({ length: 80 }, (_, i) => `w${i} `);
    h.fake.script({ kind: 'slow', chunkDelayMs: 25, reply: { chunks } });
    const partial = await readEvents(
      `${h.main.url}/api/v1/threads/${threadId}/messages`,
      { method: 'POST', token, body: { content: 'long please' } },
      (events) => events.filter((event) => event.event === 'delta').length >= 2,
    );
    const answerId = partial.events[1]!.data.message.id as string;
    const seen = textOf(partial.events);
    const contentOf = async () =>
      (await api('GET', `/threads/${threadId}/messages`)).body.messages.find(
        (m: { id: string }) => m.id === answerId,
      );
    // The generation goes on without the client.
    await eventually(async () => (await contentOf()).content.length > seen.length + 10, 5_000);
    expect((await contentOf()).status).toBe('streaming');

    const stopped = await api('POST', `/threads/${threadId}/stop`);
    expect(stopped.status).toBe(200);
    expect(stopped.body.data).toHaveLength(1);
    const kept = stopped.body.data[0];
    expect(kept).toMatchObject({ id: answerId, status: 'stopped' });
    expect(kept.content.startsWith(seen)).toBe(true);
    expect(kept.content.length).toBeLessThan(chunks.join('').length);
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect((await contentOf()).content).toBe(kept.content);
    // Following it now replays what is left after the client's last event, then says how it ended.
    const rest = await readEvents(`${h.main.url}/api/v1/threads/${threadId}/stream`, {
      token,
      lastEventId: partial.events.at(-1)!.id,
    });
    expect(seen + textOf(rest.events)).toBe(kept.content);
    expect(rest.events.at(-1)).toMatchObject({ event: 'done', data: { status: 'stopped' } });
  });

  it('resumes after a dropped connection with Last-Event-ID: no text twice, none missing', async () => {
    const threadId = await newThread();
    const chunks = Array.from({ length: 40 }, (_, i) => `p${i}·✓ `);
    h.fake.script({ kind: 'slow', chunkDelayMs: 15, reply: { chunks } });
    const before = await readEvents(
      `${h.main.url}/api/v1/threads/${threadId}/messages`,
      { method: 'POST', token, body: { content: 'count' } },
      (events) => events.filter((event) => event.event === 'delta').length >= 3,
    );
    const after = await readEvents(`${h.main.url}/api/v1/threads/${threadId}/stream`, {
      token,
      lastEventId: before.events.at(-1)!.id,
    });
    expect(textOf(before.events) + textOf(after.events)).toBe(chunks.join(''));
    expect(after.events.at(-1)).toMatchObject({ event: 'done', data: { status: 'done' } });
    // Offsets continue without a gap.
    const deltas = [...before.events, ...after.events].filter((event) => event.event === 'delta');
    let offset = 0;
    for (const delta of deltas) {
      expect(delta.data.offset).toBe(offset);
      offset += [...(delta.data.text as string)].length;
      expect(delta.id).toBe(`${delta.data.messageId}:${offset}`);
    }
    // Nothing streaming any more: the stream answers 204.
    const idle = await readEvents(`${h.main.url}/api/v1/threads/${threadId}/stream`, { token });
    expect(idle.status).toBe(204);
    const bad = await readEvents(`${h.main.url}/api/v1/threads/${threadId}/stream`, {
      token,
      lastEventId: 'nonsense',
    });
    expect(bad.status).toBe(400);
  });
});

describe(`thread list by cost (${lane})`, () => {
  it('lists the dearest threads first, among those active since a time', async () => {
    const since = new Date().toISOString();
    const cheap = await newThread({ title: 'cheap' });
    const dear = await newThread({ title: 'dear' });
    const free = await newThread({ title: 'free' });
    h.fake.script(
      { kind: 'ok', reply: { text: 'a', usage: { promptTokens: 10, completionTokens: 10 } } },
      { kind: 'ok', reply: { text: 'b', usage: { promptTokens: 5_000, completionTokens: 5_000 } } },
    );
    await send(cheap, { content: 'one' });
    await send(dear, { content: 'two' });
    const listed = await api('GET', `/threads?sort=cost&activeSince=${encodeURIComponent(since)}&limit=200`);
    expect(listed.status).toBe(200);
    const ours = listed.body.data
      .map((t: Json) => t.id)
      .filter((id: string) => [cheap, dear, free].includes(id));
    // `free` had activity (its creation) in the period, at no cost: last.
    expect(ours).toEqual([dear, cheap, free]);
    const costs = listed.body.data.map((t: Json) => t.totals.costUsd);
    expect(costs).toEqual([...costs].sort((a: number, b: number) => b - a));
    const future = new Date(Date.now() + 60_000).toISOString();
    expect(
      (await api('GET', `/threads?sort=cost&activeSince=${encodeURIComponent(future)}`)).body.data,
    ).toEqual([]);
    const bad = await api('GET', '/threads?sort=price');
    expect(bad.status).toBe(400);
    expect(bad.body.errors[0].field).toBe('query.sort');
  });
});
