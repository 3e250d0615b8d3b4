import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { purgeExpired } from '../src/domains/chat/index.ts';
import { bearer, joinByInvite, register, type Session } from './support/app.ts';
import { callApi, readEvents, startChatHarness, textOf, type ChatHarness } from './support/chat.ts';
import { lane } from './support/database.ts';

let h: ChatHarness;
let owner: Session;
let alice: Session;
let bob: Session;
let carol: Session;
let viewer: Session;
let stranger: Session;

const api = (as: Session, method: string, url: string, body?: unknown) =>
  callApi(h.main.app, as.accessToken, method, url, body);

beforeAll(async () => {
  h = await startChatHarness();
  owner = h.owner;
  alice = await joinByInvite(h.main.app, owner.accessToken, 'member');
  bob = await joinByInvite(h.main.app, owner.accessToken, 'member');
  carol = await joinByInvite(h.main.app, owner.accessToken, 'member');
  viewer = await joinByInvite(h.main.app, owner.accessToken, 'viewer');
  stranger = await register(h.main.app);
});
afterAll(() => h.close());

describe(`chat visibility (${lane})`, () => {
  it('keeps a thread without a project to its creator (and the tenant admins)', async () => {
    const created = await api(alice, 'POST', '/threads', { title: 'alice alone' });
    const id = created.body.id;
    expect((await api(alice, 'GET', `/threads/${id}`)).body).toMatchObject({
      title: 'alice alone',
      canWrite: true,
    });
    expect((await api(bob, 'GET', `/threads/${id}`)).status).toBe(404);
    expect((await api(bob, 'GET', '/threads')).body.data.map((t: { id: string }) => t.id)).not.toContain(id);
    expect((await api(bob, 'PATCH', `/threads/${id}`, { title: 'mine now' })).status).toBe(404);
    expect((await api(bob, 'DELETE', `/threads/${id}`)).status).toBe(404);
    expect((await api(stranger, 'GET', `/threads/${id}`)).status).toBe(404);
    expect((await api(owner, 'GET', `/threads/${id}`)).body).toMatchObject({ canWrite: true });
    expect((await api(owner, 'GET', '/threads')).body.data.map((t: { id: string }) => t.id)).toContain(id);
  });

  it('shows a project’s threads to its members: readers read, editors write, others see nothing', async () => {
    const project = await api(alice, 'POST', '/projects', { name: 'Launch', instructions: 'Be brief.' });
    expect(project.status).toBe(201);
    const projectId = project.body.id;
    expect(project.body.role).toBe('editor');
    expect(
      (await api(alice, 'PUT', `/projects/${projectId}/members/${bob.user.id}`, { role: 'reader' })).body,
    ).toMatchObject({
      userId: bob.user.id,
      role: 'reader',
    });
    const thread = (await api(alice, 'POST', '/threads', { title: 'plan', projectId })).body;

    // Bob reads but may not write.
    expect((await api(bob, 'GET', `/threads/${thread.id}`)).body).toMatchObject({ canWrite: false });
    expect((await api(bob, 'GET', `/threads/${thread.id}/messages`)).status).toBe(200);
    expect((await api(bob, 'PATCH', `/threads/${thread.id}`, { title: 'x' })).status).toBe(403);
    const refused = await readEvents(`${h.main.url}/api/v1/threads/${thread.id}/messages`, {
      method: 'POST',
      token: bob.accessToken,
      body: { content: 'may I?' },
    });
    expect(refused.status).toBe(403);
    expect((await api(bob, 'PATCH', `/projects/${projectId}`, { name: 'y' })).status).toBe(403);
    expect((await api(bob, 'GET', '/projects')).body.data.map((p: { id: string }) => p.id)).toContain(
      projectId,
    );

    // Carol is not a member: the project and its thread do not exist for her.
    expect((await api(carol, 'GET', `/threads/${thread.id}`)).status).toBe(404);
    expect((await api(carol, 'GET', `/projects/${projectId}`)).status).toBe(404);
    expect((await api(carol, 'GET', `/projects/${projectId}/members`)).status).toBe(404);
    // … nor may she move her thread into it.
    const hers = (await api(carol, 'POST', '/threads', {})).body.id;
    const moved = await api(carol, 'PATCH', `/threads/${hers}`, { projectId });
    expect(moved.status, JSON.stringify(moved.body)).toBe(404);
    expect(moved.body.errors).toEqual([{ field: 'body.projectId', message: 'is not a project you can see' }]);

    // Made an editor, Bob writes: the answer sees the project's instructions first.
    await api(alice, 'PUT', `/projects/${projectId}/members/${bob.user.id}`, { role: 'editor' });
    h.fake.reset();
    h.fake.script({ kind: 'echo', source: 'body' });
    const answered = await readEvents(`${h.main.url}/api/v1/threads/${thread.id}/messages`, {
      method: 'POST',
      token: bob.accessToken,
      body: { content: 'now I may' },
    });
    expect(answered.status).toBe(200);
    const sent = JSON.parse(textOf(answered.events)) as { messages: { role: string; content: string }[] };
    expect(sent.messages).toEqual([
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'now I may' },
    ]);

    // The tenant admin sees and changes everything; another tenant sees nothing.
    expect((await api(owner, 'GET', `/projects/${projectId}`)).body).toMatchObject({ role: null });
    expect((await api(owner, 'PATCH', `/threads/${thread.id}`, { pinned: true })).body.pinned).toBe(true);
    expect((await api(stranger, 'GET', `/projects/${projectId}`)).status).toBe(404);
    expect((await api(stranger, 'GET', `/threads/${thread.id}`)).status).toBe(404);
    expect((await api(stranger, 'GET', '/threads')).body.data).toEqual([]);

    // Removed from the project, Bob loses it; a deleted project leaves its threads to their creators.
    expect((await api(alice, 'DELETE', `/projects/${projectId}/members/${bob.user.id}`)).status).toBe(204);
    expect((await api(bob, 'GET', `/threads/${thread.id}`)).status).toBe(404);
    expect((await api(alice, 'DELETE', `/projects/${projectId}`)).status).toBe(204);
    expect((await api(alice, 'GET', `/threads/${thread.id}`)).body.projectId).toBeNull();
  });

  it('gives each project its own members: a member of one project sees no other project’s threads', async () => {
    const p1 = (await api(alice, 'POST', '/projects', { name: 'One' })).body.id;
    const p2 = (await api(alice, 'POST', '/projects', { name: 'Two' })).body.id;
    await api(alice, 'PUT', `/projects/${p1}/members/${carol.user.id}`, { role: 'reader' });
    await api(alice, 'PUT', `/projects/${p2}/members/${bob.user.id}`, { role: 'editor' });
    const inOne = (await api(alice, 'POST', '/threads', { title: 'in one', projectId: p1 })).body.id;
    const inTwo = (await api(alice, 'POST', '/threads', { title: 'in two', projectId: p2 })).body.id;
    const privateOne = (await api(alice, 'POST', '/threads', { title: 'alice private' })).body.id;
    // Carol, reader of One only: One's thread, read-only; nothing of Two; not Alice's private thread.
    expect((await api(carol, 'GET', `/threads/${inOne}`)).body).toMatchObject({ canWrite: false });
    expect((await api(carol, 'GET', `/threads/${inTwo}`)).status).toBe(404);
    expect((await api(carol, 'GET', `/threads/${privateOne}`)).status).toBe(404);
    const listed = (await api(carol, 'GET', '/threads')).body.data.map((t: { id: string }) => t.id);
    expect(listed).toContain(inOne);
    expect(listed).not.toContain(inTwo);
    expect(listed).not.toContain(privateOne);
    expect((await api(carol, 'GET', '/projects')).body.data.map((p: { id: string }) => p.id)).toEqual([p1]);
    // Bob, editor of Two: his role there is not his role anywhere else.
    expect((await api(bob, 'GET', `/threads/${inTwo}`)).body).toMatchObject({ canWrite: true });
    expect((await api(bob, 'GET', `/threads/${inOne}`)).status).toBe(404);
    expect((await api(bob, 'GET', `/projects/${p2}`)).body.role).toBe('editor');
  });

  it('lets tenant viewers create nothing', async () => {
    expect((await api(viewer, 'POST', '/threads', {})).status).toBe(403);
    expect((await api(viewer, 'POST', '/projects', { name: 'no' })).status).toBe(403);
  });

  it('refuses bad input with 4xx naming the field', async () => {
    const thread = (await api(alice, 'POST', '/threads', {})).body.id;
    const cases: [string, string, unknown, string][] = [
      ['POST', '/threads', { title: 5 }, 'body.title'],
      ['POST', '/projects', { name: '' }, 'body.name'],
      ['PATCH', `/threads/${thread}`, { pinned: 'yes' }, 'body.pinned'],
      ['PUT', `/threads/${thread}/active-branch`, {}, 'body.messageId'],
      ['GET', '/threads/not-a-uuid', undefined, 'params.id'],
    ];
    for (const [method, url, body, field] of cases) {
      const answer = await api(alice, method, url, body);
      expect(answer.status, `${method} ${url}`).toBe(400);
      expect(
        answer.body.errors.map((issue: { field: string }) => issue.field),
        JSON.stringify(answer.body),
      ).toContain(field);
    }
    const unknownModel = await readEvents(`${h.main.url}/api/v1/threads/${thread}/messages`, {
      method: 'POST',
      token: alice.accessToken,
      body: { content: 'hi', model: 'no-such-model' },
    });
    expect(unknownModel.status).toBe(404);
    expect(unknownModel.events[0]!.data.errors[0].field).toBe('body.model');
    const badParent = await readEvents(`${h.main.url}/api/v1/threads/${thread}/messages`, {
      method: 'POST',
      token: alice.accessToken,
      body: { content: 'hi', parentId: crypto.randomUUID() },
    });
    expect(badParent.status).toBe(404);
    expect(badParent.events[0]!.data.errors[0].field).toBe('body.parentId');
    // Nothing was written by the refused messages.
    expect((await api(alice, 'GET', `/threads/${thread}/messages`)).body.messages).toEqual([]);
  });
});

