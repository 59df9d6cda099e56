import { type NemoClientConfig, NemoClientConfigSchema } from './config';
import { createCustomizer } from './customizer';
import { createDatastore } from './datastore';
import { createDeployments } from './deployments';
import { createEntityStore } from './entity-store';
import { createEvaluator } from './evaluator';
import { HttpCore } from './http';
import { createOpenAiEndpoint, type OpenAiEndpointClient } from './nim';

export {
  type BenchmarkScore,
  type BenchmarkSpec,
  benchmarkScore,
  buildBenchmarkConfig,
  DEFAULT_BENCHMARK_METRIC,
} from './benchmark-config';
export * from './config';
export * from './errors';
export { buildEvaluationConfig, EVALUATION_LAYOUT, type EvaluatedWorkload } from './evaluation-config';
export {
  EvaluationResultsError,
  extractLabel,
  extractScores,
  macroF1,
  needsSamples,
  normalizeSimilarity,
  type SampleOutcome,
  sampleOutcome,
  sampleOutcomes,
  scoreCounts,
} from './evaluation-scores';
export { customFieldsOf, FIND_AGAIN_FIELD } from './find-again';
export { openAiBaseUrl } from './nim';
export * from './statuses';

/** The typed NeMo Microservices client: one small client per service, sharing settings. */
export function createNemoClient(input: NemoClientConfig) {
  const config = NemoClientConfigSchema.parse(input);
  const core = (baseUrl: string) =>
    new HttpCore({ baseUrl, apiKey: config.apiKey, timeoutMs: config.timeoutMs, pageSize: config.pageSize });
  // embedding batches reuse one OpenAI client per endpoint
  const endpoints = new Map<string, OpenAiEndpointClient>();
  const endpoint = (url: string, apiKey?: string) => {
    const key = `${apiKey ?? ''} ${url}`;
    let client = endpoints.get(key);
    if (!client) {
      client = createOpenAiEndpoint({ url, apiKey, timeoutMs: config.timeoutMs });
      endpoints.set(key, client);
    }
    return client;
  };
  const nemo = core(config.nemoBaseUrl);
  const entityStore = createEntityStore(nemo);
  const datastore = createDatastore(core(config.datastoreBaseUrl));
  return {
    config,
    entityStore,
    datastore,
    deployments: createDeployments(nemo),
    customizer: createCustomizer(nemo),
    evaluator: createEvaluator(nemo),
    nim: createOpenAiEndpoint({ url: config.nimBaseUrl, apiKey: config.apiKey, timeoutMs: config.timeoutMs }),
    /** Any other OpenAI-compatible endpoint (a remote judge or embedder), by base or route URL. */
    endpoint,
    /** Creates the namespace in Entity Store and Datastore unless it exists there. */
    async ensureNamespace(namespace = config.namespace): Promise<void> {
      await entityStore.ensureNamespace(namespace);
      await datastore.ensureNamespace(namespace);
    },
  };
}

export type NemoClient = ReturnType<typeof createNemoClient>;
