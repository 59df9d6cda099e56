import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { createReadStream, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Client as ElasticsearchClient } from '@elastic/elasticsearch';
import { Client, Connection, type WorkflowHandle } from '@temporalio/client';
import type { MongoClient } from 'mongodb';
import { stringify } from 'yaml';
import { loadFlywheelConfig } from '../../config/load';
import type { CandidateModel, FlywheelConfig } from '../../config/schema';
import { type RunningEmulator, startEmulator } from '../../nemo-emulator/server';
import { createElasticsearchClient } from '../../stores/elasticsearch';
import { loadLogs } from '../../stores/log-loader';
import { connectMongo } from '../../stores/mongo';
import { ResultsStore } from '../../stores/results/results-store';
import { runOutcome } from '../../temporal/run-outcome';
import { type FlywheelRunInput, type FlywheelRunResult, workflowIdForJob } from '../../workflows/contract';
import { DEFAULT_GPU_LEDGER_ID } from '../../workflows/gpu-budget-contract';
import { runtimeEnv } from '../deploy/image-layout';
import { EmulatorClient } from '../support/emulator-client';
import { removeSharedBundle, sharedBundleFile, writeSharedBundle } from '../support/shared-workflow-bundle';
import { type ClockDriver, driveClock, virtualClockOf } from '../support/virtual-time';
import { REPO } from './private-servers';

// One chaos "rig": an in-process NeMo emulator, a fresh MongoDB database and Elasticsearch
// index on the given servers (shared stack or private ones), and a supervised worker child
// process on a task queue of its own. Scenarios start runs on it and disturb it.

export const SAMPLE = {
  file: path.join(REPO, 'samples/customer-support.jsonl'),
  workloadId: 'chaos-tool-calling',
  clientId: 'chaos-client',
};
export const MODELS = ['meta/llama-3.2-1b-instruct', 'meta/llama-3.2-3b-instruct', 'meta/llama-3.1-8b-instruct'];
/** The emulator seed every rig uses, so scores are comparable with the baseline run's. */
export const EMULATOR_SEED = 11;

export interface RigServers {
  temporalAddress: string;
  mongoUrl: string;
  elasticsearchUrl: string;
}

export interface RigOptions {
  servers: RigServers;
  timeScale: number;
  models?: string[];
  timing?: Partial<FlywheelConfig['timing']>;
  /** Emulator fault plan from the start (same shape as PUT /admin/faults). */
  faults?: Record<string, unknown>;
  /** Extra environment for the worker child (e.g. CHAOS_BLOCK_MS, CHAOS_MAX_ACTIVITIES). */
  workerEnv?: Record<string, string>;
  /**
   * `virtual`: the emulator waits on a virtual clock the rig drives (each wait ends as soon as
   * it is reached), and `clock` pauses it to hold every NeMo job where it is.
   */
  emulatorClock?: 'wall' | 'virtual';
}

// Worker children still alive are killed if this process exits without closing its rigs.
const liveWorkers = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of liveWorkers) child.kill('SIGKILL');
});

let bundleFile: Promise<string> | undefined;
/** The workflow bundle: the jest run's shared one, else built once per process for every worker child. */
export function chaosBundle(): Promise<string> {
  const shared = sharedBundleFile();
  if (shared) return Promise.resolve(shared);
  bundleFile ??= writeSharedBundle().then((file) => {
    process.once('exit', () => removeSharedBundle(file));
    return file;
  });
  return bundleFile;
}

export class ChaosRig {
  readonly taskQueue = `chaos-${randomUUID()}`;
  readonly dbName = `chaos_${randomUUID().slice(0, 8)}`;
  readonly logIndex = `chaos-logs-${randomUUID().slice(0, 8)}`;
  readonly workDir = mkdtempSync(path.join(tmpdir(), 'flywheel-chaos-'));
  emulator!: RunningEmulator;
  /** Drives the emulator's virtual clock (a rig started with `emulatorClock: 'virtual'`). */
  clock?: ClockDriver;
  results!: ResultsStore;
  client!: Client;
  /** How many times the supervisor restarted a worker that died on its own (not by us). */
  unexpectedWorkerExits = 0;
  workerStarts = 0;
  private mongo!: MongoClient;
  private elasticsearch!: ElasticsearchClient;
  private connection!: Connection;
  private worker?: ChildProcess;
  private supervising = false;
  private workerLog: string[] = [];