describe(`chat retention (${lane})`, () => {
  it('lets admins set retentionDays; the purge deletes threads idle for longer, in that tenant only', async () => {
    expect((await api(alice, 'PUT', '/chat/settings', { retentionDays: 30 })).status).toBe(403);
    expect((await api(owner, 'PUT', '/chat/settings', { retentionDays: 0 })).status).toBe(400);
    expect((await api(owner, 'PUT', '/chat/settings', { retentionDays: 30 })).body).toEqual({
      retentionDays: 30,
    });
    expect((await api(alice, 'GET', '/chat/settings')).body).toEqual({ retentionDays: 30 });

    const old = (await api(alice, 'POST', '/threads', { title: 'old' })).body.id;
    const fresh = (await api(alice, 'POST', '/threads', { title: 'fresh' })).body.id;
    const otherTenant = (await api(stranger, 'POST', '/threads', { title: 'elsewhere' })).body.id;
    await h.database.db.system((tx) =>
      tx.execute(
        sql`update chat_threads set last_activity_at = now() - interval '31 days' where id in (${old}, ${otherTenant})`,
      ),
    );
    const result = await purgeExpired(h.database.db);
    expect(result.threads).toBe(1);
    expect((await api(alice, 'GET', `/threads/${old}`)).status).toBe(404);
    expect((await api(alice, 'GET', `/threads/${fresh}`)).status).toBe(200);
    // The other tenant has no retention period: its old thread stays.
    expect((await api(stranger, 'GET', `/threads/${otherTenant}`)).status).toBe(200);
    await api(owner, 'PUT', '/chat/settings', { retentionDays: null });
  });
});

