import type { Exemplar } from '../models/exemplars';

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
  created_at: string;
}

export type DeploymentStatus = 'created' | 'pending' | 'ready' | 'failed' | 'deleting';

export interface Deployment {
  name: string;
  namespace: string;
  config: { model: string; nim_deployment: Record<string, unknown> };
  status_details: { status: DeploymentStatus; description: string };
  created_at: string;
  updated_at: string;
  controller: AbortController;
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

export type JobStatus = 'created' | 'pending' | 'running' | 'completed' | 'failed' | 'cancelled';

export interface StatusLog {
  message: string;
  detail?: string;
  updated_at: string;
}

export interface CustomizationJob {
  id: string;
  name: string;
  namespace?: string;
  output_model: string;
  config: string;
  base_model: string;
  dataset: { name: string; namespace: string };
  hyperparameters: Record<string, unknown> & { epochs: number; batch_size: number };
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
  jobId: string;
}

export interface EvaluationJob {
  id: string;
  name?: string;
  namespace?: string;
  config: unknown;
  target: unknown;
  status: JobStatus;
  status_details: { progress: number; message: string };
  results?: unknown;
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
  customizationConfigs: Map<string, CustomizationConfig>;
  customizationJobs: Map<string, CustomizationJob>;
  trainedModels: Map<string, TrainedModel>;
  evaluationJobs: Map<string, EvaluationJob>;
}

export function createState(): EmulatorState {
  return {
    namespaces: new Map(),
    datasets: new Map(),
    models: new Map(),
    datastoreNamespaces: new Set(),
    repos: new Map(),
    deployments: new Map(),
    customizationConfigs: new Map(),
    customizationJobs: new Map(),
    trainedModels: new Map(),
    evaluationJobs: new Map(),
  };
}

export function now(): string {
  return new Date().toISOString();
}

export function key(namespace: string, name: string): string {
  return `${namespace}/${name}`;
}
