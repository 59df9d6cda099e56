import type { Client as ElasticsearchClient } from '@elastic/elasticsearch';
import type { Client as TemporalClient } from '@temporalio/client';
import type { FlywheelConfig } from '../config/schema';
import type { ResultsStore } from '../stores/results/results-store';

/** What the activities are built from: real clients in the worker, test-pointed ones in tests. */
export interface ActivityDeps {
  results: ResultsStore;
  temporal: TemporalClient;
  taskQueue: string;
  /** The GPU ledger's workflow id (default `flywheel-gpu-ledger`): one per namespace. */
  gpuLedgerId?: string;
  elasticsearch: ElasticsearchClient;
  /** The Elasticsearch index holding the production logs. */
  logIndex: string;
  /** Record workers for the dataset build (default DEFAULT_DATASET_THREADS); 0: on the activity's thread. */
  datasetThreads?: number;
  loadConfig?: (name?: string) => FlywheelConfig;
  /** MLflow tracking server (FLYWHEEL_MLFLOW_URI); unset, runs are not tracked in MLflow. */
  mlflowUri?: string;
}
