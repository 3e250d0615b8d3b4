#!/usr/bin/env node
// Fidus runs its TypeScript sources directly (Node's type stripping): no build step.
import { spawnSync } from 'node:child_process';
import v8 from 'node:v8';

const [major = 0, minor = 0] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 12)) {
  console.error(`fidus: Node.js 22.12 or newer is required (this is ${process.versions.node})`);
  process.exit(2);
}
if (!process.features.typescript) {
  // Node 22.12–22.17 strip types only behind a flag: run again with it.
  const result = spawnSync(
    process.execPath,
    ['--experimental-strip-types', '--no-warnings=ExperimentalWarning', ...process.argv.slice(1)],
    { stdio: 'inherit' },
  );
  process.exit(result.status ?? 1);
}
// A small young generation keeps idle memory low (PGlite's WASM heap already takes ~150 MB); set before the
// application's modules load so that the heap is sized by it from the start.
v8.setFlagsFromString('--max-semi-space-size=2');
const { main } = await import('../src/cli/index.ts');
await main(process.argv.slice(2));
