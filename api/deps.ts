import type { Client as ElasticsearchClient } from '@elastic/elasticsearch';
import type { Client as TemporalClient } from '@temporalio/client';
import type { FlywheelConfig } from '../config/schema';
import type { ResultsStore } from '../stores/results/results-store';
import type { ApiLogger } from './logger';

/** Everything the API is built from: real clients in the server, test-pointed ones in tests. */
export interface ApiDeps {
  temporal: TemporalClient;
  results: ResultsStore;
  elasticsearch: ElasticsearchClient;
  /** The Elasticsearch index holding the production logs (for `GET /api/workloads`). */
  logIndex: string;
  /** The task queue the flywheel worker polls. */
  taskQueue: string;
  /**
   * Bearer tokens accepted on `/api` (several, so a token can be rotated without downtime),
   * or 'open' to run without authentication (the local demo only; logged loudly).
   */
  tokens: string[] | 'open';
  logger?: ApiLogger;
  /** Largest request body accepted, in bytes (default 1 MiB). */
  maxBodyBytes?: number;
  /** Names a job may pass as `config_name`. */
  configNames?: () => string[];
  /** Loads a named config (to check a job's split override against it). */
  loadConfig?: (name?: string) => FlywheelConfig;
  /** How long GET /api/jobs/{id}/progress waits for the workflow to answer, in ms (default 5000). */
  queryTimeoutMs?: number;
  /** How long a readiness check may take per dependency, in ms (default 2000). */
  readinessTimeoutMs?: number;
}
