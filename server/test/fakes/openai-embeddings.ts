// `POST /v1/embeddings` for the fake upstream (openai-upstream.ts): OpenAI's embedding list, with deterministic vectors.
import { errorBody } from './openai-wire.ts';

/** `POST /v1/embeddings`: deterministic unit vectors seeded by a hash of each input, floats or base64 float32. */
export function renderEmbeddings(
  body: Record<string, unknown>,
  maxDimensions: number,
): { status: number; body: string } {
  const invalid = (message: string, param: string | null = null) => ({
    status: 400,
    body: errorBody(400, { message, param, code: null }),
  });
  if (typeof body.model !== 'string' || body.model === '')
    return invalid('you must provide a model parameter');
  const inputs = embeddingInputs(body.input);
  if (inputs === null) {
    return body.input === undefined
      ? invalid("Missing required parameter: 'input'.", 'input')
      : invalid("'$.input' is invalid. Please check the API reference.", 'input');
  }
  const dimensions = body.dimensions ?? maxDimensions;
  if (
    typeof dimensions !== 'number' ||
    !Number.isInteger(dimensions) ||
    dimensions < 1 ||
    dimensions > maxDimensions
  ) {
    return invalid(`Invalid 'dimensions': must be an integer from 1 to ${maxDimensions}.`, 'dimensions');
  }
  const format = body.encoding_format ?? 'float';
  if (format !== 'float' && format !== 'base64') {
    return invalid("Invalid 'encoding_format': expected 'float' or 'base64'.", 'encoding_format');
  }
  let tokens = 0;
  const data = inputs.map((input, index) => {
    tokens += Math.max(1, Math.ceil(input.length / 4));
    const vector = embed(input, dimensions);
    const embedding =
      format === 'base64'
        ? `"${Buffer.from(vector.buffer, vector.byteOffset, vector.byteLength).toString('base64')}"`
        : JSON.stringify(Array.from(vector));
    return `{"object":"embedding","index":${index},"embedding":${embedding}}`;
  });
  const usage = `{"prompt_tokens":${tokens},"total_tokens":${tokens}}`;
  return {
    status: 200,
    body: `{"object":"list","data":[${data.join(',')}],"model":${JSON.stringify(body.model)},"usage":${usage}}`,
  };
}

/** The inputs as strings to hash: a string, strings, a token array or token arrays; null when invalid. */
function embeddingInputs(input: unknown): string[] | null {
  if (typeof input === 'string') return input === '' ? null : [input];
  if (!Array.isArray(input) || input.length === 0) return null;
  if (input.every((item) => typeof item === 'string' && item !== '')) return input as string[];
  if (input.every((item) => Number.isInteger(item))) return [JSON.stringify(input)];
  if (input.every((item) => Array.isArray(item) && item.length > 0 && item.every(Number.isInteger))) {
    return input.map((item) => JSON.stringify(item));
  }
  return null;
}

/** A unit vector from FNV-1a of the input seeding mulberry32: the same input always gives the same vector. */
export function embed(input: string, dimensions: number): Float32Array {
  let seed = 0x811c9dc5;
  for (let i = 0; i < input.length; i++) seed = Math.imul(seed ^ input.charCodeAt(i), 0x01000193);
  const vector = new Float32Array(dimensions);
  let norm = 0;
  for (let i = 0; i < dimensions; i++) {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    const value = ((t ^ (t >>> 14)) >>> 0) / 2 ** 31 - 1; // [-1, 1)
    vector[i] = value;
    norm += value * value;
  }
  const scale = 1 / Math.sqrt(norm || 1);
  for (let i = 0; i < dimensions; i++) vector[i] = vector[i]! * scale;
  return vector;
}
