// The privacy proxy on the chat path (issue 8): a cloud provider receives placeholders, stable across the turns of
// a thread; the user sees the original values in the streamed answer and in the stored message, and the answer
// says what was protected (types and counts, never values).
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
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
  h = await startChatHarness({ cloudAnswers: true });
  token = h.owner.accessToken;
});
afterAll(() => h.close());
beforeEach(() => {
  h.fake.reset();
  h.titles.reset();
});

const api = (method: string, url: string, body?: unknown) => callApi(h.main.app, token, method, url, body);
const send = (threadId: string, content: string) =>
  readEvents(`${h.main.url}/api/v1/threads/${threadId}/messages`, {
    method: 'POST',
    token,
    body: { content },
  });
const sentUpstream = () =>
  (h.fake.requests.filter((request) => request.path.endsWith('/chat/completions')) as { body: Json }[]).map(
    (request) => JSON.stringify(request.body.messages),
  );

const name = 'Anna Berg';
const email = 'anna.berg@example.com';
const card = '4111 1111 1111 1111';

describe(`chat privacy (${lane})`, () => {
  it('sends placeholders to a cloud model and streams the answer back with the values', async () => {
    const created = await api('POST', '/threads', { title: 'privacy' });
    const threadId: string = created.body.id;
    const question = `Hello, I am ${name} (${email}). Please charge card ${card}.`;
    // The fake repeats the question it received, three characters per event: placeholders arrive split.
    h.fake.script({ kind: 'echo', reply: { chunkSize: 3 } });
    const read = await send(threadId, question);
    expect(read.status).toBe(200);

    const [sent] = sentUpstream();
    for (const value of [name, email, card]) expect(sent).not.toContain(value);
    expect(sent).toContain('<PERSON_1>');
    expect(sent).toContain('<EMAIL_1>');
    expect(sent).toContain('<CREDIT_CARD_1>');
    expect(textOf(read.events)).toBe(question);

    const tree = await api('GET', `/threads/${threadId}/messages`);
    const answer = tree.body.messages.find((m: Json) => m.role === 'assistant');
    expect(answer.content).toBe(question);
    expect(answer.protected).toEqual({ PERSON: 1, EMAIL: 1, CREDIT_CARD: 1 });

    // The next turn: the same person keeps the same placeholder, the earlier turn is protected too.
    h.fake.script({ kind: 'echo' });
    const again = await send(threadId, `Did ${name} pay?`);
    expect(textOf(again.events)).toBe(`Did ${name} pay?`);
    const second = sentUpstream()[1]!;
    expect(second).not.toContain(name);
    expect(second).not.toContain(email);
    expect(second.match(/<PERSON_1>/g)?.length).toBeGreaterThanOrEqual(3); // question, answer, new question
    expect(second).not.toContain('<PERSON_2>');
  });

  it('leaves a placeholder the model invented as it is', async () => {
    const created = await api('POST', '/threads', { title: 'invented' });
    h.fake.script({ kind: 'ok', reply: { text: 'Ask <PERSON_7> about it.' } });
    const read = await send(created.body.id, 'Who knows?');
    expect(textOf(read.events)).toBe('Ask <PERSON_7> about it.');
  });

  it('answers with nothing protected when there was nothing to protect', async () => {
    const created = await api('POST', '/threads', { title: 'plain' });
    h.fake.script({ kind: 'echo' });
    await send(created.body.id, 'What is two plus two?');
    const tree = await api('GET', `/threads/${created.body.id}/messages`);
    expect(tree.body.messages.find((m: Json) => m.role === 'assistant').protected).toBeNull();
  });
});

describe(`privacy policies from the API on the request paths (${lane})`, () => {
  it('blocks what the tenant policy blocks, on /v1 and in the chat, naming the type and never the value', async () => {
    const put = await api('PUT', '/privacy/policy', { types: { EMAIL: { cloud: 'block' } } });
    expect(put.status).toBe(200);
    try {
      const direct = await h.main.app.inject({
        method: 'POST',
        url: '/v1/chat/completions',
        headers: { authorization: `Bearer ${token}` },
        payload: { model: 'fast', messages: [{ role: 'user', content: `Write to ${email}` }] },
      });
      expect(direct.statusCode).toBe(422);
      expect(direct.json().error.code).toBe('pii_blocked');
      expect(direct.body).toContain('EMAIL');
      expect(direct.body).not.toContain(email);

      const created = await api('POST', '/threads', { title: 'blocked' });
      const read = await send(created.body.id, `Write to ${email}`);
      expect(read.events.at(-1)).toMatchObject({ event: 'error', data: { code: 'pii_blocked' } });
      const tree = await api('GET', `/threads/${created.body.id}/messages`);
      const answer = tree.body.messages.find((m: Json) => m.role === 'assistant');
      expect(answer.error.code).toBe('pii_blocked');
      expect(JSON.stringify(answer.error)).not.toContain(email);
      expect(sentUpstream()).toEqual([]);
    } finally {
      expect((await api('PUT', '/privacy/policy', {})).status).toBe(200);
    }
  });

  it('lets a project tighten the tenant policy for its threads: a redacted value never comes back', async () => {
    const project = await api('POST', '/projects', { name: 'Redacting' });
    expect(project.status).toBe(201);
    const put = await api('PUT', `/projects/${project.body.id}/privacy-policy`, {
      types: { PERSON: { cloud: 'redact' } },
    });
    expect(put.status).toBe(200);
    const created = await api('POST', '/threads', { title: 'project', projectId: project.body.id });
    h.fake.script({ kind: 'echo' });
    const read = await send(created.body.id, `Say hello to ${name}`);
    expect(sentUpstream()[0]).toContain('[PERSON]');
    expect(sentUpstream()[0]).not.toContain(name);
    expect(textOf(read.events)).toBe('Say hello to [PERSON]');
  });
});
