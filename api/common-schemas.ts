import { z } from '@hono/zod-openapi';

// Error bodies, shared by every route's OpenAPI description.

export const ErrorDetail = z
  .object({ detail: z.string().openapi({ example: 'Job not found' }) })
  .openapi('HTTPError', { description: 'Every error but validation: {"detail": "<what went wrong>"}' });

export const ValidationErrorBody = z
  .object({
    detail: z.array(
      z
        .object({
          loc: z.array(z.union([z.string(), z.number()])),
          msg: z.string(),
          type: z.string(),
        })
        .openapi('ValidationError'),
    ),
  })
  .openapi('HTTPValidationError');

const json = <T extends z.ZodType>(schema: T, description: string) => ({
  content: { 'application/json': { schema } },
  description,
});

/** The error responses a route can give, for its OpenAPI description. */
export const errorResponses = {
  400: json(ErrorDetail, 'Bad request (e.g. an invalid job id)'),
  401: json(ErrorDetail, 'Missing or invalid bearer token'),
  403: json(ErrorDetail, "The token's role does not allow this, or it may not act for this client_id"),
  404: json(ErrorDetail, 'Not found (also what an object of a client outside the token scope answers)'),
  409: json(ErrorDetail, 'Conflict'),
  413: json(ErrorDetail, 'Request body too large'),
  415: json(ErrorDetail, 'The body is not JSON (Content-Type must be application/json)'),
  422: json(ValidationErrorBody, 'Validation error, with the offending field'),
  429: json(ErrorDetail, 'Too many failed authentication attempts from this address (see Retry-After)'),
  503: json(ErrorDetail, 'A dependency (Temporal, MongoDB, Elasticsearch) is unavailable'),
} as const;

export const pick = <K extends keyof typeof errorResponses>(...codes: K[]) =>
  Object.fromEntries(codes.map((c) => [c, errorResponses[c]])) as Pick<typeof errorResponses, K>;

export { json };

export const bearerSecurity = [{ bearerAuth: [] as string[] }];
