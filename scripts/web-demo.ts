// `npm run demo:web`: Fidus with the built web app in front of a fake OpenAI upstream (streamed Markdown answers),
// on a throw-away embedded database — for trying the app and taking screenshots without a provider key.
import { startWebApp } from '../server/test/support/web-app.ts';

const app = await startWebApp({ env: process.env['PORT'] ? { PORT: process.env['PORT'] } : {} });
console.log(`Fidus (demo, fake upstream) on ${app.url} — Ctrl+C stops it and deletes its data`);
const stop = () => void app.close().then(() => process.exit(0));
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
