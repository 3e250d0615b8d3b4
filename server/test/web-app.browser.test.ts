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

describe('the web app, end to end', () => {
  it('creates the owner on first run', async () => {
    await page.goto(app.url);
    await expect.poll(() => page.getByRole('heading', { name: 'Set up Fidus' }).isVisible()).toBe(true);
    await screenshot(page, folder, '01-setup');
    await page.getByLabel('Name').fill(owner.name);
    await page.getByLabel('Email').fill(owner.email);
    await page.getByLabel('Password').fill(owner.password);
    await page.getByTestId('setup-submit').click();
    await page.getByTestId('composer').waitFor();
    await expect.poll(() => page.getByTestId('user-menu').textContent()).toContain(owner.name);
    await screenshot(page, folder, '02-signed-in');
  });

  it('streams an answer as Markdown', async () => {
    app.fake.script({ kind: 'slow', chunkDelayMs: 40, reply: { text: markdownAnswer } });
    await page.getByTestId('composer').fill('Explain the answer function');
    await page.keyboard.press('Enter');
    // Part of the answer is on the screen while the rest is still coming.
    await expect.poll(() => lastAnswer().textContent()).toContain('A short answer');
    await expect(page.getByTestId('stop').isVisible()).resolves.toBe(true);
    await screenshot(page, folder, '03-streaming');
    await page.getByTestId('stop').waitFor({ state: 'detached', timeout: 15_000 });
    await expect.poll(() => lastAnswer().locator('table').count()).toBe(1);
    await expect.poll(() => lastAnswer().locator('pre code').textContent()).toContain('export const answer');
    expect(page.url()).toMatch(/\/t\/[0-9a-f-]{36}$/);
    await screenshot(page, folder, '04-answered');
  });

  it('stops an answer with Esc', async () => {
    app.fake.script({
      kind: 'slow',
      chunkDelayMs: 250,
      reply: { text: 'one two three four five six seven eight nine ten eleven twelve' },
    });
    await page.getByTestId('composer').fill('Count slowly');
    await page.keyboard.press('Enter');
    await expect.poll(() => lastAnswer().textContent()).toContain('one');
    await page.keyboard.press('Escape');
    await page.getByTestId('stop').waitFor({ state: 'detached' });
    const stoppedText = await lastAnswer().textContent();
    expect(stoppedText).not.toContain('twelve');
    await screenshot(page, folder, '05-stopped');
  });
});
