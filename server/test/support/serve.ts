import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const fidusBin = fileURLToPath(new URL('../../bin/fidus.js', import.meta.url));

/** Variables that pick a backend or a config: a started process gets only what its caller gives it. */
const INHERITED_CHOICES = ['DATABASE_URL', 'REDIS_URL', 'FIDUS_MASTER_KEY', 'FIDUS_CONFIG', 'FIDUS_SIGNUP'];

/** The environment of a `fidus` started by a test: the caller's, without backend choices, on 127.0.0.1:0. */
export function fidusEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, LOG_LEVEL: 'info', HOST: '127.0.0.1', PORT: '0' };
  for (const name of INHERITED_CHOICES) delete env[name];
  return { ...env, ...extra };
}

export interface ServedFidus {
  child: ChildProcess;
  url: string;
  /** SIGTERM, then the exit code. */
  stop(): Promise<number | null>;
}

/** Starts `fidus serve` as a user would and waits for its "listening" log line (a worker's: "running", no url). */
export function serveFidus(env: NodeJS.ProcessEnv, args: string[] = []): Promise<ServedFidus> {
  const child = spawn(process.execPath, [fidusBin, 'serve', ...args], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`fidus did not start within 60 s:\n${output}`)), 60_000);
    const early = (code: number | null) => {
      clearTimeout(timer);
      reject(new Error(`fidus exited with ${code} before listening:\n${output}`));
    };
    child.once('exit', early);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const line = output
        .split('\n')
        .find((l) => l.includes('"fidus is listening"') || l.includes('"fidus worker is running"'));
      if (!line) return;
      clearTimeout(timer);
      child.stdout!.off('data', onData);
      child.off('exit', early);
      child.stdout!.resume();
      resolve({
        child,
        url: (JSON.parse(line) as { url?: string }).url ?? '',
        stop: () => {
          if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
          return exited;
        },
      });
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  });
}
