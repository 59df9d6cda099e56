import type { Hono, MiddlewareHandler } from 'hono';
import { routeTemplate } from './route-template';

// Optional recording of every request the emulator receives (method, path, whether it carried
// an Authorization header, body text), so a test can search what a client really sent, e.g. that no secret
// travels in a NeMo job payload. Off unless asked for (`startEmulator({ recordRequests: true })`,
// `--record-requests`); read back with `GET /admin/requests`. Bounded, oldest dropped first.

export interface RecordedRequest {
  method: string;
  path: string;
  /** `METHOD /path/{template}` as counted in /admin/counters (the conformance suite maps it to SDK types). */
  route: string;
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
        const template = routeTemplate(c);
        this.records.push({
          method: c.req.method,
          path: c.req.path,
          route: `${c.req.method} ${template}`,
          authorization: c.req.header('authorization') !== undefined,
          body,
        });
        if (this.records.length > MAX_RECORDS) this.records.shift();
      }
      await next();
    };
  }

  clear(): void {
    this.records.length = 0;
  }

  routes(app: Hono): void {
    app.get('/admin/requests', (c) => c.json({ requests: this.records }));
  }
}
