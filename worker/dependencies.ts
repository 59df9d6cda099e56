import type { ActivityDeps } from '../activities/deps';
import { type Environment, readEnvironment } from '../config/environment';
import { createElasticsearchClient } from '../stores/elasticsearch';
import { connectMongo } from '../stores/mongo';
import { ResultsStore } from '../stores/results/results-store';
import { connectClient } from '../temporal/connection';
import { readWorkerSettings, type WorkerSettings } from './settings';

/** Opens every client the activities need, from the process environment. */
export async function openActivityDeps(
  env: Environment = readEnvironment(),
  settings: Pick<WorkerSettings, 'FLYWHEEL_GPU_LEDGER_ID' | 'FLYWHEEL_DATASET_THREADS'> = readWorkerSettings(),
): Promise<{ deps: ActivityDeps; close: () => Promise<void> }> {
  const mongo = await connectMongo(env.MONGODB_URL, env.MONGODB_DB);
  const results = new ResultsStore(mongo.db);
  await results.ensureIndexes();
  const temporal = await connectClient(env);
  const elasticsearch = createElasticsearchClient(env.ELASTICSEARCH_URL);
  return {
    deps: {
      results,
      temporal,
      taskQueue: env.FLYWHEEL_TASK_QUEUE,
      gpuLedgerId: settings.FLYWHEEL_GPU_LEDGER_ID,
      elasticsearch,
      logIndex: env.ES_COLLECTION_NAME,
      ...(env.FLYWHEEL_MLFLOW_URI ? { mlflowUri: env.FLYWHEEL_MLFLOW_URI } : {}),
      datasetThreads: settings.FLYWHEEL_DATASET_THREADS,
    },
    close: async () => {
      await mongo.client.close();
      await temporal.connection.close();
      await elasticsearch.close();
    },
  };
}
