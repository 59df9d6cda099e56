import { parse } from 'yaml';
import { ConfigError, parseFlywheelConfig } from '../../config/load';

// Exercises: config/blueprint.ts (applied by parseFlywheelConfig, which this file calls)

// A Blueprint config.yaml with every section set to a non-default value: each value lands in
// the field Flywheel's activities read (deployment, judge, split, ICL, customization), or the
// load fails naming the field and what to use instead. Nothing is dropped silently.

const BLUEPRINT_CONFIG = `
nmp_config:
  nemo_base_url: "http://nemo.example:8000"
  nim_base_url: "http://nim.example:8001"
  datastore_base_url: "http://datastore.example:3000"
  nmp_namespace: "team-a"
logging_config:
  level: "INFO"
mlflow_config:
  enabled: false
  tracking_uri: "http://mlflow.example:5000"
llm_judge_config:
  deployment_type: "local"
  model_name: "meta/llama-3.1-70b-instruct"
  context_length: 16384
  gpus: 2
  pvc_size: 50Gi
  tag: "1.9.0"
  registry_base: "registry.example/nim"
  model_type: "llm"
  customization_enabled: false
nims:
  - model_name: "meta/llama-3.1-8b-instruct"
    tag: "1.8.4"
    context_length: 16384
    gpus: 2
    pvc_size: 30Gi
    registry_base: "registry.example/nim"
    customization_enabled: true
    model_type: "llm"
    customizer_configs:
      target: "meta/llama-3.1-8b-instruct@2.0"
      gpus: 2
      num_nodes: 2
      tensor_parallel_size: 2
      data_parallel_size: 2
      use_sequence_parallel: true
      micro_batch_size: 4
      training_precision: "bf16"
      max_seq_length: 2048
  - model_name: "meta/llama-3.2-1b-instruct"
    context_length: 8192
    gpus: null
    pvc_size: null
    tag: null
data_split_config:
  eval_size: 30
  val_ratio: 0.2
  min_total_records: 60
  random_seed: 7
  limit: 500
  parse_function_arguments: false
icl_config:
  max_context_length: 16384
  reserved_tokens: 1024
  max_examples: 5
  min_examples: 2
  example_selection: "semantic_similarity"
  similarity_config:
    relevance_ratio: 0.5
    embedding_nim_config:
      deployment_type: "remote"
      url: "https://embed.example/v1/embeddings"
      model_name: "nvidia/llama-3.2-nv-embedqa-1b-v2"
      api_key_env: "EMB_KEY"
      model_type: "embedding"
training_config:
  training_type: "sft"
  finetuning_type: "lora"
  epochs: 3
  batch_size: 8
  learning_rate: 0.0002
lora_config:
  adapter_dim: 16
  adapter_dropout: 0.05
`;

const blueprint = () => parse(BLUEPRINT_CONFIG) as Record<string, Record<string, unknown>>;

function refusal(raw: unknown): { path: string; message: string }[] {
  try {
    parseFlywheelConfig(raw, 'blueprint config');
  } catch (err) {
    if (err instanceof ConfigError) return err.issues;
    throw err;
  }
  throw new Error('the config loaded');
}

