import type { Context, MiddlewareHandler } from 'hono';
import type { ApiLogger } from '../logger';
import { AuthThrottle } from './auth-throttle';
import { addressOf } from './client-address';
import { OPEN_PRINCIPAL } from './roles';
import { fixedTokens, type TokenSource } from './token-file';
import { legacyTokenSpecs, TokenSet, type TokenSpec } from './tokens';

const MISSING = 'Not authenticated: send the header "Authorization: Bearer <token>"';
const INVALID = 'Invalid bearer token';
const BEARER_RE = /^Bearer +([^ ]+) *$/i;

/** What the API accepts: open mode, plain tokens (admin over every client), scoped specs, or a live source. */
export type TokenInput = 'open' | string[] | TokenSpec[] | TokenSource;

const unauthorized = (c: Context, detail: string, challenge: string) =>
  c.json({ detail }, 401, { 'WWW-Authenticate': challenge });

/** The token source for an input; plain or spec lists are checked (length, characters) and hashed now. */
export function tokenSourceOf(tokens: Exclude<TokenInput, 'open'>): TokenSource {
  if (!Array.isArray(tokens)) return tokens;
  const specs = tokens.map((t) => (typeof t === 'string' ? legacyTokenSpecs(t)[0] : t)).filter((t) => t !== undefined);
  if (specs.length === 0) {
    throw new Error(
      'no API tokens configured: set FLYWHEEL_API_TOKENS_FILE (scoped tokens), FLYWHEEL_API_TOKENS (comma-separated) or FLYWHEEL_API_OPEN=1',
    );
  }
  return fixedTokens(TokenSet.from(specs as TokenSpec[]));
}

/**
 * Bearer-token authentication for `/api`. A presented token is hashed and compared with every
 * configured hash in constant time; the matching entry becomes the request's principal (its
 * role and client_ids). Failed attempts are throttled per client address. Tokens are never
 * logged: only how many are configured and their names.
 */
export function requireBearerToken(
  tokens: TokenInput,
  logger: ApiLogger,
  throttle: AuthThrottle = new AuthThrottle(),
): MiddlewareHandler {
  if (tokens === 'open') {
    logger.warn('AUTHENTICATION DISABLED: /api accepts requests without a token (open mode, local demo only)');
    return async (c, next) => {
      c.set('principal' as never, OPEN_PRINCIPAL as never);
      await next();
    };
  }
  const source = tokenSourceOf(tokens);
  const initial = source.current();
  logger.info('bearer authentication enabled', { tokens_configured: initial.size, names: initial.names });
  return async (c, next) => {
    const address = addressOf(c);
    const wait = throttle.retryAfterSeconds(address);
    if (wait > 0) {
      return c.json({ detail: `Too many failed authentication attempts from ${address}: retry in ${wait} s` }, 429, {
        'Retry-After': String(wait),
      });
    }
    const header = c.req.header('authorization');
    if (!header) return unauthorized(c, MISSING, 'Bearer realm="flywheel"');
    const match = BEARER_RE.exec(header);
    if (!match) {
      throttle.recordFailure(address);
      return unauthorized(c, `${MISSING} (the header is malformed)`, 'Bearer error="invalid_request"');
    }
    const principal = source.current().match(match[1] as string);
    if (!principal) {
      throttle.recordFailure(address);
      return unauthorized(c, INVALID, 'Bearer error="invalid_token"');
    }
    c.set('principal' as never, principal as never);
    await next();
  };
}
