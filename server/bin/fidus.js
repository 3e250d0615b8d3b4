#!/usr/bin/env -S node --max-semi-space-size=4 --v8-pool-size=1
// Fidus runs its TypeScript sources directly (Node's type stripping), or the type-stripped copy `npm start` writes.
import { spawn } from 'node:child_process';

// The `fidus migrate` that a first start runs (cli/index.ts) stops once its `serve` is gone: nothing kills a child
// with its parent, and a database nobody waits for is not worth finishing. A thread watches, because creating the
// database holds the main thread for seconds at a time.
const waitingServe = Number(process.env.FIDUS_MIGRATE_FOR_PID);
if (waitingServe > 0) {
  const { Worker } = await import('node:worker_threads');
  const watch = `setInterval(() => {
    if (process.ppid !== ${waitingServe}) process.kill(process.pid, 'SIGKILL');
  }, 250);`;
  new Worker(watch, { eval: true }).unref();
}

const [major = 0, minor = 0] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 12)) {
  console.error(`fidus: Node.js 22.12 or newer is required (this is ${process.versions.node})`);
  process.exit(2);
}
if (!process.features.typescript) {
  // Node 22.12–22.17 strip types only behind a flag: run again with it, passing signals on so that a
  // SIGTERM to this process still drains the server.
  const child = spawn(
    process.execPath,
    [
      ...process.execArgv,
      '--experimental-strip-types',
      '--no-warnings=ExperimentalWarning',
      ...process.argv.slice(1),
    ],
    { stdio: 'inherit' },
  );
  for (const signal of /** @type {const} */ (['SIGTERM', 'SIGINT', 'SIGHUP']))
    process.on(signal, () => child.kill(signal));
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
} else {
  // `npm start` writes a type-stripped copy first (scripts/build-server.js): plain JavaScript spares this process
  // and its database thread Node's type stripper. Anything else (`npx fidus`, edited sources) runs the sources.
  const { builtFingerprint, sourceFingerprint } = await import('./dist.js');
  const current = builtFingerprint() === sourceFingerprint();
  const { main } = await import(current ? '../dist/cli/index.js' : '../src/cli/index.ts');
  await main(process.argv.slice(2));
}
