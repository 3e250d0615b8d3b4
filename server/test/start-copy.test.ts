import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));
const sources = path.join(root, 'server', 'src');
const dist = path.join(root, 'server', 'dist');

function files(folder: string, suffix: string): string[] {
  return readdirSync(folder, { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith(suffix))
    .sort();
}

describe("npm start's type-stripped copy of the server", () => {
  it('has a JavaScript module for every source module, with no relative .ts specifier left', () => {
    execFileSync(process.execPath, [path.join(root, 'scripts', 'build-server.js')]);
    const expected = files(sources, '.ts')
      .filter((file) => !file.endsWith('.test.ts'))
      .map((file) => file.replace(/\.ts$/, '.js'));
    expect(files(dist, '.js')).toEqual(expected);
    const leftovers = expected.filter((file) =>
      /(\bfrom\s*|\bimport\s*\(\s*|\bnew URL\(\s*)(['"])\.{1,2}\/[^'"]*\.ts\2/.test(
        readFileSync(path.join(dist, file), 'utf8'),
      ),
    );
    expect(leftovers).toEqual([]);
  });

  it('is what the fidus command runs while it is current: no TypeScript module is loaded', () => {
    execFileSync(process.execPath, [path.join(root, 'scripts', 'build-server.js')]);
    // A load hook that names every .ts module the process (or a thread of it) loads.
    const hook = path.join(os.tmpdir(), `fidus-ts-hook-${process.pid}.cjs`);
    writeFileSync(
      hook,
      `require('node:module').registerHooks({ load(url, context, next) {
         if (url.endsWith('.ts')) process.stderr.write('loaded ' + url + '\\n');
         return next(url, context);
       } });`,
    );
    const withStderr = execFileSync(
      'sh',
      [
        '-c',
        `"${process.execPath}" --require "${hook}" "${path.join(root, 'server', 'bin', 'fidus.js')}" --version 2>&1`,
      ],
      { encoding: 'utf8' },
    );
    expect(withStderr).toMatch(/\d+\.\d+\.\d+/);
    expect(withStderr).not.toMatch(/loaded .*\.ts/);
  });
});
