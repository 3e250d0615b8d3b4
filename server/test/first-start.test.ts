import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { eventually } from './support/app.ts';
import { fidusBin, fidusEnv } from './support/serve.ts';

/** The live (not zombie) child processes of `pid`, with their command lines. */
function children(pid: number): { pid: number; command: string }[] {
  const file = `/proc/${pid}/task/${pid}/children`;
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .trim()
    .split(/\s+/)
    .filter(Boolean)
    .map(Number)
    .filter(alive)
    .map((child) => ({
      pid: child,
      command: readFileSync(`/proc/${child}/cmdline`, 'utf8').replaceAll('\0', ' '),
    }));
}

function alive(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

describe.runIf(process.platform === 'linux')('a first start killed while it creates the database', () => {
  it('takes its `fidus migrate` child down with it', async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'fidus-first-start-'));
    onTestFinished(() => rmSync(dataDir, { recursive: true, force: true }));
    const serve = spawn(process.execPath, [fidusBin, 'serve'], {
      env: fidusEnv({ FIDUS_DATA_DIR: dataDir }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    // The child writes to the same pipes: they close when the last of the two has gone.
    let output = '';
    serve.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    serve.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const closed = new Promise((resolve) => serve.stdout!.once('close', resolve));
    onTestFinished(() => void serve.kill('SIGKILL'));
    let migrate: number | undefined;
    await eventually(async () => {
      migrate = children(serve.pid!).find((child) => child.command.includes(' migrate'))?.pid;
      return migrate !== undefined;
    }, 20_000);
    onTestFinished(() => {
      if (alive(migrate!)) process.kill(migrate!, 'SIGKILL');
    });
    serve.kill('SIGKILL');
    await eventually(async () => !alive(migrate!), 10_000);
    await closed;
    // It stopped on its own, well before it could have created and migrated the database (seconds).
    expect(output).not.toContain('database is current');
  });
});
