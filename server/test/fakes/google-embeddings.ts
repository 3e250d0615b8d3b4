// A protocol-level fake of the Gemini API's embedding and model-list endpoints, for the gateway's embeddings and
// discovery tests (the chat endpoints are google-upstream.ts's): `POST /v1beta/models/{model}:embedContent` and
// `:batchEmbedContents` with deterministic vectors (the same as the OpenAI fake's), and `GET /v1beta/models` with
// Gemini's model entries. It checks `x-goog-api-key`, answers scripted statuses with Google's error body, and
// records every request.
import type { IncomingHttpHeaders } from 'node:http';
import { embed } from './openai-embeddings.ts';
import { createRecordingServer, send, type Exchange, type Recorded } from './recording-server.ts';

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
  // The behaviours are statuses to fail with; undefined answers.
  const upstream = createRecordingServer<Recorded, number | undefined>({
    default: undefined,
    handle: answer,
  });

  function answer(ex: Exchange): void {
    const { method, path, headers, body } = ex.record;
    const json = (status: number, value: string) =>
      send(ex, status, value, { 'content-type': 'application/json' });
    const fail = (status: number, message: string): void =>
      json(
        status,
        JSON.stringify({ error: { code: status, message, status: statusNames[status] ?? 'UNKNOWN' } }),
      );
    if (options.apiKey !== undefined && headers['x-goog-api-key'] !== options.apiKey) {
      return fail(400, 'API key not valid. Please pass a valid API key.');
    }
    if (method === 'GET' && path === '/v1beta/models') return json(200, modelList);
    const match = method === 'POST' ? embedPath.exec(path) : null;
    if (!match) return fail(404, `Not found: ${method} ${path}`);
    const scripted = upstream.next();
    if (scripted !== undefined) return fail(scripted, `Scripted failure ${scripted}`);
    const vector = (request: Record<string, unknown> | undefined) => {
      const content = request?.content as { parts?: { text?: string }[] } | undefined;
      const text = content?.parts?.map((part) => part.text ?? '').join('') ?? '';
      const dimensions =
        typeof request?.outputDimensionality === 'number' ? request.outputDimensionality : 768;
      return { values: Array.from(embed(text, dimensions)) };
    };
    if (match[2] === 'embedContent') return json(200, JSON.stringify({ embedding: vector(body) }));
    const batch = Array.isArray(body?.requests) ? (body.requests as Record<string, unknown>[]) : [];
    json(200, JSON.stringify({ embeddings: batch.map(vector) }));
  }

  const { requests, script, reset, close } = upstream;
  return { url: `http://127.0.0.1:${await upstream.listen()}/v1beta`, requests, script, reset, close };
}
