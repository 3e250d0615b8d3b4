// A protocol-level fake of the Gemini API's embedding and model-list endpoints, for the gateway's embeddings and
// discovery tests (the chat endpoints are google-upstream.ts's): `POST /v1beta/models/{model}:embedContent` and
// `:batchEmbedContents` with deterministic vectors (the same as the OpenAI fake's), and `GET /v1beta/models` with
// Gemini's model entries. It checks `x-goog-api-key`, answers scripted statuses with Google's error body, and
// records every request.
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { embed } from './openai-embeddings.ts';

export interface GoogleEmbeddingRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: Record<string, unknown> | undefined;
}

export interface FakeGoogleEmbeddings {
  /** Base URL including /v1beta. */
  url: string;
  requests: GoogleEmbeddingRequest[];
  /** Answer the next requests with these statuses (Google's error body), in order. */
  script(...statuses: number[]): void;
  reset(): void;
  close(): Promise<void>;
}

const embedPath = /^\/v1beta\/models\/([^/:]+):(embedContent|batchEmbedContents)$/;
const statusNames: Record<number, string> = {
  400: 'INVALID_ARGUMENT',
  429: 'RESOURCE_EXHAUSTED',
  500: 'INTERNAL',
  503: 'UNAVAILABLE',
};

/** Gemini's model list: two chat models and an embedding model, with their limits and methods. */
const modelList = JSON.stringify({
  models: [
    {
      name: 'models/gemini-2.5-flash',
      displayName: 'Gemini 2.5 Flash',
      inputTokenLimit: 1_048_576,
      outputTokenLimit: 65_536,
      supportedGenerationMethods: ['generateContent', 'countTokens'],
    },
    {
      name: 'models/gemini-embedding-001',
      displayName: 'Gemini Embedding 001',
      inputTokenLimit: 2_048,
      outputTokenLimit: 1,
      supportedGenerationMethods: ['embedContent', 'countTextTokens', 'countTokens'],
    },
    {
      name: 'models/imagen-4.0-generate-001',
      displayName: 'Imagen 4',
      inputTokenLimit: 480,
      outputTokenLimit: 8_192,
      supportedGenerationMethods: ['predict'],
    },
  ],
});

export async function startFakeGoogleEmbeddings(
  options: { apiKey?: string } = {},
): Promise<FakeGoogleEmbeddings> {
  const requests: GoogleEmbeddingRequest[] = [];
  const queue: number[] = [];

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const path = (req.url ?? '/').split('?')[0]!;
      let body: Record<string, unknown> | undefined;
      try {
        body = chunks.length
          ? (JSON.parse(Buffer.concat(chunks).toString('utf8')) as typeof body)
          : undefined;
      } catch {
        body = undefined;
      }
      requests.push({ method: req.method ?? 'GET', path, headers: req.headers, body });
      const send = (status: number, value: string): void =>
        void res.writeHead(status, { 'content-type': 'application/json' }).end(value);
      const fail = (status: number, message: string): void =>
        send(
          status,
          JSON.stringify({ error: { code: status, message, status: statusNames[status] ?? 'UNKNOWN' } }),
        );
      if (options.apiKey !== undefined && req.headers['x-goog-api-key'] !== options.apiKey) {
        return fail(400, 'API key not valid. Please pass a valid API key.');
      }
      if (req.method === 'GET' && path === '/v1beta/models') return send(200, modelList);
      const match = req.method === 'POST' ? embedPath.exec(path) : null;
      if (!match) return fail(404, `Not found: ${req.method} ${path}`);
      const scripted = queue.shift();
      if (scripted !== undefined) return fail(scripted, `Scripted failure ${scripted}`);
      const vector = (request: Record<string, unknown> | undefined) => {
        const content = request?.content as { parts?: { text?: string }[] } | undefined;
        const text = content?.parts?.map((part) => part.text ?? '').join('') ?? '';
        const dimensions =
          typeof request?.outputDimensionality === 'number' ? request.outputDimensionality : 768;
        return { values: Array.from(embed(text, dimensions)) };
      };
      if (match[2] === 'embedContent') return send(200, JSON.stringify({ embedding: vector(body) }));
      const batch = Array.isArray(body?.requests) ? (body.requests as Record<string, unknown>[]) : [];
      send(200, JSON.stringify({ embeddings: batch.map(vector) }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1beta`,
    requests,
    script: (...statuses) => void queue.push(...statuses),
    reset: () => {
      requests.length = 0;
      queue.length = 0;
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}
