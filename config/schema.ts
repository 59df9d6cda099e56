import { z } from 'zod';
import { WorkloadType } from '../contracts';
import { EmbeddingTrainingConfigSchema, RETRIEVAL_METRICS, RetrievalConfigSchema } from './retrieval-schema';

// The flywheel configuration. Field names follow the upstream Blueprint's config.yaml so an
// existing config ports over; defaults are the upstream code defaults unless noted.

export const NmpConfigSchema = z.strictObject({
  nemo_base_url: z.url(),
  nim_base_url: z.url(),
  datastore_base_url: z.url(),
  nmp_namespace: z.string().min(1).default('dfwbp'),
});

export const CustomizerConfigSchema = z.strictObject({
  target: z.string().min(1),
  gpus: z.number().int().positive(),
  num_nodes: z.number().int().positive().default(1),
  tensor_parallel_size: z.number().int().positive().default(1),
  data_parallel_size: z.number().int().positive().default(1),
  use_sequence_parallel: z.boolean().default(false),
  micro_batch_size: z.number().int().positive().default(1),
  training_precision: z.string().default('bf16-mixed'),
  max_seq_length: z.number().int().positive().default(4096),
});

export const CandidateModelSchema = z
  .strictObject({
    model_name: z
      .string()
      .regex(/^[^/\s]+\/[^/\s]+$/, 'must look like "namespace/name", e.g. meta/llama-3.2-1b-instruct'),
    tag: z.string().optional(),
    context_length: z.number().int().positive(),
    gpus: z.number().int().positive().default(1),
    pvc_size: z.string().optional(),
    registry_base: z.string().default('nvcr.io/nim'),
    customization_enabled: z.boolean().default(false),
    customizer_configs: CustomizerConfigSchema.optional(),
    model_type: z.enum(['llm', 'embedding']).default('llm'),
  })
  .refine((m) => !m.customization_enabled || m.customizer_configs !== undefined, {
    message: 'customization_enabled requires customizer_configs',
    path: ['customizer_configs'],
  });

const RemoteEndpointSchema = z.strictObject({
  deployment_type: z.literal('remote'),
  url: z.url(),
  model_name: z.string().min(1),
  api_key_env: z.string().optional(),
});

const LocalEndpointSchema = z.strictObject({
  deployment_type: z.literal('local'),
  model_name: z.string().min(1),
  context_length: z.number().int().positive(),
  gpus: z.number().int().positive().default(1),
  pvc_size: z.string().optional(),
  tag: z.string().optional(),
  registry_base: z.string().default('nvcr.io/nim'),
});

export const EndpointConfigSchema = z.discriminatedUnion('deployment_type', [
  RemoteEndpointSchema,
  LocalEndpointSchema,
]);

export const DataSplitConfigSchema = z.strictObject({
  eval_size: z.number().int().positive().default(20),
  val_ratio: z.number().min(0).lt(1).default(0.1),
  min_total_records: z.number().int().nonnegative().default(50),
  random_seed: z.number().int().nullable().default(null),
  limit: z.number().int().positive().default(10000),
  parse_function_arguments: z.boolean().default(true),
});

export const SimilarityConfigSchema = z.strictObject({
  relevance_ratio: z.number().min(0).max(1).default(0.7),
  embedding_nim_config: EndpointConfigSchema,
});

export const IclConfigSchema = z
  .strictObject({
    max_context_length: z.number().int().positive().default(8192),
    reserved_tokens: z.number().int().nonnegative().default(2048),
    max_examples: z.number().int().nonnegative().default(3),
    min_examples: z.number().int().nonnegative().default(1),
    example_selection: z.enum(['uniform_distribution', 'semantic_similarity']).default('uniform_distribution'),
    similarity_config: SimilarityConfigSchema.optional(),
  })
  .refine((c) => c.example_selection !== 'semantic_similarity' || c.similarity_config !== undefined, {
    message: 'example_selection semantic_similarity requires similarity_config',
    path: ['similarity_config'],
  });

export const TrainingConfigSchema = z.strictObject({
  training_type: z.literal('sft').default('sft'),
  finetuning_type: z.literal('lora').default('lora'),
  epochs: z.number().int().positive().default(2),
  batch_size: z.number().int().positive().default(16),
  learning_rate: z.number().positive().default(0.0001),
  lora: z
    .strictObject({
      adapter_dim: z.number().int().positive().default(32),
      adapter_dropout: z.number().min(0).lt(1).default(0.1),
    })
    .prefault({}),
});