test('every section of a Blueprint config takes effect where Flywheel reads it', () => {
  const c = parseFlywheelConfig(blueprint());
  expect(c.nmp_config).toEqual({
    nemo_base_url: 'http://nemo.example:8000',
    nim_base_url: 'http://nim.example:8001',
    datastore_base_url: 'http://datastore.example:3000',
    nmp_namespace: 'team-a',
  });
  expect(c.llm_judge_config).toEqual({
    deployment_type: 'local',
    model_name: 'meta/llama-3.1-70b-instruct',
    context_length: 16384,
    gpus: 2,
    pvc_size: '50Gi',
    tag: '1.9.0',
    registry_base: 'registry.example/nim',
  });
  expect(c.nims[0]).toEqual({
    model_name: 'meta/llama-3.1-8b-instruct',
    tag: '1.8.4',
    context_length: 16384,
    gpus: 2,
    pvc_size: '30Gi',
    registry_base: 'registry.example/nim',
    customization_enabled: true,
    model_type: 'llm',
    customizer_configs: {
      target: 'meta/llama-3.1-8b-instruct@2.0',
      gpus: 2,
      num_nodes: 2,
      tensor_parallel_size: 2,
      data_parallel_size: 2,
      use_sequence_parallel: true,
      micro_batch_size: 4,
      training_precision: 'bf16',
      max_seq_length: 2048,
    },
  });
  // null is "not set" in the Blueprint: the defaults apply
  expect(c.nims[1]).toMatchObject({ gpus: 1, registry_base: 'nvcr.io/nim' });
  expect(c.nims[1]?.tag).toBeUndefined();
  expect(c.data_split_config).toEqual({
    eval_size: 30,
    val_ratio: 0.2,
    min_total_records: 60,
    random_seed: 7,
    limit: 500,
    parse_function_arguments: false,
  });
  expect(c.icl_config).toEqual({
    max_context_length: 16384,
    reserved_tokens: 1024,
    max_examples: 5,
    min_examples: 2,
    example_selection: 'semantic_similarity',
    similarity_config: {
      relevance_ratio: 0.5,
      embedding_nim_config: {
        deployment_type: 'remote',
        url: 'https://embed.example/v1/embeddings',
        model_name: 'nvidia/llama-3.2-nv-embedqa-1b-v2',
        api_key_env: 'EMB_KEY',
      },
    },
  });
  // the Blueprint's separate lora_config section is merged into training_config.lora, as upstream
  expect(c.training_config).toEqual({
    training_type: 'sft',
    finetuning_type: 'lora',
    epochs: 3,
    batch_size: 8,
    learning_rate: 0.0002,
    lora: { adapter_dim: 16, adapter_dropout: 0.05 },
  });
});

test('values Flywheel cannot honour are refused by name, with what to use instead', () => {
  const raw = blueprint();
  raw.logging_config = { level: 'DEBUG' };
  raw.mlflow_config = { enabled: true, tracking_uri: 'http://mlflow.example:5000' };
  (raw.nmp_config as Record<string, unknown>).nim_parallelism = 2;
  const issues = refusal(raw);
  expect(issues.map((i) => i.path).sort()).toEqual([
    'logging_config.level',
    'mlflow_config',
    'nmp_config.nim_parallelism',
  ]);
  expect(issues.find((i) => i.path === 'nmp_config.nim_parallelism')?.message).toContain('gpu_budget');
  expect(issues.find((i) => i.path === 'logging_config.level')?.message).toContain('INFO');
  expect(issues.find((i) => i.path === 'mlflow_config')?.message).toContain('FLYWHEEL_MLFLOW_URI');
});

test('an older Blueprint judge (type, model_id, api_key_env) maps over; a key in the file is refused', () => {
  const raw = blueprint();
  raw.llm_judge_config = {
    type: 'remote',
    url: 'https://integrate.api.nvidia.com/v1/chat/completions',
    model_id: 'meta/llama-3.3-70b-instruct',
    api_key_env: 'NVCF_API_KEY',
  };
  expect(parseFlywheelConfig(raw).llm_judge_config).toEqual({
    deployment_type: 'remote',
    url: 'https://integrate.api.nvidia.com/v1/chat/completions',
    model_name: 'meta/llama-3.3-70b-instruct',
    api_key_env: 'NVCF_API_KEY',
  });
  raw.llm_judge_config = { ...raw.llm_judge_config, api_key: 'nvapi-secret', gpus: 4 };
  const issues = refusal(raw);
  expect(issues.map((i) => i.path).sort()).toEqual(['llm_judge_config.api_key', 'llm_judge_config.gpus']);
  expect(issues.find((i) => i.path === 'llm_judge_config.api_key')?.message).toContain('api_key_env');
  expect(JSON.stringify(issues)).not.toContain('nvapi-secret');
});

test('a field Flywheel does not know, in any section, fails the load naming it', () => {
  const raw = blueprint();
  (raw.data_split_config as Record<string, unknown>).eval_sise = 10;
  (raw.training_config as Record<string, unknown>).adapter_alpha = 16;
  ((raw.nims as unknown as Record<string, unknown>[])[0] as Record<string, unknown>).replicas = 2;
  raw.evaluation_config = { workload_type: 'generic' };
  expect(
    refusal(raw)
      .map((i) => i.path)
      .sort(),
  ).toEqual(['data_split_config.eval_sise', 'evaluation_config', 'nims.0.replicas', 'training_config.adapter_alpha']);
});

test('lora_config and training_config.lora disagreeing is refused, naming both', () => {
  const raw = blueprint();
  (raw.training_config as Record<string, unknown>).lora = { adapter_dim: 64 };
  expect(refusal(raw)).toEqual([
    { path: 'lora_config.adapter_dim', message: expect.stringContaining('training_config.lora') },
  ]);
});
