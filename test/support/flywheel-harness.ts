import { randomBytes, randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import path from 'node:path';
import type { Client as ElasticsearchClient } from '@elastic/elasticsearch';
import type { WorkflowHandle } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker } from '@temporalio/worker';
import type { MongoClient } from 'mongodb';
import type { NemoFactory } from '../../activities/nemo-factory';
import { nemoClientFor } from '../../activities/nemo-factory';
import { loadFlywheelConfig } from '../../config/load';
import type { CandidateModel, FlywheelConfig } from '../../config/schema';
import type { Durations } from '../../nemo-emulator/runtime/durations';
import { startEmulator } from '../../nemo-emulator/server';
import { createElasticsearchClient } from '../../stores/elasticsearch';
import { loadLogs } from '../../stores/log-loader';
import { connectMongo } from '../../stores/mongo';
import { ResultsStore } from '../../stores/results/results-store';
import { runOutcome } from '../../temporal/run-outcome';
import { createFlywheelWorker } from '../../worker/create-worker';
import { type FlywheelRunInput, type FlywheelRunResult, workflowIdForJob } from '../../workflows/contract';
import { DEFAULT_GPU_LEDGER_ID } from '../../workflows/gpu-budget-contract';
import { EmulatorClient, type EmulatorCounters, type EmulatorGpus } from './emulator-client';
import { servers } from './servers';
import { connectTestEnvironment, uniqueTaskQueue, workflowBundle } from './temporal';

// Everything an end-to-end flywheel test needs, on the real servers: the NeMo emulator
// in-process, a fresh MongoDB database, a fresh Elasticsearch index loaded with a sample
// workload, and one worker per test file on a task queue of its own.

export const SAMPLE = {
  file: path.resolve(__dirname, '../../samples/customer-support.jsonl'),
  workloadId: 'e2e-tool-calling',
  clientId: 'e2e-client',
};

/** The production NeMo adapter with a short request timeout, so injected hangs cost seconds. */
export const testNemo: NemoFactory = (config) => nemoClientFor(config, { timeoutMs: 2000 });

export const MODELS = ['meta/llama-3.2-1b-instruct', 'meta/llama-3.2-3b-instruct', 'meta/llama-3.1-8b-instruct'];

export type { EmulatorCounters, EmulatorGpus } from './emulator-client';

export interface HarnessOptions {
  /** Emulator time scale: < 1 makes remote jobs faster than real time. */
  timeScale: number;
  /** Start an in-process worker (false when the test runs its own, e.g. in a child process). */
  worker?: boolean;
  /** Record every request body the emulator receives (GET /admin/requests). */
  recordRequests?: boolean;
  /** Emulator life-cycle durations before the time scale (default `demo`, the compressed profile). */
  profile?: 'demo' | 'realistic';
  /** An MLflow tracking server the worker tracks runs into. */
  mlflowUri?: string;
  /** Single emulator durations overriding the profile's. */
  durations?: Partial<Durations>;
}

export class FlywheelHarness {
  env!: TestWorkflowEnvironment;
  results!: ResultsStore;
  elasticsearch!: ElasticsearchClient;
  emulator!: { url: string; close: () => Promise<void> };
  readonly taskQueue = uniqueTaskQueue('flywheel-e2e');
  readonly dbName = `test_flywheel_${randomUUID().slice(0, 8)}`;
  readonly logIndex = `test-flywheel-logs-${randomUUID().slice(0, 8)}`;
  /** A GPU ledger of this file's own: the real one is shared by the whole namespace. */
  readonly gpuLedgerId = `${DEFAULT_GPU_LEDGER_ID}-${this.taskQueue}`;
  /** Configs the worker resolves by `config_name`; tests add their own. */
  readonly configs = new Map<string, FlywheelConfig>();
  private mongo!: MongoClient;
  private worker?: Worker;
  private workerDone?: Promise<void>;

  constructor(private readonly options: HarnessOptions) {}