/** Timeouts and poll intervals (upstream hard-codes these; here they are configuration). */
export const TimingConfigSchema = z
  .strictObject({
    poll_interval_ms: z.number().int().positive().default(5000),
    /**
     * How long a polling activity may go without a heartbeat before Temporal retries it on
     * another worker; also bounds how fast a cancellation reaches it. Must exceed the poll interval.
     */
    heartbeat_timeout_ms: z.number().int().positive().default(30_000),
    /**
     * Bound on a deployment becoming ready and its model (or a customized adapter) being
     * served: a real NIM pulls its image and loads weights for tens of minutes.
     */
    deployment_timeout_ms: z.number().int().positive().default(3_600_000),
    /** A running job that makes no progress for this long is treated as stalled. */
    job_stall_timeout_ms: z.number().int().positive().default(3_600_000),
    /** How long a job may wait queued (`created` / `pending`, e.g. for GPUs) before the run gives up on it. */
    queue_timeout_ms: z.number().int().positive().default(14_400_000),
    /** Bound on a deleted deployment disappearing from DMS; past it teardown ends and says what DMS last reported. */
    teardown_timeout_ms: z.number().int().positive().default(900_000),
  })
  .refine((t) => t.heartbeat_timeout_ms >= 2 * t.poll_interval_ms, {
    message: 'must be at least twice poll_interval_ms (activities heartbeat once per poll)',
    path: ['heartbeat_timeout_ms'],
  });

/** What a candidate's NIM does while its LoRA trains (README, "Where Flywheel differs from the Blueprint"). */
export const NIM_RELEASE_POLICIES = ['hold', 'release', 'auto'] as const;

/**
 * GPU economics: whether a candidate's NIM is released while its LoRA trains and redeployed for
 * the customized evaluation. `auto` releases when the expected remaining training outlasts the
 * expected redeploy (fewer GPU-seconds than holding), from the expected times below.
 */
export const GpuPolicyConfigSchema = z.strictObject({
  nim_release: z.enum(NIM_RELEASE_POLICIES).default('auto'),
  /** Expected time for a NIM to deploy (image pull, weights load), realistic milliseconds. */
  expected_deployment_ms: z.number().int().nonnegative().default(900_000),
  /** Expected fixed part of a LoRA customization (queue, start-up), realistic milliseconds. */
  expected_training_base_ms: z.number().int().nonnegative().default(300_000),
  /** Expected training time per training record and epoch, realistic milliseconds. */
  expected_training_ms_per_record_epoch: z.number().nonnegative().default(600),
  /**
   * Runs that need a NIM of the same model at the same time share one deployment (a share of
   * its GPU lease): evaluations name the model, not the deployment, so a second NIM of a model
   * beside the first would sit idle. Each run's LoRA adapter is served on the shared NIM.
   */
  share_nims: z.boolean().default(true),
});

// ---------------------------------------------------------------- decision (quality gate, cost)
// What a run's recommendation is judged by: the gate per workload type and the prices of the
// models. See README "The decision".

const gateRule = <const M extends readonly [string, ...string[]]>(metrics: M, metric: M[number]) =>
  z
    .strictObject({
      /** The score that decides. */
      metric: z.enum(metrics).default(metric),
      /** Relative to the production model, whose logged answers are the eval references (1.0 = the same). */
      threshold: z.number().gt(0).max(1).default(0.9),
      /** Fewer eval items than this and no score is trusted. */
      min_eval_size: z.number().int().positive().default(20),
    })
    .prefault({});

export const QualityGateConfigSchema = z.strictObject({
  /** Two-sided confidence level of every interval; a candidate passes on the lower bound. */
  confidence_level: z.number().gt(0).lt(1).default(0.95),
  tool_calling: gateRule(
    ['function_name_and_args_accuracy', 'function_name', 'tool_calling_correctness'] as const,
    'function_name_and_args_accuracy',
  ),
  classification: gateRule(['f1'] as const, 'f1'),
  generic: gateRule(['similarity'] as const, 'similarity'),
  /** embedding_job: relative to the production reranker's judgements (1.0 = its relevant passages ranked first). */
  retrieval: gateRule(RETRIEVAL_METRICS, 'ndcg_cut_10'),
});

