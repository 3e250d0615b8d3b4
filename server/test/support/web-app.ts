import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { startFakeOpenAI, type FakeOpenAI } from '../fakes/openai-upstream.ts';
import { fidusEnv, serveFidus, type ServedFidus } from './serve.ts';

/**
 * A real `fidus serve` (embedded database, the built web app) in front of a fake OpenAI upstream, for tests that
 * drive the app in a browser. Models: `fast` (the default, priced), `other`, and `titles` for thread titles on an
 * upstream of its own, so that titles never take an answer's script.
 */
export interface WebApp {
  url: string;
  fake: FakeOpenAI;
  titles: FakeOpenAI;
  server: ServedFidus;
  dataDir: string;
  close(): Promise<void>;
}

export const markdownAnswer = [
  '## A short answer',
  '',
  'Here is **bold**, *italic* and `code`, then a table:',
  '',
  '| model | price |',
  '| ----- | ----: |',
  '| fast  |  1.00 |',
  '',
  '```ts',
  'export const answer = (question: string): number => question.length * 2;',
  '```',
  '',
  '- one',
  '- two',
].join('\n');

export async function startWebApp(options: { env?: NodeJS.ProcessEnv } = {}): Promise<WebApp> {
  const fake = await startFakeOpenAI({
    default: { kind: 'slow', chunkDelayMs: 15, reply: { text: markdownAnswer } },
    models: ['small-1', 'small-2'],
  });
  const titles = await startFakeOpenAI({ default: { kind: 'ok', reply: { text: 'A test conversation' } } });
  const dataDir = mkdtempSync(path.join(tmpdir(), 'fidus-web-'));
  const config = path.join(dataDir, 'fidus.json');
  writeFileSync(
    config,
    JSON.stringify({
      providers: [
        { id: 'fake', type: 'openai-compatible', baseURL: fake.url },
        { id: 'titler', type: 'openai-compatible', baseURL: titles.url },
      ],
      models: [
        { alias: 'fast', targets: [{ provider: 'fake', model: 'small-1' }] },
        { alias: 'other', targets: [{ provider: 'fake', model: 'small-2' }] },
        { alias: 'titles', targets: [{ provider: 'titler', model: 'tiny' }] },
      ],
      defaultModel: 'fast',
      prices: { 'fake/small-1': { input: 1, output: 2 } },
      chat: { titleModel: 'titles' },
      // The agents' HTTP tools and MCP servers of the tests run on this machine.
      agents: { allowPrivateNetworks: true },
    }),
  );
  let server: ServedFidus;
  try {
    server = await serveFidus(
      fidusEnv({
        FIDUS_DATA_DIR: path.join(dataDir, 'data'),
        FIDUS_CONFIG: config,
        FIDUS_SIGNUP: 'first-user',
        ...options.env,
      }),
    );
  } catch (error) {
    await Promise.all([fake.close(), titles.close()]);
    rmSync(dataDir, { recursive: true, force: true });
    throw error;
  }
  return {
    url: server.url,
    fake,
    titles,
    server,
    dataDir,
    async close() {
      await server.stop();
      await Promise.all([fake.close(), titles.close()]);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * Signs in through the app's form, from whatever page of the app `page` shows while signed out (an instance with
 * an owner opens on sign-in), and waits for the chat's composer.
 */
export async function signIn(page: Page, account: { email: string; password: string }): Promise<void> {
  await page.getByLabel('Email').fill(account.email);
  await page.getByLabel('Password').fill(account.password);
  await page.getByTestId('sign-in-submit').click();
  await page.getByTestId('composer').waitFor();
}
