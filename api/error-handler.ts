import type { Context, ErrorHandler } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { ApiError } from './errors';
import type { ApiLogger } from './logger';

// One place maps every error to an HTTP answer in the Blueprint's {"detail": ...} shape.

const DEPENDENCY_ERRORS = new Set([
  'ConnectionError', // Elasticsearch transport
  'NoLivingConnectionsError',
  'MongoServerSelectionError',
  'MongoNetworkError',
  'MongoNetworkTimeoutError',
]);

function isDependencyDown(err: Error): boolean {
  // gRPC UNAVAILABLE (14) / DEADLINE_EXCEEDED (4) from Temporal
  const code = (err as { code?: unknown }).code;
  return DEPENDENCY_ERRORS.has(err.name) || (err.name === 'ServiceError' && (code === 14 || code === 4));
}

export function errorHandler(logger: ApiLogger): ErrorHandler {
  return (err: Error, c: Context) => {
    if (err instanceof ApiError) return c.json({ detail: err.detail }, err.status);
    if (err instanceof HTTPException) {
      if (err.res) {
        // Bearer auth builds its own 401; it still carries the request id.
        const res = err.getResponse();
        const headers = new Headers(res.headers);
        headers.set('X-Request-Id', c.get('requestId'));
        return new Response(res.body, { status: res.status, headers });
      }
      if (err.status === 400 && /malformed json/i.test(err.message)) {
        return c.json(
          { detail: [{ loc: ['body'], msg: 'JSON decode error: the body is not valid JSON', type: 'json_invalid' }] },
          422,
        );
      }
      if (err.status === 415)
        return c.json({ detail: 'Unsupported Media Type: send Content-Type: application/json' }, 415);
      return c.json({ detail: err.message || 'Request failed' }, err.status);
    }
    const requestId = c.get('requestId');
    if (isDependencyDown(err)) {
      logger.error('dependency unavailable', { request_id: requestId, error: err.message, error_name: err.name });
      return c.json({ detail: `A dependency is unavailable, try again later (request id ${requestId})` }, 503);
    }
    logger.error('unhandled error', { request_id: requestId, error: err.message, stack: err.stack });
    return c.json({ detail: `Internal server error (request id ${requestId})` }, 500);
  };
}
