import type { ContentfulStatusCode } from 'hono/utils/http-status';

/** One FastAPI-style validation issue: where (`loc`), what went wrong (`msg`) and its kind. */
export interface ValidationIssue {
  loc: (string | number)[];
  msg: string;
  type: string;
}

/**
 * An error with an HTTP status and the `detail` the Blueprint's clients read: a string for
 * most errors, a list of issues for 422.
 */
export class ApiError extends Error {
  constructor(
    readonly status: ContentfulStatusCode,
    readonly detail: string | ValidationIssue[],
  ) {
    super(typeof detail === 'string' ? detail : detail.map((d) => `${d.loc.join('.')}: ${d.msg}`).join('; '));
    this.name = 'ApiError';
  }
}

export const badRequest = (detail: string) => new ApiError(400, detail);
export const notFound = (detail: string) => new ApiError(404, detail);
export const conflict = (detail: string) => new ApiError(409, detail);
export const unavailable = (detail: string) => new ApiError(503, detail);
export const unprocessable = (issues: ValidationIssue[]) => new ApiError(422, issues);