  constructor(readonly options: RigOptions) {}

  get servers(): RigServers {
    return this.options.servers;
  }

  async start(): Promise<void> {
    this.emulator = await startEmulator({
      profile: 'demo',
      port: 0,
      timeScale: this.options.timeScale,
      seed: EMULATOR_SEED,
      faults: this.options.faults as never,
      clock: this.options.emulatorClock,
    });
    if (this.options.emulatorClock === 'virtual') this.clock = driveClock(virtualClockOf(this.emulator));
    const mongo = await connectMongo(this.servers.mongoUrl, this.dbName);
    this.mongo = mongo.client;
    this.results = new ResultsStore(mongo.db);
    await this.results.ensureIndexes();
    this.elasticsearch = createElasticsearchClient(this.servers.elasticsearchUrl);
    await loadLogs({
      elasticsearch: this.elasticsearch,
      index: this.logIndex,
      source: createReadStream(SAMPLE.file),
      workloadId: SAMPLE.workloadId,
      clientId: SAMPLE.clientId,
    });
    await this.elasticsearch.indices.refresh({ index: this.logIndex });
    this.connection = await Connection.connect({ address: this.servers.temporalAddress });
    this.client = new Client({ connection: this.connection });
    writeFileSync(path.join(this.workDir, 'flywheel.yaml'), stringify(this.config()));
    await this.startWorker();
    this.supervising = true;
  }

  /** The shipped default config pointed at this rig's emulator, with fast timings and small data. */
  config(): FlywheelConfig {
    const base = loadFlywheelConfig('default', {});
    const nims: CandidateModel[] = (this.options.models ?? MODELS.slice(0, 2)).map((model_name) => {
      const shipped = base.nims.find((n) => n.model_name === model_name) ?? base.nims[0];
      return { ...(shipped as CandidateModel), model_name, customization_enabled: true };
    });
    const url = this.emulator.url;
    return {
      ...base,
      nmp_config: { ...base.nmp_config, nemo_base_url: url, nim_base_url: url, datastore_base_url: url },
      nims,
      llm_judge_config: {
        deployment_type: 'remote',
        url: `${url}/v1/chat/completions`,
        model_name: 'meta/llama-3.3-70b-instruct',
      },
      data_split_config: { ...base.data_split_config, eval_size: 10, min_total_records: 20, limit: 200 },
      // unlimited for practical purposes: concurrent runs never queue behind each other
      gpu_budget: 1000,
      // NIMs held through training: each is deployed once, so the judge's duplicate check holds
      // (release/auto redeploy a NIM for the customized evaluation by design)
      // the judge follows each run's own deployments (named after its job): no NIM shared by runs
      gpu_policy: { ...base.gpu_policy, nim_release: 'hold', share_nims: false },
      timing: {
        poll_interval_ms: 100,
        heartbeat_timeout_ms: 3000,
        deployment_timeout_ms: 60_000,
        job_stall_timeout_ms: 60_000,
        queue_timeout_ms: 60_000,
        teardown_timeout_ms: 30_000,
        ...this.options.timing,
      },
    };
  }

