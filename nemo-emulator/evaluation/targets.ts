import type { EmulatorContext } from '../context';
import { HttpError } from '../http/errors';
import { ChatRequestSchema } from '../models/prompt';
import type { ModelRef } from './config-schema';

// How the Evaluator reaches a model: a model name goes to this emulator's own NIM proxy
// (in-process); an `api_endpoint` is called over HTTP like any OpenAI-compatible server.
// The url may be the full `/chat/completions` URL (as NeMo expects) or a `/v1` base URL.

const CALL_TIMEOUT_MS = 60_000;
const ATTEMPTS = 3;

export class TargetError extends Error {
  override name = 'TargetError';
}

export async function callModel(
  ctx: EmulatorContext,
  ref: ModelRef,
  request: Record<string, unknown>,
  signal: AbortSignal,
): Promise<unknown> {
  if (typeof ref === 'string') {
    const parsed = ChatRequestSchema.safeParse({ ...request, model: ref });
    if (!parsed.success) {
      throw new TargetError(
        `the rendered request is invalid: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
      );
    }
    try {
      return ctx.nim.complete(parsed.data);
    } catch (err) {
      if (err instanceof HttpError) throw new TargetError(`model ${ref}: ${err.message}`);
      throw err;
    }
  }
  const { url, model_id, api_key } = ref.api_endpoint;
  const endpoint = chatUrl(url);
  let lastError = '';
  for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
    const call = new AbortController();
    const stop = () => call.abort();
    signal.addEventListener('abort', stop, { once: true });
    const timer = setTimeout(stop, CALL_TIMEOUT_MS);
    try {
      const res = await fetch(endpoint, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(api_key ? { authorization: `Bearer ${api_key}` } : {}) },
        body: JSON.stringify({ ...request, model: model_id }),
        signal: call.signal,
      });
      const text = await res.text();
      if (res.ok) return JSON.parse(text);
      lastError = `${endpoint} answered ${res.status}: ${text.slice(0, 300)}`;
      if (res.status !== 429 && res.status < 500) break;
    } catch (err) {
      if (signal.aborted) throw err;
      lastError = `${endpoint}: ${(err as Error).message}`;
    } finally {
      clearTimeout(timer);
      signal.removeEventListener('abort', stop);
    }
    await ctx.scheduler.sleepExactly(50 * attempt, signal);
  }
  throw new TargetError(lastError);
}

export function chatUrl(url: string): string {
  const trimmed = url.replace(/\/+$/, '');
  if (trimmed.endsWith('/chat/completions')) return trimmed;
  const bare = new URL(trimmed).pathname.replace(/\/+$/, '') === '';
  return bare ? `${trimmed}/v1/chat/completions` : `${trimmed}/chat/completions`;
}
