import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// Run from the repository root (`npm test` → scripts/test.js), but resolve globs against the root
// regardless of the working directory so `npx vitest run --config server/vitest.config.ts` works anywhere.
const root = fileURLToPath(new URL('..', import.meta.url));

export default defineConfig({
  test: {
    root,
    include: [
      'server/src/**/*.test.ts',
      'server/test/**/*.test.ts',
      'eslint/**/*.test.js',
      // The web app's pure modules (no DOM): web/src/**/*.test.ts.
      'web/src/**/*.test.ts',
    ],
    exclude: ['**/node_modules/**', '.tools/**', '.fidus/**', 'coverage/**', 'test-results/**'],
    // PGlite (PostgreSQL in WASM) is heavy: separate processes, at most two at a time (CI has 2 cores).
    // Migrates one PGlite once and hands every test file a copy (see server/test/global-setup.ts).
    globalSetup: ['server/test/global-setup.ts'],
    pool: 'forks',
    maxWorkers: 2,
    // A fresh PGlite takes 2.5–4 s to start and migrations run in hooks.
    testTimeout: 30_000,
    hookTimeout: 60_000,
    teardownTimeout: 30_000,
    watch: false,
    environment: 'node',
  },
});
