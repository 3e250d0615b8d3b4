// Agents in the web app end to end (issue 9, acceptance 6), in Debian's headless Chromium against a real
// `fidus serve`: create an agent with an `ask` HTTP tool, start a run, approve the call (with edited arguments) on
// the approval card, and see the run finish. The tool is a small HTTP server here that counts its calls; the model is
// the fake OpenAI upstream, scripted to call the tool and then answer. Every step leaves a screenshot under
// test-results/agents-e2e/, and axe-core checks the agents pages in both themes. The MCP servers page attaches the
// reference server-everything over Streamable HTTP (and a dead URL, to show a failure).
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, screenshot, seriousViolations } from './support/browser.ts';
import { freePort, startEverythingHttp, type EverythingHttp } from './support/mcp.ts';
import { signIn, startWebApp, type WebApp } from './support/web-app.ts';

const folder = 'agents-e2e';
const owner = { name: 'Agnes Agent', email: 'agnes@example.com', password: 'a long enough password' };
const finalAnswer = 'Fidus means faithful.';
const threadAnswer = 'A thread is a conversation.';

interface ToolServer {
  url: string;
  calls: { method: string; body: string }[];
  close(): Promise<void>;
}

/** The HTTP tool: answers every call with the meaning of the word, and remembers each call. */
async function startToolServer(): Promise<ToolServer> {
  const calls: ToolServer['calls'] = [];
  const read = async (request: IncomingMessage) => {
    let body = '';
    for await (const chunk of request) body += String(chunk);
    return body;
  };
  const server: Server = createServer((request, response) => {
    void read(request).then((body) => {
      calls.push({ method: request.method ?? '', body });
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ meaning: 'loyal and trustworthy' }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/lookup`,
    calls,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

let app: WebApp;
let browser: Browser;
let tool: ToolServer;
let everything: EverythingHttp;
let page: Page;
let agentId = '';
let runId = '';
/** The owner's access token, for reading what the page saved. */
let token = '';
/** Approval requests the page sent. */
const decisions: string[] = [];

beforeAll(async () => {
  [app, browser, tool, everything] = await Promise.all([
    startWebApp(),
    launchBrowser(),
    startToolServer(),
    startEverythingHttp(),
  ]);
  const registered = await fetch(`${app.url}/api/v1/auth/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(owner),
  });
  expect(registered.status).toBe(201);
  ({ accessToken: token } = (await registered.json()) as { accessToken: string });
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, colorScheme: 'light' });
  page = await context.newPage();
  page.setDefaultTimeout(10_000);
  page.on('request', (request) => {
    if (request.url().includes('/approvals/')) decisions.push(request.postData() ?? '');
  });
}, 90_000);

afterAll(async () => {
  await browser?.close();
  await Promise.all([app?.close(), tool?.close(), everything?.stop()]);
});

/** `expect.poll` with room for a loaded CI machine. */
const poll = <T>(read: () => T | Promise<T>, timeout = 15_000) =>
  expect.poll(read, { timeout, interval: 50 });

