// Web app benchmark (issue 7): how fast a long thread opens and how many DOM nodes it keeps. A real `fidus serve`
// (embedded, the built web app; server/test/support/web-app.ts) gets a thread of BENCH_WEB_MESSAGES messages
// (default 1,000: questions and Markdown answers with code, lists and tables) through `POST /api/v1/imports`, and
// a short thread of 10 as the baseline measured in the same run. Debian's headless Chromium (playwright-core)
// opens each `/t/<id>` BENCH_WEB_LOADS times (default 7) from a fresh page load; "first screen" is the page's own
// clock (performance.now(), from navigation start) when the thread's last message is on the screen. Then the long
// thread is scrolled to its top and back, a screen at a time, counting the page's elements at every step.
// Targets: first screen ≤ 500 ms (median) and fewer than 3,000 DOM nodes while scrolling. `npm run bench:web`;
// needs `npm run build` and Chromium (`apt-get install -y chromium`). Exits 0 whether or not the targets are met.
import type { Page } from 'playwright-core';
import { launchBrowser } from '../server/test/support/browser.ts';
import { signIn, startWebApp } from '../server/test/support/web-app.ts';
import { codeVersion, median, percentile, positiveInt, printHeader, runMain } from './lib.ts';

const messageCount = positiveInt('BENCH_WEB_MESSAGES', process.env.BENCH_WEB_MESSAGES, 1_000, 50_000);
const loads = positiveInt('BENCH_WEB_LOADS', process.env.BENCH_WEB_LOADS, 7, 100);
const baselineMessages = 10;
const targetFirstScreenMs = 500;
const targetDomNodes = 3_000;

/** The few browser globals the page functions below use (this file is type-checked without the DOM library). */
interface Element {
  textContent: string | null;
  getBoundingClientRect(): { top: number; bottom: number };
  querySelector(selector: string): Element | null;
}
interface ScrollElement {
  scrollTop: number;
  clientHeight: number;
}
interface BrowserGlobals {
  document: {
    querySelector(selector: string): (Element & ScrollElement) | null;
    querySelectorAll(selector: string): ArrayLike<Element>;
    getElementsByTagName(name: string): { length: number };
  };
  innerHeight: number;
  requestAnimationFrame(callback: () => void): void;
  performance: { now(): number; memory?: { usedJSHeapSize: number } };
}
const owner = { name: 'Bench Owner', email: 'bench@example.com', password: 'a long enough password' };

function answerText(index: number): string {
  const kind = index % 4;
  if (kind === 0) return `Short answer number ${index}.`;
  if (kind === 1) {
    return [
      `### Step ${index}`,
      '',
      'First, a paragraph with **bold** and `inline code` that wraps over a few lines on a narrow screen, '.repeat(
        3,
      ),
      '',
      '```ts',
      `export function step${index}(input: number[]): number {`,
      '  return input.reduce((sum, value) => sum + value * 2, 0);',
      '}',
      '```',
    ].join('\n');
  }
  if (kind === 2)
    return ['- one item', '- another item', '- a third item', '', `Done with ${index}.`].join('\n');
  return ['| key | value |', '| --- | ----: |', `| a | ${index} |`, `| b | ${index * 2} |`].join('\n');
}

/** A `fidus.thread` export of `count` messages on one branch, alternating question and answer. */
function threadExport(title: string, count: number) {
  const start = Date.parse('2026-01-01T00:00:00Z');
  const messages = Array.from({ length: count }, (_, index) => ({
    id: `m${index}`,
    parentId: index === 0 ? null : `m${index - 1}`,
    role: index % 2 === 0 ? 'user' : 'assistant',
    content: index % 2 === 0 ? `Question ${index}: how does part ${index} work?` : answerText(index),
    status: 'done',
    model: index % 2 === 0 ? null : 'fast',
    usage: index % 2 === 0 ? null : { inputTokens: 20 + index, outputTokens: 40 },
    costUsd: index % 2 === 0 ? null : 0.0001,
    createdAt: new Date(start + index * 60_000).toISOString(),
  }));
  return {
    format: 'fidus.thread',
    version: 1,
    thread: { title, createdAt: new Date(start).toISOString() },
    activeLeafId: `m${count - 1}`,
    messages,
  };
}

