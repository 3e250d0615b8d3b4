import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { eventually, joinByInvite, register, type Session } from './support/app.ts';
import { callApi, readEvents, startChatHarness, type ChatHarness } from './support/chat.ts';
import { lane } from './support/database.ts';

let h: ChatHarness;
let owner: Session;
let alice: Session;
let bob: Session;
let stranger: Session;

interface Hit {
  threadId: string;
  threadTitle: string;
  projectId: string | null;
  archived: boolean;
  messageId: string | null;
  role: string | null;
  snippet: string;
  rank: number;
  createdAt: string;
}

const api = (as: Session, method: string, url: string, body?: unknown) =>
  callApi(h.main.app, as.accessToken, method, url, body);

async function find(as: Session, q: string, extra: Record<string, string> = {}): Promise<Hit[]> {
  const found = await api(as, 'GET', `/search?${new URLSearchParams({ q, ...extra }).toString()}`);
  expect(found.status).toBe(200);
  return found.body.data;
}

/** A word no other test uses (letters only: the `simple` parser keeps it whole). */
const word = (): string =>
  Array.from(randomBytes(10), (byte) => String.fromCharCode(97 + (byte % 26))).join('');

/** A titled thread (the title job leaves it alone, so the fake upstream answers only what a test scripts). */
async function newThread(as: Session, title: string, projectId?: string): Promise<string> {
  const created = await api(as, 'POST', '/threads', { title, ...(projectId ? { projectId } : {}) });
  expect(created.status).toBe(201);
  return created.body.id;
}

/** Sends a message and reads the answer (`reply`) to its end; returns the ids of the question and the answer. */
async function exchange(as: Session, threadId: string, content: string, reply = 'Noted.') {
  h.fake.script({ kind: 'ok', reply: { text: reply } });
  const read = await readEvents(`${h.main.url}/api/v1/threads/${threadId}/messages`, {
    method: 'POST',
    token: as.accessToken,
    body: { content },
  });
  expect(read.status).toBe(200);
  expect(read.events.at(-1)).toMatchObject({ event: 'done', data: { status: 'done' } });
  return {
    question: read.events[0]!.data.message.id as string,
    answer: read.events[1]!.data.message.id as string,
  };
}

const filler = (count: number, from = 0) => Array.from({ length: count }, (_, i) => `filler${from + i}`);

beforeAll(async () => {
  h = await startChatHarness();
  owner = h.owner;
  alice = await joinByInvite(h.main.app, owner.accessToken, 'member');
  bob = await joinByInvite(h.main.app, owner.accessToken, 'member');
  stranger = await register(h.main.app);
});
afterAll(() => h.close());
beforeEach(() => h.fake.reset());

