#!/usr/bin/env -S node --max-semi-space-size=8 --v8-pool-size=1
// Fidus runs its TypeScript sources directly (Node's type stripping): no build step.
import { spawn } from 'node:child_process';

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
  const { main } = await import('../src/cli/index.ts');
  await main(process.argv.slice(2));
}
