import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import type { FlywheelHarness } from './flywheel-harness';
import { servers } from './servers';
import { sharedBundleFile } from './shared-workflow-bundle';

// The production worker (worker/main.ts) as a child process pointed at a harness's stores and
// task queue, with extra environment (build id, bundle, ...). Resolves once it polls.

const REPO = path.resolve(__dirname, '../..');

/** What points a worker or API process at a harness's servers, stores, task queue and GPU ledger. */
export const harnessServerEnv = (h: FlywheelHarness) => ({
  TEMPORAL_ADDRESS: servers.TEMPORAL_ADDRESS,
  MONGODB_URL: servers.MONGODB_URL,
  MONGODB_DB: h.dbName,
  ELASTICSEARCH_URL: servers.ELASTICSEARCH_URL,
  ES_COLLECTION_NAME: h.logIndex,
  FLYWHEEL_TASK_QUEUE: h.taskQueue,
  FLYWHEEL_GPU_LEDGER_ID: h.gpuLedgerId,
});

/** The run's shared workflow bundle for a worker child, which would otherwise bundle on start. */
const sharedBundleEnv = (): Record<string, string> => {
  const file = sharedBundleFile();
  return file ? { FLYWHEEL_WORKFLOW_BUNDLE: file } : {};
};

/** The environment of a worker process: this one's, pointed at the harness. */
const harnessEnv = (h: FlywheelHarness) => ({ ...process.env, ...harnessServerEnv(h) });

export interface WorkerProcess {
  child: ChildProcess;
  /** Base URL of its health and metrics server. */
  url: string;
  output: () => string;
  /** SIGTERM and wait for the exit (the worker drains first). */
  stop: () => Promise<void>;
  /** Resolves when `text` appears in its output. */
  waitFor: (text: string | RegExp, timeoutMs?: number) => Promise<void>;
}

export async function startWorkerProcess(
  h: FlywheelHarness,
  env: Record<string, string>,
  live: ChildProcess[] = [],
): Promise<WorkerProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'worker/main.ts'], {
    cwd: REPO,
    env: {
      ...harnessEnv(h),
      FLYWHEEL_WORKER_SHUTDOWN_GRACE_SECONDS: '1',
      FLYWHEEL_WORKER_METRICS_PORT: '0',
      ...sharedBundleEnv(),
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  live.push(child);
  let output = '';
  const listeners = new Set<() => void>();
  const append = (d: Buffer) => {
    output += String(d);
    if (output.length > 200_000) output = output.slice(-100_000);
    for (const l of listeners) l();
  };
  child.stdout?.on('data', append);
  child.stderr?.on('data', append);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  const waitFor = (text: string | RegExp, timeoutMs = 120_000) =>
    new Promise<void>((resolve, reject) => {
      const found = () => (typeof text === 'string' ? output.includes(text) : text.test(output));
      const done = (err?: Error) => {
        clearTimeout(timer);
        listeners.delete(check);
        if (err) reject(err);
        else resolve();
      };
      const check = () => {
        if (found()) done();
      };
      const timer = setTimeout(() => done(new Error(`worker did not print ${text}:\n${output}`)), timeoutMs);
      listeners.add(check);
      exited.then(() => {
        if (!found()) done(new Error(`worker exited (${child.exitCode}) before printing ${text}:\n${output}`));
      });
      check();
    });

  await waitFor('flywheel worker polling');
  const url = /health and metrics on (http:\/\/[^\s"]+)/.exec(output)?.[1];
  if (!url) throw new Error(`no metrics URL in the worker's output:\n${output}`);
  return {
    child,
    url,
    output: () => output,
    waitFor,
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

/**
 * `worker/main.ts` with nothing but the harness's stores and `env` (no shutdown grace, no
 * metrics server): Node runs it itself (`--import tsx`, no launcher in between), so a SIGKILL
 * to the child kills the worker. Resolves once it polls.
 */
export async function startBareWorker(
  h: FlywheelHarness,
  env: Record<string, string>,
  live: ChildProcess[],
): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'worker/main.ts'], {
    cwd: REPO,
    env: {
      ...harnessEnv(h),
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  live.push(child);
  let output = '';
  child.stderr?.on('data', (d) => {
    output += String(d);
  });
  await new Promise<void>((resolve, reject) => {
    child.stdout?.on('data', (d) => {
      output += String(d);
      if (output.includes('flywheel worker polling')) resolve();
    });
    child.on('exit', (code) => reject(new Error(`worker exited with ${code} before polling:\n${output}`)));
  });
  return child;
}