async function api<T>(url: string, path: string, token: string | undefined, body: unknown): Promise<T> {
  const response = await fetch(`${url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`${path}: ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}

interface LastMessage {
  /** Text of the thread's last message, to recognise it. */
  text: string;
  /** An element its Markdown renders (`pre`, `table`, …): present once the Markdown is on the screen. */
  rendered: string;
}

/** The last message of a thread of `count` messages (see `threadExport`). */
function lastMessageOf(count: number): LastMessage {
  const index = count - 1;
  if (index % 2 === 0) return { text: `Question ${index}:`, rendered: 'p' };
  const kind = index % 4;
  if (kind === 1) return { text: `Step ${index}`, rendered: 'pre' };
  if (kind === 2) return { text: `Done with ${index}.`, rendered: 'ul' };
  if (kind === 3) return { text: `${index * 2}`, rendered: 'table' };
  return { text: `Short answer number ${index}.`, rendered: 'p' };
}

interface Screen {
  /** The last message's text is inside the viewport (rows show plain text until the Markdown chunk is there). */
  text: number;
  /** …and rendered as Markdown. */
  rendered: number;
}

/**
 * Loads `/t/<id>` afresh; answers the page's clocks (ms from the navigation's start) when the thread's last
 * message was first on the screen, and when it was there rendered.
 */
async function firstScreen(page: Page, url: string, threadId: string, last: LastMessage): Promise<Screen> {
  await page.goto(`${url}/t/${threadId}`, { waitUntil: 'commit' });
  const handle = await page.waitForFunction(
    ({ text, rendered }) => {
      const { document, innerHeight, performance } = globalThis as unknown as BrowserGlobals;
      const state = globalThis as unknown as { benchTextSeenAt?: number };
      const items = document.querySelectorAll(
        '[data-testid="message-user"], [data-testid="message-assistant"]',
      );
      const element = items[items.length - 1];
      if (!element?.textContent?.includes(text)) return false;
      const box = element.getBoundingClientRect();
      if (box.bottom <= 0 || box.top >= innerHeight) return false;
      state.benchTextSeenAt ??= performance.now();
      return element.querySelector(rendered)
        ? { text: state.benchTextSeenAt, rendered: performance.now() }
        : false;
    },
    last,
    { polling: 'raf', timeout: 30_000 },
  );
  return (await handle.jsonValue()) as Screen;
}

const domNodes = (page: Page) =>
  page.evaluate(() => (globalThis as unknown as BrowserGlobals).document.getElementsByTagName('*').length);

/** Scrolls the message list to its top and back a screen at a time; answers the element counts seen. */
async function scrollThrough(page: Page): Promise<{ counts: number[]; steps: number; reachedTop: boolean }> {
  const counts: number[] = [await domNodes(page)];
  let steps = 0;
  let reachedTop = false;
  for (const direction of [-1, 1]) {
    for (let moved = true; moved && steps < 5_000; steps++) {
      moved = await page.evaluate(async (sign) => {
        const { document, requestAnimationFrame } = globalThis as unknown as BrowserGlobals;
        const list = document.querySelector('[data-testid="messages"]');
        if (!list) throw new Error('no [data-testid="messages"] scroll container');
        const before = list.scrollTop;
        list.scrollTop = before + sign * list.clientHeight * 0.9;
        // Two frames: the virtualiser measures rows in one and may correct the offset in the next.
        await new Promise<void>((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)));
        return list.scrollTop !== before;
      }, direction);
      counts.push(await domNodes(page));
    }
    // A list that never renders its first rows would pass the count: the top must show the first question.
    if (direction < 0) {
      reachedTop =
        (await page.evaluate(() =>
          (globalThis as unknown as BrowserGlobals).document
            .querySelector('[data-testid="message-user"]')
            ?.textContent?.includes('Question 0:'),
        )) ?? false;
    }
  }
  return { counts, steps, reachedTop };
}

