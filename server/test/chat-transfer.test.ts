import { readFileSync } from 'node:fs';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../src/db/index.ts';
import { joinByInvite, type Session } from './support/app.ts';
import { callApi, readEvents, startChatHarness, type ChatHarness, type Json } from './support/chat.ts';
import { lane } from './support/database.ts';

let h: ChatHarness;
let owner: Session;
let member: Session;
let viewer: Session;

const fixture: Json[] = JSON.parse(
  readFileSync(new URL('./fixtures/chatgpt-conversations.json', import.meta.url), 'utf8'),
);

const api = (as: Session, method: string, url: string, body?: unknown) =>
  callApi(h.main.app, as.accessToken, method, url, body);

const send = (threadId: string, body: Record<string, unknown>) =>
  readEvents(`${h.main.url}/api/v1/threads/${threadId}/messages`, {
    method: 'POST',
    token: owner.accessToken,
    body,
  });

/** The message tree of a thread, with each message found by its text. */
async function treeOf(as: Session, threadId: string) {
  const tree = await api(as, 'GET', `/threads/${threadId}/messages`);
  expect(tree.status).toBe(200);
  const byContent = new Map<string, Json>(tree.body.messages.map((m: Json) => [m.content, m]));
  const get = (content: string) => {
    const message = byContent.get(content);
    if (!message) throw new Error(`no message "${content}"`);
    return message;
  };
  return { ...tree.body, get } as Json;
}

/** The fields the issues of a problem name. */
const fieldsOf = (body: Json): string[] => (body.errors ?? []).map((issue: Json) => issue.field);

async function threadCount(as: Session): Promise<number> {
  return (await api(as, 'GET', '/threads?archived=all&limit=200')).body.data.length;
}

beforeAll(async () => {
  h = await startChatHarness();
  owner = h.owner;
  member = await joinByInvite(h.main.app, owner.accessToken, 'member');
  viewer = await joinByInvite(h.main.app, owner.accessToken, 'viewer');
});
afterAll(() => h.close());

const lisbon = {
  u1: 'Plan a weekend in Lisbon for me.',
  a1: 'Day 1: Alfama and the castle. Day 2: Belém.',
  a1b: 'Saturday: Alfama, São Jorge castle and a fado dinner.\nSunday: Belém and the riverside.',
  u2: 'Where should we eat?',
  a2: 'Try the Time Out Market.',
  u3: 'Add a day trip to Sintra.',
  u3e: 'Add a day trip to Sintra and Cascais.',
  a3e: 'Sintra in the morning, Cascais for the sunset.',
  code: 'trains_per_hour = 60 // 20\nprint(trains_per_hour)',
  a3: 'Trains leave Rossio three times an hour; the ride takes 40 minutes.',
  u4: '[image]\n\nIs this the Pena Palace?',
  a4: 'Yes: the yellow and red towers are the Pena Palace.',
};

