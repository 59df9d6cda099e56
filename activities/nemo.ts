import type { EndpointConfig, FlywheelConfig } from '../config/schema';
import type { ResolvedWorkloadType } from '../contracts';

// What the activities need from NeMo Microservices, per run config (each named config may
// point at different endpoints). Implemented over nemo-client by `nemo-adapter.ts`.

export interface DeploymentSpec {
  name: string;
  namespace: string;
  config: {
    model: string;
    nim_deployment: {
      image_name: string;
      image_tag: string;
      pvc_size: string;
      gpu: number;
      additional_envs: Record<string, string>;
    };
  };
}

export interface RemoteJob {
  id: string;
}

export interface CustomizationJob extends RemoteJob {
  output_model: string;
}

export interface CustomizationStatus {
  status: string;
  percentage_done: number;
  epochs_completed: number;
  steps_completed: number;
  status_logs: { message: string; detail?: string | null }[];
}

export interface EvaluationJob extends RemoteJob {
  status: string;
  status_details?: { progress?: number | null; message?: string | null } | null;
}

export interface EvaluationRequest {
  name: string;
  workloadType: ResolvedWorkloadType;
  filesUrl: string;
  limit: number;
  targetModel: string;
  judge: EndpointConfig;
}

export interface DatasetFile {
  /** Path inside the repository, e.g. `training/train_data.jsonl`. */
  path: string;
  content: string;
}

export interface NemoOps {
  /** Creates the namespace in Entity Store and Datastore unless it exists. */
  ensureNamespace(namespace: string): Promise<void>;
  deployments: {
    /** Creates the deployment unless one of that name exists. */
    ensure(spec: DeploymentSpec): Promise<void>;
    get(namespace: string, name: string): Promise<{ status_details: { status: string } }>;
    /** Deletes it; an absent deployment counts as deleted. */
    remove(namespace: string, name: string): Promise<void>;
  };
  nim: {
    listModelIds(): Promise<string[]>;
    /** Embeddings through the OpenAI-compatible `/v1/embeddings` of the given endpoint. */
    embed(
      target: { url: string; model: string; apiKey?: string },
      input: string[],
      inputType: 'query' | 'passage',
    ): Promise<number[][]>;
    probeChat(target: { url: string; model: string; apiKey?: string }): Promise<void>;
  };
  customizer: {
    ensureConfig(body: Record<string, unknown>): Promise<void>;
    createJob(body: Record<string, unknown>): Promise<CustomizationJob>;
    findJobByName(name: string): Promise<CustomizationJob | undefined>;
    getJob(id: string): Promise<CustomizationJob | undefined>;
    getStatus(id: string): Promise<CustomizationStatus>;
    cancelJob(id: string): Promise<void>;
    jobUri(id: string): string;
  };
  evaluator: {
    createJob(request: EvaluationRequest): Promise<EvaluationJob>;
    findJobByName(name: string): Promise<EvaluationJob | undefined>;
    getJob(id: string): Promise<EvaluationJob>;
    getResults(id: string): Promise<unknown>;
    extractScores(results: unknown, workloadType: EvaluationRequest['workloadType']): Record<string, number>;
    /** Deletes it; an absent job counts as deleted. */
    deleteJob(id: string): Promise<void>;
    jobUri(id: string): string;
  };
  entityStore: {
    /** Registers (or updates) a dataset pointing at `hf://datasets/{namespace}/{name}`. */
    registerDataset(dataset: { namespace: string; name: string; description: string }): Promise<{ filesUrl: string }>;
    deleteModel(name: string): Promise<void>;
    deleteDataset(namespace: string, name: string): Promise<void>;
  };
  datastore: {
    /** Creates the dataset repository unless it exists. */
    ensureRepo(namespace: string, name: string): Promise<void>;
    /** Uploads (replacing) files in one commit on `main`. */
    uploadFiles(namespace: string, name: string, files: DatasetFile[], message: string): Promise<void>;
    readFile(namespace: string, name: string, path: string): Promise<string>;
    /** The repository's file paths, or undefined when the repository does not exist. */
    listFiles(namespace: string, name: string): Promise<string[] | undefined>;
    deleteRepo(namespace: string, name: string): Promise<void>;
  };
}

export type NemoFactory = (config: FlywheelConfig) => NemoOps;