async function main(): Promise<void> {
  printHeader(
    () =>
      `bench:web — ${codeVersion()} — a ${messageCount}-message thread vs a ${baselineMessages}-message one, ` +
      `${loads} loads each, headless Chromium`,
  );
  const app = await startWebApp();
  const browser = await launchBrowser();
  try {
    const session = await api<{ accessToken: string }>(app.url, '/api/v1/auth/register', undefined, owner);
    const imported = await api<{ threads: { id: string; messages: number }[] }>(
      app.url,
      '/api/v1/imports',
      session.accessToken,
      {
        format: 'fidus',
        data: [threadExport('Long thread', messageCount), threadExport('Short thread', baselineMessages)],
      },
    );
    const [long, short] = imported.threads;
    const lastLong = lastMessageOf(messageCount);
    const lastShort = lastMessageOf(baselineMessages);

    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    await page.goto(app.url);
    await signIn(page, owner);

    const timings: Record<'long' | 'short', Screen[]> = { long: [], short: [] };
    // One unmeasured load of each: the browser's caches and the server's JIT warm up.
    await firstScreen(page, app.url, long!.id, lastLong);
    await firstScreen(page, app.url, short!.id, lastShort);
    for (let round = 0; round < loads; round++) {
      timings.long.push(await firstScreen(page, app.url, long!.id, lastLong));
      timings.short.push(await firstScreen(page, app.url, short!.id, lastShort));
    }
    const shortNodes = await domNodes(page);
    await firstScreen(page, app.url, long!.id, lastLong);
    const heapMb = await page.evaluate(
      () => ((globalThis as unknown as BrowserGlobals).performance.memory?.usedJSHeapSize ?? 0) / 2 ** 20,
    );
    const scroll = await scrollThrough(page);

    const ms = (value: number) => `${value.toFixed(0)} ms`.padStart(9);
    const row = (label: string, screens: Screen[], pick: (screen: Screen) => number) => {
      const values = screens.map(pick);
      return `${label.padEnd(44)}${ms(median(values))}${ms(percentile(values, 100))}`;
    };
    console.log(
      `\n${'first screen (from navigation start)'.padEnd(44)}${'median'.padStart(9)}${'max'.padStart(9)}`,
    );
    for (const [name, count] of [
      ['short', baselineMessages],
      ['long', messageCount],
    ] as const) {
      console.log(row(`${count} messages: last message on screen`, timings[name], (t) => t.text));
      console.log(row(`${count} messages: …and rendered as Markdown`, timings[name], (t) => t.rendered));
    }
    const renderedLong = median(timings.long.map((t) => t.rendered));
    const ratio = renderedLong / median(timings.short.map((t) => t.rendered));
    console.log(`\n${messageCount} vs ${baselineMessages} messages, rendered: ${ratio.toFixed(2)}× the time`);
    const maxNodes = Math.max(...scroll.counts);
    console.log(
      `DOM elements: ${shortNodes} with the short thread; the long one ${scroll.counts[0]} on open, ` +
        `max ${maxNodes} over ${scroll.steps} scroll steps (the first question at the top: ` +
        `${scroll.reachedTop ? 'reached' : 'NOT reached'})`,
    );
    if (heapMb > 0) console.log(`JS heap after opening the long thread: ${heapMb.toFixed(1)} MB`);

    const firstOk = renderedLong <= targetFirstScreenMs;
    const nodesOk = maxNodes < targetDomNodes && scroll.reachedTop;
    console.log('\ntargets');
    console.log(
      `  first screen of ${messageCount} messages (rendered) ≤ ${targetFirstScreenMs} ms: ` +
        `${renderedLong.toFixed(0)} ms ${firstOk ? 'PASS' : 'FAIL'}`,
    );
    console.log(
      `  < ${targetDomNodes} DOM nodes while scrolling: max ${maxNodes} ${nodesOk ? 'PASS' : 'FAIL'}`,
    );
  } finally {
    await browser.close();
    await app.close();
  }
}

runMain('bench:web', main);