describe(`chat export and import (${lane})`, () => {
  let lisbonId: string;

  it('imports a ChatGPT export with its branches, the shown branch and the dropped nodes bridged', async () => {
    const imported = await api(owner, 'POST', '/imports', { format: 'chatgpt', data: fixture });
    expect(imported.status).toBe(201);
    expect(imported.body.threads).toEqual([
      { id: expect.any(String), title: 'Weekend in Lisbon', messages: 12 },
      { id: expect.any(String), title: 'Haiku about autumn', messages: 2 },
    ]);
    lisbonId = imported.body.threads[0].id;

    const tree = await treeOf(owner, lisbonId);
    const m = Object.fromEntries(Object.entries(lisbon).map(([name, text]) => [name, tree.get(text)]));
    // Only what a person saw: no root, no hidden system prompt, no tool output, no empty answer.
    expect(tree.messages).toHaveLength(12);
    expect(tree.messages.map((message: Json) => message.role).sort()).toEqual([
      ...Array(7).fill('assistant'),
      ...Array(5).fill('user'),
    ]);
    expect(tree.messages.every((message: Json) => message.status === 'done')).toBe(true);
    expect(tree.messages.every((message: Json) => message.createdBy === owner.user.id)).toBe(true);
    // The hidden system message and the null root are bridged: the first question is a root.
    expect(m.u1.parentId).toBeNull();
    // A regenerated answer: two assistant siblings.
    expect([m.a1.parentId, m.a1b.parentId]).toEqual([m.u1.id, m.u1.id]);
    expect(m.u2.parentId).toBe(m.a1.id);
    expect(m.a2.parentId).toBe(m.u2.id);
    // An edited question: two user siblings.
    expect([m.u3.parentId, m.u3e.parentId]).toEqual([m.a1b.id, m.a1b.id]);
    expect(m.a3e.parentId).toBe(m.u3e.id);
    // The code call is kept (its text); the tool's output is dropped and the answer after it re-attached.
    expect(m.code).toMatchObject({ role: 'assistant', parentId: m.u3.id, model: 'gpt-4o' });
    expect(m.a3.parentId).toBe(m.code.id);
    // An image part becomes [image]; an empty answer is dropped, its child re-attached.
    expect(m.u4).toMatchObject({ role: 'user', parentId: m.a3.id, model: null });
    expect(m.a4.parentId).toBe(m.u4.id);
    const children = (id: string) => tree.messages.filter((message: Json) => message.parentId === id);
    expect(children(m.u4.id)).toHaveLength(1);
    expect(children(m.a1b.id)).toHaveLength(2);

    // The branch shown in ChatGPT (current_node), not the newest one.
    expect(tree.activeLeafId).toBe(m.a4.id);
    expect(tree.activePath).toEqual([m.u1, m.a1b, m.u3, m.code, m.a3, m.u4, m.a4].map((x) => x.id));

    expect(m.a1).toMatchObject({
      model: 'gpt-4o',
      usage: { inputTokens: 0, outputTokens: 0 },
      costUsd: null,
    });
    expect(m.a1b.model).toBe('gpt-4');
    expect(m.u1.model).toBeNull();
    expect(m.u1.createdAt).toBe('2024-05-01T08:00:10.500Z');
    expect(m.a1.createdAt).toBe('2024-05-01T08:00:20.250Z');
    expect(m.a1b.createdAt).toBe('2024-05-01T08:01:20.750Z');
    expect(m.a4.createdAt).toBe('2024-05-01T08:02:10.000Z');

    const thread = (await api(owner, 'GET', `/threads/${lisbonId}`)).body;
    expect(thread).toMatchObject({
      title: 'Weekend in Lisbon',
      projectId: null,
      createdBy: owner.user.id,
      model: null,
      activeLeafId: m.a4.id,
      createdAt: '2024-05-01T08:00:00.123Z',
      // The newest message (on another branch than the shown one).
      lastActivityAt: '2024-05-01T08:03:30.000Z',
      totals: { inputTokens: 0, outputTokens: 0, costUsd: 0, unpricedAnswers: 0 },
    });

    const haiku = await treeOf(owner, imported.body.threads[1].id);
    expect(haiku.messages.map((message: Json) => [message.role, message.content, message.model])).toEqual([
      ['user', 'Write a haiku about autumn.', null],
      [
        'assistant',
        'Crisp leaves drift and fall\n\nthe maple lets go of red\n\ncold wind keeps the rest',
        'gpt-4',
      ],
    ]);
    expect(haiku.activePath).toEqual(haiku.messages.map((message: Json) => message.id));

    // Search vectors are written for the title and every message.
    const [counts] = await h.database.db.tenant(owner.tenant.id, (tx) =>
      queryRows<{ unindexed: number; sintra: number; titled: number }>(
        tx,
        sql`select
          (select count(*)::int from chat_messages where thread_id = ${lisbonId} and search is null) as unindexed,
          (select count(*)::int from chat_messages where thread_id = ${lisbonId}
            and search @@ to_tsquery('simple', 'sintra')) as sintra,
          (select count(*)::int from chat_threads where id = ${lisbonId}
            and search @@ to_tsquery('simple', 'lisbon') and titled) as titled`,
      ),
    );
    expect(counts).toEqual({ unindexed: 0, sintra: 3, titled: 1 });
  });

  it('regenerates an imported answer with the tenant’s model when its own (gpt-4o) is not one', async () => {
    const tree = await treeOf(owner, lisbonId);
    const answer = tree.get(lisbon.a4);
    expect(answer.model).toBe('gpt-4o');
    h.fake.script({ kind: 'ok', reply: { text: 'a fresh answer' } });
    const again = await readEvents(`${h.main.url}/api/v1/messages/${answer.id}/regenerate`, {
      method: 'POST',
      token: owner.accessToken,
    });
    expect(again.status).toBe(200);
    expect(again.events[0]!.data.message).toMatchObject({ parentId: answer.parentId, model: 'fast' });
    expect(again.events.at(-1)).toMatchObject({ event: 'done', data: { status: 'done' } });
    // Back to the imported branch for the tests that follow.
    await api(owner, 'PUT', `/threads/${lisbonId}/active-branch`, { messageId: answer.id });
  });

  it('exports the active branch as Markdown', async () => {
    const exported = await api(owner, 'GET', `/threads/${lisbonId}/export?format=markdown`);
    expect(exported.status).toBe(200);
    expect(exported.headers['content-type']).toBe('text/markdown; charset=utf-8');
    expect(exported.headers['content-disposition']).toBe('attachment; filename="weekend-in-lisbon.md"');
    expect(exported.text).toBe(
      [
        '# Weekend in Lisbon',
        '',
        '## User',
        '',
        lisbon.u1,
        '',
        '## Assistant',
        '',
        '`gpt-4`',
        '',
        lisbon.a1b,
        '',
        '## User',
        '',
        lisbon.u3,
        '',
        '## Assistant',
        '',
        '`gpt-4o`',
        '',
        lisbon.code,
        '',
        '## Assistant',
        '',
        '`gpt-4o`',
        '',
        lisbon.a3,
        '',
        '## User',
        '',
        lisbon.u4,
        '',
        '## Assistant',
        '',
        '`gpt-4o`',
        '',
        lisbon.a4,
        '',
      ].join('\n'),
    );
  });

  it('round-trips a thread through its Fidus export: tree, content, active branch and totals, with new ids', async () => {
    const created = await api(owner, 'POST', '/threads', { title: 'Round trip: café' });
    const threadId = created.body.id;
    await api(owner, 'PATCH', `/threads/${threadId}`, { systemPrompt: 'Be brief.', pinned: true });
    h.fake.script({ kind: 'echo' }, { kind: 'echo' }, { kind: 'echo' }, { kind: 'echo' });
    const first = await send(threadId, { content: 'one' });
    const answer1 = first.events[1]!.data.message.id;
    const second = await send(threadId, { content: 'two' });
    const question2 = second.events[0]!.data.message.id;
    // A regenerated answer by an unpriced model, and an edit of the second question.
    await readEvents(`${h.main.url}/api/v1/messages/${second.events[1]!.data.message.id}/regenerate`, {
      method: 'POST',
      token: owner.accessToken,
      body: { model: 'other' },
    });
    await send(threadId, { content: 'two, edited', parentId: answer1 });
    // Show the older branch: not the one a newest-first walk would find.
    expect(
      (await api(owner, 'PUT', `/threads/${threadId}/active-branch`, { messageId: question2 })).status,
    ).toBe(200);

    const original = await treeOf(owner, threadId);
    const originalThread = (await api(owner, 'GET', `/threads/${threadId}`)).body;
    expect(originalThread.totals.unpricedAnswers).toBe(1);
    expect(original.messages).toHaveLength(7);

    const exported = await api(owner, 'GET', `/threads/${threadId}/export`);
    expect(exported.status).toBe(200);
    expect(exported.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(exported.headers['content-disposition']).toBe('attachment; filename="round-trip-cafe.json"');
    const file = exported.body;
    expect(file).toMatchObject({
      format: 'fidus.thread',
      version: 1,
      exportedAt: expect.any(String),
      thread: {
        title: 'Round trip: café',
        systemPrompt: 'Be brief.',
        pinned: true,
        archived: false,
        totals: originalThread.totals,
      },
      activeLeafId: original.activeLeafId,
    });
    expect(file.messages.map((message: Json) => message.id)).toEqual(
      original.messages.map((m: Json) => m.id),
    );

    const imported = await api(owner, 'POST', '/imports', { format: 'fidus', data: file });
    expect(imported.status).toBe(201);
    expect(imported.body.threads).toEqual([
      { id: expect.any(String), title: 'Round trip: café', messages: 7 },
    ]);
    const copyId = imported.body.threads[0].id;
    expect(copyId).not.toBe(threadId);

    const copy = await treeOf(owner, copyId);
    const oldIndex = new Map<string, number>(original.messages.map((m: Json, i: number) => [m.id, i]));
    const newIndex = new Map<string, number>(copy.messages.map((m: Json, i: number) => [m.id, i]));
    const shape = (tree: Json, index: Map<string, number>) =>
      tree.messages.map((m: Json) => ({
        parent: m.parentId === null ? null : index.get(m.parentId),
        role: m.role,
        content: m.content,
        status: m.status,
        model: m.model,
        provider: m.provider,
        providerModel: m.providerModel,
        usage: m.usage,
        costUsd: m.costUsd,
        createdAt: m.createdAt,
      }));
    expect(shape(copy, newIndex)).toEqual(shape(original, oldIndex));
    expect(copy.messages.some((m: Json) => oldIndex.has(m.id))).toBe(false);
    expect(copy.activePath.map((id: string) => newIndex.get(id))).toEqual(
      original.activePath.map((id: string) => oldIndex.get(id)),
    );
    expect(copy.activePath).toHaveLength(4);

    const copyThread = (await api(owner, 'GET', `/threads/${copyId}`)).body;
    expect(copyThread).toMatchObject({
      title: 'Round trip: café',
      systemPrompt: 'Be brief.',
      pinned: true,
      model: originalThread.model,
      createdBy: owner.user.id,
      totals: originalThread.totals,
      createdAt: originalThread.createdAt,
      lastActivityAt: copy.messages.at(-1).createdAt,
    });

    // Several exports at once; an answer still streaming in the file can only have ended here.
    const streaming = structuredClone(file);
    streaming.messages.at(-1).status = 'streaming';
    const both = await api(owner, 'POST', '/imports', { format: 'fidus', data: [file, streaming] });
    expect(both.status).toBe(201);
    expect(both.body.threads.map((t: Json) => t.messages)).toEqual([7, 7]);
    const ended = await treeOf(owner, both.body.threads[1].id);
    expect(ended.messages.at(-1).status).toBe('interrupted');
  });

  it('imports into a project its caller may write to, and only there', async () => {
    const project = (await api(owner, 'POST', '/projects', { name: 'Imports' })).body;
    const into = await api(owner, 'POST', '/imports', {
      format: 'chatgpt',
      data: [fixture[1]],
      projectId: project.id,
    });
    expect(into.status).toBe(201);
    expect((await api(owner, 'GET', `/threads/${into.body.threads[0].id}`)).body.projectId).toBe(project.id);

    const refused = await api(member, 'POST', '/imports', {
      format: 'chatgpt',
      data: [fixture[1]],
      projectId: project.id,
    });
    expect(refused.status).toBe(404);
    expect(fieldsOf(refused.body)).toEqual(['body.projectId']);
  });

  it('exports only threads the caller may read; viewers import nothing', async () => {
    expect((await api(member, 'GET', `/threads/${lisbonId}/export`)).status).toBe(404);
    expect((await api(member, 'GET', `/threads/${lisbonId}/export?format=markdown`)).status).toBe(404);
    expect((await api(owner, 'GET', `/threads/${crypto.randomUUID()}/export`)).status).toBe(404);
    const bad = await api(owner, 'GET', `/threads/${lisbonId}/export?format=pdf`);
    expect(bad.status).toBe(400);
    expect(fieldsOf(bad.body)).toEqual(['query.format']);

    // A member exports its own thread.
    const own = (await api(member, 'POST', '/threads', { title: 'Mine' })).body.id;
    expect((await api(member, 'GET', `/threads/${own}/export`)).body.thread.title).toBe('Mine');

    const before = await threadCount(owner);
    const refused = await api(viewer, 'POST', '/imports', { format: 'chatgpt', data: fixture });
    expect(refused.status).toBe(403);
    expect(refused.body.code).toBe('forbidden');
    expect(await threadCount(owner)).toBe(before);
  });

  it('answers bad input with 400 naming the field, and writes nothing', async () => {
    const rejects = async (body: unknown, field: string) => {
      const response = await api(owner, 'POST', '/imports', body);
      expect(response.status, JSON.stringify(response.body)).toBe(400);
      expect(fieldsOf(response.body)).toContain(field);
    };
    const before = await threadCount(owner);
    const node = (role: string, text: string, parent: string | null) => ({
      message: { author: { role }, create_time: 1, content: { content_type: 'text', parts: [text] } },
      parent,
      children: [],
    });

    await rejects({ format: 'chatgpt', data: 'conversations' }, 'body.data');
    await rejects({ format: 'zip', data: [] }, 'body.format');
    await rejects({ format: 'chatgpt', data: [], extra: 1 }, 'body.extra');
    await rejects({ format: 'chatgpt', data: [{ title: 'no mapping' }] }, 'body.data.0.mapping');
    // The first conversation is fine, the second is not: neither is written.
    await rejects(
      { format: 'chatgpt', data: [fixture[1], { title: 't', mapping: { a: { message: { content: {} } } } }] },
      'body.data.1.mapping.a.message.author',
    );
    await rejects(
      { format: 'chatgpt', data: [{ mapping: { a: node('user', 'hi', null) }, create_time: 'yesterday' }] },
      'body.data.0.create_time',
    );
    await rejects(
      { format: 'chatgpt', data: [{ mapping: { a: node('user', 'hi', 'missing') } }] },
      'body.data.0.mapping.a.parent',
    );
    await rejects(
      {
        format: 'chatgpt',
        data: [{ mapping: { a: node('user', 'hi', 'b'), b: node('assistant', 'ho', 'a') } }],
      },
      'body.data.0.mapping.a.parent',
    );
    await rejects(
      { format: 'chatgpt', data: [{ mapping: { a: node('user', 'hi', null) }, current_node: 'z' }] },
      'body.data.0.current_node',
    );
    await rejects({ format: 'chatgpt', data: Array(10_001).fill({}) }, 'body.data');
    const wide = Object.fromEntries(Array.from({ length: 50_001 }, (_, i) => [`n${i}`, {}]));
    await rejects({ format: 'chatgpt', data: [{ mapping: wide }] }, 'body.data.0.mapping');

    const file = (await api(owner, 'GET', `/threads/${lisbonId}/export`)).body;
    await rejects({ format: 'fidus', data: { ...file, version: 2 } }, 'body.data.version');
    await rejects({ format: 'fidus', data: [file, { ...file, format: 'other' }] }, 'body.data.1.format');
    const orphan = structuredClone(file);
    orphan.messages[1].parentId = 'nowhere';
    await rejects({ format: 'fidus', data: orphan }, 'body.data.messages.1.parentId');
    const twice = structuredClone(file);
    twice.messages[2].id = twice.messages[1].id;
    await rejects({ format: 'fidus', data: twice }, 'body.data.messages.2.id');
    const looped = structuredClone(file);
    looped.messages[0].parentId = looped.messages[1].id;
    await rejects({ format: 'fidus', data: looped }, 'body.data.messages.0.parentId');
    await rejects({ format: 'fidus', data: { ...file, activeLeafId: 'gone' } }, 'body.data.activeLeafId');
    await rejects(
      { format: 'fidus', data: { ...file, thread: { ...file.thread, createdAt: '0000-01-01T00:00:00Z' } } },
      'body.data.thread.createdAt',
    );
    const badRole = structuredClone(file);
    badRole.messages[0].role = 'tool';
    await rejects({ format: 'fidus', data: badRole }, 'body.data.messages.0.role');
    await rejects(
      { format: 'fidus', data: { ...file, messages: Array(50_001).fill({}) } },
      'body.data.messages',
    );
    expect(await threadCount(owner)).toBe(before);
  });

  it('describes both routes in the OpenAPI document', () => {
    const doc = h.main.app.swagger() as Json;
    const exported = doc.paths['/api/v1/threads/{id}/export'].get;
    expect(Object.keys(exported.responses['200'].content)).toEqual(['application/json', 'text/markdown']);
    const imported = doc.paths['/api/v1/imports'].post;
    expect(imported.requestBody.content['application/json'].schema.required).toEqual(['format', 'data']);
    expect(Object.keys(imported.responses)).toContain('201');
  });

  it('takes bodies far over the app’s 1 MB limit', async () => {
    const long = 'lorem ipsum dolor sit amet '.repeat(80_000);
    expect(Buffer.byteLength(long)).toBeGreaterThan(2 * 1024 * 1024);
    const imported = await api(owner, 'POST', '/imports', {
      format: 'chatgpt',
      data: [
        {
          title: 'Long',
          mapping: {
            q: { message: { author: { role: 'user' }, content: { content_type: 'text', parts: [long] } } },
          },
        },
      ],
    });
    expect(imported.status).toBe(201);
    const tree = await treeOf(owner, imported.body.threads[0].id);
    expect(tree.messages[0].content).toBe(long);
    expect(tree.activePath).toEqual([tree.messages[0].id]);
  });
});
