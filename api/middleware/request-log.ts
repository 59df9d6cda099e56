import type { MiddlewareHandler } from 'hono';
import type { ApiLogger } from '../logger';
import { addressOf } from './client-address';
import type { Principal } from './roles';

/**
 * Logs one line per request with its id (from `requestId()`, also sent back in X-Request-Id),
 * the client address and the name of the token used. Only method, path, status and duration
 * besides: never headers, so tokens cannot leak into logs.
 */
export function requestLog(logger: ApiLogger): MiddlewareHandler {
  return async (c, next) => {
    const start = performance.now();
    await next();
    const principal = c.get('principal' as never) as Principal | undefined;
    const fields = {
      request_id: c.get('requestId'),
      method: c.req.method,
      path: c.req.path,
      status: c.res.status,
      duration_ms: Math.round((performance.now() - start) * 10) / 10,
      client_address: addressOf(c),
      ...(principal ? { token_name: principal.name } : {}),
    };
    if (c.res.status >= 500) logger.error('request failed', fields);
    else if (logger.request) logger.request(fields);
    else logger.info('request', fields);
  };
}
