import type { MiddlewareHandler } from 'hono';
import type { ApiLogger } from '../logger';

/**
 * Logs one line per request with its id (from `requestId()`, also sent back in X-Request-Id).
 * Only method, path, status and duration: never headers, so tokens cannot leak into logs.
 */
export function requestLog(logger: ApiLogger): MiddlewareHandler {
  return async (c, next) => {
    const start = performance.now();
    await next();
    const fields = {
      request_id: c.get('requestId'),
      method: c.req.method,
      path: c.req.path,
      status: c.res.status,
      duration_ms: Math.round((performance.now() - start) * 10) / 10,
    };
    if (c.res.status >= 500) logger.error('request failed', fields);
    else logger.info('request', fields);
  };
}
