import type { z } from 'zod';
import { nemoCallErrors, nemoServiceOf } from '../observability/metrics';
import { describeErrorBody, isRetryableStatus, NemoPermanentError, NemoRetryableError } from './errors';

// The one place that talks HTTP for the REST services (the NIM proxy goes through `openai`).

export type HttpMethod = 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';

export type RequestBody =
  | { json: unknown }
  | { form: Record<string, string> }
  /** One JSON document per line (`application/x-ndjson`). */
  | { ndjson: unknown[] };

export interface RequestSpec {
  method: HttpMethod;
  /** Path below the base URL, already encoded (see `pathOf`). */
  path: string;
  query?: Record<string, string | number | undefined>;
  body?: RequestBody;
  timeoutMs?: number;
}

export interface HttpCoreOptions {
  baseUrl: string;
  apiKey?: string;
  timeoutMs: number;
  /** Entries asked for per list page. */
  pageSize?: number;
}

/** Validates a request body before it is sent; a bad one is a permanent error naming the fields. */
export function checkRequest<S extends z.ZodType>(
  schema: S,
  value: unknown,
  method: HttpMethod,
  path: string,
): z.output<S> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
  throw new NemoPermanentError(`invalid request (${issues})`, { method, path, body: value });
}

/** Joins path segments, encoding each one (a segment may not contain a slash). */
export const pathOf = (...segments: string[]) => `/${segments.map(encodeURIComponent).join('/')}`;

/** Encodes a file path inside a repository, keeping its slashes. */
export const filePath = (path: string) => path.split('/').map(encodeURIComponent).join('/');

function encodeBody(body: RequestBody | undefined): { payload?: string; contentType?: string } {
  if (!body) return {};
  if ('json' in body) return { payload: JSON.stringify(body.json), contentType: 'application/json' };
  if ('form' in body) {
    return { payload: new URLSearchParams(body.form).toString(), contentType: 'application/x-www-form-urlencoded' };
  }
  return {
    payload: `${body.ndjson.map((line) => JSON.stringify(line)).join('\n')}\n`,
    contentType: 'application/x-ndjson',
  };
}

function parseBody(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

export class HttpCore {
  readonly baseUrl: string;
  readonly pageSize: number;
  private readonly apiKey: string | undefined;
  /** How long a call waits for its answer. */
  readonly timeoutMs: number;

  constructor(options: HttpCoreOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.apiKey = options.apiKey;
    this.timeoutMs = options.timeoutMs;
    this.pageSize = options.pageSize ?? 100;
  }

  /** Sends the request; answers the parsed JSON body (undefined when empty) of a 2xx response. */
  async send(spec: RequestSpec): Promise<unknown> {
    return parseBody(new TextDecoder().decode((await this.exchange(spec)).bytes));
  }

  /** Sends the request and validates the 2xx response body against `schema`. */
  async call<S extends z.ZodType>(spec: RequestSpec, schema: S): Promise<z.infer<S>> {
    const body = await this.send(spec);
    const parsed = schema.safeParse(body);
    if (parsed.success) return parsed.data;
    const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
    throw new NemoPermanentError(`unexpected response shape (${issues})`, {
      method: spec.method,
      path: this.describePath(spec),
      body,
    });
  }

  /** Sends the request and answers the raw text of a 2xx response. */
  async text(spec: RequestSpec): Promise<string> {
    return new TextDecoder().decode((await this.exchange(spec)).bytes);
  }

  /** Sends the request and answers the raw bytes of a 2xx response (an archive, a file). */
  async bytes(spec: RequestSpec): Promise<Uint8Array> {
    return (await this.exchange(spec)).bytes;
  }

  private describePath(spec: RequestSpec): string {
    const query = this.queryString(spec.query);
    return query ? `${spec.path}?${query}` : spec.path;
  }

  private queryString(query: RequestSpec['query']): string {
    if (!query) return '';
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(query)) if (value !== undefined) params.set(key, String(value));
    return params.toString();
  }

  /**
   * Sends the request and answers the body of a 2xx response as a stream of chunks, read as they
   * arrive (a large archive is never held whole). A connection lost mid-body is a retryable error.
   */
  async *stream(spec: RequestSpec): AsyncGenerator<Uint8Array> {
    const context = { method: spec.method, path: this.describePath(spec) };
    const response = await this.exchange(spec, true);
    if (!response.body) return;
    try {
      for await (const chunk of response.body) yield chunk;
    } catch (err) {
      throw this.transportError(spec, err, context);
    }
  }

  private transportError(spec: RequestSpec, err: unknown, context: { method: string; path: string }) {
    const timeoutMs = spec.timeoutMs ?? this.timeoutMs;
    const timedOut = (err as Error).name === 'TimeoutError' || (err as Error).name === 'AbortError';
    const reason = timedOut
      ? `no answer within ${timeoutMs} ms`
      : `network error: ${(err as Error & { cause?: Error }).cause?.message ?? (err as Error).message}`;
    const code = timedOut ? 'timeout' : ((err as Error & { cause?: { code?: string } }).cause?.code ?? 'network');
    nemoCallErrors.inc({ service: nemoServiceOf(spec.path), code });
    return new NemoRetryableError(reason, { ...context, cause: err });
  }

  private exchange(spec: RequestSpec): Promise<{ status: number; bytes: Uint8Array }>;
  private exchange(
    spec: RequestSpec,
    streamed: true,
  ): Promise<{ status: number; body: ReadableStream<Uint8Array> | null }>;
  private async exchange(
    spec: RequestSpec,
    streamed = false,
  ): Promise<{ status: number; bytes?: Uint8Array; body?: ReadableStream<Uint8Array> | null }> {
    const path = this.describePath(spec);
    const context = { method: spec.method, path };
    const { payload, contentType } = encodeBody(spec.body);
    const headers: Record<string, string> = { accept: 'application/json, application/zip;q=0.9, */*;q=0.8' };
    if (contentType) headers['content-type'] = contentType;
    if (this.apiKey) headers.authorization = `Bearer ${this.apiKey}`;
    const timeoutMs = spec.timeoutMs ?? this.timeoutMs;

    let status: number;
    let response: Response;
    let bytes: Uint8Array | undefined;
    try {
      response = await fetch(`${this.baseUrl}${path}`, {
        method: spec.method,
        headers,
        body: payload,
        signal: AbortSignal.timeout(timeoutMs),
      });
      status = response.status;
      if (!streamed || status < 200 || status >= 300) bytes = new Uint8Array(await response.arrayBuffer());
    } catch (err) {
      throw this.transportError(spec, err, context);
    }
    if (status >= 200 && status < 300) return streamed ? { status, body: response.body } : { status, bytes };
    nemoCallErrors.inc({ service: nemoServiceOf(spec.path), code: String(status) });
    const body = parseBody(new TextDecoder().decode(bytes));
    const errorContext = { ...context, status, body };
    if (isRetryableStatus(status)) throw new NemoRetryableError(describeErrorBody(body), errorContext);
    throw new NemoPermanentError(describeErrorBody(body), errorContext);
  }
}
