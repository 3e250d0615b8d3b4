// The fake OpenAI upstream of `npm run bench:gateway`, in a process of its own so that it neither shares the
// load generator's event loop nor its CPU accounting. It prints one JSON line, {"url": "http://127.0.0.1:PORT/v1"},
// on stdout once it listens, and stops on SIGTERM, SIGINT or when its stdin closes (its parent went away).
import { startFakeOpenAI } from '../server/test/fakes/openai-upstream.ts';

// record: false — a load test must not keep every request it receives.
const fake = await startFakeOpenAI({ record: false });
let stopping = false;
const stop = () => {
  if (stopping) return;
  stopping = true;
  void fake.close().finally(() => process.exit(0));
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
process.stdin.on('end', stop);
process.stdin.on('error', stop);
process.stdin.resume();
process.stdout.write(`${JSON.stringify({ url: fake.url, pid: process.pid })}\n`);
