import { OpenAPIHono } from '@hono/zod-openapi';
import { bodyLimit } from 'hono/body-limit';
import { requestId } from 'hono/request-id';
import { listConfigNames, loadFlywheelConfig } from '../config/load';
import { DEFAULT_GPU_LEDGER_ID } from '../workflows/gpu-budget-contract';
import { configsRouter } from './configs-router';
import type { ApiDeps } from './deps';
import { docsRouter } from './docs-page';
import { errorHandler } from './error-handler';
import { gpusRouter } from './gpus-router';
import { healthRouter } from './health/router';
import { DEFAULT_DETAIL_CACHE_BYTES, DEFAULT_DETAIL_REVALIDATE_MS, DetailCache } from './jobs/detail-cache';
import { DEFAULT_DETAIL_FEED_POLL_MS, DEFAULT_DETAIL_FEED_STALE_MS, DetailFeed } from './jobs/detail-feed';
import { DEFAULT_LIST_CACHE_BYTES, ListCache } from './jobs/list-cache';
import { jobsRouter } from './jobs/router';
import { jsonLogger } from './logger';
import { metricsRouter } from './metrics';
import { requireBearerToken } from './middleware/auth';
import { clientAddress } from './middleware/client-address';
import { requestLog } from './middleware/request-log';
import { reportsRouter } from './reports/router';
import { schedulesRouter } from './schedules/router';
import { validationHook } from './validation';
import { workloadsRouter } from './workloads/router';

export const API_VERSION = '1.0.0';
const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;
/** The Temporal dev server's Web UI (scripts/stack.sh). */
export const DEFAULT_TEMPORAL_UI_URL = 'http://127.0.0.1:8233';

export const OPENAPI_INFO = {
  openapi: '3.1.0',
  info: {
    title: 'Flywheel API',
    version: API_VERSION,
    description:
      'Compatible with the NVIDIA Data Flywheel Blueprint API (/api/jobs), plus schedules, workloads, filters, ' +
      'pagination and idempotent creates. Every /api route needs "Authorization: Bearer <token>"; a token has a role ' +
      '(read-only, operator, admin) and the client_ids it may see: objects of other clients answer 404, an action ' +
      'the role lacks answers 403.',
  },
};

/** The API, built from the clients it is given (real ones in main.ts, test-pointed ones in tests). */
export function createApp(deps: ApiDeps) {
  const logger = deps.logger ?? jsonLogger();
  const clock = deps.detailClock ?? Date.now;
  const detailCache = new DetailCache(
    deps.detailCacheBytes ?? DEFAULT_DETAIL_CACHE_BYTES,
    deps.detailRevalidateMs ?? DEFAULT_DETAIL_REVALIDATE_MS,
    clock,
  );
  const listCache = new ListCache(deps.listCacheBytes ?? DEFAULT_LIST_CACHE_BYTES);
  const detailFeed = new DetailFeed(
    (after) => deps.results.readDetailChanges(after),
    [detailCache, listCache],
    deps.detailFeedPollMs ?? DEFAULT_DETAIL_FEED_POLL_MS,
    deps.detailFeedStaleMs ?? DEFAULT_DETAIL_FEED_STALE_MS,
    clock,
  );
  const jobDeps = {
    temporal: deps.temporal,
    results: deps.results,
    taskQueue: deps.taskQueue,
    configNames: deps.configNames ?? (() => listConfigNames()),
    loadConfig: deps.loadConfig ?? ((name?: string) => loadFlywheelConfig(name)),
    queryTimeoutMs: deps.queryTimeoutMs ?? 5000,
    webUi: {
      baseUrl: deps.temporalUiUrl === undefined ? DEFAULT_TEMPORAL_UI_URL : deps.temporalUiUrl,
      // read per request: the OpenAPI generator builds the app over a stand-in client
      get namespace() {
        return deps.temporal.options.namespace;
      },
    },
    stallWarningMs: deps.stallWarningMs ?? 5 * 60_000,
    detailCache,
    detailFeed,
    listCache,
  };
  const maxBytes = deps.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;

  // The namespace's GPU ledger, read by the metrics and by GET /api/gpus.
  const gpuLedgerId = deps.gpuLedgerId ?? process.env.FLYWHEEL_GPU_LEDGER_ID ?? DEFAULT_GPU_LEDGER_ID;
  const app = new OpenAPIHono({ defaultHook: validationHook });
  app.use('*', requestId({ headerName: 'X-Request-Id' }));
  app.use('*', clientAddress(deps.trustedProxyHops ?? 0));
  app.use('*', requestLog(logger));
  const limitBody = bodyLimit({
    maxSize: maxBytes,
    onError: (c) => c.json({ detail: `Request body too large: at most ${maxBytes} bytes` }, 413),
  });
  // The limit reads `c.req.raw.body`, which makes the Node adapter build a whole web Request (a
  // tenth of a cached job detail's CPU) only to find none: a GET or HEAD request has no body.
  app.use('*', (c, next) => (c.req.method === 'GET' || c.req.method === 'HEAD' ? next() : limitBody(c, next)));
  app.use('/api/*', requireBearerToken(deps.tokens, logger, deps.authThrottle));

  app.route('/', healthRouter(deps, logger));
  app.route(
    '/metrics',
    metricsRouter({
      temporal: deps.temporal,
      results: deps.results,
      gpuLedgerId,
      ...(deps.metricsToken ? { metricsToken: deps.metricsToken } : {}),
    }),
  );
  app.route('/api/jobs', jobsRouter(jobDeps));
  app.route(
    '/api/jobs',
    reportsRouter({
      results: deps.results,
      temporalUiUrl: deps.temporalUiUrl === undefined ? DEFAULT_TEMPORAL_UI_URL : deps.temporalUiUrl,
      // read per report: the OpenAPI generator builds the app over a stand-in client
      get temporalNamespace() {
        return deps.temporal.options.namespace;
      },
    }),
  );
  app.route('/api/schedules', schedulesRouter(jobDeps));
  app.route('/api/workloads', workloadsRouter(deps));
  app.route('/api/configs', configsRouter(jobDeps.configNames));
  app.route('/api/gpus', gpusRouter({ temporal: deps.temporal, results: deps.results, gpuLedgerId }));

  app.openAPIRegistry.registerComponent('securitySchemes', 'bearerAuth', { type: 'http', scheme: 'bearer' });
  app.doc31('/openapi.json', OPENAPI_INFO);
  app.route('/docs', docsRouter('/openapi.json'));

  app.notFound((c) => c.json({ detail: 'Not Found' }, 404));
  app.onError(errorHandler(logger));
  return app;
}

export type FlywheelApp = ReturnType<typeof createApp>;

/** The OpenAPI document of an app, exactly as served at /openapi.json. */
export function openApiDocument(app: FlywheelApp) {
  return app.getOpenAPI31Document(OPENAPI_INFO);
}
