// Google's Gemini API (generateContent / streamGenerateContent) behind the OpenAI wire, through the shared AI SDK
// adapter (../sdk/). What is Google's own:
//
// - the client (`createGoogleGenerativeAI`, which sends the key as `x-goog-api-key`);
// - its error body `{error:{code, message, status, details}}`: the type is `status` (RESOURCE_EXHAUSTED, …), a
//   RetryInfo `retryDelay` in `details` becomes `retry-after`, and two 400s that are not the request's fault are
//   seen as what they are, so the router moves on to the next target instead of passing them to the client: an
//   invalid API key (ErrorInfo reason API_KEY_INVALID) as 401, and FAILED_PRECONDITION (the free tier is not
//   offered in the server's region, billing is required) as 403;
// - in translation: no default max_tokens (Gemini needs none), json_object as Gemini's JSON mode
//   (responseMimeType application/json), seed / penalties / reasoning_effort (thinking) passed on,
//   parallel_tool_calls ignored (Gemini has no such switch), and images by URL with a media type taken from the
//   URL's extension (Gemini needs one; it fetches the image itself).
import { createGoogleGenerativeAI } from '@ai-sdk/google';
import type { GatewaySettings } from '../../core/index.ts';
import { SdkUpstream } from '../sdk/adapter.ts';
import type { DescribedError, SdkProvider } from '../sdk/provider.ts';
import { TranslationError } from '../sdk/translate.ts';

export const GOOGLE_BASE_URL = 'https://generativelanguage.googleapis.com/v1beta';

/** Image types Gemini fetches by URL, by file extension. */
const imageTypes: Record<string, string> = {
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  webp: 'image/webp',
  bmp: 'image/bmp',
};

function imageUrlMediaType(url: URL, param: string): string {
  const extension = /\.([a-z0-9]+)$/i.exec(url.pathname)?.[1]?.toLowerCase();
  const mediaType = extension ? imageTypes[extension] : undefined;
  if (!mediaType) {
    throw new TranslationError(
      `${param}.image_url.url: Google takes images by URL only when the path ends in .png, .jpg, .jpeg, .webp or .bmp; send other images as base64 data: URLs`,
      param,
    );
  }
  return mediaType;
}

const details = (error: Record<string, unknown> | undefined): Record<string, unknown>[] =>
  Array.isArray(error?.details) ? (error.details as Record<string, unknown>[]).filter(Boolean) : [];

/** Seconds from a google.rpc.RetryInfo `retryDelay` ("37s", "0.5s"). */
function retryDelaySeconds(error: Record<string, unknown> | undefined): number | undefined {
  for (const detail of details(error)) {
    const delay = detail.retryDelay;
    const seconds = typeof delay === 'string' ? /^(\d+(?:\.\d+)?)s$/.exec(delay)?.[1] : undefined;
    if (seconds !== undefined) return Number(seconds);
  }
  return undefined;
}

function describeGoogleError(
  status: number,
  error: Record<string, unknown> | undefined,
  fallbackMessage: string,
): DescribedError {
  const type = typeof error?.status === 'string' ? error.status : 'upstream_error';
  const message = typeof error?.message === 'string' && error.message ? error.message : fallbackMessage;
  const invalidKey = details(error).some((detail) => detail.reason === 'API_KEY_INVALID');
  const routed = invalidKey ? 401 : status === 400 && type === 'FAILED_PRECONDITION' ? 403 : status;
  const retryAfterSeconds = retryDelaySeconds(error);
  return { status: routed, type, message, ...(retryAfterSeconds === undefined ? {} : { retryAfterSeconds }) };
}

export const googleProvider: SdkProvider = {
  name: 'Google',
  streamEnd: 'a finishReason',
  defaultMaxTokens: undefined,
  jsonObjectMode: true,
  sequentialToolCalls: undefined,
  samplingControls: true,
  imageUrlMediaType,
  model: (target, fetch) =>
    createGoogleGenerativeAI({
      baseURL: target.provider.baseURL,
      // An empty key is sent as it is (Google refuses it) rather than read from GOOGLE_GENERATIVE_AI_API_KEY.
      apiKey: target.provider.apiKey ?? '',
      headers: target.provider.headers,
      fetch,
    })(target.model),
  describeError: describeGoogleError,
};

/** Google's Gemini API, spoken through the AI SDK, answering in OpenAI's wire format. */
export class GoogleUpstream extends SdkUpstream {
  constructor(settings: GatewaySettings) {
    super(settings, googleProvider);
  }
}