describe('agents in the web app, end to end', () => {
  it('opens the agents page from the sidebar', async () => {
    await page.goto(app.url);
    await signIn(page, owner);
    await page.getByTestId('nav-agents').click();
    await page.getByTestId('agents-empty').waitFor();
    expect(await page.getByTestId('page-title').textContent()).toBe('Agents');
    await screenshot(page, folder, '01-agents-empty');
  });

  it('creates an agent with an HTTP tool that asks before each call', async () => {
    await page.getByTestId('agent-new').click();
    await page.getByTestId('agent-name').fill('Word finder');
    await page
      .getByTestId('agent-instructions')
      .fill('Look words up with the lookup tool, then answer briefly.');
    await page.getByTestId('agent-model').fill('fast');
    await page.getByTestId('tool-add').click();
    const row = page.getByTestId('tool-row');
    await row.getByTestId('tool-kind').selectOption('http');
    await row.getByTestId('tool-approval').selectOption('ask');
    await row.getByTestId('tool-name').fill('lookup');
    await row.getByTestId('tool-url').fill(tool.url);
    await row.getByTestId('tool-description').fill('Finds the meaning of a word');
    await row
      .getByTestId('tool-schema')
      .fill(JSON.stringify({ type: 'object', properties: { word: { type: 'string' } }, required: ['word'] }));
    await page.getByTestId('agent-step-limit').fill('5');
    await screenshot(page, folder, '02-new-agent');
    await page.getByTestId('agent-save').click();
    await poll(() => page.url()).toMatch(/\/agents\/[0-9a-f-]{36}$/);
    agentId = page.url().split('/').pop()!;
    await poll(() => page.getByTestId('page-title').textContent()).toBe('Word finder');
    await page.getByTestId('runs-empty').waitFor();
    await screenshot(page, folder, '03-agent');
  });

  it('saves an edit as a new version and shows field errors from the API', async () => {
    await page.getByTestId('agent-edit').click();
    await poll(() => page.getByTestId('agent-version').textContent()).toBe('Version 1');
    // A model the workspace does not have: the API names the field, shown under it.
    await page.getByTestId('agent-model').fill('nowhere/model');
    await page.getByTestId('agent-save').click();
    const model = page.getByTestId('agent-model');
    await poll(() => model.getAttribute('aria-invalid')).toBe('true');
    await screenshot(page, folder, '04-field-error');
    await model.fill('fast');
    await page.getByTestId('agent-time-limit').fill('600');
    await page.getByTestId('agent-save').click();
    await poll(() => page.getByTestId('agent-saved').textContent()).toContain('version 2');
    await poll(() => page.getByTestId('agent-version').textContent()).toBe('Version 2');
  });

  it('starts a run that stops at the tool call for approval', async () => {
    app.fake.script(
      {
        kind: 'ok',
        reply: { toolCalls: [{ id: 'call_lookup_1', name: 'lookup', arguments: { word: 'fidus' } }] },
      },
      { kind: 'ok', reply: { text: finalAnswer } },
    );
    await page.goto(`${app.url}/agents/${agentId}`);
    await page.getByTestId('run-input').fill('What does “fidus” mean?');
    await page.getByTestId('run-start').click();
    await poll(() => page.url()).toMatch(/\/runs\/[0-9a-f-]{36}$/);
    runId = page.url().split('/').pop()!;
    const card = page.getByTestId('approval-card');
    await card.waitFor({ timeout: 30_000 });
    await poll(() => page.getByTestId('run-state').textContent()).toBe('Waiting for approval');
    expect(await card.getByTestId('approval-args').inputValue()).toContain('"word": "fidus"');
    expect(tool.calls).toHaveLength(0);
    // The sidebar counts the runs that wait for a decision.
    await poll(() => page.getByTestId('nav-agents-waiting').textContent()).toContain('1');
    await screenshot(page, folder, '05-awaiting-approval');
    expect(await seriousViolations(page)).toEqual([]);
    // A reload finds the run where it waits; the card is checked in the dark theme too.
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.reload();
    await card.waitFor();
    await screenshot(page, folder, '05-awaiting-approval-dark');
    expect(await seriousViolations(page)).toEqual([]);
    await page.emulateMedia({ colorScheme: 'light' });
    await page.reload();
    await card.waitFor();
  });

  it('refuses arguments that are not a JSON object without asking the server', async () => {
    const args = page.getByTestId('approval-args');
    await args.fill('{ "word": ');
    await page.getByTestId('approve').click();
    await poll(() => args.getAttribute('aria-invalid')).toBe('true');
    await poll(() => page.getByTestId('approval-card').textContent()).toContain('is not valid JSON');
    await screenshot(page, folder, '06-invalid-arguments');
    expect(decisions).toEqual([]);
    expect(tool.calls).toHaveLength(0);
  });

  it('approves with edited arguments and sees the run finish', async () => {
    await page.getByTestId('approval-args').fill('{ "word": "faithful" }');
    await page.getByTestId('approve').click();
    await poll(() => page.getByTestId('run-state').textContent(), 30_000).toBe('Completed');
    await poll(() => page.getByTestId('run-output').textContent()).toContain(finalAnswer);
    await poll(() => page.getByTestId('nav-agents-waiting').count()).toBe(0);
    expect(decisions).toHaveLength(1);
    expect(JSON.parse(decisions[0]!)).toEqual({ decision: 'approve', editedArgs: { word: 'faithful' } });
    // The tool ran once, with the edited arguments, and the model read its result.
    expect(tool.calls).toHaveLength(1);
    expect(tool.calls[0]!.body).toContain('faithful');
    expect(JSON.stringify(app.fake.requests.at(-1)?.body)).toContain('loyal and trustworthy');
    const toolStep = page.getByTestId('step-tool');
    await poll(() => toolStep.getByTestId('step-state').textContent()).toBe('Done');
    await poll(() => toolStep.getByTestId('step-approval').textContent()).toContain(
      'Approved with edited arguments',
    );
    await poll(() => page.getByTestId('run-end-reason').textContent()).toContain('the model gave its answer');
    await expect(page.getByTestId('run-cancel').count()).resolves.toBe(0);
    await toolStep.getByTestId('step-result').locator('summary').click();
    await screenshot(page, folder, '07-completed');
  });

  it('lists the run on the agent’s page', async () => {
    await page.getByRole('link', { name: '← Word finder' }).click();
    const row = page.getByTestId('run-row').first();
    await poll(() => row.textContent()).toContain('Completed');
    expect(await row.textContent()).toContain('What does “fidus” mean?');
    // The edit made version 2: both are listed, newest first, and a version opens on its definition.
    await poll(() => page.getByTestId('version-row').count()).toBe(2);
    expect(await page.getByTestId('version-row').first().textContent()).toContain('Version 2');
    await page.getByTestId('version-row').last().getByText('Definition').click();
    await poll(() => page.getByTestId('version-row').last().textContent()).toContain('"stepLimit"');
    await screenshot(page, folder, '08-agent-runs');
  });

  it('denies a call with a reason, and the run goes on without it', async () => {
    app.fake.script(
      {
        kind: 'ok',
        reply: { toolCalls: [{ id: 'call_lookup_2', name: 'lookup', arguments: { word: 'secret' } }] },
      },
      { kind: 'ok', reply: { text: 'I could not look that word up.' } },
    );
    await page.getByTestId('run-input').fill('Look up “secret”');
    await page.getByTestId('run-start').click();
    await page.getByTestId('approval-card').waitFor({ timeout: 30_000 });
    await page.getByTestId('approval-reason').fill('Not this word');
    await page.getByTestId('deny').click();
    await poll(() => page.getByTestId('run-state').textContent(), 30_000).toBe('Completed');
    const toolStep = page.getByTestId('step-tool');
    await poll(() => toolStep.getByTestId('step-state').textContent()).toBe('Denied');
    expect(await toolStep.getByTestId('step-approval').textContent()).toBe('Denied: “Not this word”');
    expect(JSON.parse(decisions.at(-1)!)).toEqual({ decision: 'deny', reason: 'Not this word' });
    expect(tool.calls).toHaveLength(1);
    await screenshot(page, folder, '09-denied');
  });

  it('cancels a run that waits for approval', async () => {
    app.fake.script({
      kind: 'ok',
      reply: { toolCalls: [{ id: 'call_lookup_3', name: 'lookup', arguments: { word: 'later' } }] },
    });
    await page.getByRole('link', { name: '← Word finder' }).click();
    await page.getByTestId('run-input').fill('Look up “later”');
    await page.keyboard.press('Control+Enter');
    await page.getByTestId('approval-card').waitFor({ timeout: 30_000 });
    await page.getByTestId('run-cancel').click();
    await poll(() => page.getByTestId('run-state').textContent()).toBe('Cancelled');
    await poll(() => page.getByTestId('run-end-reason').textContent()).toContain('it was cancelled');
    await poll(() => page.getByTestId('approval-card').count()).toBe(0);
    await poll(() => page.getByTestId('step-tool').getByTestId('step-state').textContent()).toBe(
      'Not decided',
    );
    expect(tool.calls).toHaveLength(1);
    await screenshot(page, folder, '10-cancelled');
  });

  it('starts a run from a new chat with @agent, and approves its call in the thread', async () => {
    app.fake.script(
      {
        kind: 'ok',
        reply: { toolCalls: [{ id: 'call_lookup_4', name: 'lookup', arguments: { word: 'thread' } }] },
      },
      { kind: 'ok', reply: { text: threadAnswer } },
    );
    // A second agent, deleted later while the page still lists it.
    const api = (path: string, init: RequestInit = {}) =>
      fetch(`${app.url}/api/v1${path}`, {
        ...init,
        headers: {
          authorization: `Bearer ${token}`,
          ...(init.body ? { 'content-type': 'application/json' } : {}),
        },
      });
    const ghost = (await (
      await api('/agents', {
        method: 'POST',
        body: JSON.stringify({ name: 'Ghost', instructions: '', model: 'fast' }),
      })
    ).json()) as { id: string };
    await page.goto(app.url);
    const composer = page.getByTestId('composer');
    await composer.waitFor();
    // `@` opens the agent picker; what follows filters it, Tab inserts the highlighted agent.
    await composer.pressSequentially('@');
    const picker = page.getByTestId('agent-picker');
    await picker.waitFor();
    await composer.pressSequentially('word');
    await poll(() => picker.getByTestId('agent-option').allTextContents()).toEqual([
      expect.stringContaining('@Word finder'),
    ]);
    expect(await composer.getAttribute('aria-activedescendant')).toBe(
      await picker.getByTestId('agent-option').getAttribute('id'),
    );
    await screenshot(page, folder, '11-thread-picker');
    await page.keyboard.press('Tab');
    await poll(() => composer.inputValue()).toBe('@Word finder ');
    await poll(() => picker.count()).toBe(0);
    await composer.pressSequentially('What does “thread” mean?');
    await page.keyboard.press('Enter');
    // The run starts in a new thread, which opens with the run's card (and no message).
    await poll(() => page.url()).toMatch(/\/t\/[0-9a-f-]{36}$/);
    const threadId = page.url().split('/').pop()!;
    const card = page.getByTestId('thread-run');
    await card.getByTestId('thread-run-input').waitFor();
    expect(await card.getByTestId('thread-run-input').textContent()).toBe('What does “thread” mean?');
    const approval = card.getByTestId('approval-card');
    await approval.waitFor({ timeout: 30_000 });
    await poll(() => card.getByTestId('thread-run-state').textContent()).toBe('Waiting for approval');
    expect(await approval.getByTestId('approval-args').inputValue()).toContain('"word": "thread"');
    expect(await page.getByTestId('message-user').count()).toBe(0);
    expect(await composer.inputValue()).toBe('');
    expect(tool.calls).toHaveLength(1);
    await screenshot(page, folder, '11-thread-approval');
    await approval.getByTestId('approve').click();
    await poll(() => card.getByTestId('thread-run-state').textContent(), 30_000).toBe('Completed');
    await poll(() => card.getByTestId('thread-run-output').textContent()).toContain(threadAnswer);
    expect(JSON.parse(decisions.at(-1)!)).toEqual({ decision: 'approve' });
    expect(tool.calls).toHaveLength(2);
    expect(tool.calls[1]!.body).toContain('thread');
    await poll(() => card.getByTestId('step-tool').getByTestId('step-state').textContent()).toBe('Done');
    // The run belongs to the thread, and the card links to its page.
    const runs = await fetch(`${app.url}/api/v1/runs?threadId=${threadId}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    const { data } = (await runs.json()) as { data: { id: string; threadId: string; agentId: string }[] };
    expect(data).toHaveLength(1);
    expect(data[0]).toMatchObject({ threadId, agentId });
    expect(await card.getByTestId('thread-run-link').getAttribute('href')).toBe(`/runs/${data[0]!.id}`);
    await screenshot(page, folder, '11-thread-run');
    expect(await seriousViolations(page)).toEqual([]);
    // A reload shows the same card (read from the API), checked in the dark theme too.
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.reload();
    await card.getByTestId('thread-run-output').waitFor();
    await screenshot(page, folder, '11-thread-run-dark');
    expect(await seriousViolations(page)).toEqual([]);
    await page.emulateMedia({ colorScheme: 'light' });
    await page.reload();
    await card.getByTestId('thread-run-output').waitFor();
    // An agent deleted after the picker listed it: the API's 404 shows where the thread's failures do, and the
    // draft comes back.
    await composer.pressSequentially('@gh');
    await poll(() => page.getByTestId('agent-option').allTextContents()).toEqual([
      expect.stringContaining('@Ghost'),
    ]);
    await page.keyboard.press('Escape');
    await poll(() => page.getByTestId('agent-picker').count()).toBe(0);
    expect((await api(`/agents/${ghost.id}`, { method: 'DELETE' })).status).toBe(204);
    await composer.fill('@Ghost boo');
    await page.keyboard.press('Enter');
    await poll(() => page.getByTestId('failure').textContent()).toContain('Not found');
    await poll(() => composer.inputValue()).toBe('@Ghost boo');
    await page.getByTestId('failure').getByRole('button', { name: 'Dismiss' }).click();
    // A name that is no agent's is a message like any other, shown after the run.
    await composer.fill('@nobody what do you think?');
    await page.keyboard.press('Enter');
    await poll(() => page.getByTestId('message-user').textContent()).toContain('@nobody what do you think?');
    const rows = await page
      .locator('[data-testid="message-list"] > li')
      .evaluateAll((items) =>
        items
          .sort((a, b) => Number(a.getAttribute('data-index')) - Number(b.getAttribute('data-index')))
          .map((item) => item.querySelector('[data-testid]')?.getAttribute('data-testid')),
      );
    expect(rows.slice(0, 2)).toEqual(['thread-run', 'message-user']);
  });

  it('attaches MCP servers and shows their status and tools', async () => {
    await page.getByTestId('nav-agents').click();
    await page.getByTestId('agents-mcp-link').click();
    await poll(() => page.getByTestId('page-title').textContent()).toBe('MCP servers');
    await page.getByTestId('mcp-empty').waitFor();
    const attach = async (name: string, url: string) => {
      await page.getByTestId('mcp-attach').click();
      await page.getByTestId('mcp-name').fill(name);
      await page.getByTestId('mcp-url').fill(url);
      await page.getByTestId('mcp-attach-submit').click();
      await page.getByTestId('mcp-attach-form').waitFor({ state: 'detached' });
    };
    await attach('everything', everything.url);
    await attach('broken', `http://127.0.0.1:${await freePort()}/mcp`);
    const working = page.locator('[data-testid="mcp-server"][data-name="everything"]');
    const broken = page.locator('[data-testid="mcp-server"][data-name="broken"]');
    await poll(() => working.getByTestId('mcp-status').getAttribute('data-state'), 30_000).toBe('connected');
    await poll(() => broken.getByTestId('mcp-status').getAttribute('data-state'), 30_000).toBe('failed');
    await broken.getByTestId('mcp-status-error').waitFor();
    await working.getByTestId('mcp-tools-summary').click();
    await poll(() => working.getByTestId('mcp-tool').count()).toBeGreaterThan(0);
    expect(await working.getByTestId('mcp-tools').textContent()).toContain('everything.echo');
    await screenshot(page, folder, '11-mcp-servers');
  });

  it('picks an MCP server’s tool in the agent editor', async () => {
    await page.goto(`${app.url}/agents/${agentId}/edit`);
    await page.getByTestId('tool-add').click();
    const row = page.getByTestId('tool-row').nth(1);
    await row.getByTestId('tool-kind').selectOption('mcp');
    expect(await row.getByTestId('tool-approval').inputValue()).toBe('ask');
    // Text boxes until the servers are listed, then select boxes: wait for the selects.
    await row.locator('select[data-testid="tool-server"]').selectOption('everything');
    await row.locator('select[data-testid="tool-tool"]').selectOption('echo');
    await screenshot(page, folder, '12-mcp-tool');
    await page.getByTestId('agent-save').click();
    await poll(() => page.getByTestId('agent-saved').textContent()).toContain('version 3');
    const answer = await fetch(`${app.url}/api/v1/agents/${agentId}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    const agent = (await answer.json()) as { definition: { tools: unknown[] } };
    expect(agent.definition.tools[1]).toEqual({
      kind: 'mcp',
      server: 'everything',
      tool: 'echo',
      approval: 'ask',
    });
  });
});

describe.each(['light', 'dark'] as const)('the agents pages are accessible, %s theme', (theme) => {
  const pages = () => [
    { name: 'agents', path: '/agents', ready: 'agents-list' },
    { name: 'agent', path: `/agents/${agentId}`, ready: 'runs-list' },
    { name: 'agent-editor', path: `/agents/${agentId}/edit`, ready: 'tools-editor' },
    { name: 'run', path: `/runs/${runId}`, ready: 'run-outcome' },
    { name: 'mcp-servers', path: '/mcp-servers', ready: 'page-title' },
  ];

  it('has no serious or critical violations', async () => {
    expect(runId).not.toBe('');
    await page.emulateMedia({ colorScheme: theme });
    for (const { name, path, ready } of pages()) {
      await page.goto(`${app.url}${path}`);
      await page.getByTestId(ready).first().waitFor();
      expect(((await page.locator('html').getAttribute('class')) ?? '').includes('dark')).toBe(
        theme === 'dark',
      );
      await screenshot(page, folder, `a11y-${name}-${theme}`);
      expect(await seriousViolations(page), name).toEqual([]);
    }
  });
});
