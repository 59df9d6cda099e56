import type { EndpointConfig, FlywheelConfig } from '../config/schema';
import { createNemoClient, type NemoClient, nemoClientConfigFrom } from '../nemo-client';
import type { ApiEndpoint } from '../nemo-client/evaluator';

// Activities take the typed NeMo client itself, one per run config (each named config may
// point at different endpoints). Retryable failures are NemoRetryableError; permanent ones are
// NemoPermanentError / EvaluationResultsError, which the worker's retry policies list as
// non-retryable.

export type NemoFactory = (config: FlywheelConfig) => NemoClient;

export function nemoClientFor(
  config: FlywheelConfig,
  options: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): NemoClient {
  return createNemoClient(
    nemoClientConfigFrom(
      config.nmp_config,
      options.env ?? process.env,
      options.timeoutMs ? { timeoutMs: options.timeoutMs } : {},
    ),
  );
}

/** The worker's factory: API keys from the process environment. */
export const createNemo: NemoFactory = (config) => nemoClientFor(config);

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
export function judgeEndpoint(
  config: FlywheelConfig,
  judge: EndpointConfig,
  env: NodeJS.ProcessEnv = process.env,
): ApiEndpoint {
  if (judge.deployment_type === 'local') {
    return {
      url: `${config.nmp_config.nim_base_url.replace(/\/+$/, '')}/v1/chat/completions`,
      model_id: judge.model_name,
    };
  }
  const scopedKey = judge.api_key_env ? env[judge.api_key_env] : undefined;
  return { url: judge.url, model_id: judge.model_name, ...(scopedKey ? { api_key: scopedKey } : {}) };
}