describe(`chat context fitting (${lane})`, () => {
  it('sends the system prompt and as many of the newest turns as fit the window', async () => {
    const small = await startChatHarness({ chat: { defaultContextWindow: 600, reserveOutputTokens: 100 } });
    try {
      const token = small.owner.accessToken;
      const thread = await small.main.app.inject({
        method: 'POST',
        url: '/api/v1/threads',
        headers: bearer(token),
        payload: { systemPrompt: 'Stay on topic.' },
      });
      const threadId = thread.json<{ id: string }>().id;
      // Each question is ~120 tokens by Fidus's estimate; the echo answers are as long.
      const question = (n: number) => `question ${n} ${'lorem ipsum '.repeat(30)}`;
      for (let n = 1; n <= 4; n++) {
        small.fake.script({ kind: 'echo' });
        await readEvents(`${small.main.url}/api/v1/threads/${threadId}/messages`, {
          method: 'POST',
          token,
          body: { content: question(n) },
        });
      }
      const asked = small.fake.requests.filter((request) => request.path.endsWith('/chat/completions'));
      const last = asked.at(-1)!.body as { messages: { role: string; content: string }[] };
      expect(last.messages[0]).toEqual({ role: 'system', content: 'Stay on topic.' });
      // 500 tokens of room: the system prompt, question 3's answer would start a branch with an answer, so the
      // newest question and the exchange before it fit, the older ones are dropped.
      expect(last.messages.slice(1).map((m) => [m.role, m.content.split(' ').slice(0, 2).join(' ')])).toEqual(
        [
          ['user', 'question 3'],
          ['assistant', 'question 3'],
          ['user', 'question 4'],
        ],
      );
      // Early on, everything fitted.
      expect((asked[1]!.body as { messages: unknown[] }).messages).toHaveLength(4);
    } finally {
      await small.close();
    }
  });
});