  /** Starts a worker child process and resolves once it polls; restarts it if it dies on its own. */
  async startWorker(): Promise<void> {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(__dirname, 'worker-process.ts')], {
      cwd: REPO,
      env: {
        ...process.env,
        TEMPORAL_ADDRESS: this.servers.temporalAddress,
        MONGODB_URL: this.servers.mongoUrl,
        MONGODB_DB: this.dbName,
        ELASTICSEARCH_URL: this.servers.elasticsearchUrl,
        ES_COLLECTION_NAME: this.logIndex,
        FLYWHEEL_TASK_QUEUE: this.taskQueue,
        // the image's allocator setting, so the benchmarks' worker is measured as it ships
        MALLOC_ARENA_MAX: runtimeEnv('/app').MALLOC_ARENA_MAX,
        FLYWHEEL_GPU_LEDGER_ID: `${DEFAULT_GPU_LEDGER_ID}-${this.taskQueue}`,
        FLYWHEEL_CONFIG: path.join(this.workDir, 'flywheel.yaml'),
        CHAOS_WORKFLOW_BUNDLE: await chaosBundle(),
        ...this.options.workerEnv,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.worker = child;
    this.workerStarts += 1;
    liveWorkers.add(child);
    child.once('exit', () => liveWorkers.delete(child));
    let output = '';
    const keep = (d: Buffer) => {
      output += String(d);
      if (output.length > 20_000) output = output.slice(-10_000);
    };
    child.stderr?.on('data', keep);
    await new Promise<void>((resolve, reject) => {
      child.stdout?.on('data', (d: Buffer) => {
        keep(d);
        if (output.includes('chaos worker polling')) resolve();
      });
      child.once('exit', (code, signal) => {
        this.workerLog.push(output);
        reject(new Error(`worker exited (${code ?? signal}) before polling:\n${output.slice(-3000)}`));
      });
    });
    child.once('exit', () => {
      if (this.worker !== child || !this.supervising) return;
      // A worker that dies on its own (e.g. its server went away for too long) is restarted,
      // as a process supervisor would; the table reports how often that happened.
      this.unexpectedWorkerExits += 1;
      this.worker = undefined;
      this.restartWorkerSoon();
    });
  }

  private restartWorkerSoon(): void {
    setTimeout(() => {
      if (!this.supervising || this.worker) return;
      this.startWorker().catch(() => this.restartWorkerSoon());
    }, 1000);
  }

  /** The worker child's process id (for the concurrency benchmark's memory readings). */
  get workerPid(): number | undefined {
    return this.worker?.pid;
  }

  /** `kill -9` the worker and wait until the process is gone. */
  async killWorker(): Promise<void> {
    const child = this.worker;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    this.worker = undefined;
    const gone = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await gone;
  }

  /** Sends a signal to the worker process (SIGSTOP/SIGCONT, or SIGUSR2 to block its event loop). */
  signalWorker(signal: NodeJS.Signals): void {
    this.worker?.kill(signal);
  }

  newJobId(): string {
    return randomBytes(12).toString('hex');
  }

  /** Starts a run the way the API does: the pending run document first, then the workflow. */
  async startRun(jobId: string, input: Partial<FlywheelRunInput> = {}): Promise<WorkflowHandle> {
    await this.results.createRun({
      _id: jobId,
      workload_id: SAMPLE.workloadId,
      client_id: SAMPLE.clientId,
      workflow_id: workflowIdForJob(jobId),
      config_name: 'default',
    });
    return this.client.workflow.start('flywheelRun', {
      taskQueue: this.taskQueue,
      workflowId: workflowIdForJob(jobId),
      args: [{ jobId, workloadId: SAMPLE.workloadId, clientId: SAMPLE.clientId, ...input } satisfies FlywheelRunInput],
    });
  }

  async result(jobId: string): Promise<FlywheelRunResult> {
    return runOutcome(this.client.workflow.getHandle(workflowIdForJob(jobId)));
  }

  /** A call to the emulator's admin routes that must succeed (the shared EmulatorClient). */
  admin<T>(method: 'GET' | 'PUT' | 'DELETE', route: string, body?: unknown): Promise<T> {
    return new EmulatorClient(this.emulator.url).ok<T>(method, route, body);
  }

  async close(): Promise<void> {
    this.supervising = false;
    await this.client?.workflow
      .getHandle(`${DEFAULT_GPU_LEDGER_ID}-${this.taskQueue}`)
      .terminate('chaos rig done')
      .catch(() => undefined);
    await this.killWorker();
    await this.connection?.close().catch(() => undefined);
    await this.mongo
      ?.db(this.dbName)
      .dropDatabase()
      .catch(() => undefined);
    await this.mongo?.close().catch(() => undefined);
    await this.elasticsearch?.indices.delete({ index: this.logIndex }, { ignore: [404] }).catch(() => undefined);
    await this.elasticsearch?.close().catch(() => undefined);
    await this.clock?.stop();
    await this.emulator?.close();
    rmSync(this.workDir, { recursive: true, force: true });
  }
}
