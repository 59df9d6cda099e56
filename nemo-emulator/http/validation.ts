import type { Context } from 'hono';
import type { z } from 'zod';
import { HttpError, type ValidationDetail } from './errors';

// Request validation with FastAPI's 422 shape: `{"detail": [{"loc", "msg", "type"}]}`, `loc`
// starting with where the value came from ("body", "query", "path").

export function zodDetails(error: z.ZodError, where: string, input: unknown): ValidationDetail[] {
  return error.issues.map((issue) => {
    const loc = [where, ...issue.path.map((p) => (typeof p === 'symbol' ? String(p) : p))];
    const missing = issue.code === 'invalid_type' && valueAt(input, issue.path) === undefined;
    return missing ? { loc, msg: 'Field required', type: 'missing' } : { loc, msg: issue.message, type: issue.code };
  });
}

function valueAt(input: unknown, path: PropertyKey[]): unknown {
  let at: unknown = input;
  for (const step of path) {
    if (at === null || typeof at !== 'object') return undefined;
    at = (at as Record<PropertyKey, unknown>)[step];
  }
  return at;
}

export function validate<S extends z.ZodType>(schema: S, input: unknown, where: string, openAi = false): z.infer<S> {
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  const details = zodDetails(parsed.error, where, input);
  if (openAi) {
    throw new HttpError(400, details.map((d) => `${d.loc.slice(1).join('.')}: ${d.msg}`).join('; '), true);
  }
  throw new HttpError(422, details);
}

/** The JSON body checked against `schema`; a body that is not JSON is a 422 like FastAPI's. */
export async function jsonBody<S extends z.ZodType>(c: Context, schema: S, openAi = false): Promise<z.infer<S>> {
  let body: unknown;
  try {
    body = await c.req.json();
  } catch {
    if (openAi) throw new HttpError(400, 'request body is not valid JSON', true);
    throw new HttpError(422, [{ loc: ['body'], msg: 'JSON decode error', type: 'json_invalid' }]);
  }
  return validate(schema, body, 'body', openAi);
}

export function queryParams<S extends z.ZodType>(c: Context, schema: S): z.infer<S> {
  return validate(schema, c.req.query(), 'query');
}
