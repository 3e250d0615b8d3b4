export { buildApp, bodyLimitBytes } from './app.ts';
export type { AppDeps } from './app.ts';
export { createServer, version } from './server.ts';
export type { ProcessRole, RunningServer } from './server.ts';
export { buildWebIfMissing } from './web.ts';
