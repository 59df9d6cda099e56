import type { Hono, MiddlewareHandler } from 'hono';

// Optional recording of every request the emulator receives (method, path, whether it carried
// an Authorization header, body text), so a test can search what a client really sent, e.g. that no secret
// travels in a NeMo job payload. Off unless asked for (`startEmulator({ recordRequests: true })`,
// `--record-requests`); read back with `GET /admin/requests`. Bounded, oldest dropped first.

export interface RecordedRequest {
  method: string;
  path: string;
  /** The Authorization header is recorded as present or not, never its value. */
  authorization: boolean;
  body: string;
}

const MAX_RECORDS = 20_000;

export class RequestLog {
  readonly records: RecordedRequest[] = [];

  middleware(): MiddlewareHandler {
    return async (c, next) => {
      if (!c.req.path.startsWith('/admin')) {
        const body = c.req.method === 'GET' || c.req.method === 'HEAD' ? '' : await c.req.text();
        this.records.push({
          method: c.req.method,
          path: c.req.path,
          authorization: c.req.header('authorization') !== undefined,
          body,
        });
        if (this.records.length > MAX_RECORDS) this.records.shift();
      }
      await next();
    };
  }

  routes(app: Hono): void {
    app.get('/admin/requests', (c) => c.json({ requests: this.records }));
  }
}
