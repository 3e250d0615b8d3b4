import { existsSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';

/** Debian's Chromium (`apt-get install -y chromium`); never a downloaded browser. */
export const chromiumPath = process.env['FIDUS_CHROMIUM'] ?? '/usr/bin/chromium';
export const hasChromium = () => existsSync(chromiumPath);

// Without the background-networking flags Chromium keeps trying hosts this machine cannot reach.
const flags = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

export function launchBrowser(): Promise<Browser> {
  if (!hasChromium()) {
    throw new Error(`no Chromium at ${chromiumPath}: apt-get install -y chromium (or set FIDUS_CHROMIUM)`);
  }
  return chromium.launch({ executablePath: chromiumPath, args: flags });
}

export const resultsDir = fileURLToPath(new URL('../../../test-results/', import.meta.url));

/** A full-page PNG under `test-results/<folder>/<name>.png`; answers the path. */
export async function screenshot(page: Page, folder: string, name: string): Promise<string> {
  const dir = path.join(resultsDir, folder);
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

const axeSource = (() => {
  let source: string | undefined;
  return async () => {
    const { readFile } = await import('node:fs/promises');
    source ??= await readFile(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
    return source;
  };
})();

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: string[];
}

/**
 * axe-core's serious and critical violations on the page as it is (WCAG 2.x A/AA and best practices). Evaluated
 * through the DevTools protocol, so the app's CSP (`script-src 'self'`) stays as it is.
 */
export async function seriousViolations(page: Page): Promise<AxeViolation[]> {
  await page.evaluate(await axeSource());
  const violations = await page.evaluate(async () => {
    const axe = (globalThis as unknown as { axe: { run(): Promise<{ violations: unknown[] }> } }).axe;
    const result = await axe.run();
    return result.violations as {
      id: string;
      impact: string | null;
      help: string;
      nodes: { target: string[] }[];
    }[];
  });
  return violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      nodes: v.nodes.map((n) => n.target.join(' ')),
    }));
}
