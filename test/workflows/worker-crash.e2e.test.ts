import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import { extractScores } from '../../nemo-client';
import { eventually, FlywheelHarness } from '../support/flywheel-harness';
import { recordHistory } from '../support/flywheel-histories';
import { workflowBundle } from '../support/temporal';
import { startBareWorker } from '../support/worker-process';

// Exercises: worker/main.ts (spawned as a child process, so no import names them)

// The worker is a real child process (worker/main.ts, as in production). Killing it with
// SIGKILL mid-run and starting a new one must finish the run with the results its remote jobs
// computed, without creating any NeMo job twice (the emulator's counters prove it).

describe('a worker killed mid-run', () => {
  const h = new FlywheelHarness({ timeScale: 0.03, worker: false });
  const workers: ChildProcess[] = [];
  let configFile: string;
  let bundleFile: string;

  beforeAll(async () => {
    await h.start();
    const dir = mkdtempSync(path.join(tmpdir(), 'flywheel-crash-'));
    configFile = path.join(dir, 'flywheel.yaml');
    // NIMs held through training with room for both candidates' training GPUs (a NIM is released
    // when its training cannot be granted): each is deployed once, so a second create is a duplicate.
    const config = h.config({ gpuBudget: 4 });
    writeFileSync(configFile, stringify({ ...config, gpu_policy: { ...config.gpu_policy, nim_release: 'hold' } }));
    // The worker loads the bundle this file already built instead of running webpack twice.
    bundleFile = path.join(dir, 'workflow-bundle.js');
    writeFileSync(bundleFile, (await workflowBundle()).code);
  }, 120_000);
  afterAll(async () => {
    for (const w of workers) if (w.exitCode === null) w.kill('SIGKILL');
    await h.close();
  });

  /** Starts `worker/main.ts` in its own process and resolves once it polls the task queue. */
  const startWorkerProcess = () =>
    startBareWorker(h, { FLYWHEEL_CONFIG: configFile, FLYWHEEL_WORKFLOW_BUNDLE: bundleFile }, workers);

  /** Stored scores next to the scores of the one remote evaluation job each document points at. */
  async function storedAndRemoteScores(jobId: string) {
    const { evaluations } = await h.documents(jobId);
    return Promise.all(
      evaluations.map(async (e) => {
        const results = await (await fetch(`${h.emulator.url}/v1/evaluation/jobs/${e.job_id}/results`)).json();
        return { stored: e.scores, remote: extractScores(results, 'tool_calling') };
      }),
    );
  }

  test('the run finishes on a new worker with the same scores and no duplicate NeMo jobs', async () => {
    const first = await startWorkerProcess();

    const jobId = randomBytes(12).toString('hex');
    const handle = await h.startRun({ jobId });
    // Mid-run: customizations are training and evaluations are running.
    let seen = '';
    await eventually(
      'a customization job to be training',
      async () => {
        const docs = await h.documents(jobId);
        seen = JSON.stringify({
          run: docs.run?.status,
          customizations: docs.customizations.map((c) => [c.status, c.job_id, c.progress]),
          evaluations: docs.evaluations.map((e) => [e.eval_type, e.status]),
        });
        return docs.customizations.some((c) => c.job_id && c.status === 'running') ? true : undefined;
      },
      60_000,
    ).catch((err) => {
      throw new Error(`${(err as Error).message}; last seen ${seen}`);
    });
    first.kill('SIGKILL');
    await new Promise((r) => first.once('exit', r));

    await startWorkerProcess();
    const result = await h.result(handle);
    expect(result).toEqual({ jobId, status: 'completed', candidatesFailed: 0 });

    const counters = await h.counters();
    const mine = (created: Record<string, number>, key: string) =>
      Object.entries(created).filter(([name]) => name.includes(key));
    const jobs = [
      ...mine(counters.created.evaluation_jobs, jobId),
      ...mine(counters.created.customization_jobs, jobId),
    ];
    expect(jobs).toHaveLength(8);
    expect(jobs.filter(([, n]) => n !== 1)).toEqual([]);
    expect(mine(counters.created.deployments, jobId.slice(-8)).filter(([, n]) => n !== 1)).toEqual([]);
    expect(counters.live_deployments).toEqual([]);

    // Every evaluation finished, and what is stored is what its single remote job computed.
    const scores = await storedAndRemoteScores(jobId);
    expect(scores).toHaveLength(6);
    for (const { stored, remote } of scores) expect(stored).toEqual(remote);
    const docs = await h.documents(jobId);
    expect(docs.customizations.map((c) => c.status)).toEqual(['completed', 'completed']);
    expect(docs.nims.map((n) => n.status)).toEqual(['completed', 'completed']);
    await recordHistory(h, handle.workflowId, 'worker-killed');
  });
});