  async start(): Promise<void> {
    this.emulator = await startEmulator({
      port: 0,
      timeScale: this.options.timeScale,
      seed: 7,
      profile: this.options.profile ?? 'demo',
      ...(this.options.durations ? { durations: this.options.durations } : {}),
      recordRequests: this.options.recordRequests ?? false,
    });
    const mongo = await connectMongo(servers.MONGODB_URL, this.dbName);
    this.mongo = mongo.client;
    this.results = new ResultsStore(mongo.db);
    await this.results.ensureIndexes();
    this.elasticsearch = createElasticsearchClient(servers.ELASTICSEARCH_URL);
    await loadLogs({
      elasticsearch: this.elasticsearch,
      index: this.logIndex,
      source: createReadStream(SAMPLE.file),
      workloadId: SAMPLE.workloadId,
      clientId: SAMPLE.clientId,
    });
    await this.elasticsearch.indices.refresh({ index: this.logIndex });
    this.env = await connectTestEnvironment();
    this.configs.set('default', this.config());
    if (this.options.worker !== false) await this.startWorker();
  }

  async startWorker(): Promise<void> {
    this.worker = await createFlywheelWorker({
      connection: this.env.nativeConnection,
      namespace: servers.TEMPORAL_NAMESPACE,
      taskQueue: this.taskQueue,
      workflowBundle: await workflowBundle(),
      deps: {
        results: this.results,
        temporal: this.env.client,
        taskQueue: this.taskQueue,
        gpuLedgerId: this.gpuLedgerId,
        elasticsearch: this.elasticsearch,
        logIndex: this.logIndex,
        ...(this.options.mlflowUri ? { mlflowUri: this.options.mlflowUri } : {}),
        loadConfig: (name = 'default') => {
          const config = this.configs.get(name);
          if (!config) throw new Error(`test config "${name}" not registered`);
          return config;
        },
      },
      nemo: testNemo,
      overrides: { shutdownGraceTime: '1 second', maxHeartbeatThrottleInterval: '300 milliseconds' },
    });
    this.workerDone = this.worker.run();
  }

  /**
   * The shipped default config pointed at the emulator, with fast timings and small data. NIMs
   * are not shared between runs unless `shareNims` says so: most tests follow one run's own
   * deployments (named after its job) while other runs of the same models go on beside it.
   */
  config(
    overrides: { models?: string[]; gpuBudget?: number; customize?: boolean; shareNims?: boolean } = {},
  ): FlywheelConfig {
    const base = loadFlywheelConfig('default', {});
    const models = overrides.models ?? MODELS.slice(0, 2);
    const nims: CandidateModel[] = models.map((model_name) => {
      const shipped = base.nims.find((n) => n.model_name === model_name) ?? base.nims[0];
      return {
        ...(shipped as CandidateModel),
        model_name,
        customization_enabled: overrides.customize ?? true,
        customizer_configs: {
          ...(shipped?.customizer_configs as NonNullable<CandidateModel['customizer_configs']>),
          target: `${model_name}@2.0`,
        },
      };
    });
    return {
      ...base,
      nmp_config: {
        ...base.nmp_config,
        nemo_base_url: this.emulator.url,
        nim_base_url: this.emulator.url,
        datastore_base_url: this.emulator.url,
      },
      nims,
      llm_judge_config: {
        deployment_type: 'remote',
        url: `${this.emulator.url}/v1/chat/completions`,
        model_name: 'meta/llama-3.3-70b-instruct',
      },
      data_split_config: { ...base.data_split_config, eval_size: 10, min_total_records: 20, limit: 200 },
      gpu_budget: overrides.gpuBudget ?? 2,
      gpu_policy: { ...base.gpu_policy, share_nims: overrides.shareNims ?? false },
      timing: {
        poll_interval_ms: 100,
        heartbeat_timeout_ms: 5000,
        deployment_timeout_ms: 60_000,
        job_stall_timeout_ms: 60_000,
        queue_timeout_ms: 60_000,
        teardown_timeout_ms: 30_000,
      },
    };
  }

