import type { MiddlewareHandler } from 'hono';
import { bearerAuth } from 'hono/bearer-auth';
import type { ApiLogger } from '../logger';

const MISSING = 'Not authenticated: send the header "Authorization: Bearer <token>"';
const INVALID = 'Invalid bearer token';

const unauthorized = (detail: string) =>
  new Response(JSON.stringify({ detail }), { status: 401, headers: { 'content-type': 'application/json' } });

/**
 * Bearer-token authentication for `/api`. Any of several tokens is accepted (rotation); each is
 * compared in constant time. Tokens are never logged, only how many are configured.
 */
export function requireBearerToken(tokens: string[] | 'open', logger: ApiLogger): MiddlewareHandler {
  if (tokens === 'open') {
    logger.warn('AUTHENTICATION DISABLED: /api accepts requests without a token (open mode, local demo only)');
    return async (_c, next) => next();
  }
  const usable = tokens.map((t) => t.trim()).filter((t) => t.length > 0);
  if (usable.length === 0) {
    throw new Error('no API tokens configured: set FLYWHEEL_API_TOKENS (comma-separated) or FLYWHEEL_API_OPEN=1');
  }
  logger.info('bearer authentication enabled', { tokens_configured: usable.length });
  return bearerAuth({
    token: usable,
    noAuthenticationHeader: { message: () => unauthorized(MISSING) },
    invalidAuthenticationHeader: { message: () => unauthorized(`${MISSING} (the header is malformed)`) },
    invalidToken: { message: () => unauthorized(INVALID) },
  });
}

/** Tokens from a comma-separated variable, e.g. FLYWHEEL_API_TOKENS="new-token,old-token". */
export function parseTokenList(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((t) => t.trim())
    .filter((t) => t.length > 0);
}
