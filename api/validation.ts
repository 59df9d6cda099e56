import type { Hook } from '@hono/zod-openapi';
import type { Env } from 'hono';
import type { z } from 'zod';
import { unprocessable, type ValidationIssue } from './errors';

// Request validation failures, reported like FastAPI does (the Blueprint's clients parse
// them): 422 {"detail": [{"loc": ["body", "field"], "msg": "...", "type": "..."}]}.

const LOCATION: Record<string, string> = { json: 'body', query: 'query', param: 'path', header: 'header' };

function issueType(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'invalid_type':
      return issue.message.includes('received undefined') ? 'missing' : `${issue.expected}_type`;
    case 'invalid_value':
      return 'enum';
    case 'too_small':
      return issue.origin === 'string' || issue.origin === 'array' ? 'too_short' : 'greater_than_equal';
    case 'too_big':
      return issue.origin === 'string' || issue.origin === 'array' ? 'too_long' : 'less_than_equal';
    case 'invalid_format':
      return 'string_pattern_mismatch';
    case 'unrecognized_keys':
      return 'extra_forbidden';
    default:
      return 'value_error';
  }
}

export function issuesFrom(location: string, error: z.ZodError, prefix: (string | number)[] = []): ValidationIssue[] {
  return error.issues.map((issue) => {
    const type = issueType(issue);
    return {
      loc: [location, ...prefix, ...issue.path.map((p) => (typeof p === 'symbol' ? String(p) : p))],
      msg: type === 'missing' ? 'Field required' : issue.message,
      type,
    };
  });
}

/** The validation hook every sub-app uses: a failed parse becomes the 422 above. */
export const validationHook: Hook<unknown, Env, string, unknown> = (result) => {
  if (!result.success) {
    throw unprocessable(issuesFrom(LOCATION[result.target] ?? result.target, result.error as z.ZodError));
  }
};
