// axe-core on the web app's main pages, in the light and the dark theme (issue 7): no serious or critical
// violations. Each page is also saved as a screenshot under test-results/web-a11y/.
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, screenshot, seriousViolations } from './support/browser.ts';
import { signIn, startWebApp, type WebApp } from './support/web-app.ts';

const owner = { name: 'Ada Admin', email: 'ada@example.com', password: 'a long enough password' };

let app: WebApp;
let browser: Browser;
let threadId: string;

beforeAll(async () => {
  [app, browser] = await Promise.all([startWebApp(), launchBrowser()]);
  const response = await fetch(`${app.url}/api/v1/auth/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(owner),
  });
  const { accessToken } = (await response.json()) as { accessToken: string };
  const call = async <T>(path: string, body: unknown): Promise<T> => {
    const answer = await fetch(`${app.url}/api/v1${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${accessToken}` },
      body: JSON.stringify(body),
    });
    expect(answer.ok).toBe(true);
    return (await answer.json()) as T;
  };
  // A thread with a finished answer, so that the chat and usage pages have something to show.
  app.fake.setDefault({ kind: 'ok', reply: { text: 'A **short** answer with `code`.' } });
  ({ id: threadId } = await call<{ id: string }>('/threads', {}));
  const sent = await fetch(`${app.url}/api/v1/threads/${threadId}/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${accessToken}` },
    body: JSON.stringify({ content: 'Hello there' }),
  });
  await sent.text(); // the stream ends with the answer
}, 90_000);

afterAll(async () => {
  await browser?.close();
  await app?.close();
});

async function openPage(theme: 'light' | 'dark', signedIn: boolean): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, colorScheme: theme });
  const page = await context.newPage();
  page.setDefaultTimeout(10_000);
  await page.goto(app.url);
  await page.evaluate((choice) => {
    (globalThis as unknown as { localStorage: { setItem(k: string, v: string): void } }).localStorage.setItem(
      'fidus.theme',
      choice,
    );
  }, theme);
  if (signedIn) {
    await page.reload();
    await signIn(page, owner);
  }
  return page;
}

const pages: { name: string; path: string; ready: (page: Page) => Promise<unknown> }[] = [
  { name: 'chat', path: '', ready: (page) => page.getByTestId('message-assistant').first().waitFor() },
  { name: 'settings', path: '/settings/keys', ready: (page) => page.getByTestId('page-title').waitFor() },
  { name: 'usage', path: '/usage', ready: (page) => page.getByTestId('page-title').waitFor() },
];

describe.each(['light', 'dark'] as const)('accessibility, %s theme', (theme) => {
  it('the sign-in page has no serious or critical violations', async () => {
    const page = await openPage(theme, false);
    await page.reload();
    await page.getByLabel('Email').waitFor();
    const themeClass = (await page.locator('html').getAttribute('class')) ?? '';
    expect(themeClass.includes('dark')).toBe(theme === 'dark');
    await screenshot(page, 'web-a11y', `sign-in-${theme}`);
    expect(await seriousViolations(page)).toEqual([]);
    await page.context().close();
  });

  it.each(pages)('the $name page has no serious or critical violations', async ({ name, path, ready }) => {
    const page = await openPage(theme, true);
    await page.goto(`${app.url}${path || `/t/${threadId}`}`);
    await ready(page);
    await screenshot(page, 'web-a11y', `${name}-${theme}`);
    expect(await seriousViolations(page)).toEqual([]);
    await page.context().close();
  });
});
