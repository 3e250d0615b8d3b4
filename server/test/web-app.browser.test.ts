// The web app end to end, in Debian's headless Chromium against a real `fidus serve` and a fake upstream
// (issue 7). Every step leaves a screenshot under test-results/web-e2e/.
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, screenshot } from './support/browser.ts';
import { markdownAnswer, startWebApp, type WebApp } from './support/web-app.ts';

const folder = 'web-e2e';
const owner = { name: 'Olivia Owner', email: 'olivia@example.com', password: 'a long enough password' };

let app: WebApp;
let browser: Browser;
let context: BrowserContext;
let page: Page;

beforeAll(async () => {
  [app, browser] = await Promise.all([startWebApp(), launchBrowser()]);
  context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  page = await context.newPage();
  page.setDefaultTimeout(10_000);
}, 90_000);

afterAll(async () => {
  await browser?.close();
  await app?.close();
});

const lastAnswer = () => page.getByTestId('message-assistant').last();
/** `expect.poll` with room for a loaded CI machine (its default gives up after 1 s). */
const poll = <T>(read: () => T | Promise<T>) => expect.poll(read, { timeout: 15_000, interval: 50 });

describe('the web app, end to end', () => {
  it('creates the owner on first run', async () => {
    await page.goto(app.url);
    await poll(() => page.getByRole('heading', { name: 'Set up Fidus' }).isVisible()).toBe(true);
    await screenshot(page, folder, '01-setup');
    await page.getByLabel('Name').fill(owner.name);
    await page.getByLabel('Email').fill(owner.email);
    await page.getByLabel('Password').fill(owner.password);
    await page.getByTestId('setup-submit').click();
    await page.getByTestId('composer').waitFor();
    await poll(() => page.getByTestId('user-menu').textContent()).toContain(owner.name);
    await screenshot(page, folder, '02-signed-in');
  });

  it('streams an answer as Markdown', async () => {
    app.fake.script({ kind: 'slow', chunkDelayMs: 40, reply: { text: markdownAnswer } });
    await page.getByTestId('composer').fill('Explain the answer function');
    await page.keyboard.press('Enter');
    // Part of the answer is on the screen while the rest is still coming.
    await poll(() => lastAnswer().textContent()).toContain('A short answer');
    await expect(page.getByTestId('stop').isVisible()).resolves.toBe(true);
    await screenshot(page, folder, '03-streaming');
    await page.getByTestId('stop').waitFor({ state: 'detached', timeout: 15_000 });
    await poll(() => lastAnswer().locator('table').count()).toBe(1);
    await poll(() => lastAnswer().locator('pre code').textContent()).toContain('export const answer');
    expect(page.url()).toMatch(/\/t\/[0-9a-f-]{36}$/);
    await screenshot(page, folder, '04-answered');
  });

  it('stops an answer with Esc', async () => {
    app.fake.script({
      kind: 'slow',
      chunkDelayMs: 250,
      reply: { text: 'one two three four five six seven eight nine ten eleven twelve' },
    });
    const answers = page.getByTestId('message-assistant');
    const before = await answers.count();
    await page.getByTestId('composer').fill('Count slowly');
    await page.keyboard.press('Enter');
    // The new answer (not the first one, whose list also says "one") has begun streaming from the upstream.
    await poll(() => answers.count()).toBe(before + 1);
    await poll(() => lastAnswer().textContent()).toMatch(/^one\b/);
    await page.keyboard.press('Escape');
    await page.getByTestId('stop').waitFor({ state: 'detached' });
    await poll(() => lastAnswer().getByTestId('answer-usage').textContent()).toContain('Stopped');
    const stoppedText = await lastAnswer().textContent();
    expect(stoppedText).not.toContain('twelve');
    await screenshot(page, folder, '05-stopped');
  });

  it('edits a question into a second branch and switches between the branches', async () => {
    app.fake.script({ kind: 'ok', reply: { text: 'Counted quickly: 1, 2, 3.' } });
    const question = page.getByTestId('message-user').last();
    await question.hover();
    await question.getByTestId('edit-message').click();
    await page.getByTestId('edit-input').fill('Count quickly');
    await screenshot(page, folder, '06-editing');
    await page.getByTestId('edit-save').click();
    await poll(() => lastAnswer().textContent()).toContain('Counted quickly');
    const position = page.getByTestId('message-user').last().getByTestId('branch-position');
    await poll(() => position.textContent()).toBe('2/2');
    await screenshot(page, folder, '07-edited');
    await page.getByTestId('message-user').last().getByTestId('branch-prev').click();
    await poll(() => page.getByTestId('message-user').last().textContent()).toContain('Count slowly');
    await poll(() => position.textContent()).toBe('1/2');
    expect(await lastAnswer().textContent()).not.toContain('Counted quickly');
    await page.getByTestId('message-user').last().getByTestId('branch-next').click();
    await poll(() => page.getByTestId('message-user').last().textContent()).toContain('Count quickly');
    await poll(() => lastAnswer().textContent()).toContain('Counted quickly');
  });

  it('regenerates an answer beside the first one', async () => {
    app.fake.script({ kind: 'ok', reply: { text: 'A second, regenerated answer.' } });
    const answer = lastAnswer();
    await answer.hover();
    await answer.getByTestId('regenerate').click();
    await poll(() => lastAnswer().textContent()).toContain('regenerated answer');
    await poll(() => lastAnswer().getByTestId('branch-position').textContent()).toBe('2/2');
    await screenshot(page, folder, '08-regenerated');
    // Both versions are on the server: a reload shows the chosen one.
    await page.reload();
    await poll(() => lastAnswer().textContent()).toContain('regenerated answer');
  });

  it('finds the thread with Ctrl+K', async () => {
    await page.getByTestId('new-chat').click();
    await page.getByTestId('composer').waitFor();
    await page.keyboard.press('Control+k');
    await page.getByTestId('search-input').fill('answer function');
    const hit = page.getByTestId('search-result').first();
    await hit.waitFor();
    await screenshot(page, folder, '09-search');
    await page.keyboard.press('Enter');
    await poll(() => page.url()).toMatch(/\/t\/[0-9a-f-]{36}$/);
    await poll(() => page.getByTestId('message-user').first().textContent()).toContain('Explain the answer');
  });

  it('creates an API key in the settings, shown once', async () => {
    await page.getByTestId('nav-settings').click();
    await page.getByTestId('settings-keys').waitFor();
    await page.getByTestId('apikey-name').fill('laptop');
    await page.getByTestId('apikey-create').click();
    const secret = (await page.getByTestId('apikey-secret').textContent())?.trim() ?? '';
    expect(secret).toMatch(/^fid[a-z]*_/);
    await screenshot(page, folder, '10-api-key');
    // The key works against the API, and the list shows it without its secret.
    const me = await fetch(`${app.url}/api/v1/me`, { headers: { authorization: `Bearer ${secret}` } });
    expect(me.status).toBe(200);
    await page.getByTestId('apikey-secret-done').click();
    await poll(() => page.getByTestId('apikey-list').textContent()).toContain('laptop');
    expect(await page.getByTestId('apikey-list').textContent()).not.toContain(secret);
  });

  it('shows the spend on the usage page', async () => {
    await page.getByTestId('nav-usage').click();
    const total = page.getByTestId('usage-total-cost');
    await total.waitFor();
    await poll(async () => Number((await total.textContent())?.replace(/[^0-9.]/g, ''))).toBeGreaterThan(0);
    await page.getByTestId('usage-chart-cost').waitFor();
    await poll(() => page.getByTestId('usage-top-threads').textContent()).toContain('A test conversation');
    await screenshot(page, folder, '11-usage');
  });
});
