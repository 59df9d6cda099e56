import { randomUUID } from 'node:crypto';
import type { Client as ElasticsearchClient } from '@elastic/elasticsearch';
import { Client, Connection } from '@temporalio/client';
import type { Collection, MongoClient } from 'mongodb';
import { createApp, type FlywheelApp } from '../../api/app';
import type { ApiDeps } from '../../api/deps';
import { memoryLogger } from '../../api/logger';
import { loadFlywheelConfig } from '../../config/load';
import { createElasticsearchClient } from '../../stores/elasticsearch';
import { connectMongo } from '../../stores/mongo';
import { ResultsStore } from '../../stores/results/results-store';
import { COLLECTIONS, type FlywheelRunDoc } from '../../stores/results/schema';
import { servers } from '../support/servers';
import { uniqueTaskQueue } from '../support/temporal';
import { ApiTestClient } from './support';

export const TOKENS = ['test-token-current', 'test-token-previous'];

/**
 * The API on the real servers, isolated per test file: its own MongoDB database, log index and
 * task queue. No worker polls the queue, so started runs stay pending unless a test adds one.
 */
export class ApiEnv {
  readonly dbName = `test_api_${randomUUID().slice(0, 8)}`;
  readonly logIndex = `test-api-logs-${randomUUID().slice(0, 8)}`;
  readonly taskQueue = uniqueTaskQueue('api');
  readonly logger = memoryLogger();
  temporal!: Client;
  results!: ResultsStore;
  /** The stored runs, raw: for a test to fake a condition no API call can produce. */
  rawRuns!: Collection<FlywheelRunDoc>;
  elasticsearch!: ElasticsearchClient;
  app!: FlywheelApp;
  api!: ApiTestClient;
  private mongo!: MongoClient;
  private connection!: Connection;
  /** Workflows this file started, terminated at the end so nothing lingers on the dev server. */
  readonly startedWorkflows = new Set<string>();

  async start(overrides: Partial<ApiDeps> = {}): Promise<this> {
    this.connection = await Connection.connect({ address: servers.TEMPORAL_ADDRESS });
    this.temporal = new Client({ connection: this.connection, namespace: servers.TEMPORAL_NAMESPACE });
    const mongo = await connectMongo(servers.MONGODB_URL, this.dbName);
    this.mongo = mongo.client;
    this.results = new ResultsStore(mongo.db);
    this.rawRuns = mongo.db.collection(COLLECTIONS.runs);
    await this.results.ensureIndexes();
    this.elasticsearch = createElasticsearchClient(servers.ELASTICSEARCH_URL);
    this.app = this.build(overrides);
    this.api = new ApiTestClient(this.app, TOKENS[0] as string);
    return this;
  }

  build(overrides: Partial<ApiDeps> = {}): FlywheelApp {
    return createApp({
      temporal: this.temporal,
      results: this.results,
      elasticsearch: this.elasticsearch,
      logIndex: this.logIndex,
      taskQueue: this.taskQueue,
      tokens: TOKENS,
      logger: this.logger,
      configNames: () => ['default', 'semantic-icl'],
      loadConfig: (name) => loadFlywheelConfig(name, {}),
      ...overrides,
    });
  }

  async close(): Promise<void> {
    for (const id of this.startedWorkflows) {
      await this.temporal.workflow
        .getHandle(id)
        .terminate('api test done')
        .catch(() => undefined);
    }
    // FerretDB's SQLite backend can be briefly busy when every suite runs at once: retry.
    for (let attempt = 1; ; attempt++) {
      try {
        await this.mongo?.db(this.dbName).dropDatabase();
        break;
      } catch (err) {
        if (attempt >= 5) throw err;
        await new Promise((r) => setTimeout(r, 200 * attempt));
      }
    }
    await this.mongo?.close();
    await this.elasticsearch?.indices.delete({ index: this.logIndex }, { ignore: [404] });
    await this.elasticsearch?.close();
    await this.connection?.close();
  }
}
