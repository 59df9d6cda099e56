import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';

// Error bodies the way the real services send them: FastAPI `{"detail": ...}` for the NeMo
// services, OpenAI `{"error": {...}}` for the NIM proxy routes.

export interface ValidationDetail {
  loc: (string | number)[];
  msg: string;
  type: string;
}

export class HttpError extends Error {
  constructor(
    readonly status: ContentfulStatusCode,
    readonly detail: string | ValidationDetail[],
    /** Send the OpenAI error shape (NIM proxy routes). */
    readonly openAi = false,
  ) {
    super(typeof detail === 'string' ? detail : detail.map((d) => `${d.loc.join('.')}: ${d.msg}`).join('; '));
  }
}

export const notFound = (what: string) => new HttpError(404, `${what} not found`);
export const conflict = (what: string) => new HttpError(409, `${what} already exists`);

/** A 422 with one FastAPI-style detail, for checks zod cannot express (unknown references). */
export function unprocessable(loc: (string | number)[], msg: string, type = 'value_error'): HttpError {
  return new HttpError(422, [{ loc, msg, type }]);
}

export function openAiError(status: ContentfulStatusCode, message: string): HttpError {
  return new HttpError(status, message, true);
}

export function errorBody(err: HttpError): unknown {
  if (err.openAi) {
    const message = typeof err.detail === 'string' ? err.detail : err.message;
    return { error: { message, type: openAiType(err.status), code: err.status } };
  }
  return { detail: err.detail };
}

function openAiType(status: number): string {
  if (status === 404) return 'not_found_error';
  if (status === 429) return 'rate_limit_error';
  if (status >= 500) return 'server_error';
  return 'invalid_request_error';
}

export function sendError(c: Context, err: HttpError): Response {
  return c.json(errorBody(err) as object, err.status);
}
