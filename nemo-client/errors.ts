// Typed failures of a NeMo call. The split decides who retries: a retryable error is thrown
// as is (Temporal's retry policy takes it), a permanent one is named so a retry policy can list
// it in `nonRetryableErrorTypes`.

export interface NemoErrorContext {
  method: string;
  /** Path (with query) relative to the service base URL, or the full URL for other endpoints. */
  path: string;
  /** HTTP status; undefined when no response arrived (network error, timeout, bad request). */
  status?: number;
  /** Response body: parsed JSON when it was JSON, else the text. */
  body?: unknown;
  cause?: unknown;
}

abstract class NemoError extends Error {
  abstract readonly retryable: boolean;
  readonly method: string;
  readonly path: string;
  readonly status: number | undefined;
  readonly body: unknown;

  constructor(reason: string, context: NemoErrorContext) {
    const where = `${context.method} ${context.path}`;
    const status = context.status === undefined ? '' : ` ${context.status}`;
    super(`NeMo ${where}${status}: ${reason}`, context.cause === undefined ? undefined : { cause: context.cause });
    this.method = context.method;
    this.path = context.path;
    this.status = context.status;
    this.body = context.body;
  }
}

/** Network error, timeout, 408, 429 or 5xx: the same call may well succeed later. */
export class NemoRetryableError extends NemoError {
  readonly retryable = true;
  override name = 'NemoRetryableError';
}

/** Any other 4xx, an invalid request, or a response that breaks the contract. */
export class NemoPermanentError extends NemoError {
  readonly retryable = false;
  override name = 'NemoPermanentError';
}

/** Error type names for Temporal's `nonRetryableErrorTypes`. */
export const NON_RETRYABLE_NEMO_ERRORS = ['NemoPermanentError', 'EvaluationResultsError'] as const;

export const isRetryableStatus = (status: number) => status === 408 || status === 429 || status >= 500;

export function isNemoError(err: unknown): err is NemoRetryableError | NemoPermanentError {
  return err instanceof NemoRetryableError || err instanceof NemoPermanentError;
}

export const isNotFound = (err: unknown) => err instanceof NemoPermanentError && err.status === 404;
export const isConflict = (err: unknown) => err instanceof NemoPermanentError && err.status === 409;
/** A namespace create answered 409, or 422 as some NeMo releases do (the Blueprint treats both as existing). */
export const isExistingNamespace = (err: unknown) =>
  err instanceof NemoPermanentError && (err.status === 409 || err.status === 422);

/** Resolves to undefined when the resource is absent (404). */
export async function orAbsent<T>(read: Promise<T>): Promise<T | undefined> {
  try {
    return await read;
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

/** Deletes; answers false when it was already absent (404). */
export async function deleteIfPresent(remove: Promise<unknown>): Promise<boolean> {
  return (await orAbsent(remove.then(() => true))) ?? false;
}

const LOCATION_ROOTS = new Set(['body', 'query', 'path', 'header']);

/**
 * Readable text for an error body: FastAPI validation details become "field.sub: reason; ...",
 * `{detail: "..."}` and OpenAI `{error: {message}}` become their message.
 */
export function describeErrorBody(body: unknown): string {
  if (body === undefined || body === null || body === '') return 'empty response';
  if (typeof body === 'string') return body.length > 500 ? `${body.slice(0, 500)}…` : body;
  if (typeof body !== 'object') return String(body);
  const record = body as Record<string, unknown>;
  const detail = record.detail;
  if (Array.isArray(detail)) {
    return detail
      .map((d) => {
        const item = (d ?? {}) as { loc?: unknown; msg?: unknown };
        const loc = Array.isArray(item.loc) ? item.loc.map(String) : [];
        const field = (LOCATION_ROOTS.has(loc[0] ?? '') ? loc.slice(1) : loc).join('.');
        const msg = typeof item.msg === 'string' ? item.msg : JSON.stringify(d);
        return field ? `${field}: ${msg}` : msg;
      })
      .join('; ');
  }
  if (typeof detail === 'string') return detail;
  const error = record.error as { message?: unknown } | undefined;
  if (error && typeof error.message === 'string') return error.message;
  if (typeof record.message === 'string') return record.message;
  return JSON.stringify(body).slice(0, 500);
}