const PerTokenPriceSchema = z.strictObject({
  model_name: z.string().min(1),
  /** USD per million prompt tokens. */
  input_per_million: z.number().nonnegative(),
  /** USD per million completion tokens. */
  output_per_million: z.number().nonnegative(),
});
const GpuPriceSchema = z.strictObject({
  model_name: z.string().min(1),
  /** GPUs per replica. */
  gpus: z.number().int().positive(),
  /** USD per GPU-hour. */
  gpu_hourly_rate: z.number().nonnegative(),
  /** Tokens (prompt + completion) one replica serves per second. */
  tokens_per_second: z.number().positive(),
});
export const ModelPriceSchema = z.union([PerTokenPriceSchema, GpuPriceSchema]);

/**
 * Default prices: per-token list prices proportional to parameter count (USD 0.01 per billion
 * parameters per million tokens), the assumption behind the Blueprint's "up to 98.6%" for
 * 70B -> 1B. Illustrative, not a quote: set your own in `cost_model.models`.
 */
export const DEFAULT_MODEL_PRICES: z.infer<typeof ModelPriceSchema>[] = [
  { model_name: 'meta/llama-3.3-70b-instruct', input_per_million: 0.7, output_per_million: 0.7 },
  { model_name: 'meta/llama-3.1-70b-instruct', input_per_million: 0.7, output_per_million: 0.7 },
  { model_name: 'meta/llama-3.1-8b-instruct', input_per_million: 0.08, output_per_million: 0.08 },
  { model_name: 'meta/llama-3.2-3b-instruct', input_per_million: 0.03, output_per_million: 0.03 },
  { model_name: 'meta/llama-3.2-1b-instruct', input_per_million: 0.01, output_per_million: 0.01 },
  // embedding models read tokens and write none
  { model_name: 'nvidia/nv-embedqa-mistral-7b-v2', input_per_million: 0.07, output_per_million: 0 },
  { model_name: 'nvidia/llama-3.2-nv-embedqa-1b-v2', input_per_million: 0.01, output_per_million: 0 },
];

export const CostModelConfigSchema = z.strictObject({
  /** The model serving the workload today; null: the model most of the logged requests name. */
  production_model: z.string().min(1).nullable().default(null),
  /** Prices added to (or replacing, by model_name) DEFAULT_MODEL_PRICES. */
  models: z.array(ModelPriceSchema).default([]),
  /** Requests per day are averaged over at most this many days before the newest log record. */
  traffic_window_days: z.number().int().positive().default(30),
  /** Logged requests whose tokens are counted for the per-request averages. */
  token_sample_size: z.number().int().positive().max(10_000).default(500),
});

/** Every price in force: the defaults, overridden or extended by the config's own. */
export function modelPrices(
  cost: z.infer<typeof CostModelConfigSchema>,
): Map<string, z.infer<typeof ModelPriceSchema>> {
  return new Map([...DEFAULT_MODEL_PRICES, ...cost.models].map((p) => [p.model_name, p]));
}
// ---------------------------------------------------------------- end of decision

// ---------------------------------------------------------------- regression gate
// General-capability benchmarks (NeMo Evaluator academic benchmark evaluation types, e.g. the
// LM Evaluation Harness's gsm8k) run on the base and the customized model of each candidate; a
// customized model whose score on any of them falls below `threshold_ratio` x the base model's
// is not recommended (catastrophic forgetting). See README "The regression gate".

/** An Evaluator config `type` / task name: letters, digits, `_` and `-` (stored as a document key). */
const BENCHMARK_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]*$/;

export const GeneralBenchmarkSchema = z.strictObject({
  /** The Evaluator's evaluation type, as its docs name it (`gsm8k`, `mmlu`, `ifeval`, `gpqa_diamond_cot`...). */
  type: z.string().regex(BENCHMARK_NAME, 'must be an Evaluator evaluation type such as gsm8k'),
  /** The task of that type to run and read (default: the type itself). */
  task: z.string().regex(BENCHMARK_NAME).optional(),
  /** The metric of the task's results that is compared; default: `exact_match__strict-match` for gsm8k, else the only or first metric. */
  metric: z.string().min(1).optional(),
  /** `params.limit_samples`: how many benchmark items to score (small keeps a run cheap; the ratio is noisier). */
  limit_samples: z.number().int().positive().default(50),
  /** Other documented `params` (temperature, top_p, max_tokens, stop, parallelism, extra.num_fewshot...). */
  params: z.record(z.string(), z.unknown()).default({}),
});