  /** Starts a run the way the API does: workflow id from the job id, search attributes set. */
  async startRun(input: Partial<FlywheelRunInput> = {}): Promise<WorkflowHandle> {
    const jobId = input.jobId ?? randomBytes(12).toString('hex');
    return this.env.client.workflow.start('flywheelRun', {
      taskQueue: this.taskQueue,
      workflowId: workflowIdForJob(jobId),
      args: [{ jobId, workloadId: SAMPLE.workloadId, clientId: SAMPLE.clientId, ...input } satisfies FlywheelRunInput],
    });
  }

  /**
   * `temporal workflow reset` to the run's first workflow task, as an operator repairs a run:
   * returns the handle of the new run (same workflow id) and its run id.
   */
  async resetToStart(handle: WorkflowHandle, reason: string): Promise<{ handle: WorkflowHandle; runId: string }> {
    const history = await handle.fetchHistory();
    const firstTask = history.events?.find((e) => e.workflowTaskCompletedEventAttributes)?.eventId;
    const { runId } = await this.env.client.workflowService.resetWorkflowExecution({
      namespace: servers.TEMPORAL_NAMESPACE,
      workflowExecution: { workflowId: handle.workflowId, runId: (await handle.describe()).runId },
      reason,
      workflowTaskFinishEventId: firstTask,
      requestId: randomUUID(),
    });
    if (!runId) throw new Error(`reset of ${handle.workflowId} returned no run id`);
    return { handle: this.env.client.workflow.getHandle(handle.workflowId, runId), runId };
  }

  /** The run's result, also when its workflow ended Failed or Canceled (the result is the failure's detail). */
  async result(handle: WorkflowHandle): Promise<FlywheelRunResult> {
    return runOutcome(handle);
  }

  /** The emulator's admin routes (counters, GPUs, faults). */
  get admin(): EmulatorClient {
    return new EmulatorClient(this.emulator.url);
  }

  counters(): Promise<EmulatorCounters> {
    return this.admin.counters();
  }

  /** GPUs held and busy on the emulated cluster (GET /admin/gpus). */
  gpus(): Promise<EmulatorGpus> {
    return this.admin.gpus();
  }

  /** Samples the emulator's GPUs every ~20 ms until `done` settles. */
  async sampleGpus<T>(done: Promise<T>): Promise<{ result: T; samples: EmulatorGpus[] }> {
    const samples: EmulatorGpus[] = [];
    let finished = false;
    const result = done.finally(() => {
      finished = true;
    });
    while (!finished) {
      samples.push(await this.gpus());
      await new Promise((r) => setTimeout(r, 20));
    }
    return { result: await result, samples };
  }

  setFaults(plan: Record<string, unknown>): Promise<void> {
    return this.admin.setFaults(plan);
  }

  clearFaults(): Promise<void> {
    return this.admin.clearFaults();
  }

  /** Every document of a run, as a client of the Blueprint's API would read them. */
  async documents(jobId: string) {
    return {
      run: await this.results.getRun(jobId),
      ...(await this.results.findRunSteps(jobId)),
      judge: await this.results.getJudge(jobId),
    };
  }

  async stopWorker(): Promise<void> {
    if (!this.worker) return;
    this.worker.shutdown();
    await this.workerDone;
    this.worker = undefined;
  }

  async close(): Promise<void> {
    await this.env?.client.workflow
      .getHandle(this.gpuLedgerId)
      .terminate('test file done')
      .catch(() => undefined);
    await this.stopWorker();
    await this.env?.teardown();
    await this.mongo?.db(this.dbName).dropDatabase();
    await this.mongo?.close();
    await this.elasticsearch?.indices.delete({ index: this.logIndex }, { ignore: [404] });
    await this.elasticsearch?.close();
    await this.emulator?.close();
  }
}

/** Polls until `check` returns a value (not undefined), or fails after `timeoutMs`. */
export async function eventually<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
