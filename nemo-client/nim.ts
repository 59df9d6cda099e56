import OpenAI from 'openai';
import { z } from 'zod';
import { isRetryableStatus, NemoPermanentError, NemoRetryableError } from './errors';
import { pollUntil, type WaitOptions } from './wait';

// The NIM proxy (and any OpenAI-compatible endpoint: a remote judge or embedder) through the
// `openai` package. It does not retry; callers (Temporal activities) own retries.

export interface OpenAiEndpoint {
  /** A base URL (`http://host`, `http://host/v1`) or a full route (`.../v1/chat/completions`). */
  url: string;
  apiKey?: string;
  timeoutMs: number;
}

/** The `openai` package wants the `/v1` base; configs upstream give full route URLs. */
export function openAiBaseUrl(url: string): string {
  const trimmed = url.replace(/\/+$/, '');
  const base = trimmed.replace(/\/(chat\/completions|completions|embeddings|models)$/, '');
  return /\/v\d+$/.test(base) ? base : `${base}/v1`;
}

const ModelListSchema = z.array(z.looseObject({ id: z.string() }));
const ChatCompletionSchema = z.looseObject({
  choices: z.array(z.looseObject({ message: z.looseObject({ role: z.string() }) })).min(1),
});
const EmbeddingsSchema = z.array(z.looseObject({ index: z.number().optional(), embedding: z.array(z.number()) }));

export type ChatRequest = OpenAI.Chat.ChatCompletionCreateParamsNonStreaming;
export type ChatResponse = OpenAI.Chat.ChatCompletion;

function translateError(err: unknown, method: string, path: string): unknown {
  const context = { method, path, cause: err };
  if (err instanceof OpenAI.APIConnectionTimeoutError) return new NemoRetryableError('no answer in time', context);
  if (err instanceof OpenAI.APIConnectionError) {
    return new NemoRetryableError(
      `network error: ${(err.cause as Error | undefined)?.message ?? err.message}`,
      context,
    );
  }
  if (err instanceof OpenAI.APIError && err.status !== undefined) {
    const body = err.error === undefined ? undefined : { error: err.error };
    const message = (err.error as { message?: string } | undefined)?.message ?? err.message;
    const withStatus = { ...context, status: err.status, body };
    return isRetryableStatus(err.status)
      ? new NemoRetryableError(message, withStatus)
      : new NemoPermanentError(message, withStatus);
  }
  return err;
}

function check<S extends z.ZodType>(schema: S, value: unknown, method: string, path: string): z.infer<S> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
  throw new NemoPermanentError(`unexpected response shape (${issues})`, { method, path, body: value });
}

export function createOpenAiEndpoint(endpoint: OpenAiEndpoint) {
  const baseURL = openAiBaseUrl(endpoint.url);
  const openai = new OpenAI({
    baseURL,
    // the package insists on a key; a NIM proxy without auth ignores it
    apiKey: endpoint.apiKey ?? 'not-needed',
    timeout: endpoint.timeoutMs,
    maxRetries: 0,
  });
  const guarded = async <T>(method: string, route: string, run: () => Promise<T>): Promise<T> => {
    try {
      return await run();
    } catch (err) {
      throw translateError(err, method, `${baseURL}${route}`);
    }
  };

  const api = {
    baseURL,
    async listModelIds(): Promise<string[]> {
      const models = await guarded('GET', '/models', async () => {
        const all: unknown[] = [];
        for await (const model of openai.models.list()) all.push(model);
        return all;
      });
      return check(ModelListSchema, models, 'GET', `${baseURL}/models`).map((m) => m.id);
    },

    async isServed(model: string): Promise<boolean> {
      return (await api.listModelIds()).includes(model);
    },

    /** Waits until the proxy lists the model (a deployment or adapter is usable only then). */
    async waitUntilServed(model: string, options?: WaitOptions): Promise<void> {
      await pollUntil({
        what: { method: 'GET', path: `${baseURL}/models` },
        read: () => api.isServed(model),
        done: (served) => served,
        describe: () => `${model} not listed`,
        options,
      });
    },

    async chat(request: ChatRequest): Promise<ChatResponse> {
      const answer = await guarded('POST', '/chat/completions', () => openai.chat.completions.create(request));
      check(ChatCompletionSchema, answer, 'POST', `${baseURL}/chat/completions`);
      return answer;
    },

    /** One vector per input, in input order. */
    async embed(request: { model: string; input: string[]; inputType: 'query' | 'passage' }): Promise<number[][]> {
      const answer = await guarded('POST', '/embeddings', () =>
        openai.embeddings.create({
          model: request.model,
          input: request.input,
          encoding_format: 'float',
          // NVIDIA embedders need to know whether they embed a query or a passage
          input_type: request.inputType,
        } as OpenAI.EmbeddingCreateParams),
      );
      const data = check(EmbeddingsSchema, answer.data, 'POST', `${baseURL}/embeddings`);
      if (data.length !== request.input.length) {
        throw new NemoPermanentError(`expected ${request.input.length} embeddings, got ${data.length}`, {
          method: 'POST',
          path: `${baseURL}/embeddings`,
          body: answer,
        });
      }
      return [...data].sort((a, b) => (a.index ?? 0) - (b.index ?? 0)).map((d) => d.embedding);
    },
  };
  return api;
}

export type OpenAiEndpointClient = ReturnType<typeof createOpenAiEndpoint>;