export const RegressionGateConfigSchema = z.strictObject({
  /** Off by default: a config without this section behaves as before. */
  enabled: z.boolean().default(false),
  /** The customized model must keep at least this fraction of the base model's score on every benchmark. */
  threshold_ratio: z.number().gt(0).max(1).default(0.95),
  /** Run for every customized candidate unless `candidates` names its own list. */
  benchmarks: z
    .array(GeneralBenchmarkSchema)
    .default([{ type: 'gsm8k', limit_samples: 50, params: {} }])
    .refine((b) => new Set(b.map((x) => x.type)).size === b.length, 'each benchmark type at most once'),
  /** Per candidate (by `model_name`): its own benchmarks, replacing `benchmarks`. */
  candidates: z
    .record(
      z.string(),
      z
        .array(GeneralBenchmarkSchema)
        .refine((b) => new Set(b.map((x) => x.type)).size === b.length, 'each benchmark type at most once'),
    )
    .default({}),
});

// ---------------------------------------------------------------- end of regression gate

export const FlywheelConfigSchema = z
  .strictObject({
    nmp_config: NmpConfigSchema,
    nims: z.array(CandidateModelSchema).min(1, 'at least one candidate model (nims) must be configured'),
    llm_judge_config: EndpointConfigSchema,
    data_split_config: DataSplitConfigSchema.prefault({}),
    icl_config: IclConfigSchema.prefault({}),
    training_config: TrainingConfigSchema.prefault({}),
    workload_type: WorkloadType.default('auto'),
    /** GPUs shared by every run; a candidate deploys only when its GPUs are free. */
    gpu_budget: z.number().int().positive().default(8),
    timing: TimingConfigSchema.prefault({}),
    gpu_policy: GpuPolicyConfigSchema.prefault({}),
    // decision
    quality_gate: QualityGateConfigSchema.prefault({}),
    cost_model: CostModelConfigSchema.prefault({}),
    // regression gate
    regression_gate: RegressionGateConfigSchema.prefault({}),
    /** Candidate embedding models of an embedding_job (model_type: embedding). */
    embedding_nims: z.array(CandidateModelSchema).default([]),
    retrieval_config: RetrievalConfigSchema.prefault({}),
    embedding_training_config: EmbeddingTrainingConfigSchema.prefault({}),
  })
  .superRefine((c, ctx) => {
    if (c.icl_config.max_examples > c.data_split_config.eval_size) {
      ctx.addIssue({
        code: 'custom',
        path: ['icl_config', 'max_examples'],
        message: `must not exceed data_split_config.eval_size (${c.data_split_config.eval_size})`,
      });
    }
    const seen = new Set<string>();
    c.nims.forEach((n, i) => {
      if (seen.has(n.model_name)) {
        ctx.addIssue({ code: 'custom', path: ['nims', i, 'model_name'], message: 'duplicate candidate model' });
      }
      seen.add(n.model_name);
    });
    for (const name of Object.keys(c.regression_gate.candidates)) {
      if (!seen.has(name)) {
        ctx.addIssue({
          code: 'custom',
          path: ['regression_gate', 'candidates', name],
          message: 'not a candidate model (nims[].model_name)',
        });
      }
    }
    const embedders = new Set<string>();
    c.embedding_nims.forEach((n, i) => {
      if (embedders.has(n.model_name)) {
        ctx.addIssue({
          code: 'custom',
          path: ['embedding_nims', i, 'model_name'],
          message: 'duplicate candidate model',
        });
      }
      embedders.add(n.model_name);
    });
  });

export type NmpConfig = z.infer<typeof NmpConfigSchema>;
export type CandidateModel = z.infer<typeof CandidateModelSchema>;
export type CustomizerConfig = z.infer<typeof CustomizerConfigSchema>;
export type EndpointConfig = z.infer<typeof EndpointConfigSchema>;
export type DataSplitConfig = z.infer<typeof DataSplitConfigSchema>;
export type IclConfig = z.infer<typeof IclConfigSchema>;
export type TrainingConfig = z.infer<typeof TrainingConfigSchema>;
export type GpuPolicyConfig = z.infer<typeof GpuPolicyConfigSchema>;
export type FlywheelConfig = z.infer<typeof FlywheelConfigSchema>;
export type QualityGateConfig = z.infer<typeof QualityGateConfigSchema>;
export type CostModelConfig = z.infer<typeof CostModelConfigSchema>;
export type ModelPrice = z.infer<typeof ModelPriceSchema>;
export type GeneralBenchmark = z.infer<typeof GeneralBenchmarkSchema>;
export type RegressionGateConfig = z.infer<typeof RegressionGateConfigSchema>;
