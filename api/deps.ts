import type { Client as ElasticsearchClient } from '@elastic/elasticsearch';
import type { Client as TemporalClient } from '@temporalio/client';
import type { FlywheelConfig } from '../config/schema';
import type { ResultsStore } from '../stores/results/results-store';
import type { ApiLogger } from './logger';
import type { TokenInput } from './middleware/auth';
import type { AuthThrottle } from './middleware/auth-throttle';

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
   * Bearer tokens accepted on `/api`: scoped specs (name, role, client_ids, token or sha256), a
   * live source (the token file, re-read while running), plain tokens (each an admin over every
   * client), or 'open' to run without authentication (the local demo only; logged loudly).
   */
  tokens: TokenInput;
  /** Proxies in front of the API that append to X-Forwarded-For (0: use the socket's peer). */
  trustedProxyHops?: number;
  /** Failed-authentication throttling (a default one per app). */
  authThrottle?: AuthThrottle;
  logger?: ApiLogger;
  /** Largest request body accepted, in bytes (default 1 MiB). */
  maxBodyBytes?: number;
  /** Names a job may pass as `config_name`. */
  configNames?: () => string[];
  /** Loads a named config (to check a job's split override against it). */
  loadConfig?: (name?: string) => FlywheelConfig;
  /** How long GET /api/jobs/{id}/progress waits for Temporal's pending activities, in ms (default 5000). */
  queryTimeoutMs?: number;
  /** Base URL of the Temporal Web UI, linked from reports (default the dev server's; null: no link). */
  temporalUiUrl?: string | null;
  /** A pending step quiet for this long is flagged stalled in live progress, in ms (default 5 min). */
  stallWarningMs?: number;
  /** When set, GET /metrics needs "Authorization: Bearer <this>"; unset, it is open (for Prometheus). */
  metricsToken?: string;
  /**
   * Memory for rendered details of finished jobs, in bytes of JSON (default 64 MiB; 0: none).
   * See api/jobs/detail-cache.ts.
   */
  detailCacheBytes?: number;
  /**
   * The longest a cached finished detail is served before its run document is read again, in ms
   * (default 10 min): a backstop only, for a write whose change record was never written. 0:
   * every request reads the run document, never stale. See api/jobs/detail-cache.ts.
   */
  detailRevalidateMs?: number;
  /** How often a busy API reads the store's change log of finished details, in ms (default 250). */
  detailFeedPollMs?: number;
  /**
   * Cached details are served from memory only while the change log was read less than this
   * long ago, in ms (default 1000): the most a write made elsewhere (worker, other replica,
   * deletion) takes to show on this replica. See api/jobs/detail-feed.ts.
   */
  detailFeedStaleMs?: number;
  /**
   * Memory for rendered pages of GET /api/jobs, in bytes of JSON (default 8 MiB; 0: none),
   * served while the change feed is current (detailFeedStaleMs). See api/jobs/list-cache.ts.
   */
  listCacheBytes?: number;
  /** The clock of the detail cache and its feed (tests). */
  detailClock?: () => number;
  /** How long a readiness check may take per dependency, in ms (default 2000). */
  readinessTimeoutMs?: number;
  /** The namespace's GPU ledger workflow id (default FLYWHEEL_GPU_LEDGER_ID, else flywheel-gpu-ledger). */
  gpuLedgerId?: string;
}
