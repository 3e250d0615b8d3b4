import { request } from 'undici';
import type { Provider } from '../catalog.ts';

export interface ProbeResult {
  ok: boolean;
  status: number | null;
  latencyMs: number;
  models: number | null;
  message: string;
}

/** How each protocol lists its models with a key: the cheapest authenticated call there is. */
function listRequest(provider: Provider): { url: string; headers: Record<string, string> } {
  const headers: Record<string, string> = { accept: 'application/json', ...provider.headers };
  if (provider.type === 'anthropic') {
    headers['x-api-key'] = provider.apiKey ?? '';
    headers['anthropic-version'] = '2023-06-01';
  } else if (provider.type === 'google') {
    headers['x-goog-api-key'] = provider.apiKey ?? '';
  } else if (provider.apiKey) {
    headers['authorization'] = `Bearer ${provider.apiKey}`;
  }
  return { url: `${provider.baseURL}/models`, headers };
}

/** `POST /providers/:id/test`: can Fidus reach the provider with its key? Never throws. */
export async function probeProvider(provider: Provider, timeoutMs = 5_000): Promise<ProbeResult> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  const { url, headers } = listRequest(provider);
  try {
    const response = await request(url, {
      method: 'GET',
      headers,
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await response.body.text();
    let models: number | null = null;
    let upstreamMessage: string | undefined;
    try {
      const parsed = JSON.parse(text) as { data?: unknown; models?: unknown; error?: { message?: unknown } };
      const list = Array.isArray(parsed.data)
        ? parsed.data
        : Array.isArray(parsed.models)
          ? parsed.models
          : null;
      models = list ? list.length : null;
      if (typeof parsed.error?.message === 'string') upstreamMessage = parsed.error.message;
    } catch {
      // Not JSON: the status says enough.
    }
    const ok = response.statusCode >= 200 && response.statusCode < 300;
    return {
      ok,
      status: response.statusCode,
      latencyMs: elapsed(),
      models,
      message: ok
        ? `Connected: ${models === null ? 'the provider answered' : `${models} models listed`}`
        : `The provider answered HTTP ${response.statusCode}${upstreamMessage ? `: ${upstreamMessage.slice(0, 300)}` : ''}`,
    };
  } catch (error) {
    const code = (error as { code?: string }).code;
    const message = (error as Error).message ?? String(error);
    return {
      ok: false,
      status: null,
      latencyMs: elapsed(),
      models: null,
      message: `Could not reach ${new URL(url).origin}: ${code ? `${code} ` : ''}${message}`,
    };
  }
}
