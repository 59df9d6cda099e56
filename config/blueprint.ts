// A Blueprint config.yaml (NVIDIA-AI-Blueprints/data-flywheel, any released version) mapped onto
// Flywheel's config before validation, so none of its fields is silently dropped: each one either
// lands where Flywheel reads it, or loading fails naming the field and what to use instead.
// Everything else unknown is refused by the strict schema (config/schema.ts).
//
//   lora_config                      → training_config.lora (the Blueprint merges it the same way)
//   llm_judge_config.type            → deployment_type (older Blueprint versions)
//   llm_judge_config.model_id        → model_name (older Blueprint versions)
//   model_type (judge: llm, embedder: embedding), customization_enabled: false on the judge,
//   logging_config.level: INFO, mlflow_config.enabled: false
//                                    → accepted: what Flywheel does anyway
//   null for an optional field (nims.N.gpus: null)  → the default, as the Blueprint reads it

export interface ConfigIssue {
  path: string;
  message: string;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Optional candidate / endpoint fields the Blueprint allows to be null, meaning "not set". */
const NULLABLE = ['tag', 'gpus', 'pvc_size', 'customizer_configs', 'api_key_env', 'url', 'registry_base'];

function dropNulls(o: Obj) {
  for (const k of NULLABLE) if (o[k] === null) delete o[k];
}

function rename(o: Obj, from: string, to: string, where: string, issues: ConfigIssue[]) {
  if (!(from in o)) return;
  if (to in o && o[to] !== o[from]) {
    issues.push({
      path: `${where}.${from}`,
      message: `conflicts with ${where}.${to} (${JSON.stringify(o[to])}); keep only ${to}`,
    });
  } else o[to] = o[from];
  delete o[from];
}

function acceptOnly(o: Obj, key: string, value: unknown, where: string, message: string, issues: ConfigIssue[]) {
  if (!(key in o)) return;
  if (o[key] !== value) issues.push({ path: `${where}.${key}`, message });
  delete o[key];
}

function endpoint(o: unknown, where: string, modelType: 'llm' | 'embedding', issues: ConfigIssue[]) {
  if (!isObj(o)) return;
  rename(o, 'type', 'deployment_type', where, issues);
  rename(o, 'model_id', 'model_name', where, issues);
  dropNulls(o);
  if ('context_length' in o && o.context_length === null) delete o.context_length;
  acceptOnly(o, 'model_type', modelType, where, `must be "${modelType}" here (or left out)`, issues);
  acceptOnly(
    o,
    'customization_enabled',
    false,
    where,
    'a judge or embedding model is never customized; remove it (customize candidates under nims[])',
    issues,
  );
  if ('api_key' in o) {
    issues.push({
      path: `${where}.api_key`,
      message:
        'keys are never read from the config file: put the key in an environment variable and name it with api_key_env',
    });
    delete o.api_key;
  }
  if (o.deployment_type === 'remote') {
    for (const k of ['context_length', 'gpus', 'pvc_size', 'tag', 'registry_base']) {
      if (k in o) {
        issues.push({
          path: `${where}.${k}`,
          message: 'only applies to a local (deployed) model; remove it, or set deployment_type: local',
        });
        delete o[k];
      }
    }
  }
}

/** Blueprint-only sections and fields → Flywheel's, plus the fields that cannot take effect. */
export function fromBlueprint(raw: unknown): { config: unknown; issues: ConfigIssue[] } {
  if (!isObj(raw)) return { config: raw, issues: [] };
  const c = structuredClone(raw) as Obj;
  const issues: ConfigIssue[] = [];

  if ('lora_config' in c) {
    const lora = c.lora_config;
    delete c.lora_config;
    if (isObj(lora)) {
      const training = isObj(c.training_config) ? c.training_config : {};
      c.training_config = training;
      const existing = isObj(training.lora) ? training.lora : {};
      for (const [k, v] of Object.entries(lora)) {
        if (k in existing && existing[k] !== v) {
          issues.push({
            path: `lora_config.${k}`,
            message: `conflicts with training_config.lora.${k}; set it in one place`,
          });
        }
      }
      training.lora = { ...lora, ...existing };
    } else if (lora !== null) {
      issues.push({ path: 'lora_config', message: 'must be a mapping (adapter_dim, adapter_dropout)' });
    }
  }

  if (isObj(c.nmp_config) && 'nim_parallelism' in c.nmp_config) {
    issues.push({
      path: 'nmp_config.nim_parallelism',
      message:
        'Flywheel runs candidates concurrently as their GPUs fit; bound them with gpu_budget (GPUs shared by every run) instead',
    });
    delete c.nmp_config.nim_parallelism;
  }

  if ('logging_config' in c) {
    const logging = c.logging_config;
    const level = isObj(logging) ? String(logging.level ?? 'INFO').toUpperCase() : undefined;
    const others = isObj(logging) ? Object.keys(logging).filter((k) => k !== 'level') : [];
    if (level !== 'INFO' || others.length > 0) {
      issues.push({
        path: others.length > 0 ? `logging_config.${others[0]}` : 'logging_config.level',
        message:
          'the log level is a process setting, not a run setting: Flywheel logs at INFO; remove logging_config from the run config',
      });
    }
    delete c.logging_config;
  }

  if ('mlflow_config' in c) {
    const mlflow = c.mlflow_config;
    if (!isObj(mlflow) || mlflow.enabled !== false) {
      issues.push({
        path: 'mlflow_config',
        message:
          'MLflow tracking is a deployment setting here, not part of the run config: set FLYWHEEL_MLFLOW_URI on the worker (chart: mlflow.uri) and remove the section (or set enabled: false)',
      });
    }
    delete c.mlflow_config;
  }

  endpoint(c.llm_judge_config, 'llm_judge_config', 'llm', issues);
  if (isObj(c.icl_config) && isObj(c.icl_config.similarity_config)) {
    endpoint(
      c.icl_config.similarity_config.embedding_nim_config,
      'icl_config.similarity_config.embedding_nim_config',
      'embedding',
      issues,
    );
  }
  if (Array.isArray(c.nims)) {
    c.nims.forEach((n, i) => {
      if (!isObj(n)) return;
      dropNulls(n);
      acceptOnly(
        n,
        'model_type',
        'llm',
        `nims.${i}`,
        'candidates are LLMs: only "llm" (or leaving it out) is evaluated',
        issues,
      );
    });
  }
  return { config: c, issues };
}
