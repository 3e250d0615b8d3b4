import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { lockDataDir, lockFileName } from './lock.ts';

const fresh = () => mkdtempSync(path.join(tmpdir(), 'fidus-lock-'));

describe('lockDataDir', () => {
  it('holds the directory until released', () => {
    const dir = fresh();
    const release = lockDataDir(dir);
    expect(existsSync(path.join(dir, lockFileName))).toBe(true);
    release();
    expect(existsSync(path.join(dir, lockFileName))).toBe(false);
    lockDataDir(dir)();
  });

  it('refuses a directory that a live process holds', () => {
    const dir = fresh();
    // The parent of this test process is alive for the whole test.
    writeFileSync(path.join(dir, lockFileName), String(process.ppid));
    expect(() => lockDataDir(dir)).toThrow(/in use by another Fidus process \(pid \d+\)/);
  });

  it('takes over a lock left by a process that died', () => {
    const dir = fresh();
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], {
      encoding: 'utf8',
    });
    writeFileSync(path.join(dir, lockFileName), dead.stdout);
    const release = lockDataDir(dir);
    release();
  });
});
