import { serve } from '@hono/node-server';
import { z } from 'zod';
import { readEnvironment } from '../config/environment';
import { collectProcessMetrics } from '../observability/metrics';
import { createElasticsearchClient } from '../stores/elasticsearch';
import { connectMongo } from '../stores/mongo';
import { ResultsStore } from '../stores/results/results-store';
import { connectClient } from '../temporal/connection';
import { createApp } from './app';
import { jsonLogger } from './logger';
import type { TokenInput } from './middleware/auth';
import { TokenFile } from './middleware/token-file';
import { legacyTokenSpecs } from './middleware/tokens';

// The API server. Tokens: FLYWHEEL_API_TOKENS_FILE (scoped tokens as SHA-256 hashes, re-read
// while running), or FLYWHEEL_API_TOKENS="token1,token2" (each an admin over every client), or
// FLYWHEEL_API_OPEN=1 for an unauthenticated local demo. Stops cleanly on SIGTERM/SIGINT.

const ServerEnv = z.object({
  FLYWHEEL_API_HOST: z.string().min(1).default('127.0.0.1'),
  FLYWHEEL_API_PORT: z.coerce.number().int().min(0).max(65535).default(8000),
  FLYWHEEL_API_TOKENS: z.string().optional(),
  FLYWHEEL_API_TOKENS_FILE: z.string().min(1).optional(),
  FLYWHEEL_API_TOKENS_RELOAD_SECONDS: z.coerce.number().positive().default(10),
  FLYWHEEL_API_TRUSTED_PROXY_HOPS: z.coerce.number().int().min(0).max(10).default(0),
  FLYWHEEL_API_OPEN: z.enum(['0', '1', 'true', 'false']).optional(),
  FLYWHEEL_API_MAX_BODY_BYTES: z.coerce.number().int().positive().optional(),
  /** The Temporal Web UI linked from reports; "" leaves the link out. */
  TEMPORAL_UI_URL: z.string().optional(),
  /** Protects GET /metrics with its own bearer token; unset, /metrics is open (no API token needed). */
  FLYWHEEL_METRICS_TOKEN: z.string().min(1).optional(),
  /** The finished-detail cache (api/jobs/detail-cache.ts, detail-feed.ts); unset: the defaults. */
  FLYWHEEL_API_DETAIL_CACHE_BYTES: z.coerce.number().int().min(0).optional(),
  FLYWHEEL_API_DETAIL_FEED_STALE_MS: z.coerce.number().int().positive().optional(),
  FLYWHEEL_API_DETAIL_FEED_POLL_MS: z.coerce.number().int().positive().optional(),
  FLYWHEEL_API_DETAIL_REVALIDATE_MS: z.coerce.number().int().min(0).optional(),
  FLYWHEEL_API_LIST_CACHE_BYTES: z.coerce.number().int().min(0).optional(),
});

const logger = jsonLogger();

const definedOnly = <T extends Record<string, number | undefined>>(o: T) =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as { [K in keyof T]?: number };

async function main(): Promise<void> {
  const env = readEnvironment();
  const server = ServerEnv.parse(process.env);
  const open = server.FLYWHEEL_API_OPEN === '1' || server.FLYWHEEL_API_OPEN === 'true';
  let tokens: TokenInput;
  if (open) tokens = 'open';
  else if (server.FLYWHEEL_API_TOKENS_FILE) {
    tokens = new TokenFile(server.FLYWHEEL_API_TOKENS_FILE, logger).watch(
      server.FLYWHEEL_API_TOKENS_RELOAD_SECONDS * 1000,
    );
  } else {
    tokens = legacyTokenSpecs(server.FLYWHEEL_API_TOKENS);
    if (tokens.length === 0) {
      throw new Error(
        'no API tokens: set FLYWHEEL_API_TOKENS_FILE (scoped tokens), FLYWHEEL_API_TOKENS="token1,token2", or FLYWHEEL_API_OPEN=1 for a local demo',
      );
    }
  }
  if (open) {
    logger.warn(
      '*** WARNING: the Flywheel API runs WITHOUT AUTHENTICATION (FLYWHEEL_API_OPEN=1). Local demo only. ***',
    );
  }

  collectProcessMetrics();
  const temporal = await connectClient(env);
  const mongo = await connectMongo(env.MONGODB_URL, env.MONGODB_DB);
  const results = new ResultsStore(mongo.db);
  await results.ensureIndexes();
  const elasticsearch = createElasticsearchClient(env.ELASTICSEARCH_URL);
  const app = createApp({
    temporal,
    results,
    elasticsearch,
    logIndex: env.ES_COLLECTION_NAME,
    taskQueue: env.FLYWHEEL_TASK_QUEUE,
    stallWarningMs: env.FLYWHEEL_STALL_WARNING_SECONDS * 1000,
    tokens,
    trustedProxyHops: server.FLYWHEEL_API_TRUSTED_PROXY_HOPS,
    logger,
    ...(server.FLYWHEEL_METRICS_TOKEN ? { metricsToken: server.FLYWHEEL_METRICS_TOKEN } : {}),
    ...(server.FLYWHEEL_API_MAX_BODY_BYTES ? { maxBodyBytes: server.FLYWHEEL_API_MAX_BODY_BYTES } : {}),
    ...(server.TEMPORAL_UI_URL !== undefined ? { temporalUiUrl: server.TEMPORAL_UI_URL || null } : {}),
    ...definedOnly({
      detailCacheBytes: server.FLYWHEEL_API_DETAIL_CACHE_BYTES,
      detailFeedStaleMs: server.FLYWHEEL_API_DETAIL_FEED_STALE_MS,
      detailFeedPollMs: server.FLYWHEEL_API_DETAIL_FEED_POLL_MS,
      detailRevalidateMs: server.FLYWHEEL_API_DETAIL_REVALIDATE_MS,
      listCacheBytes: server.FLYWHEEL_API_LIST_CACHE_BYTES,
    }),
  });

  const http = serve({ fetch: app.fetch, hostname: server.FLYWHEEL_API_HOST, port: server.FLYWHEEL_API_PORT }, (info) =>
    logger.info('listening', { url: `http://${server.FLYWHEEL_API_HOST}:${info.port}`, docs: '/docs' }),
  );

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info('shutting down', { signal });
    // Stop accepting connections, let in-flight requests finish, then close the clients.
    const force = setTimeout(() => process.exit(1), 10_000);
    force.unref();
    http.close(async () => {
      await Promise.allSettled([temporal.connection.close(), mongo.client.close(), elasticsearch.close()]);
      process.exit(0);
    });
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

main().catch((err) => {
  logger.error(`flywheel api: ${(err as Error).message}`);
  process.exit(1);
});
