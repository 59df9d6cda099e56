import type { EndpointConfig, FlywheelConfig } from '../config/schema';
import {
  buildEvaluationConfig,
  createNemoClient,
  extractScores,
  NemoPermanentError,
  NemoRetryableError,
  nemoClientConfigFrom,
} from '../nemo-client';
import type {
  CustomizationJob as ClientCustomizationJob,
  CustomizationConfig,
  CustomizationJobRequest,
} from '../nemo-client/customizer';
import type { ApiEndpoint, EvaluationJob as ClientEvaluationJob } from '../nemo-client/evaluator';
import type { CustomizationJob, EvaluationJob, NemoFactory, NemoOps } from './nemo';

// NemoOps over the typed client. Retryable failures (NemoRetryableError) are thrown as they
// are; permanent ones are NemoPermanentError / EvaluationResultsError, which the worker's retry
// policies list as non-retryable.

/**
 * How an evaluation job references the judge: the one place that decides what of the judge goes
 * into NeMo job payloads. NeMo keeps each job's config and serves it back to anyone who may list
 * evaluation jobs, so no key is put there unless the config names one:
 * - local judge: the NIM proxy, no key;
 * - remote judge: its URL and model, no key (a judge registered once on the platform, e.g. an
 *   external endpoint behind the NIM proxy, or a gateway that adds the key itself);
 * - remote judge with `api_key_env`: that variable's key, which should be scoped to the judge
 *   alone. Never LLM_JUDGE_API_KEY or the broader NVIDIA_API_KEY by default: those stay in the
 *   worker, which uses them only for its own direct probe of the judge.
 */
export function judgeEndpoint(config: FlywheelConfig, judge: EndpointConfig, env: NodeJS.ProcessEnv): ApiEndpoint {
  if (judge.deployment_type === 'local') {
    return {
      url: `${config.nmp_config.nim_base_url.replace(/\/+$/, '')}/v1/chat/completions`,
      model_id: judge.model_name,
    };
  }
  const scopedKey = judge.api_key_env ? env[judge.api_key_env] : undefined;
  return { url: judge.url, model_id: judge.model_name, ...(scopedKey ? { api_key: scopedKey } : {}) };
}

const toCustomizationJob = (job: ClientCustomizationJob): CustomizationJob => ({
  id: job.id,
  output_model: job.output_model,
});

const toEvaluationJob = (job: ClientEvaluationJob): EvaluationJob => ({
  id: job.id,
  status: job.status,
  status_details: job.status_details ?? null,
});

export function createNemoOpsWith(
  config: FlywheelConfig,
  options: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): NemoOps {
  const env = options.env ?? process.env;
  const client = createNemoClient(
    nemoClientConfigFrom(config.nmp_config, env, options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}),
  );
  const namespace = config.nmp_config.nmp_namespace;

  return {
    ensureNamespace: (ns) => client.ensureNamespace(ns),

    deployments: {
      async ensure(spec) {
        await client.deployments.ensure(spec);
      },
      async get(ns, name) {
        const deployment = await client.deployments.get(ns, name);
        // retryable: a retried deploy activity re-creates it by name
        if (!deployment) {
          throw new NemoRetryableError('deployment not found', {
            method: 'GET',
            path: `/v1/deployment/model-deployments/${ns}/${name}`,
            status: 404,
          });
        }
        return deployment;
      },
      async remove(ns, name) {
        await client.deployments.delete(ns, name);
      },
    },

    nim: {
      listModelIds: () => client.nim.listModelIds(),
      embed: (target, input, inputType) =>
        client.endpoint(target.url, target.apiKey).embed({ model: target.model, input, inputType }),
      async probeChat(target) {
        await client.endpoint(target.url, target.apiKey).chat({
          model: target.model,
          messages: [{ role: 'user', content: 'hi' }],
          max_tokens: 8,
        });
      },
    },

    customizer: {
      async ensureConfig(body) {
        await client.customizer.ensureConfig(body as CustomizationConfig);
      },
      createJob: async (body) => toCustomizationJob(await client.customizer.createJob(body as CustomizationJobRequest)),
      async findJobByName(name) {
        const job = await client.customizer.findJobByName(name);
        return job && toCustomizationJob(job);
      },
      async getJob(id) {
        const job = await client.customizer.getJob(id);
        return job && toCustomizationJob(job);
      },
      getStatus: (id) => client.customizer.getStatus(id),
      async cancelJob(id) {
        await client.customizer.cancelJob(id);
      },
      jobUri: (id) => client.customizer.jobUri(id),
    },

    evaluator: {
      async createJob(request) {
        const job = await client.evaluator.createJob({
          name: request.name,
          namespace,
          config: buildEvaluationConfig({
            workloadType: request.workloadType,
            filesUrl: request.filesUrl,
            limit: request.limit,
            judge: judgeEndpoint(config, request.judge, env),
          }),
          target: { type: 'model', model: request.targetModel },
        });
        return toEvaluationJob(job);
      },
      async findJobByName(name) {
        const job = await client.evaluator.findJobByName(name);
        return job && toEvaluationJob(job);
      },
      async getJob(id) {
        const job = await client.evaluator.getJob(id);
        if (!job) {
          throw new NemoPermanentError('evaluation job not found', {
            method: 'GET',
            path: `/v1/evaluation/jobs/${id}`,
            status: 404,
          });
        }
        return toEvaluationJob(job);
      },
      getResults: (id) => client.evaluator.getResults(id),
      extractScores: (results, workloadType) => extractScores(results, workloadType),
      async deleteJob(id) {
        await client.evaluator.deleteJob(id);
      },
      jobUri: (id) => client.evaluator.jobUri(id),
    },

    entityStore: {
      async registerDataset(dataset) {
        const registered = await client.entityStore.registerDataset({ ...dataset, project: 'flywheel' });
        return { filesUrl: registered.files_url };
      },
      async deleteModel(name) {
        await client.entityStore.deleteModel(name);
      },
      async deleteDataset(ns, name) {
        await client.entityStore.deleteDataset(ns, name);
      },
    },

    datastore: {
      async ensureRepo(ns, name) {
        await client.datastore.ensureRepo(ns, name);
      },
      async uploadFiles(ns, name, files, message) {
        await client.datastore.uploadFiles(ns, name, files, message);
      },
      readFile: (ns, name, path) => client.datastore.readFile(ns, name, path),
      async listFiles(ns, name) {
        const repo = await client.datastore.getRepo(ns, name);
        return repo?.siblings.map((s) => s.rfilename);
      },
      async deleteRepo(ns, name) {
        await client.datastore.deleteRepo(ns, name);
      },
    },
  };
}

/** The worker's NemoFactory: a client per run config, API keys from the process environment. */
export const createNemoOps: NemoFactory = (config) => createNemoOpsWith(config);
