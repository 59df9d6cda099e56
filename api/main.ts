import { serve } from '@hono/node-server';
import { z } from 'zod';
import { readEnvironment } from '../config/environment';
import { createElasticsearchClient } from '../stores/elasticsearch';
import { connectMongo } from '../stores/mongo';
import { ResultsStore } from '../stores/results/results-store';
import { connectClient } from '../temporal/connection';
import { createApp } from './app';
import { jsonLogger } from './logger';
import { parseTokenList } from './middleware/auth';

// The API server: FLYWHEEL_API_TOKENS="token1,token2" (several for rotation) or
// FLYWHEEL_API_OPEN=1 for an unauthenticated local demo. Stops cleanly on SIGTERM/SIGINT.

const ServerEnv = z.object({
  FLYWHEEL_API_HOST: z.string().min(1).default('127.0.0.1'),
  FLYWHEEL_API_PORT: z.coerce.number().int().min(0).max(65535).default(8000),
  FLYWHEEL_API_TOKENS: z.string().optional(),
  FLYWHEEL_API_OPEN: z.enum(['0', '1', 'true', 'false']).optional(),
  FLYWHEEL_API_MAX_BODY_BYTES: z.coerce.number().int().positive().optional(),
});

async function main(): Promise<void> {
  const logger = jsonLogger();
  const env = readEnvironment();
  const server = ServerEnv.parse(process.env);
  const open = server.FLYWHEEL_API_OPEN === '1' || server.FLYWHEEL_API_OPEN === 'true';
  const tokens = open ? ('open' as const) : parseTokenList(server.FLYWHEEL_API_TOKENS);
  if (tokens !== 'open' && tokens.length === 0) {
    throw new Error('no API tokens: set FLYWHEEL_API_TOKENS="token1,token2", or FLYWHEEL_API_OPEN=1 for a local demo');
  }
  if (open) {
    console.error(
      '\n*** WARNING: the Flywheel API runs WITHOUT AUTHENTICATION (FLYWHEEL_API_OPEN=1). Local demo only. ***\n',
    );
  }

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
    tokens,
    logger,
    ...(server.FLYWHEEL_API_MAX_BODY_BYTES ? { maxBodyBytes: server.FLYWHEEL_API_MAX_BODY_BYTES } : {}),
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
  console.error(`flywheel api: ${(err as Error).message}`);
  process.exit(1);
});