describe(`chat search (${lane})`, () => {
  it('ranks a title hit first, then the message with the most and closest matches', async () => {
    const topic = word();
    const other = word();
    const titled = await newThread(alice, `${topic} ${other} field notes`);
    const dense = await newThread(alice, 'dense');
    const denseIds = await exchange(
      alice,
      dense,
      `${topic} ${other} and ${topic} ${other}, ${topic} ${other}`,
    );
    const sparse = await newThread(alice, 'sparse');
    const sparseIds = await exchange(
      alice,
      sparse,
      [topic, ...filler(40), other, ...filler(40, 40)].join(' '),
      `A reply about ${topic} alone`,
    );

    const hits = await find(alice, `${topic} ${other}`);
    expect(hits.map((hit) => [hit.threadId, hit.messageId])).toEqual([
      [titled, null],
      [dense, denseIds.question],
      [sparse, sparseIds.question],
    ]);
    expect(hits[0]).toMatchObject({
      threadTitle: `${topic} ${other} field notes`,
      projectId: null,
      archived: false,
      role: null,
      snippet: `<mark>${topic}</mark> <mark>${other}</mark> field notes`,
    });
    expect(hits[1]).toMatchObject({ threadTitle: 'dense', role: 'user' });
    expect(hits[0]!.rank).toBeGreaterThan(hits[1]!.rank);
    expect(hits[1]!.rank).toBeGreaterThan(hits[2]!.rank);
    expect(hits[2]!.rank).toBeGreaterThan(0);
    for (const hit of hits) expect(Date.parse(hit.createdAt)).toBeGreaterThan(Date.now() - 60_000);
    expect(hits[1]!.createdAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);

    // One word: the answer of the sparse thread is found too, below the title.
    const one = await find(alice, topic);
    expect(one[0]).toMatchObject({ threadId: titled, messageId: null });
    expect(one.map((hit) => hit.messageId)).toContain(sparseIds.answer);
    expect(one.find((hit) => hit.messageId === sparseIds.answer)).toMatchObject({ role: 'assistant' });

    // Web search syntax: a phrase, an exclusion, `or`; and the limit.
    expect((await find(alice, `"${other} ${topic}"`)).map((hit) => hit.threadId)).toEqual([dense]);
    expect((await find(alice, `${topic} ${other} -dense -field`)).map((hit) => hit.threadId)).toEqual([
      dense,
      sparse,
    ]);
    expect((await find(alice, `${topic} ${other} -filler7`)).map((hit) => hit.threadId)).toEqual([
      titled,
      dense,
    ]);
    const either = word();
    expect((await find(alice, `${either} or ${other}`)).map((hit) => hit.threadId)).toEqual([
      titled,
      dense,
      sparse,
    ]);
    expect(await find(alice, `${topic} ${other}`, { limit: '1' })).toHaveLength(1);
  });

  it('highlights the matches in an escaped snippet of about 30 words', async () => {
    const needle = word();
    const threadId = await newThread(alice, 'markup');
    const html = `Is <script>alert("${needle}")</script> safe when a<b && c>d? Tom's & <b>${needle}</b> &amp; more`;
    const { question } = await exchange(alice, threadId, html);
    const [hit] = await find(alice, needle);
    expect(hit).toMatchObject({ messageId: question, role: 'user' });
    expect(hit!.snippet).toBe(
      `Is &lt;script&gt;alert(&quot;<mark>${needle}</mark>&quot;)&lt;/script&gt; safe when a&lt;b &amp;&amp; ` +
        `c&gt;d? Tom&#39;s &amp; &lt;b&gt;<mark>${needle}</mark>&lt;/b&gt; &amp;amp; more`,
    );
    // Every `<` left opens or closes a mark.
    expect(hit!.snippet.replace(/<\/?mark>/g, '')).not.toMatch(/[<>]/);

    // A long message: the words around the match, not its beginning.
    const long = await newThread(alice, 'long');
    await exchange(alice, long, [...filler(100), needle, ...filler(100, 100)].join(' '));
    const longHit = (await find(alice, needle)).find((found) => found.threadId === long)!;
    const words = longHit.snippet.split(/\s+/);
    expect(words).toContain(`<mark>${needle}</mark>`);
    expect(words.length).toBeGreaterThanOrEqual(15);
    expect(words.length).toBeLessThanOrEqual(35);
    expect(longHit.snippet).not.toContain('filler0 ');
    expect(longHit.snippet).toContain('filler99');
    expect(longHit.snippet).toContain('filler100');
  });

  it('finds only what the caller may see: private threads, projects, admins, other tenants', async () => {
    const secret = word();
    const threadId = await newThread(alice, `plans ${secret}`);
    const { question } = await exchange(alice, threadId, `the ${secret} is under the mat`);
    const ids = (hits: Hit[]) => hits.map((hit) => hit.messageId).sort();
    const both = [null, question].sort();

    expect(ids(await find(alice, secret))).toEqual(both);
    expect(await find(bob, secret)).toEqual([]);
    expect(ids(await find(owner, secret))).toEqual(both);
    expect(await find(stranger, secret)).toEqual([]);

    // Moved into a project bob reads: he finds it, and so does a search narrowed to that project.
    const project = await api(alice, 'POST', '/projects', { name: `project ${secret}` });
    expect(project.status).toBe(201);
    const projectId = project.body.id as string;
    const member = await api(alice, 'PUT', `/projects/${projectId}/members/${bob.user.id}`, {
      role: 'reader',
    });
    expect(member.status).toBe(200);
    expect(await find(bob, secret)).toEqual([]);
    expect((await api(alice, 'PATCH', `/threads/${threadId}`, { projectId })).status).toBe(200);
    const seen = await find(bob, secret);
    expect(ids(seen)).toEqual(both);
    expect(seen.every((hit) => hit.projectId === projectId)).toBe(true);
    expect(ids(await find(bob, secret, { projectId }))).toEqual(both);
    expect(await find(bob, secret, { projectId: crypto.randomUUID() })).toEqual([]);
    expect(await find(stranger, secret, { projectId })).toEqual([]);

    // Archived threads are found, and say so.
    expect((await api(alice, 'PATCH', `/threads/${threadId}`, { archived: true })).status).toBe(200);
    expect((await find(bob, secret)).every((hit) => hit.archived)).toBe(true);

    // Out of the project again: private to alice once more.
    expect((await api(alice, 'PATCH', `/threads/${threadId}`, { projectId: null })).status).toBe(200);
    expect(await find(bob, secret)).toEqual([]);

    // What others may not see takes no place in the limit, though it would rank above (alice's title).
    const bobs = await newThread(bob, 'bob’s own');
    const bobQuestion = (await exchange(bob, bobs, `my ${secret} too`)).question;
    expect(await find(bob, secret, { limit: '1' })).toMatchObject([{ messageId: bobQuestion }]);
    const strangers = await newThread(stranger, 'elsewhere');
    const strangerQuestion = (await exchange(stranger, strangers, `another ${secret}`)).question;
    expect(await find(stranger, secret, { limit: '1' })).toMatchObject([{ messageId: strangerQuestion }]);
    expect(ids(await find(alice, secret))).toEqual(both);
  });

  it('finds an answer once it has ended, right away (its text is indexed as it ends), not while it streams', async () => {
    const answerWord = word();
    const threadId = await newThread(alice, 'streaming');
    const chunks = [`${answerWord} `, ...filler(40).map((w) => `${w} `)];
    h.fake.script({ kind: 'slow', chunkDelayMs: 30, reply: { chunks } });
    const reading = readEvents(`${h.main.url}/api/v1/threads/${threadId}/messages`, {
      method: 'POST',
      token: alice.accessToken,
      body: { content: 'tell me something' },
    });
    await eventually(async () => {
      const tree = await api(alice, 'GET', `/threads/${threadId}/messages`);
      const answer = tree.body.messages.find((m: { role: string }) => m.role === 'assistant');
      return answer?.status === 'streaming' && answer.content.includes(answerWord);
    }, 5_000);
    expect(await find(alice, answerWord)).toEqual([]);

    const read = await reading;
    expect(read.events.at(-1)).toMatchObject({ event: 'done', data: { status: 'done' } });
    const answerId = read.events[1]!.data.message.id;
    const hits = await find(alice, answerWord);
    expect(hits).toHaveLength(1);
    expect(hits[0]).toMatchObject({ threadId, messageId: answerId, role: 'assistant' });
    expect(hits[0]!.snippet).toContain(`<mark>${answerWord}</mark>`);
  });

  it('renamed titles are found by their new words only', async () => {
    const before = word();
    const after = word();
    const threadId = await newThread(alice, before);
    expect((await find(alice, before)).map((hit) => hit.threadId)).toEqual([threadId]);
    expect((await api(alice, 'PATCH', `/threads/${threadId}`, { title: `now ${after}` })).status).toBe(200);
    expect(await find(alice, before)).toEqual([]);
    expect(await find(alice, after)).toMatchObject([
      { threadId, messageId: null, snippet: `now <mark>${after}</mark>` },
    ]);
  });

  it('answers an empty list to a query without words, or with excluded words only', async () => {
    for (const q of ['!!!', '... ?? --', ' ', '""', `-${word()}`, `-${word()} -${word()}`]) {
      expect(await find(alice, q), q).toEqual([]);
    }
  });

  it('refuses bad input with 400 naming the field', async () => {
    const cases: [string, string][] = [
      ['', 'query.q'],
      ['q=', 'query.q'],
      [`q=${'a'.repeat(501)}`, 'query.q'],
      ['q=x&limit=0', 'query.limit'],
      ['q=x&limit=101', 'query.limit'],
      ['q=x&limit=ten', 'query.limit'],
      ['q=x&limit=1.5', 'query.limit'],
      ['q=x&projectId=nope', 'query.projectId'],
      ['q=x&page=2', 'query.page'],
      ['q=a%00b', 'query.q'],
    ];
    for (const [query, field] of cases) {
      const refused = await api(alice, 'GET', `/search?${query}`);
      expect(refused.status, query).toBe(400);
      expect(
        refused.body.errors.map((issue: { field: string }) => issue.field),
        query,
      ).toContain(field);
    }
    expect((await find(alice, 'a'.repeat(500))).length).toBe(0);
    const anonymous = await h.main.app.inject({ method: 'GET', url: '/api/v1/search?q=x' });
    expect(anonymous.statusCode).toBe(401);
  });

  it('is in the OpenAPI document', async () => {
    const spec = (await h.main.app.inject('/openapi.json')).json();
    const operation = spec.paths['/api/v1/search'].get;
    expect(operation.tags).toEqual(['chat: search']);
    expect(operation.parameters.map((p: { name: string }) => p.name).sort()).toEqual([
      'limit',
      'projectId',
      'q',
    ]);
    const item = operation.responses['200'].content['application/json'].schema.properties.data.items;
    expect(Object.keys(item.properties).sort()).toEqual([
      'archived',
      'createdAt',
      'messageId',
      'projectId',
      'rank',
      'role',
      'snippet',
      'threadId',
      'threadTitle',
    ]);
  });
});
