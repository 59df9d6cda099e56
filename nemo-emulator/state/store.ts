import type { TunedEmbedder } from '../models/embedding-tuning';
import type { Exemplar } from '../models/exemplars';
import type { TrainingIntensity } from '../models/forgetting';

// Everything the emulated services remember, in memory. Route handlers and life cycles share
// one store; `POST /admin/reset` replaces it with an empty one.

export interface EntityNamespace {
  id: string;
  created_at: string;
  updated_at: string;
}

export interface EntityDataset {
  id: string;
  name: string;
  namespace: string;
  description: string;
  files_url: string;
  project?: string;
  created_at: string;
  updated_at: string;
}

export interface EntityModel {
  id: string;
  name: string;
  namespace: string;
  base_model?: string;
  created_at: string;
  updated_at: string;
}

export interface Repo {
  id: string;
  files: Map<string, Buffer>;
  /** The head commit of `main`. */
  sha: string;
  created_at: string;
}

/** The SDK's v1 `JobStatus` enum: every status any job or deployment reports is one of these. */
export const JOB_STATUSES = [
  'created',
  'pending',
  'running',
  'cancelled',
  'cancelling',
  'failed',
  'completed',
  'ready',
  'unknown',
] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];

export type DeploymentStatus = Extract<JobStatus, 'created' | 'pending' | 'ready' | 'failed'>;

export interface Deployment {
  name: string;
  namespace: string;
  config: { model: string; nim_deployment: Record<string, unknown> };
  status_details: { status: DeploymentStatus; description: string };
  /** DELETE was called: the record lingers (status unchanged, nothing served) until removed. */
  deleting: boolean;
  created_at: string;
  updated_at: string;
  controller: AbortController;
}

export interface CustomizationTarget {
  id: string;
  name: string;
  namespace: string;
  base_model: string;
  model_path: string;
  num_parameters: number;
  precision: 'bf16-mixed';
  enabled: boolean;
  status: 'ready';
  model_type: 'nemo';
  created_at: string;
  updated_at: string;
}

export interface CustomizationConfig {
  name: string;
  namespace: string;
  target: string;
  training_options: unknown[];
  training_precision?: string;
  max_seq_length?: number;
  created_at: string;
  updated_at: string;
}

export interface StatusLog {
  message: string;
  detail?: string;
  updated_at: string;
}

export interface CustomizationJob {
  id: string;
  /** Accepted on create (unique in the namespace), never echoed: the SDK's job model has no name. */
  name?: string;
  namespace?: string;
  custom_fields: Record<string, string>;
  /** The server's name for the customized model: the requested name plus `@{job id}`. */
  output_model: string;
  config: string;
  base_model: string;
  dataset: { name: string; namespace: string };
  /** The dataset's files_url when the job was created (what `filter[dataset]` matches). */
  dataset_files_url: string;
  hyperparameters: Record<string, unknown> & { epochs: number; batch_size: number };
  /** Embedding models only: how many negatives per query the training uses. */
  dataset_parameters?: { num_hard_negatives?: number };
  status: JobStatus;
  percentage_done: number;
  epochs_completed: number;
  steps_completed: number;
  steps_per_epoch?: number;
  status_logs: StatusLog[];
  created_at: string;
  updated_at: string;
  controller: AbortController;
}

/** A completed customization as the NIM proxy serves it: the base model plus what it learned. */
export interface TrainedModel {
  id: string;
  baseModel: string;
  exemplars: Exemplar[];
  epochs: number;
  /** How hard it was trained: what its general skill retains (models/forgetting.ts). */
  training: TrainingIntensity;
  jobId: string;
  /** Epoch ms after which the NIM serves the adapter (adapter sync). */
  servedFrom: number;
}

/** A fine-tuned embedding model (models/embedding-tuning.ts), served like an adapter once synced. */
export interface TrainedEmbedder {
  id: string;
  baseModel: string;
  tuned: TunedEmbedder;
  jobId: string;
  servedFrom: number;
}

export interface EvaluationSample {
  task: string;
  index: number;
  item: unknown;
  sample: { output_text: string; response: unknown };
  metrics: Record<string, Record<string, number | null>>;
}

export interface EvaluationJob {
  id: string;
  namespace?: string;
  custom_fields: Record<string, unknown>;
  config: unknown;
  target: unknown;
  status: JobStatus;
  status_details: { progress: number; message: string; samples_processed: number };
  results?: unknown;
  /** Per-sample outputs and scores, served in the download-results archive. */
  samples: EvaluationSample[];
  created_at: string;
  updated_at: string;
  controller: AbortController;
}

export interface EmulatorState {
  namespaces: Map<string, EntityNamespace>;
  datasets: Map<string, EntityDataset>;
  models: Map<string, EntityModel>;
  datastoreNamespaces: Set<string>;
  repos: Map<string, Repo>;
  deployments: Map<string, Deployment>;
  customizationTargets: Map<string, CustomizationTarget>;
  customizationConfigs: Map<string, CustomizationConfig>;
  customizationJobs: Map<string, CustomizationJob>;
  trainedModels: Map<string, TrainedModel>;
  evaluationJobs: Map<string, EvaluationJob>;
  trainedEmbedders: Map<string, TrainedEmbedder>;
}

export function createState(): EmulatorState {
  return {
    namespaces: new Map(),
    datasets: new Map(),
    models: new Map(),
    datastoreNamespaces: new Set(),
    repos: new Map(),
    deployments: new Map(),
    customizationTargets: new Map(),
    customizationConfigs: new Map(),
    customizationJobs: new Map(),
    trainedModels: new Map(),
    evaluationJobs: new Map(),
    trainedEmbedders: new Map(),
  };
}

export function now(): string {
  return new Date().toISOString();
}

export function key(namespace: string, name: string): string {
  return `${namespace}/${name}`;
}
