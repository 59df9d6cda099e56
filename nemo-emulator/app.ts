import { Hono } from 'hono';
import type { EmulatorContext } from './context';
import { errorBody, HttpError } from './http/errors';
import { faultMiddleware } from './http/fault-middleware';
import { UnsupportedFilter } from './http/pagination';
import { adminRoutes } from './routes/admin';
import { customizerRoutes } from './routes/customizer';
import { datastoreRoutes } from './routes/datastore';
import { deploymentRoutes } from './routes/deployments';
import { entityStoreRoutes } from './routes/entity-store';
import { evaluatorRoutes } from './routes/evaluator';
import { nimRoutes } from './routes/nim';

// Every emulated service on one Hono app (one port): Entity Store, Datastore, Deployment
// Management, NIM proxy, Customizer, Evaluator, plus the emulator's admin routes.

export function createEmulatorApp(ctx: EmulatorContext, baseUrl: () => string): Hono {
  const app = new Hono();
  if (ctx.requestLog) {
    app.use('*', ctx.requestLog.middleware());
    ctx.requestLog.routes(app);
  }
  app.use('*', faultMiddleware(ctx));
  app.route('/', adminRoutes(ctx));
  app.route('/', nimRoutes(ctx));
  app.route('/', entityStoreRoutes(ctx));
  app.route('/', datastoreRoutes(ctx, baseUrl));
  app.route('/', deploymentRoutes(ctx, baseUrl));
  app.route('/', customizerRoutes(ctx));
  app.route('/', evaluatorRoutes(ctx));

  app.notFound((c) => c.json({ detail: 'Not Found' }, 404));
  app.onError((err, c) => {
    if (err instanceof HttpError) return c.json(errorBody(err) as object, err.status);
    if (err instanceof UnsupportedFilter) {
      const loc = ['query', `filter[${err.field.replace(/\./g, '][')}]`];
      return c.json({ detail: [{ loc, msg: err.message, type: 'extra_forbidden' }] }, 422);
    }
    console.error('nemo-emulator: unhandled error', err);
    return c.json({ detail: `Internal Server Error: ${err.message}` }, 500);
  });
  return app;
}
